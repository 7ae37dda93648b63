package portal_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
	"github.com/racd/racd/internal/racd"
)

// rac is a RAC setup made through the API: an application over a provider with
// endpoints.
type rac struct {
	app       string
	endpoints map[string]string // name → UUID
}

func (s *site) setupRAC(t *testing.T, app string, endpoints map[string]int) rac {
	t.Helper()
	var flow struct{ PK string }
	if p := s.admin("POST", "/api/v3/flows/instances/", `{"name":"Authz `+app+`","slug":"authz-`+app+`","title":"A","designation":"authorization"}`); p.Status != 201 {
		t.Fatalf("flow: %d %s", p.Status, p.Body)
	} else {
		_ = json.Unmarshal([]byte(p.Body), &flow)
	}
	var prov struct{ PK int64 }
	_ = json.Unmarshal([]byte(s.admin("POST", "/api/v3/providers/rac/", `{"name":"P `+app+`","authorization_flow":"`+flow.PK+`"}`).Body), &prov)
	pk := strconv.FormatInt(prov.PK, 10)
	if p := s.admin("POST", "/api/v3/core/applications/", `{"name":"App `+app+`","slug":"`+app+`","provider":`+pk+`}`); p.Status != 201 {
		t.Fatalf("application: %d %s", p.Status, p.Body)
	}
	r := rac{app: app, endpoints: map[string]string{}}
	for name, max := range endpoints {
		var ep struct{ PK string }
		p := s.admin("POST", "/api/v3/rac/endpoints/", `{"name":"`+name+`","provider":`+pk+`,"protocol":"vnc","host":"10.1.2.3:5900","auth_mode":"prompt","maximum_connections":`+strconv.Itoa(max)+`}`)
		if p.Status != 201 {
			t.Fatalf("endpoint: %d %s", p.Status, p.Body)
		}
		_ = json.Unmarshal([]byte(p.Body), &ep)
		r.endpoints[name] = ep.PK
	}
	return r
}

func (r rac) link(name string) string {
	return "/application/rac/" + r.app + "/" + r.endpoints[name] + "/"
}

// launch follows a launch link as a click on racd's own page does (same-origin).
func (b *browser) launch(base, link string) *page {
	return b.do("GET", base+link, nil, map[string]string{"Sec-Fetch-Site": "same-origin"})
}

// TestLaunchLink: signed out, a launch link leads to sign-in and back; signed in, it
// applies the launch API's rules, issues a token bound to this browser's session,
// records authorize_application and sends the browser to the session page; refusals
// are pages in words.
func TestLaunchLink(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		s := newSite(t, dbURL, siteOpts{guacd: guacdtest.Start(t, guacdtest.Options{})})
		r := s.setupRAC(t, "office", map[string]int{"desk": 1, "hidden": 1, "pool": -1})
		paula := s.user("paula", "paulas password", true)
		quinn := s.user("quinn", "quinns password", true)
		for _, u := range []*racd.User{paula, quinn} {
			for _, ep := range []string{"desk", "pool"} {
				s.grant(u.ID, "authentik_providers_rac.endpoint", r.endpoints[ep], "authentik_providers_rac.view_endpoint")
			}
		}
		b := newBrowser(t)
		p := b.launch(s.URL, r.link("desk"))
		want := signInPath + "?next=" + url.QueryEscape(r.link("desk"))
		if p.Status != 303 || p.Header.Get("Location") != want {
			t.Fatalf("signed out: %d %q, want %q", p.Status, p.Header.Get("Location"), want)
		}
		p = b.signIn(s.URL, want, "paula", "paulas password")
		if p.Status != 303 || p.Header.Get("Location") != r.link("desk") {
			t.Fatalf("back after sign-in: %d %q", p.Status, p.Header.Get("Location"))
		}
		p = b.launch(s.URL, r.link("desk"))
		loc := p.Header.Get("Location")
		if p.Status != 303 || !strings.HasPrefix(loc, "/if/rac/") || len(loc) != len("/if/rac/")+60+1 {
			t.Fatalf("launch: %d %q\n%s", p.Status, loc, p.Body)
		}
		// The token is bound to paula's browser session: the page opens here and in no
		// other browser, not even another of paula's.
		if pg := b.get(s.URL + loc); pg.Status != 200 {
			t.Fatalf("session page in the launching browser: %d %s", pg.Status, pg.Body)
		}
		other := newBrowser(t)
		other.signIn(s.URL, signInPath, "paula", "paulas password")
		if pg := other.get(s.URL + loc); pg.Status == 200 {
			t.Fatalf("another browser opened the bound session page")
		}
		ev := events(t, s, racd.EventAuthorizeApplication)
		if len(ev) != 1 || !strings.Contains(string(ev[0].UserJSON), `"username":"paula"`) || ev[0].ClientIP == "" ||
			!strings.Contains(string(ev[0].ContextJSON), `"authorized_application":{"app":"authentik_core","model_name":"application"`) ||
			!strings.Contains(string(ev[0].ContextJSON), `"endpoint":"desk"`) || !strings.Contains(string(ev[0].ContextJSON), `"flow":"`) {
			t.Fatalf("authorize_application: %d %s", len(ev), ev[0].ContextJSON)
		}
		assertNoSecretInEvents(t, s, strings.TrimSuffix(strings.TrimPrefix(loc, "/if/rac/"), "/"))

		// The limit: paula holds desk's only connection (with authentik's hint), quinn
		// gets the bare message. Both as pages.
		for _, c := range []struct {
			b    *browser
			want string
		}{{b, "Maximum connection limit reached. (You are already connected in another tab/window)"}} {
			pg := c.b.launch(s.URL, r.link("desk"))
			if pg.Status != 409 || !strings.Contains(pg.Body, c.want) || !strings.HasPrefix(pg.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("limit: %d\n%s", pg.Status, pg.Body)
			}
		}
		qb := newBrowser(t)
		qb.signIn(s.URL, signInPath, "quinn", "quinns password")
		pg := qb.launch(s.URL, r.link("desk"))
		if pg.Status != 409 || !strings.Contains(pg.Body, "Maximum connection limit reached.") || strings.Contains(pg.Body, "already connected") {
			t.Fatalf("limit for another user: %d\n%s", pg.Status, pg.Body)
		}
		if pg := qb.launch(s.URL, r.link("pool")); pg.Status != 303 {
			t.Fatalf("unlimited endpoint: %d", pg.Status)
		}
		// Not visible, not under this application, not an endpoint: the same page.
		for _, link := range []string{r.link("hidden"), "/application/rac/other/" + r.endpoints["pool"] + "/",
			"/application/rac/office/not-a-uuid/", "/application/rac/office/" + r.endpoints["pool"] + "/x/"} {
			pg := qb.launch(s.URL, link)
			if pg.Status != 404 || !strings.Contains(pg.Body, "<h1") || strings.Contains(pg.Body, "{") {
				t.Errorf("%s: %d\n%s", link, pg.Status, pg.Body)
			}
		}
		// A link followed from another site asks first; the confirmation launches.
		pg = qb.do("GET", s.URL+r.link("pool"), nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
		if pg.Status != 200 || !strings.Contains(pg.Body, "Open a remote connection to pool") {
			t.Fatalf("cross-site: %d\n%s", pg.Status, pg.Body)
		}
		if got := qb.do("POST", s.URL+r.link("pool"), url.Values{"csrfmiddlewaretoken": {"forged"}}, nil); got.Status != 403 {
			t.Fatalf("confirmation with a forged token: %d", got.Status)
		}
		if got := qb.do("POST", s.URL+r.link("pool"), url.Values{"csrfmiddlewaretoken": {pg.csrf(t)}}, nil); got.Status != 303 {
			t.Fatalf("confirmed: %d", got.Status)
		}
	})
}

// tunnel is a session page's WebSocket, read as Guacamole instructions.
type tunnel struct {
	t       *testing.T
	ws      *websocket.Conn
	pending []guacproto.Instruction
}

// dial opens the session WebSocket of the page at loc (/if/rac/<token>/) with the
// browser's cookies.
func (b *browser) dial(base, loc string) *tunnel {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(base, "http") + strings.Replace(loc, "/if/rac/", "/ws/rac/", 1) + "?screen_width=800&screen_height=600&screen_dpi=96"
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: b.c, Subprotocols: []string{"guacamole"}})
	if err != nil {
		b.t.Fatalf("dial %s: %v", u, err)
	}
	ws.SetReadLimit(1 << 20)
	b.t.Cleanup(func() { ws.CloseNow() })
	return &tunnel{t: b.t, ws: ws}
}

// errorOf reads until the error instruction that ends the session, within d.
func (tn *tunnel) errorOf(d time.Duration) (guacproto.Instruction, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		for len(tn.pending) > 0 {
			in := tn.pending[0]
			tn.pending = tn.pending[1:]
			if in.Opcode == "error" {
				return in, nil
			}
		}
		_, msg, err := tn.ws.Read(ctx)
		if err != nil {
			return guacproto.Instruction{}, err
		}
		if err := guacproto.Split(msg, 1<<20, func(raw []byte) error {
			in, err := guacproto.Parse(raw)
			tn.pending = append(tn.pending, in)
			return err
		}); err != nil {
			tn.t.Fatal(err)
		}
	}
}

// connected opens the page and its WebSocket and waits for the test guacd's ready.
func connected(t *testing.T, s *site, guacd *guacdtest.Server, b *browser, loc string) *tunnel {
	t.Helper()
	if pg := b.get(s.URL + loc); pg.Status != 200 {
		t.Fatalf("session page: %d", pg.Status)
	}
	tn := b.dial(s.URL, loc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := guacd.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitReady(ctx); err != nil {
		t.Fatalf("guacd ready: %v", err)
	}
	return tn
}

// TestSignOutEndsRACSession: signing out (or having the session revoked) ends the
// live RAC connections launched from that browser session within a second, with the
// reason in words, and deletes their tokens; on PostgreSQL also when the sign-out
// reaches another replica than the one holding the connection.
func TestSignOutEndsRACSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		guacd := guacdtest.Start(t, guacdtest.Options{})
		a := newSite(t, dbURL, siteOpts{guacd: guacd})
		r := a.setupRAC(t, "lab", map[string]int{"box": -1})
		ray := a.user("ray", "rays password", true)
		a.grant(ray.ID, "", "", "authentik_providers_rac.view_endpoint")
		signOut := func(b *browser, base string) time.Time {
			t.Helper()
			conf := b.get(base + "/flows/-/default/invalidation/")
			start := time.Now()
			if p := b.do("POST", base+"/flows/-/default/invalidation/", url.Values{"csrfmiddlewaretoken": {conf.csrf(t)}}, nil); p.Status != 303 {
				t.Fatalf("sign-out: %d", p.Status)
			}
			return start
		}
		ended := func(tn *tunnel, since time.Time) {
			t.Helper()
			in, err := tn.errorOf(5 * time.Second)
			took := time.Since(since)
			if err != nil {
				t.Fatalf("no error instruction: %v", err)
			}
			if len(in.Args) != 2 || in.Args[0] != "You were signed out, so this connection ended." {
				t.Fatalf("end: %q", in)
			}
			t.Logf("session ended %v after the sign-out", took)
			if took > time.Second {
				t.Fatalf("session ended %v after the sign-out, want within 1s", took)
			}
		}

		// Same replica: two connections of one browser end; another browser's goes on.
		b1, b2 := newBrowser(t), newBrowser(t)
		b1.signIn(a.URL, signInPath, "ray", "rays password")
		b2.signIn(a.URL, signInPath, "ray", "rays password")
		l1, l2, l3 := b1.launch(a.URL, r.link("box")).Header.Get("Location"), b1.launch(a.URL, r.link("box")).Header.Get("Location"), b2.launch(a.URL, r.link("box")).Header.Get("Location")
		t1, t2, t3 := connected(t, a, guacd, b1, l1), connected(t, a, guacd, b1, l2), connected(t, a, guacd, b2, l3)
		since := signOut(b1, a.URL)
		ended(t1, since)
		ended(t2, since)
		var toks struct{ Pagination struct{ Count int } }
		_ = json.Unmarshal([]byte(a.admin("GET", "/api/v3/rac/connection_tokens/", "").Body), &toks)
		if toks.Pagination.Count != 1 {
			t.Fatalf("%d connection tokens left, want the other browser's 1", toks.Pagination.Count)
		}
		// Revoking b2's session through the API ends its connection the same way.
		var list struct{ Results []struct{ UUID string } }
		_ = json.Unmarshal([]byte(a.admin("GET", "/api/v3/core/authenticated_sessions/?user__username=ray", "").Body), &list)
		if len(list.Results) != 1 {
			t.Fatalf("ray's sessions: %+v", list)
		}
		since = time.Now()
		if p := a.admin("DELETE", "/api/v3/core/authenticated_sessions/"+list.Results[0].UUID+"/", ""); p.Status != 204 {
			t.Fatalf("revoke: %d", p.Status)
		}
		ended(t3, since)

		// Another replica: the connection lives on A, the sign-out reaches B.
		if !strings.HasPrefix(dbURL, "postgres") {
			t.Log("two replicas: PostgreSQL only (SQLite's notices stay in one process)")
			return
		}
		bReplica := newSite(t, dbURL, siteOpts{guacd: guacd})
		b3 := newBrowser(t)
		b3.signIn(a.URL, signInPath, "ray", "rays password")
		l4 := b3.launch(a.URL, r.link("box")).Header.Get("Location")
		t4 := connected(t, a, guacd, b3, l4)
		onB := newBrowser(t)
		onB.c.Jar.SetCookies(mustURL(bReplica.URL), b3.c.Jar.Cookies(mustURL(a.URL)))
		ended(t4, signOut(onB, bReplica.URL))
	})
}

// TestIdleKeepsLiveConnection: a browser session whose remote connection is live is
// not purged for idleness (the connection is use the pages do not see); once the
// connection ends, the idle session goes with its tokens. Its absolute end cuts it
// regardless.
func TestIdleKeepsLiveConnection(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		guacd := guacdtest.Start(t, guacdtest.Options{})
		clk := &clock{t: time.Now()}
		s := newSite(t, dbURL, siteOpts{guacd: guacd, clock: clk, idle: 30 * time.Minute, maxAge: 4 * time.Hour})
		r := s.setupRAC(t, "idle", map[string]int{"box": -1})
		u := s.user("uma", "umas password", true)
		s.grant(u.ID, "", "", "authentik_providers_rac.view_endpoint")
		b := newBrowser(t)
		b.signIn(s.URL, signInPath, "uma", "umas password")
		tn := connected(t, s, guacd, b, b.launch(s.URL, r.link("box")).Header.Get("Location"))
		purge := func(after time.Duration) int64 {
			t.Helper()
			now := time.Now().Add(after)
			n, err := s.Store.PurgeBrowserSessions(context.Background(), now.Add(-30*time.Minute), now)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := purge(time.Hour); n != 0 {
			t.Fatalf("an idle session with a live connection was purged (%d)", n)
		}
		if n := purge(5 * time.Hour); n != 1 {
			t.Fatalf("past its absolute end: purged %d, want 1", n)
		}
		if in, err := tn.errorOf(5 * time.Second); err != nil || in.Args[0] != "You were signed out, so this connection ended." {
			t.Fatalf("the absolute end did not end the connection: %q %v", in, err)
		}

		// Idle, and its connection closed: purged with its token.
		b2 := newBrowser(t)
		b2.signIn(s.URL, signInPath, "uma", "umas password")
		tn2 := connected(t, s, guacd, b2, b2.launch(s.URL, r.link("box")).Header.Get("Location"))
		tn2.ws.Close(websocket.StatusNormalClosure, "")
		deadline := time.Now().Add(5 * time.Second)
		for purge(time.Hour) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the idle session stayed after its connection closed")
			}
			time.Sleep(50 * time.Millisecond)
		}
		var toks struct{ Pagination struct{ Count int } }
		_ = json.Unmarshal([]byte(s.admin("GET", "/api/v3/rac/connection_tokens/", "").Body), &toks)
		if toks.Pagination.Count != 0 {
			t.Fatalf("%d connection tokens outlived their purged sessions", toks.Pagination.Count)
		}
	})
}
