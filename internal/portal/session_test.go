package portal_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/realip"
	"github.com/racd/racd/internal/websession"
)

// TestSessionLifetimes: a session ends after the idle timeout without use, and at its
// absolute end however much it is used; both the pages and the API then treat the
// browser as signed out, and the janitor's purge deletes the rows.
func TestSessionLifetimes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		clk := &clock{t: time.Now()}
		s := newSite(t, dbURL, siteOpts{clock: clk, idle: 30 * time.Minute, maxAge: 2 * time.Hour})
		s.user("gina", "ginas password", true)
		signedIn := func(b *browser) bool {
			t.Helper()
			lib := b.get(s.URL + "/if/user/")
			api := b.api(s.URL, "GET", "/api/v3/core/users/me/", "", false)
			if (lib.Status == 200) != (api.Status == 200) {
				t.Fatalf("the library (%d) and the API (%d) disagree", lib.Status, api.Status)
			}
			return lib.Status == 200
		}

		idle := newBrowser(t)
		idle.signIn(s.URL, signInPath, "gina", "ginas password")
		clk.Add(29 * time.Minute)
		if !signedIn(idle) {
			t.Fatal("signed out before the idle timeout")
		}
		clk.Add(29 * time.Minute) // used 29 minutes ago: still in
		if !signedIn(idle) {
			t.Fatal("use did not keep the session alive")
		}
		clk.Add(31 * time.Minute)
		if signedIn(idle) {
			t.Fatal("still signed in after 31 idle minutes")
		}

		busy := newBrowser(t)
		busy.signIn(s.URL, signInPath, "gina", "ginas password")
		for i := 0; i < 7; i++ { // used every 20 minutes up to 2h20
			clk.Add(20 * time.Minute)
			if got, want := signedIn(busy), i < 5; got != want {
				t.Fatalf("after %d minutes of use: signed in %v, want %v", 20*(i+1), got, want)
			}
		}
		n, err := s.Store.PurgeBrowserSessions(context.Background(), clk.Now().Add(-30*time.Minute), clk.Now())
		if err != nil || n != 2 {
			t.Fatalf("purge: %d %v, want both sessions", n, err)
		}
	})
}

// TestSessionReplicas: two replicas share sessions through the database: a session
// made on one works on the other, and signing out on one ends it on both.
func TestSessionReplicas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		a := newSite(t, dbURL, siteOpts{})
		b := newSite(t, dbURL, siteOpts{})
		a.user("hugo", "hugos password", true)
		br := newBrowser(t)
		if p := br.signIn(a.URL, signInPath, "hugo", "hugos password"); p.Status != 303 {
			t.Fatalf("sign-in on A: %d", p.Status)
		}
		// The same cookies, sent to replica B.
		other := newBrowser(t)
		other.c.Jar.SetCookies(mustURL(b.URL), br.c.Jar.Cookies(mustURL(a.URL)))
		if p := other.get(b.URL + "/if/user/"); p.Status != 200 {
			t.Fatalf("library on B: %d", p.Status)
		}
		if p := other.api(b.URL, "GET", "/api/v3/core/users/me/", "", false); p.Status != 200 {
			t.Fatalf("API on B: %d", p.Status)
		}
		conf := other.get(b.URL + "/flows/-/default/invalidation/")
		if p := other.do("POST", b.URL+"/flows/-/default/invalidation/", map[string][]string{"csrfmiddlewaretoken": {conf.csrf(t)}}, nil); p.Status != 303 {
			t.Fatalf("sign-out on B: %d", p.Status)
		}
		if p := br.get(a.URL + "/if/user/"); p.Status != 303 {
			t.Fatalf("library on A after sign-out on B: %d", p.Status)
		}
	})
}

// TestSessionCSRF: the API takes the session cookie, but an unsafe call made with it
// needs the session's token in X-authentik-CSRF; bearer tokens need none.
func TestSessionCSRF(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		s := newSite(t, dbURL, siteOpts{})
		s.user("ivy", "ivys password", true)
		b := newBrowser(t)
		b.signIn(s.URL, signInPath, "ivy", "ivys password")
		body := `{"name":"F","slug":"csrf-flow","title":"T","designation":"authentication"}`
		if p := b.api(s.URL, "POST", "/api/v3/flows/instances/", body, false); p.Status != 403 || p.Body != `{"detail":"CSRF Failed: CSRF token missing."}` {
			t.Fatalf("POST without the header: %d %s", p.Status, p.Body)
		}
		req, _ := http.NewRequest("DELETE", s.URL+"/api/v3/core/users/1/", nil)
		req.Header.Set(websession.CSRFHeader, "forged")
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 403 {
			t.Fatalf("DELETE with a wrong token: %d", res.StatusCode)
		}
		// With the token the call goes through to the permission check (ivy holds none).
		if p := b.api(s.URL, "POST", "/api/v3/flows/instances/", body, true); p.Status != 403 || !strings.Contains(p.Body, "You do not have permission") {
			t.Fatalf("POST with the header: %d %s", p.Status, p.Body)
		}
		if p := b.api(s.URL, "GET", "/api/v3/flows/instances/", "", false); p.Status != 403 || !strings.Contains(p.Body, "permission") {
			t.Fatalf("GET with the cookie: %d %s", p.Status, p.Body)
		}
		// The CSRF token is bound to the session: another session's token is refused.
		b2 := newBrowser(t)
		b2.signIn(s.URL, signInPath, "ivy", "ivys password")
		req, _ = http.NewRequest("POST", s.URL+"/api/v3/flows/instances/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(websession.CSRFHeader, b.cookie(s.URL, websession.CSRFCookieName).Value)
		res, err = b2.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 403 {
			t.Fatalf("another session's token: %d", res.StatusCode)
		}
		if _, err := s.Store.Flows().Get(context.Background(), "csrf-flow"); err == nil {
			t.Fatal("a refused call created the flow")
		}
	})
}

// TestSecureCookies: cookies are Secure behind a trusted proxy that says HTTPS, and
// only then.
func TestSecureCookies(t *testing.T) {
	proxies, _ := realip.Parse("127.0.0.1")
	for _, c := range []struct {
		name    string
		proxies *realip.Proxies
		secure  bool
	}{{"trusted proxy", proxies, true}, {"untrusted", nil, false}} {
		s := newSite(t, "sqlite://"+t.TempDir()+"/racd.db", siteOpts{proxies: c.proxies})
		s.user("jack", "jacks password", true)
		b := newBrowser(t)
		form := b.do("GET", s.URL+signInPath, nil, map[string]string{"X-Forwarded-Proto": "https"})
		p := b.do("POST", s.URL+signInPath, map[string][]string{"csrfmiddlewaretoken": {form.csrf(t)}, "username": {"jack"}, "password": {"jacks password"}},
			map[string]string{"X-Forwarded-Proto": "https"})
		for _, ck := range (&http.Response{Header: p.Header}).Cookies() {
			if ck.Secure != c.secure {
				t.Errorf("%s: cookie %s Secure=%v", c.name, ck.Name, ck.Secure)
			}
		}
	}
}
