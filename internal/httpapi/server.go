package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/racd/racd/internal/authz"
	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/realip"
	"github.com/racd/racd/internal/websession"
)

// Config wires a Server.
type Config struct {
	Store  racd.Store
	Keys   *keys.Keyring
	Logger *slog.Logger
	Now    func() time.Time
	// AuthCacheTTL bounds how long this process trusts a token lookup (and the
	// permissions loaded with it) before asking the database again. Changes made
	// through this process invalidate its cache at once; other replicas see them
	// within the TTL. 0 disables the cache.
	AuthCacheTTL time.Duration
	// RequestTimeout bounds each request's database work; past it the answer is 503.
	RequestTimeout time.Duration
	// AccessLog logs every request at info level.
	AccessLog bool
	Version   string
	// Observer receives request, auth-cache and evaluation events for metrics; nil
	// means none.
	Observer Observer
	// TrustedProxies are the peers whose X-Forwarded-For is believed for the client
	// address of the access log and audit events; nil trusts none.
	TrustedProxies *realip.Proxies
	// Evaluator runs property-mapping expressions (nil: one with the defaults).
	Evaluator *expr.Evaluator
	// Sessions authenticates browsers by their session cookie; nil accepts bearer
	// tokens only.
	Sessions *websession.Manager
	// Verifier holds the parameters new password hashes use (set_password).
	Verifier *password.Verifier
}

// Server is racd's HTTP API.
type Server struct {
	store   racd.Store
	keys    *keys.Keyring
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	access  bool
	version string
	router  router
	routes  []*route
	auth    *authCache
	obs     Observer
	proxies *realip.Proxies
	evals   *expr.Evaluator
	// installID names this installation in user uids (keys.Keyring.InstallID).
	installID string

	sessions *websession.Manager
	verifier *password.Verifier
}

// New builds a Server and its route table.
func New(cfg Config) *Server {
	s := &Server{
		store: cfg.Store, keys: cfg.Keys, log: cfg.Logger, now: cfg.Now,
		timeout: cfg.RequestTimeout, access: cfg.AccessLog, version: cfg.Version,
		auth: newAuthCache(cfg.AuthCacheTTL), obs: cfg.Observer, proxies: cfg.TrustedProxies, evals: cfg.Evaluator,
		sessions: cfg.Sessions, verifier: cfg.Verifier,
	}
	if s.evals == nil {
		s.evals = expr.NewEvaluator(0, expr.Limits{})
	}
	if s.obs == nil {
		s.obs = nopObserver{}
	}
	if s.keys != nil {
		s.installID = s.keys.InstallID()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout <= 0 {
		s.timeout = 15 * time.Second
	}
	s.routes = routeTable()
	for _, r := range s.routes {
		s.router.add(r)
	}
	return s
}

// call is one request in flight.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	ctx     context.Context
	route   *route
	params  [maxParams]string
	names   []string
	p       *authz.Principal
	reqID   string
	status  int
	errLog  error
	started time.Time
	// matched is the pattern of the route table's path the request matched, "" when
	// none: the only path metrics may name.
	matched string
	proxies *realip.Proxies
	// session is the browser session the request came with ("" for a bearer token).
	session *racd.BrowserSession
	// target is the object a detail route addresses, once authorize has found it.
	target target
	// installID names this installation in user uids.
	installID string
}

// param returns a path parameter by name.
func (c *call) param(name string) string {
	for i, n := range c.names {
		if n == name {
			return c.params[i]
		}
	}
	return ""
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &countingWriter{ResponseWriter: w}
	c := &call{w: cw, r: r, started: s.now(), reqID: RequestID(r), proxies: s.proxies, installID: s.installID}
	w.Header().Set("X-Request-Id", c.reqID)
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	c.ctx = ctx
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			c.errLog = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			s.writeDetail(c, http.StatusInternalServerError, "Internal server error (request "+c.reqID+").")
		}
		if c.status == 0 {
			c.status = cw.status
		}
		took := s.now().Sub(c.started)
		s.logRequest(c, took, cw.bytes)
		s.obs.Request(c.matched, c.r.Method, c.status, took, cw.bytes)
	}()
	if err := s.serve(c); err != nil {
		s.writeError(c, err)
	}
}

func (s *Server) serve(c *call) error {
	var np int
	n := s.router.match(c.r.URL.Path, &c.params, &np)
	if n == nil {
		return errNotFound
	}
	c.matched = n.pattern
	method := c.r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	rt := n.routes[method]
	// Authentication comes before the method check, as in DRF.
	acc := public
	for _, candidate := range n.routes {
		acc = max(acc, candidate.access)
	}
	if rt != nil {
		acc = rt.access
	}
	if acc != public {
		p, err := s.authenticate(c, acc)
		if err != nil {
			return err
		}
		c.p = p
	}
	if rt == nil {
		if c.r.Method == http.MethodOptions {
			c.w.Header().Set("Allow", n.allowed())
			c.status = http.StatusOK
			writeRaw(c.w, http.StatusOK, []byte("{}"))
			return nil
		}
		return errMethod(c.r.Method, n.allowed())
	}
	c.route = rt
	c.names = paramNames(rt.pattern)
	if acc != public {
		if err := s.authorize(c, rt.perm); err != nil {
			return err
		}
	}
	return rt.handler(s, c)
}

// RequestID reuses a sane incoming X-Request-Id (at most 64 printable ASCII
// characters) or makes a random one. A wrapper that needs the id before the API runs
// sets the header to what it returns, and the API then uses the same id.
func RequestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && printable(id) {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func (s *Server) logRequest(c *call, took time.Duration, bytes int64) {
	if c.errLog != nil {
		level := slog.LevelError
		if c.status == http.StatusServiceUnavailable {
			level = slog.LevelWarn
		}
		s.log.Log(c.ctx, level, "request failed", "method", c.r.Method, "path", c.r.URL.Path,
			"status", c.status, "request_id", c.reqID, "err", c.errLog)
	}
	if !s.access {
		return
	}
	user := ""
	if c.p != nil {
		user = c.p.User.Username
	}
	s.log.LogAttrs(c.ctx, slog.LevelInfo, "request",
		slog.String("method", c.r.Method), slog.String("path", c.r.URL.Path),
		slog.String("query", truncate(MaskQuery(c.r.URL.RawQuery), maxLoggedQuery)), slog.Int("status", c.status),
		slog.Int64("bytes", bytes), slog.Float64("ms", float64(took.Microseconds())/1000),
		slog.String("client_ip", s.proxies.ClientIP(c.r)), slog.String("user", user),
		slog.String("user_agent", truncate(c.r.UserAgent(), maxLoggedUserAgent)), slog.String("request_id", c.reqID))
}

// audit describes the caller and request for the events a change records.
func (c *call) audit() racd.Audit {
	a := racd.Audit{Request: racd.RequestInfo{
		Method: c.r.Method, Path: c.r.URL.Path, Query: MaskQuery(c.r.URL.RawQuery),
		UserAgent: c.r.UserAgent(), ClientIP: c.proxies.ClientIP(c.r), RequestID: c.reqID,
	}}
	if c.p != nil {
		a.User = c.p.User.Actor()
		a.Superuser = c.p.Superuser
		if !c.p.Superuser {
			// A reference to an object the caller cannot view is refused as missing.
			a.Visible = c.vis()
		}
	}
	return a
}

// vis returns the per-kind visibility function used_by lists need.
func (c *call) vis() func(perm string) racd.Visibility {
	return func(perm string) racd.Visibility { return c.p.Visibility(perm) }
}
