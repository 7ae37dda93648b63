package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/realip"
	"github.com/racd/racd/internal/websession"
)

const signInPath = "/if/flow/default-authentication-flow/"

// events returns the events with action, newest first.
func events(t *testing.T, s *site, action string) []*racd.Event {
	t.Helper()
	evs, _, err := s.Store.Events().List(context.Background(), racd.EventQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1000, Visible: racd.Everything}, Action: &action})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestSignIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		proxies, _ := realip.Parse("127.0.0.1")
		s := newSite(t, dbURL, siteOpts{proxies: proxies})
		s.user("alice", "correct horse battery", true)
		b := newBrowser(t)
		b.ip = "198.51.100.7"

		// Signed out, / and the library lead to sign-in (and back).
		if p := b.get(s.URL + "/"); p.Status != 303 || p.Header.Get("Location") != signInPath {
			t.Fatalf("GET / signed out: %d %q", p.Status, p.Header.Get("Location"))
		}
		if p := b.get(s.URL + "/if/user/?q=desk"); p.Status != 303 || p.Header.Get("Location") != signInPath+"?next=%2Fif%2Fuser%2F%3Fq%3Ddesk" {
			t.Fatalf("GET /if/user/ signed out: %d %q", p.Status, p.Header.Get("Location"))
		}
		form := b.get(s.URL + signInPath)
		for _, want := range []string{`<label for="username">`, `<label for="password">`, `autocomplete="current-password"`, `type="password"`} {
			if !strings.Contains(form.Body, want) {
				t.Errorf("sign-in page lacks %s", want)
			}
		}

		// Wrong password: the form again with the message, no session.
		p := b.signIn(s.URL, signInPath, "alice", "wrong")
		if p.Status != 200 || !strings.Contains(p.Body, "Incorrect username or password.") {
			t.Fatalf("wrong password: %d\n%s", p.Status, p.Body)
		}
		if b.cookie(s.URL, websession.CookieName) != nil {
			t.Fatal("a session cookie after a wrong password")
		}

		// The right one, by email, back to where the visitor was going.
		p = b.signIn(s.URL, signInPath+"?next=%2Fif%2Fuser%2F%3Fq%3Ddesk", "alice@example.com", "correct horse battery")
		if p.Status != 303 || p.Header.Get("Location") != "/if/user/?q=desk" {
			t.Fatalf("right password: %d %q\n%s", p.Status, p.Header.Get("Location"), p.Body)
		}
		var sc *http.Cookie
		for _, c := range (&http.Response{Header: p.Header}).Cookies() {
			if c.Name == websession.CookieName {
				sc = c
			}
		}
		if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Secure || sc.Path != "/" {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP, Path=/", sc)
		}
		// The database holds only the id's keyed hash.
		if _, err := s.Store.BrowserSessionByHash(context.Background(), []byte(sc.Value)); err == nil {
			t.Fatal("the session is found by the raw cookie value")
		}
		if lib := b.get(s.URL + "/if/user/"); lib.Status != 200 || !strings.Contains(lib.Body, "Signed in as <strong>Alice</strong>") {
			t.Fatalf("library after sign-in: %d\n%s", lib.Status, lib.Body)
		}
		if p := b.get(s.URL + "/"); p.Status != 303 || p.Header.Get("Location") != "/if/user/" {
			t.Fatalf("GET / signed in: %d %q", p.Status, p.Header.Get("Location"))
		}
		// The API knows the browser by its cookie.
		if me := b.api(s.URL, "GET", "/api/v3/core/users/me/", "", false); me.Status != 200 || !strings.Contains(me.Body, `"username":"alice"`) {
			t.Fatalf("users/me with the cookie: %d %s", me.Status, me.Body)
		}

		// Events: login and login_failed with the client address, never the password.
		login := events(t, s, racd.EventLogin)
		failed := events(t, s, racd.EventLoginFailed)
		if len(login) != 1 || !strings.Contains(string(login[0].UserJSON), `"username":"alice"`) || login[0].ClientIP != "198.51.100.7" {
			t.Fatalf("login events: %+v", login)
		}
		if len(failed) != 1 || failed[0].ClientIP != "198.51.100.7" || !strings.Contains(string(failed[0].ContextJSON), `"username":"alice"`) {
			t.Fatalf("login_failed events: %+v %s", failed, failed[0].ContextJSON)
		}

		// Sign-out: the confirmation page, then POST; the cookie no longer works.
		conf := b.get(s.URL + "/flows/-/default/invalidation/")
		if conf.Status != 200 {
			t.Fatalf("sign-out page: %d", conf.Status)
		}
		out := b.do("POST", s.URL+"/flows/-/default/invalidation/", url.Values{"csrfmiddlewaretoken": {conf.csrf(t)}}, nil)
		if out.Status != 303 || out.Header.Get("Location") != signInPath {
			t.Fatalf("sign-out: %d %q", out.Status, out.Header.Get("Location"))
		}
		if lo := events(t, s, racd.EventLogout); len(lo) != 1 || !strings.Contains(string(lo[0].UserJSON), `"username":"alice"`) || lo[0].ClientIP != "198.51.100.7" {
			t.Fatalf("logout events: %+v", lo)
		}
		replay := newBrowser(t)
		replay.c.Jar.SetCookies(mustURL(s.URL), []*http.Cookie{{Name: websession.CookieName, Value: sc.Value}})
		if p := replay.get(s.URL + "/if/user/"); p.Status != 303 {
			t.Fatalf("the signed-out cookie still opens the library: %d", p.Status)
		}
		assertNoSecretInEvents(t, s, "correct horse battery", "wrong", sc.Value)
	})
}

// assertNoSecretInEvents fails when any recorded event carries one of secrets.
func assertNoSecretInEvents(t *testing.T, s *site, secrets ...string) {
	t.Helper()
	evs, _, err := s.Store.Events().List(context.Background(), racd.EventQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1000, Visible: racd.Everything}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		for _, sec := range secrets {
			if strings.Contains(string(e.ContextJSON), sec) || strings.Contains(string(e.UserJSON), sec) {
				t.Fatalf("event %s carries a secret: %s", e.Action, e.ContextJSON)
			}
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestSignInNoOracle: an unknown user, a wrong password and an inactive user with
// the right password get the same page, and an unknown user costs as much time as a
// known one (one Argon2id verification each).
func TestSignInNoOracle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		timed := password.Params{Memory: 16 * 1024, Passes: 2, Lanes: 1, SaltLen: 16, KeyLen: 32}
		s := newSite(t, dbURL, siteOpts{params: timed})
		s.user("bob", "bobs password", true)
		s.user("carol", "carols password", false)
		b := newBrowser(t)
		answer := func(login, pw string) (int, string, time.Duration) {
			form := b.get(s.URL + signInPath)
			start := time.Now()
			p := b.do("POST", s.URL+signInPath, url.Values{"csrfmiddlewaretoken": {form.csrf(t)}, "username": {login}, "password": {pw}}, nil)
			took := time.Since(start)
			if b.cookie(s.URL, websession.CookieName) != nil {
				t.Fatalf("%s signed in", login)
			}
			return p.Status, strings.ReplaceAll(p.Body, `value="`+login+`"`, `value="X"`), took
		}
		stWrong, bodyWrong, _ := answer("bob", "not it")
		stUnknown, bodyUnknown, _ := answer("nobody", "not it")
		stInactive, bodyInactive, _ := answer("carol", "carols password")
		if stWrong != stUnknown || bodyWrong != bodyUnknown || stWrong != stInactive || bodyWrong != bodyInactive {
			t.Fatalf("answers differ:\nwrong password %d\n%s\nunknown user %d\n%s\ninactive %d", stWrong, bodyWrong, stUnknown, bodyUnknown, stInactive)
		}
		// Time: the fastest of several tries of each (the least disturbed by load).
		var known, unknown []time.Duration
		for i := 0; i < 6; i++ {
			// A known user of its own each time: one account's failures would soon be
			// throttled, which answers without verifying.
			name := "bob-" + string(rune('a'+i))
			s.user(name, "the real one", true)
			_, _, d := answer(name, "not it")
			known = append(known, d)
			_, _, d = answer("nobody-"+string(rune('a'+i)), "not it")
			unknown = append(unknown, d)
		}
		sort.Slice(known, func(i, j int) bool { return known[i] < known[j] })
		sort.Slice(unknown, func(i, j int) bool { return unknown[i] < unknown[j] })
		t.Logf("fastest sign-in failure: known user %v, unknown user %v", known[0], unknown[0])
		// Without the stand-in verification an unknown user answers in a few percent of
		// the time; the bounds leave room for a loaded machine's noise.
		if ratio := float64(unknown[0]) / float64(known[0]); ratio < 0.33 || ratio > 3 {
			t.Fatalf("unknown user took %v, known user %v: the time tells them apart", unknown[0], known[0])
		}
		if n := len(events(t, s, racd.EventLoginFailed)); n != 15 {
			t.Fatalf("%d login_failed events, want 15", n)
		}
	})
}

// TestSignInThrottle: failures of one account block it with back-off on every
// replica (the count lives in the shared database); a right password waits too;
// failures from one address block it for any account.
func TestSignInThrottle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		proxies, _ := realip.Parse("127.0.0.1")
		clk := &clock{t: time.Now()}
		a := newSite(t, dbURL, siteOpts{clock: clk, proxies: proxies})
		b := newSite(t, dbURL, siteOpts{clock: clk, proxies: proxies})
		a.user("dave", "daves password", true)
		x := newBrowser(t)
		x.ip = "203.0.113.1"
		for i := 1; i <= 4; i++ {
			site := []*site{a, b}[i%2]
			if p := x.signIn(site.URL, signInPath, "dave", "guess"); p.Status != 200 {
				t.Fatalf("failure %d: %d", i, p.Status)
			}
		}
		// The fifth failure starts the back-off: 1 s.
		if p := x.signIn(a.URL, signInPath, "DAVE", "guess"); p.Status != 200 {
			t.Fatalf("failure 5: %d", p.Status)
		}
		y := newBrowser(t) // another browser and address: the account is what is blocked
		y.ip = "203.0.113.2"
		p := y.signIn(b.URL, signInPath, "dave", "daves password")
		if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") != "1" || !strings.Contains(p.Body, "Too many failed sign-in attempts. Wait 1 second") {
			t.Fatalf("blocked account on the other replica: %d %q\n%s", p.Status, p.Header.Get("Retry-After"), p.Body)
		}
		if y.cookie(b.URL, websession.CookieName) != nil {
			t.Fatal("signed in while blocked")
		}
		clk.Add(1100 * time.Millisecond)
		if p := x.signIn(a.URL, signInPath, "dave", "guess"); p.Status != 200 { // sixth: 2 s
			t.Fatalf("failure 6: %d", p.Status)
		}
		if p := y.signIn(a.URL, signInPath, "dave", "daves password"); p.Status != 429 || p.Header.Get("Retry-After") != "2" {
			t.Fatalf("after failure 6: %d %q", p.Status, p.Header.Get("Retry-After"))
		}
		clk.Add(2100 * time.Millisecond)
		if p := y.signIn(a.URL, signInPath, "dave", "daves password"); p.Status != 303 {
			t.Fatalf("right password once the wait is over: %d\n%s", p.Status, p.Body)
		}
		// Success clears the account's count.
		if p := x.signIn(b.URL, signInPath, "dave", "guess"); p.Status != 200 {
			t.Fatalf("failure after success: %d", p.Status)
		}

		// One address, many accounts: the address is blocked after its free failures.
		z := newBrowser(t)
		z.ip = "192.0.2.9"
		for i := 0; i < 19; i++ {
			if p := z.signIn(a.URL, signInPath, "user"+string(rune('a'+i)), "guess"); p.Status != 200 {
				t.Fatalf("address failure %d: %d", i+1, p.Status)
			}
		}
		if p := z.signIn(b.URL, signInPath, "someone-else", "guess"); p.Status != 200 { // 20th
			t.Fatalf("address failure 20: %d", p.Status)
		}
		if p := z.signIn(b.URL, signInPath, "dave", "daves password"); p.Status != 429 {
			t.Fatalf("blocked address: %d", p.Status)
		}
		w := newBrowser(t) // a proxy client from another address is not blocked
		w.ip = "192.0.2.10"
		if p := w.signIn(b.URL, signInPath, "dave", "daves password"); p.Status != 303 {
			t.Fatalf("other address: %d", p.Status)
		}
	})
}

// TestSignInInput: bad forms get a page in words, never a 500 or JSON.
func TestSignInInput(t *testing.T) {
	s := newSite(t, "sqlite://"+t.TempDir()+"/racd.db", siteOpts{})
	s.user("erin", "erins password", true)
	b := newBrowser(t)
	form := b.get(s.URL + signInPath)
	tok := form.csrf(t)
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"no token", url.Values{"username": {"erin"}, "password": {"erins password"}}, 403, "This sign-in form has expired"},
		{"wrong token", url.Values{"csrfmiddlewaretoken": {"x" + tok[1:]}, "username": {"erin"}, "password": {"erins password"}}, 403, "This sign-in form has expired"},
		{"empty", url.Values{"csrfmiddlewaretoken": {tok}}, 400, "Enter your username and your password."},
		{"long name", url.Values{"csrfmiddlewaretoken": {tok}, "username": {strings.Repeat("a", 300)}, "password": {"x"}}, 400, "too long"},
		{"long password", url.Values{"csrfmiddlewaretoken": {tok}, "username": {"erin"}, "password": {strings.Repeat("a", 5000)}}, 400, "too long"},
		{"bad utf-8", url.Values{"csrfmiddlewaretoken": {tok}, "username": {"\xff\xfe"}, "password": {"x"}}, 400, "too long"},
		{"NUL", url.Values{"csrfmiddlewaretoken": {tok}, "username": {"er\x00in"}, "password": {"x"}}, 200, "Incorrect username or password."},
	} {
		p := b.do("POST", s.URL+signInPath, c.form, nil)
		if p.Status != c.status || !strings.Contains(p.Body, c.want) || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %q\n%s", c.name, p.Status, p.Header.Get("Content-Type"), p.Body)
		}
	}
	huge := b.do("POST", s.URL+signInPath, url.Values{"csrfmiddlewaretoken": {tok}, "username": {strings.Repeat("a", 20000)}}, nil)
	if huge.Status != 400 || !strings.Contains(huge.Body, "could not be read") {
		t.Errorf("oversized form: %d\n%s", huge.Status, huge.Body)
	}
	for _, path := range []string{"/if/flow/other/", "/if/flow/", "/if/flow/default-authentication-flow/x/", "/nothing"} {
		if p := b.get(s.URL + path); p.Status != 404 || !strings.Contains(p.Body, "Not found") {
			t.Errorf("GET %s: %d", path, p.Status)
		}
	}
	if p := b.do("DELETE", s.URL+signInPath, nil, nil); p.Status != 405 || p.Header.Get("Allow") != "GET, POST" {
		t.Errorf("DELETE sign-in: %d %q", p.Status, p.Header.Get("Allow"))
	}
}

// TestSafeNext: only same-site paths are followed after sign-in.
func TestSafeNext(t *testing.T) {
	s := newSite(t, "sqlite://"+t.TempDir()+"/racd.db", siteOpts{})
	s.user("frank", "franks password", true)
	for next, want := range map[string]string{
		"/if/user/?q=a":           "/if/user/?q=a",
		"/application/rac/a/b/":   "/application/rac/a/b/",
		"//evil.example/":         "/if/user/",
		"/\\evil.example/":        "/if/user/",
		"\\\\evil.example":        "/if/user/",
		"https://evil.example/":   "/if/user/",
		"javascript:alert(1)":     "/if/user/",
		"/%2F%2Fevil.example/":    "/if/user/",
		"/%2fevil.example":        "/if/user/",
		"/%5Cevil.example":        "/if/user/",
		"/\t/evil.example":        "/if/user/",
		"/\n/evil.example":        "/if/user/",
		"/%09/evil.example":       "/if/user/",
		"evil.example":            "/if/user/",
		"":                        "/if/user/",
		"/ok/../..//evil.example": "/if/user/",
		"http:/evil.example":      "/if/user/",
		"/@evil.example":          "/@evil.example",
	} {
		b := newBrowser(t)
		p := b.signIn(s.URL, signInPath+"?next="+url.QueryEscape(next), "frank", "franks password")
		loc := p.Header.Get("Location")
		if p.Status != 303 || loc != want {
			t.Errorf("next %q: %d, Location %q, want %q", next, p.Status, loc, want)
		}
		if strings.Contains(loc, "evil") && !strings.HasPrefix(loc, "/@") {
			t.Errorf("next %q followed off-site: %q", next, loc)
		}
	}
}
