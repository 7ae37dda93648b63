package gateway

import (
	"context"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/racd/racd/internal/guacproto"
	"github.com/racd/racd/internal/racd"
)

// session is one browser's remote session through this replica.
type session struct {
	g         *Gateway
	id        string
	tokenUUID string
	gen       int64 // the token's session generation (newest wins on every replica)
	token     *racd.GatewayToken
	expires   *time.Time
	ws        *websocket.Conn
	raw       net.Conn // the browser's connection under ws (nil if unknown)
	clientIP  string
	userAgent string
	started   time.Time

	lastRead               atomic.Int64 // unix nanoseconds of the browser's last message
	toBrowser, fromBrowser atomic.Int64

	// readCtx bounds reads from the browser: cancelling it force-closes the WebSocket
	// (teardown does, when the browser does not answer the close handshake in time).
	readCtx    context.Context
	cancelRead context.CancelFunc

	mu          sync.Mutex
	guacd       net.Conn // nil until dialled
	reason      *Reason
	guacdErrors bool // guacd sent an error instruction (already passed on)
	done        chan struct{}
	torndown    chan struct{}
}

// end ends the session for r unless it already ended; the first reason wins. It
// returns at once: telling the page and closing the connections happen on another
// goroutine (end is called from timers and the notifier too).
func (s *session) end(r Reason) {
	s.mu.Lock()
	if s.reason != nil {
		s.mu.Unlock()
		return
	}
	s.reason = &r
	c := s.guacd
	s.mu.Unlock()
	close(s.done)
	go s.teardown(r, c)
}

// ended returns why the session ended, or nil while it lives.
func (s *session) ended() *Reason {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// setGuacd records the guacd connection; it reports false (and closes c) when the
// session ended meanwhile.
func (s *session) setGuacd(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reason != nil {
		c.Close()
		return false
	}
	s.guacd = c
	return true
}

// teardown closes guacd's connection, tells the page why (an error instruction, for
// reasons that have a status) and closes the WebSocket.
func (s *session) teardown(r Reason, c net.Conn) {
	defer close(s.torndown)
	if c != nil {
		c.Close()
	}
	if r.Status != 0 {
		sendError(s.ws, r)
	}
	code := websocket.StatusNormalClosure
	if r.Status != 0 {
		code = websocket.StatusGoingAway
	}
	reason := ""
	if r.Status != 0 {
		reason = strconv.Itoa(r.Status) // guacamole-common-js reads a status from the close reason
	}
	// A browser answers the close handshake at once; one that does not is cut after
	// closeGrace rather than the library's five seconds (whether or not a read from it
	// is under way, which cancelling readCtx alone would need).
	force := time.AfterFunc(closeGrace, func() {
		s.cancelRead()
		if s.raw != nil {
			s.raw.Close()
		}
	})
	_ = s.ws.Close(code, reason)
	force.Stop()
	s.cancelRead()
}

// closeGrace is how long a closing WebSocket waits for the browser's close frame.
const closeGrace = time.Second

// sendError writes a Guacamole error instruction for r, bounded in time.
func sendError(ws *websocket.Conn, r Reason) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = ws.Write(ctx, websocket.MessageText, guacproto.New("error", r.Message, strconv.Itoa(r.Status)).Encode())
}

// audit builds a session event.
func (s *session) audit(action, message string, extra map[string]any) *racd.Event {
	t := s.token.Token
	u := t.User
	ref := func(r racd.ObjectRef) map[string]any {
		return map[string]any{"app": r.App, "model_name": r.ModelName, "pk": r.PK, "name": r.Name}
	}
	sess := map[string]any{"id": s.id, "protocol": t.Endpoint.Protocol, "started": s.started.UTC().Format(time.RFC3339Nano)}
	for k, v := range extra {
		sess[k] = v
	}
	ev := &racd.Event{
		Action:   action,
		App:      "authentik.providers.rac",
		User:     racd.UserRef{ID: u.ID, Username: u.Username, Email: u.Email},
		Message:  message,
		ClientIP: s.clientIP,
		Request:  racd.RequestInfo{UserAgent: s.userAgent, ClientIP: s.clientIP},
		Extra: map[string]any{
			"connection_token": ref(t.Ref()),
			"endpoint":         ref(t.Endpoint.Ref()),
			"rac_session":      sess,
		},
	}
	if t.Provider != nil {
		p := ref(t.Provider.Ref())
		ev.Extra["provider"] = p
	}
	return ev
}

// record stores a session event; a failure is logged, never fatal to the session.
func (s *session) record(ev *racd.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.g.cfg.Store.Events().Record(ctx, ev); err != nil {
		s.g.log.Warn("recording a session event failed", "action", ev.Action, "session", s.id, "err", err)
	}
}

// finish runs once both relay directions stopped: it forgets the session, records its
// end, and for a token of a provider with delete_token_on_disconnect schedules the
// deletion after the reconnect grace.
func (s *session) finish(expiry *time.Timer) {
	if expiry != nil {
		expiry.Stop()
	}
	<-s.torndown
	g := s.g
	g.unregister(s)
	r := *s.ended()
	ended := g.cfg.Now()
	to, from := s.toBrowser.Load(), s.fromBrowser.Load()
	g.live.Add(-1)
	g.countEnd(r.Key)
	if g.cfg.Observer != nil {
		g.cfg.Observer.SessionEnded(r.Key, ended.Sub(s.started), to, from)
	}
	extra := map[string]any{"ended": ended.UTC().Format(time.RFC3339Nano), "bytes_to_browser": to,
		"bytes_from_browser": from, "end_reason": r.Key}
	if r.Message != "" {
		extra["end_message"] = r.Message
	}
	s.record(s.audit(racd.EventSessionEnd, "RAC session ended", extra))
	g.log.Info("session ended", "session", s.id, "connection_token", s.tokenUUID, "reason", r.Key,
		"bytes_to_browser", to, "bytes_from_browser", from)
	if r.KeepsToken || r.Key == ReasonDeleted.Key || r.Key == ReasonExpired.Key {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.cfg.Store.EndConnectionSession(ctx, s.tokenUUID, s.gen); err != nil {
		g.log.Warn("recording a session's end failed", "session", s.id, "err", err)
		return
	}
	if p := s.token.Token.Provider; p != nil && p.DeleteTokenOnDisconnect {
		uuid, gen := s.tokenUUID, s.gen
		g.afterFunc(g.cfg.ReconnectGrace, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			a := racd.Audit{User: racd.UserRef{ID: s.token.Token.User.ID, Username: s.token.Token.User.Username, Email: s.token.Token.User.Email},
				Request: racd.RequestInfo{ClientIP: s.clientIP}}
			deleted, err := g.cfg.Store.DeleteDisconnectedToken(ctx, uuid, gen, g.cfg.Now(), a)
			if err != nil {
				g.log.Warn("deleting a connection token after its session failed", "connection_token", uuid, "err", err)
			} else if deleted {
				g.log.Info("deleted a connection token after its session ended", "connection_token", uuid)
			}
		})
	}
}
