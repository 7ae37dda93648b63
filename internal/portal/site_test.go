package portal_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/gateway"
	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/portal"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/realip"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/storetest"
	"github.com/racd/racd/internal/web"
	"github.com/racd/racd/internal/websession"
)

// fastParams keep the tests quick; timing tests use timedParams.
var fastParams = password.Params{Memory: 64, Passes: 1, Lanes: 1, SaltLen: 16, KeyLen: 32}

// clock is a settable time shared by a site's sessions and pages.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// site is one racd replica serving the API and the pages on a database.
type site struct {
	t      *testing.T
	URL    string
	Store  *sqlstore.Store
	Keys   *keys.Keyring
	Clock  *clock
	Params password.Params
}

type siteOpts struct {
	params  password.Params
	clock   *clock
	proxies *realip.Proxies
	idle    time.Duration
	maxAge  time.Duration
	// log, when set, receives every log line of the replica (the access log included).
	log io.Writer
	// guacd, when set, gives the replica a connection gateway to it (session pages and
	// their WebSockets), as racd serve composes them.
	guacd *guacdtest.Server
}

// newSite starts a replica on dbURL (migrated, with the bootstrap admin).
func newSite(t *testing.T, dbURL string, o siteOpts) *site {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dbURL, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ring, err := keys.New(apitest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := ring.Seal(apitest.AdminToken)
	if _, err := st.Bootstrap(ctx, racd.SealedKey{Hash: ring.Hash(apitest.AdminToken), Ciphertext: sealed}); err != nil {
		t.Fatal(err)
	}
	if o.params.Memory == 0 {
		o.params = fastParams
	}
	if o.clock == nil {
		o.clock = &clock{t: time.Now()}
	}
	v, err := password.NewVerifier(o.params)
	if err != nil {
		t.Fatal(err)
	}
	var log *slog.Logger
	if o.log != nil {
		log = slog.New(slog.NewTextHandler(o.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	sessions := websession.New(websession.Config{Store: st, Keys: ring, Proxies: o.proxies, IdleTimeout: o.idle, MaxAge: o.maxAge, Now: o.clock.Now, Logger: log})
	api := httpapi.New(httpapi.Config{Store: st, Keys: ring, TrustedProxies: o.proxies, Sessions: sessions, Verifier: v, Logger: log, AccessLog: log != nil})
	pages := portal.New(portal.Config{Store: st, Sessions: sessions, Keys: ring, Verifier: v, Now: o.clock.Now, Logger: log})
	assets := web.AssetHandler()
	var sessionPages, gw http.Handler = http.NotFoundHandler(), http.NotFoundHandler()
	if o.guacd != nil {
		g := startGateway(t, st, ring, sessions, o.guacd.Addr())
		gw = g
		sessionPages = web.SessionPage(func(w http.ResponseWriter, r *http.Request, secret string) (string, error) {
			info, err := g.OpenPage(w, r, secret)
			return info.Title, err
		}, nil)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			api.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, web.AssetPrefix):
			assets.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, racd.SessionPagePrefix):
			sessionPages.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, racd.SessionWebSocketPrefix):
			gw.ServeHTTP(w, r)
		default:
			pages.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return &site{t: t, URL: srv.URL, Store: st, Keys: ring, Clock: o.clock, Params: o.params}
}

// startGateway runs a connection gateway on st, wired to the browser sessions as
// racd serve wires it: tokens bound to a session open only in its browser, and a
// session whose token went with its browser session ends as signed out.
func startGateway(t *testing.T, st *sqlstore.Store, ring *keys.Keyring, sessions *websession.Manager, guacd string) *gateway.Gateway {
	t.Helper()
	n, err := st.NewNotifier(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	evals := expr.NewEvaluator(0, expr.Limits{})
	g := gateway.New(gateway.Config{
		Store: st, Notifier: n, Hash: ring.Hash, GuacdAddr: guacd,
		Settings: func(ctx context.Context, gt *racd.GatewayToken, secret string, a racd.Audit) (map[string]string, error) {
			return evals.LaunchSettings(ctx, nil, &gt.Launch, secret, nil)
		},
		BrowserSession: func(r *http.Request) string {
			if s, err := sessions.Lookup(r.Context(), r); err == nil && s != nil {
				return s.UUID
			}
			return ""
		},
		SignedOut: func(ctx context.Context, id string) bool {
			_, err := st.GetBrowserSession(ctx, id)
			return errors.Is(err, racd.ErrNotFound)
		},
	})
	g.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = g.Shutdown(ctx)
		g.Close()
		n.Close()
	})
	return g
}

// user creates a user with a password and returns it.
func (s *site) user(username, pw string, active bool) *racd.User {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.Store.Users().Create(ctx, &racd.UserInput{Username: racd.Some(username), Name: racd.Some(strings.ToUpper(username[:1]) + username[1:]),
		Email: racd.Some(username + "@example.com"), IsActive: racd.Some(active)}, racd.Audit{})
	if err != nil {
		s.t.Fatal(err)
	}
	h, err := password.Hash(pw, s.Params)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.Store.SetPassword(ctx, u.ID, h, "", racd.Audit{}); err != nil {
		s.t.Fatal(err)
	}
	return u
}

// browser is a cookie jar that does not follow redirects, so tests see each answer.
type browser struct {
	t  *testing.T
	c  *http.Client
	ip string // X-Forwarded-For sent (believed only from trusted proxies)
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (b *browser) do(method, rawURL string, form url.Values, header map[string]string) *page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.ip != "" {
		req.Header.Set("X-Forwarded-For", b.ip)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return send(b.t, b.c, req)
}

// send sends req with c and reads the answer.
func send(t *testing.T, c *http.Client, req *http.Request) *page {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return &page{Status: res.StatusCode, Header: res.Header, Body: string(raw)}
}

func (b *browser) get(u string) *page { return b.do("GET", u, nil, nil) }

var csrfField = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`)

// csrf returns the form token of a page.
func (p *page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF field on the page:\n%s", p.Body)
	}
	return m[1]
}

// signIn loads the sign-in page at path (with its query) and submits login and pw.
func (b *browser) signIn(base, path, login, pw string) *page {
	b.t.Helper()
	form := b.get(base + path)
	if form.Status != 200 {
		b.t.Fatalf("GET %s: %d\n%s", path, form.Status, form.Body)
	}
	next := ""
	if u, err := url.Parse(path); err == nil {
		next = u.Query().Get("next")
	}
	target := base + strings.SplitN(path, "?", 2)[0]
	return b.do("POST", target, url.Values{"csrfmiddlewaretoken": {form.csrf(b.t)}, "username": {login}, "password": {pw}, "next": {next}}, nil)
}

func (b *browser) cookie(base, name string) *http.Cookie {
	u, _ := url.Parse(base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// api calls the API with the browser's cookies and, when csrf, its CSRF header.
func (b *browser) api(base, method, path, body string, csrf bool) *page {
	b.t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf {
		if c := b.cookie(base, websession.CSRFCookieName); c != nil {
			req.Header.Set(websession.CSRFHeader, c.Value)
		}
	}
	return send(b.t, b.c, req)
}

// forEachBackend runs fn on SQLite and PostgreSQL with a fresh database URL.
func forEachBackend(t *testing.T, fn func(t *testing.T, dbURL string)) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) { fn(t, storetest.URL(t, b)) })
	}
}

// admin calls the API as the bootstrap superuser (bearer token).
func (s *site) admin(method, path, body string) *page {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(s.t, http.DefaultClient, req)
}

// grant assigns perms to user id, globally when pk is "" (else on the user model's pk).
func (s *site) grant(id int64, model, pk string, perms ...string) {
	s.t.Helper()
	body := `{"permissions":["` + strings.Join(perms, `","`) + `"]`
	if pk != "" {
		body += `,"model":"` + model + `","object_pk":"` + pk + `"`
	}
	if p := s.admin("POST", "/api/v3/rbac/permissions/assigned_by_users/"+strconv.FormatInt(id, 10)+"/assign/", body+"}"); p.Status >= 300 {
		s.t.Fatalf("grant %v: %d %s", perms, p.Status, p.Body)
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
