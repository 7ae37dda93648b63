// Package gateway is racd's connection gateway, the data plane of RAC: it turns a
// connection token into a live remote session. A browser that holds the token's page
// (/if/rac/<token>/) opens a WebSocket (/ws/rac/<token>/, subprotocol guacamole); racd
// connects to guacd, runs the Guacamole handshake itself with the token's settings
// computed at connect time (credentials go to guacd and nowhere else), and relays whole
// instructions both ways. It keeps one session per token, cuts a session at its
// token's expiry, when the token is deleted (on any replica: notices), when a newer
// session of the token starts and at shutdown, and records each session's start and
// end as audit events.
//
// The package depends on the domain (racd) only; storage, notices, settings and the
// keyed hash come in through Config.
package gateway

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/racd/racd/internal/guacproto"
	"github.com/racd/racd/internal/racd"
)

// Config wires a Gateway.
type Config struct {
	Store    racd.GatewayStore
	Notifier racd.Notifier
	// Hash is the keyed hash of token secrets (as stored at launch) and claim cookies.
	Hash func(secret string) []byte
	// Settings computes a token's merged connection settings at connect time. audit is
	// the session's user and client, for events of mappings that fail. An error means
	// they could not be computed now (no free evaluation slot): the page is told the
	// server is busy, and retries.
	Settings func(ctx context.Context, t *racd.GatewayToken, secret string, a racd.Audit) (map[string]string, error)

	GuacdAddr        string        // host:port of guacd (default 127.0.0.1:4822)
	ConnectTimeout   time.Duration // to connect to guacd (default 5s)
	HandshakeTimeout time.Duration // from connecting to guacd's ready (default 10s)
	ReconnectGrace   time.Duration // delete_token_on_disconnect waits this long for a reconnect (default 30s)
	// BrowserTimeout ends a session whose browser sent nothing for this long (the page
	// pings twice a second; default 60s).
	BrowserTimeout time.Duration
	// MaxInstruction bounds one instruction, and so one WebSocket message from the
	// browser (default 64 KiB).
	MaxInstruction int

	// ClientIP returns the client address of a request (default: the peer address).
	ClientIP func(r *http.Request) string
	// BrowserSession returns the signed-in browser session of a request, for tokens
	// bound to one; nil refuses those tokens.
	BrowserSession func(r *http.Request) string
	// SignedOut reports whether a browser session is gone (signed out, revoked or
	// ended): a session whose token was deleted with it ends with ReasonSignedOut
	// rather than ReasonDeleted. nil: never.
	SignedOut func(ctx context.Context, browserSession string) bool
	// SecureCookies marks claim cookies Secure (default: when the request came over TLS).
	SecureCookies func(r *http.Request) bool

	Logger   *slog.Logger
	Now      func() time.Time
	Observer Observer
}

// Observer hears about sessions, for metrics. Its methods must not block.
type Observer interface {
	// SessionStarted is called when a browser's session is accepted.
	SessionStarted()
	// SessionEnded is called once a session is over.
	SessionEnded(reason string, d time.Duration, toBrowser, fromBrowser int64)
	// Handshake reports how long a guacd handshake took and whether it succeeded.
	Handshake(d time.Duration, ok bool)
}

// Stats is a snapshot of the gateway's counters.
type Stats struct {
	Live             int64            // sessions now open
	Started          int64            // sessions accepted since start
	Ended            map[string]int64 // sessions ended, by reason key
	BytesToBrowser   int64            // relayed from guacd to browsers
	BytesFromBrowser int64            // relayed from browsers to guacd
}

// Gateway serves the session WebSockets and holds this replica's sessions.
type Gateway struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session // by connection token UUID: one per token
	timers   map[*time.Timer]struct{}
	closing  bool
	handlers sync.WaitGroup

	live, started      atomic.Int64
	toBrowser, toGuacd atomic.Int64
	endedMu            sync.Mutex
	ended              map[string]int64
	stopLoops          context.CancelFunc
	loops              sync.WaitGroup
	unsubscribe        func()
	bufPool            sync.Pool
}

// Defaults of Config.
const (
	DefaultGuacdAddr        = "127.0.0.1:4822"
	DefaultConnectTimeout   = 5 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultReconnectGrace   = 30 * time.Second
	DefaultBrowserTimeout   = 60 * time.Second
)

// maxBatch bounds one WebSocket message to the browser: instructions guacd sent
// together travel together, up to this size.
const maxBatch = 256 << 10

// New returns a gateway; Start begins its background work.
func New(cfg Config) *Gateway {
	if cfg.GuacdAddr == "" {
		cfg.GuacdAddr = DefaultGuacdAddr
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.ReconnectGrace <= 0 {
		cfg.ReconnectGrace = DefaultReconnectGrace
	}
	if cfg.BrowserTimeout <= 0 {
		cfg.BrowserTimeout = DefaultBrowserTimeout
	}
	if cfg.MaxInstruction <= 0 {
		cfg.MaxInstruction = guacproto.DefaultMaxLen
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = peerIP
	}
	if cfg.SecureCookies == nil {
		cfg.SecureCookies = func(r *http.Request) bool { return r.TLS != nil }
	}
	g := &Gateway{cfg: cfg, log: cfg.Logger, sessions: map[string]*session{}, timers: map[*time.Timer]struct{}{},
		ended: map[string]int64{}}
	g.bufPool.New = func() any { b := make([]byte, 0, 4<<10); return &b }
	return g
}

// Start subscribes to notices and runs the sweeps (stale browsers, tokens whose
// disconnect grace ran out while no timer watched them) until Close.
func (g *Gateway) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	g.stopLoops = cancel
	if g.cfg.Notifier != nil {
		g.unsubscribe = g.cfg.Notifier.Subscribe(g.onNotice)
	}
	g.loops.Add(2)
	go g.every(ctx, min(5*time.Second, g.cfg.BrowserTimeout/2), g.watchBrowsers)
	go g.every(ctx, max(g.cfg.ReconnectGrace, 10*time.Second), g.sweepDisconnected)
}

// Shutdown ends every session with ReasonShutdown (the page says the server is
// restarting and reconnects, to another replica where there is one; tokens stay
// valid), refuses new ones, and waits for the sessions to finish or ctx to end.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.closing = true
	all := make([]*session, 0, len(g.sessions))
	for _, s := range g.sessions {
		all = append(all, s)
	}
	g.mu.Unlock()
	for _, s := range all {
		s.end(ReasonShutdown)
	}
	done := make(chan struct{})
	go func() {
		g.handlers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the background work and pending deletion timers (after Shutdown).
func (g *Gateway) Close() {
	if g.unsubscribe != nil {
		g.unsubscribe()
	}
	if g.stopLoops != nil {
		g.stopLoops()
	}
	g.loops.Wait()
	g.mu.Lock()
	for t := range g.timers {
		t.Stop()
	}
	g.timers = map[*time.Timer]struct{}{}
	g.mu.Unlock()
}

// Stats returns the gateway's counters.
func (g *Gateway) Stats() Stats {
	st := Stats{Live: g.live.Load(), Started: g.started.Load(), BytesToBrowser: g.toBrowser.Load(),
		BytesFromBrowser: g.toGuacd.Load(), Ended: map[string]int64{}}
	g.endedMu.Lock()
	for k, v := range g.ended {
		st.Ended[k] = v
	}
	g.endedMu.Unlock()
	return st
}

// register makes s the session of its token on this replica and counts its handler
// (Shutdown waits for it); an older local session of the token ends as replaced. It
// refuses, with the reason, while shutting down or when a newer session of the token
// is already here.
func (g *Gateway) register(s *session) *Reason {
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		return &ReasonShutdown
	}
	old := g.sessions[s.tokenUUID]
	if old != nil && old.gen > s.gen {
		g.mu.Unlock()
		return &ReasonReplaced
	}
	g.sessions[s.tokenUUID] = s
	g.handlers.Add(1)
	g.mu.Unlock()
	if old != nil {
		old.end(ReasonReplaced)
	}
	return nil
}

func (g *Gateway) unregister(s *session) {
	g.mu.Lock()
	if g.sessions[s.tokenUUID] == s {
		delete(g.sessions, s.tokenUUID)
	}
	g.mu.Unlock()
}

func (g *Gateway) held(tokenUUID string) *session {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sessions[tokenUUID]
}

// onNotice reacts to a notice from any replica. It runs on the notifier's goroutine,
// so anything that waits (database checks) happens on another.
func (g *Gateway) onNotice(n racd.Notice) {
	switch n.Kind {
	case racd.NoticeConnectionTokenDeleted:
		if s := g.held(n.ID); s != nil {
			go g.recheck([]*session{s})
		}
	case racd.NoticeSessionStarted:
		if s := g.held(n.ID); s != nil && s.gen < n.Seq {
			s.end(ReasonReplaced)
		}
	case racd.NoticeResync:
		g.mu.Lock()
		all := make([]*session, 0, len(g.sessions))
		for _, s := range g.sessions {
			all = append(all, s)
		}
		g.mu.Unlock()
		if len(all) > 0 {
			go g.recheck(all)
		}
	}
}

// recheck ends the sessions whose tokens are no longer live. A notice alone never
// cuts a session: the database must agree (a delete that rolled back sent none, but a
// receiver does not rely on it).
func (g *Gateway) recheck(ss []*session) {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.tokenUUID
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	live, err := g.cfg.Store.LiveConnectionTokens(ctx, ids)
	if err != nil {
		g.log.Warn("checking connection tokens after a notice failed", "err", err)
		return
	}
	now := g.cfg.Now()
	for _, s := range ss {
		if live[s.tokenUUID] {
			continue
		}
		switch {
		case s.expires != nil && !now.Before(*s.expires):
			s.end(ReasonExpired)
		case s.token.BrowserSession != "" && g.cfg.SignedOut != nil && g.cfg.SignedOut(ctx, s.token.BrowserSession):
			s.end(ReasonSignedOut)
		default:
			s.end(ReasonDeleted)
		}
	}
}

// every calls fn every d until ctx ends.
func (g *Gateway) every(ctx context.Context, d time.Duration, fn func(ctx context.Context)) {
	defer g.loops.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

// watchBrowsers ends sessions whose browser went silent (the page pings twice a
// second, so silence means it is gone or stuck).
func (g *Gateway) watchBrowsers(context.Context) {
	cutoff := time.Now().Add(-g.cfg.BrowserTimeout).UnixNano()
	g.mu.Lock()
	var stale []*session
	for _, s := range g.sessions {
		if s.lastRead.Load() < cutoff {
			stale = append(stale, s)
		}
	}
	g.mu.Unlock()
	for _, s := range stale {
		s.end(ReasonUnresponsive)
	}
}

// sweepDisconnected deletes tokens whose disconnect grace ran out while no replica
// had a timer for them (the replica that held the session stopped meanwhile).
func (g *Gateway) sweepDisconnected(ctx context.Context) {
	n, err := g.cfg.Store.DeleteDisconnectedTokens(ctx, g.cfg.Now().Add(-g.cfg.ReconnectGrace))
	if err != nil && ctx.Err() == nil {
		g.log.Warn("deleting disconnected connection tokens failed", "err", err)
	} else if n > 0 {
		g.log.Info("deleted connection tokens after their session ended", "tokens", n)
	}
}

// afterFunc runs f after d unless Close stops it first.
func (g *Gateway) afterFunc(d time.Duration, f func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		g.mu.Lock()
		delete(g.timers, t)
		g.mu.Unlock()
		f()
	})
	g.timers[t] = struct{}{}
}

func (g *Gateway) countEnd(key string) {
	g.endedMu.Lock()
	g.ended[key]++
	g.endedMu.Unlock()
}

// newID returns a random UUID (a session's id).
func newID() string {
	id, err := racd.NewUUID(rand.Reader)
	if err != nil {
		panic("gateway: reading randomness: " + err.Error())
	}
	return id
}
