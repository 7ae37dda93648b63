package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/racd/racd/internal/guacproto"
	"github.com/racd/racd/internal/racd"
)

// claimCookie is the cookie by which the browser that opened a token first is known.
// It is set for the token's two paths only, HttpOnly and SameSite=Strict; racd keeps
// only its keyed hash.
const claimCookie = "racd_rac_claim"

// Size limits of the screen a page may ask for, and the defaults when it sends none.
const (
	maxScreen                           = 16384
	maxDPI                              = 1200
	defaultWidth, defaultHeight, defDPI = 1024, 768, 96
)

// secretFromPath returns the token secret of prefix<secret>/, or false.
func secretFromPath(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok {
		return "", false
	}
	secret, ok := strings.CutSuffix(rest, "/")
	if !ok || secret == "" || len(secret) > 128 {
		return "", false
	}
	for i := 0; i < len(secret); i++ {
		c := secret[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return "", false
		}
	}
	return secret, true
}

// Refusal is why a person may not open a session page, in words for the page.
type Refusal struct {
	Status  int // HTTP status
	Message string
}

func (r *Refusal) Error() string { return r.Message }

// HTTPStatus and PageMessage let the page handler show a refusal without knowing this
// package.
func (r *Refusal) HTTPStatus() int     { return r.Status }
func (r *Refusal) PageMessage() string { return r.Message }

// PageInfo is what the session page shows about its connection.
type PageInfo struct {
	Title    string // the endpoint's name
	Protocol string
}

// authorize finds the token of secret and checks the request may use it: the browser
// session it is bound to, or the claim cookie. claim lets a first browser claim an
// unbound token (the page does; the WebSocket never does).
func (g *Gateway) authorize(w http.ResponseWriter, r *http.Request, secret string, claim bool) (*racd.GatewayToken, *Reason, error) {
	gt, err := g.cfg.Store.GatewayToken(r.Context(), g.cfg.Hash(secret))
	if errors.Is(err, racd.ErrNotFound) {
		return nil, &refuseInvalid, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if gt.BrowserSession != "" {
		if g.cfg.BrowserSession == nil || g.cfg.BrowserSession(r) != gt.BrowserSession {
			return nil, &refuseOther, nil
		}
		return gt, nil, nil
	}
	if c, err := r.Cookie(claimCookie); err == nil && gt.ClaimHash != nil && hmac.Equal(g.claimHash(c.Value), gt.ClaimHash) {
		if claim {
			g.setClaimCookie(w, r, secret, c.Value, gt.Token.Expires)
		}
		return gt, nil, nil
	}
	if !claim || gt.ClaimHash != nil {
		return nil, &refuseOther, nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, nil, err
	}
	value := base64.RawURLEncoding.EncodeToString(b[:])
	won, err := g.cfg.Store.ClaimConnectionToken(r.Context(), gt.Token.UUID, g.claimHash(value))
	if errors.Is(err, racd.ErrNotFound) {
		return nil, &refuseInvalid, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !won {
		return nil, &refuseOther, nil
	}
	g.setClaimCookie(w, r, secret, value, gt.Token.Expires)
	return gt, nil, nil
}

func (g *Gateway) claimHash(cookie string) []byte { return g.cfg.Hash("rac-claim:" + cookie) }

// setClaimCookie sets the claim cookie for the token's page and WebSocket paths.
func (g *Gateway) setClaimCookie(w http.ResponseWriter, r *http.Request, secret, value string, expires *time.Time) {
	for _, prefix := range []string{racd.SessionPagePrefix, racd.SessionWebSocketPrefix} {
		c := &http.Cookie{Name: claimCookie, Value: value, Path: prefix + secret + "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: g.cfg.SecureCookies(r)}
		if expires != nil {
			c.Expires = *expires
		}
		http.SetCookie(w, c)
	}
}

// OpenPage authorizes the browser for the token behind secret, claiming the token
// when no browser has yet, and says what the page shows. A *Refusal says in words why
// the browser may not.
func (g *Gateway) OpenPage(w http.ResponseWriter, r *http.Request, secret string) (PageInfo, error) {
	gt, refused, err := g.authorize(w, r, secret, true)
	if err != nil {
		return PageInfo{}, err
	}
	if refused != nil {
		status := http.StatusNotFound
		if refused.Key == refuseOther.Key {
			status = http.StatusForbidden
		}
		return PageInfo{}, &Refusal{Status: status, Message: refused.Message}
	}
	return PageInfo{Title: gt.Token.Endpoint.Name, Protocol: gt.Token.Endpoint.Protocol}, nil
}

// screen is the size the page asks for.
type screen struct {
	width, height, dpi int
	timezone           string
}

// parseScreen reads screen_width, screen_height, screen_dpi and timezone; a value that
// is present must be valid.
func parseScreen(q url.Values) (screen, error) {
	sc := screen{width: defaultWidth, height: defaultHeight, dpi: defDPI}
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"screen_width", &sc.width, maxScreen}, {"screen_height", &sc.height, maxScreen}, {"screen_dpi", &sc.dpi, maxDPI}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > p.max || v[0] == '+' {
			return sc, fmt.Errorf("%s must be a whole number from 1 to %d", p.name, p.max)
		}
		*p.dst = n
	}
	if tz := q.Get("timezone"); tz != "" {
		if len(tz) > 64 || strings.Trim(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") != "" {
			return sc, errors.New("timezone must be a time zone name such as Europe/Berlin")
		}
		sc.timezone = tz
	}
	return sc, nil
}

// ServeHTTP serves /ws/rac/<token>/: the session's WebSocket.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secret, ok := secretFromPath(r.URL.Path, racd.SessionWebSocketPrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		http.Error(w, "The query string is not valid.", http.StatusBadRequest)
		return
	}
	sc, err := parseScreen(q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	gt, refused, err := g.authorize(w, r, secret, false)
	if err != nil {
		g.log.Error("looking up a connection token failed", "err", err)
		http.Error(w, "The server could not look up this connection; try again.", http.StatusServiceUnavailable)
		return
	}
	fw := frameWriting(w)
	ws, err := websocket.Accept(fw, r, &websocket.AcceptOptions{Subprotocols: []string{"guacamole"},
		CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return // Accept answered the request
	}
	if ws.Subprotocol() != "guacamole" {
		_ = ws.Close(websocket.StatusPolicyViolation, "the guacamole subprotocol is required")
		return
	}
	if refused != nil {
		refuse(ws, *refused)
		return
	}
	g.run(r, ws, hijackedConn(fw), gt, secret, sc)
}

// refuse tells the page why there is no session and closes the WebSocket.
func refuse(ws *websocket.Conn, r Reason) {
	sendError(ws, r)
	_ = ws.Close(websocket.StatusPolicyViolation, strconv.Itoa(r.Status))
}

// run is one session, from its start to its end.
func (g *Gateway) run(r *http.Request, ws *websocket.Conn, raw net.Conn, gt *racd.GatewayToken, secret string, sc screen) {
	ctx := context.WithoutCancel(r.Context())
	t := gt.Token
	s := &session{g: g, id: newID(), tokenUUID: t.UUID, token: gt, expires: t.Expires, ws: ws, raw: raw,
		clientIP: g.cfg.ClientIP(r), userAgent: r.UserAgent(), started: g.cfg.Now(),
		done: make(chan struct{}), torndown: make(chan struct{})}
	s.readCtx, s.cancelRead = context.WithCancel(context.Background())
	s.lastRead.Store(time.Now().UnixNano())
	gen, err := g.cfg.Store.StartConnectionSession(ctx, t.UUID)
	if err != nil {
		if errors.Is(err, racd.ErrNotFound) {
			refuse(ws, refuseInvalid)
			return
		}
		g.log.Error("starting a session failed", "connection_token", t.UUID, "err", err)
		refuse(ws, ReasonInternal)
		return
	}
	s.gen = gen
	if refused := g.register(s); refused != nil {
		refuse(ws, *refused)
		return
	}
	defer g.handlers.Done()
	g.live.Add(1)
	g.started.Add(1)
	if g.cfg.Observer != nil {
		g.cfg.Observer.SessionStarted()
	}
	if g.cfg.Notifier != nil {
		if err := g.cfg.Notifier.Publish(ctx, racd.Notice{Kind: racd.NoticeSessionStarted, ID: t.UUID, Seq: gen}); err != nil {
			g.log.Warn("announcing a session failed; an older session of its token on another replica may stay open",
				"connection_token", t.UUID, "err", err)
		}
	}
	s.record(s.audit(racd.EventSessionStart, "RAC session started", nil))
	g.log.Info("session started", "session", s.id, "connection_token", t.UUID, "endpoint", t.Endpoint.UUID,
		"user", t.User.Username, "client_ip", s.clientIP)
	var expiry *time.Timer
	if t.Expires != nil {
		expiry = time.AfterFunc(max(0, t.Expires.Sub(g.cfg.Now())), func() { s.end(ReasonExpired) })
	}
	defer s.finish(expiry)

	conn, scanner, reason := g.connect(ctx, s, secret, sc)
	if reason != nil {
		s.end(*reason)
		return
	}
	// The first message tells the page its tunnel is open (guacamole-client sends the
	// tunnel's UUID the same way).
	if err := ws.Write(ctx, websocket.MessageText, guacproto.New("", s.id).Encode()); err != nil {
		s.end(ReasonBrowserClosed)
		return
	}
	toBrowser := make(chan Reason, 1)
	go func() { toBrowser <- s.pumpToBrowser(scanner) }()
	rd := s.pumpToGuacd(conn)
	s.end(rd)
	rb := <-toBrowser
	s.end(rb)
}

// connect dials guacd and runs the handshake with the token's settings. On failure it
// returns the reason the page is told; an error guacd sent is passed on as it was.
func (g *Gateway) connect(ctx context.Context, s *session, secret string, sc screen) (net.Conn, *guacproto.Scanner, *Reason) {
	start := time.Now()
	observe := func(ok bool) {
		if g.cfg.Observer != nil {
			g.cfg.Observer.Handshake(time.Since(start), ok)
		}
	}
	t := s.token.Token
	audit := racd.Audit{User: racd.UserRef{ID: t.User.ID, Username: t.User.Username, Email: t.User.Email},
		Request: racd.RequestInfo{UserAgent: s.userAgent, ClientIP: s.clientIP}}
	settings, err := g.cfg.Settings(ctx, s.token, secret, audit)
	if err != nil {
		observe(false)
		g.log.Warn("connection settings could not be computed", "session", s.id, "err", err)
		return nil, nil, &ReasonBusy
	}
	d := net.Dialer{Timeout: g.cfg.ConnectTimeout}
	conn, err := d.DialContext(ctx, "tcp", g.cfg.GuacdAddr)
	if err != nil {
		observe(false)
		g.log.Warn("connecting to guacd failed", "addr", g.cfg.GuacdAddr, "session", s.id, "err", err)
		return nil, nil, &ReasonUnreachable
	}
	if !s.setGuacd(conn) {
		observe(false)
		return nil, nil, s.ended()
	}
	_ = conn.SetDeadline(time.Now().Add(g.cfg.HandshakeTimeout))
	scanner := guacproto.NewScanner(conn, g.cfg.MaxInstruction)
	id, err := handshake(conn, scanner, connectParams{Protocol: t.Endpoint.Protocol, Width: sc.width, Height: sc.height,
		DPI: sc.dpi, Timezone: sc.timezone, Settings: settings})
	observe(err == nil)
	if err != nil {
		if r := s.ended(); r != nil {
			return nil, nil, r
		}
		var ge *guacdError
		if errors.As(err, &ge) {
			// guacd's own error goes to the page as guacd sent it.
			_ = s.ws.Write(ctx, websocket.MessageText, ge.raw)
			return nil, nil, &ReasonGuacdError
		}
		var he *handshakeError
		if errors.As(err, &he) {
			g.log.Warn("guacd handshake failed", "session", s.id, "reason", he.reason.Key, "err", he.err)
			return nil, nil, &he.reason
		}
		return nil, nil, &ReasonUpstreamBad
	}
	_ = conn.SetDeadline(time.Time{})
	g.log.Debug("guacd ready", "session", s.id, "guacd_connection", id, "took", time.Since(start).String())
	return conn, scanner, nil
}

// peerIP is the default ClientIP: the address the request came from.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
