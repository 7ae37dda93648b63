package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/gateway"
	"github.com/racd/racd/internal/guacproto"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/storetest"
)

// cutWithin waits for the error that ends tn's session and checks its status and that
// it came within d of since.
func cutWithin(t *testing.T, tn *tunnel, since time.Time, d time.Duration, status string) guacproto.Instruction {
	t.Helper()
	in, err := tn.errorOf(d + 5*time.Second)
	took := time.Since(since)
	if err != nil {
		t.Fatalf("no error instruction: %v", err)
	}
	if len(in.Args) != 2 || in.Args[1] != status {
		t.Fatalf("error %q, want status %s", in, status)
	}
	if took > d {
		t.Fatalf("the session was cut %v after the cause, want within %v", took, d)
	}
	return in
}

// TestExpiryCut: a live session is cut at its token's expiry, within a second, and the
// page is told why.
func TestExpiryCut(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		ep := h.endpoint(h.provider(map[string]any{"connection_expiry": "seconds=2"}), nil)
		m := h.api.MustAdmin(201, "POST", "/api/v3/rac/endpoints/"+ep+"/launch/", nil)
		secret := m["token"].(string)
		expires, err := time.Parse(time.RFC3339Nano, m["expires"].(string))
		if err != nil {
			t.Fatal(err)
		}
		tn, conn := h.connect(h.browser(), secret, "")
		in := cutWithin(t, tn, expires, time.Second, "522")
		if time.Now().Before(expires.Add(-20 * time.Millisecond)) {
			t.Fatalf("cut before the expiry (%v)", expires)
		}
		if in.Args[0] != "The connection has expired." {
			t.Errorf("message %q", in.Args[0])
		}
		select {
		case <-conn.Done():
		case <-time.After(2 * time.Second):
			t.Fatal("guacd's connection stayed open after the expiry")
		}
	})
}

// TestDeleteCuts: deleting the token through the API, or by deleting its endpoint,
// provider or user, ends its live session within a second, with a message.
func TestDeleteCuts(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		cases := []struct {
			name string
			del  func(provider int64, endpoint, token string)
		}{
			{"token", func(_ int64, _, token string) {
				h.api.MustAdmin(204, "DELETE", "/api/v3/rac/connection_tokens/"+token+"/", nil)
			}},
			{"endpoint", func(_ int64, ep, _ string) { h.api.MustAdmin(204, "DELETE", "/api/v3/rac/endpoints/"+ep+"/", nil) }},
			{"provider", func(p int64, _, _ string) {
				h.api.MustAdmin(204, "DELETE", "/api/v3/providers/rac/"+itoa(p)+"/", nil)
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p := h.provider(nil)
				ep := h.endpoint(p, nil)
				secret, token := h.launch(ep)
				tn, _ := h.connect(h.browser(), secret, "")
				start := time.Now()
				c.del(p, ep, token)
				in := cutWithin(t, tn, start, time.Second, "523")
				if in.Args[0] != "An administrator ended the connection." {
					t.Errorf("message %q", in.Args[0])
				}
			})
		}
		t.Run("user", func(t *testing.T) {
			uid, key := h.api.User("bob")
			h.api.Grant(uid, "", "", "authentik_providers_rac.view_endpoint")
			ep := h.endpoint(h.provider(nil), nil)
			r := h.api.As(key, "POST", "/api/v3/rac/endpoints/"+ep+"/launch/", nil)
			if r.Status != 201 {
				t.Fatalf("launch as bob: %s", r)
			}
			secret := r.Map(t)["token"].(string)
			tn, _ := h.connect(h.browser(), secret, "")
			start := time.Now()
			h.api.MustAdmin(204, "DELETE", "/api/v3/core/users/"+itoa(uid)+"/", nil)
			cutWithin(t, tn, start, time.Second, "523")
		})
	})
}

// TestDeleteCutsOnAnotherReplica: the session lives on replica B; the token is deleted
// through replica A's API. B hears it (LISTEN/NOTIFY) and cuts the session within a
// second. (One SQLite file serves one replica, so this is PostgreSQL's.)
func TestDeleteCutsOnAnotherReplica(t *testing.T) {
	storetest.PostgresURL(t)
	h := newHarness(t, "postgres", options{})
	b := h.replica(options{})
	secret, token := h.session(nil, nil)
	tn, _ := b.connect(b.browser(), secret, "")
	start := time.Now()
	h.api.MustAdmin(204, "DELETE", "/api/v3/rac/connection_tokens/"+token+"/", nil)
	cutWithin(t, tn, start, time.Second, "523")
}

// TestRolledBackDeleteKeepsSession: a notice whose deletion did not happen (here: a
// notice published by hand, as a delete that rolled back would look to a careless
// receiver) cuts nothing: the gateway asks the database first.
func TestRolledBackDeleteKeepsSession(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		secret, token := h.session(nil, nil)
		tn, conn := h.connect(h.browser(), secret, "")
		if err := h.notifier.Publish(context.Background(), racd.Notice{Kind: racd.NoticeConnectionTokenDeleted, ID: token}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if err := tn.send(guacproto.New("key", "97", "1")); err != nil {
			t.Fatal(err)
		}
		if _, err := tn.until(3*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "echo" }); err != nil {
			t.Fatalf("the session did not survive a notice the database contradicts: %v", err)
		}
		select {
		case <-conn.Done():
			t.Fatal("guacd's connection closed")
		default:
		}
	})
}

// TestDeleteTokenOnDisconnect: with delete_token_on_disconnect the token survives the
// connect and the session, is kept while the browser reconnects within the grace, and
// is deleted once the session ended and the grace passed.
func TestDeleteTokenOnDisconnect(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		const grace = 600 * time.Millisecond
		h := newHarness(t, backend, options{gateway: func(c *gateway.Config) { c.ReconnectGrace = grace }})
		secret, token := h.session(map[string]any{"delete_token_on_disconnect": true}, nil)
		b := h.browser()
		tn, _ := h.connect(b, secret, "")
		time.Sleep(grace + 200*time.Millisecond)
		if !h.tokenExists(token) {
			t.Fatal("the token was deleted at connect or during the session")
		}
		// The browser leaves and comes back within the grace: the token stays.
		if err := tn.send(guacproto.New("disconnect")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(grace / 3)
		tn2 := b.mustDial(secret, "")
		if _, err := tn2.next(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(grace + 300*time.Millisecond)
		if !h.tokenExists(token) {
			t.Fatal("the token was deleted although the browser reconnected within the grace")
		}
		// The browser leaves for good: deleted after the grace, not before.
		ended := time.Now()
		tn2.ws.CloseNow()
		time.Sleep(grace / 3)
		if !h.tokenExists(token) {
			t.Fatal("the token was deleted before the grace ran out")
		}
		if !waitFor(3*time.Second, func() bool { return !h.tokenExists(token) }) {
			t.Fatal("the token was not deleted after the session ended")
		}
		if took := time.Since(ended); took < grace {
			t.Fatalf("deleted %v after the end, before the grace of %v", took, grace)
		}
		// The page of a deleted token says so.
		if st, body := b.open(secret); st != 404 || !strings.Contains(body, "not valid") {
			t.Fatalf("page of the deleted token: %d %s", st, body)
		}

		// A provider without the flag keeps its tokens.
		secret, token = h.session(nil, nil)
		tn, _ = h.connect(h.browser(), secret, "")
		tn.ws.CloseNow()
		time.Sleep(2 * grace)
		if !h.tokenExists(token) {
			t.Fatal("a token of a provider without delete_token_on_disconnect was deleted")
		}
	})
}

// TestBinding: the first browser that opens the page claims the token; another
// browser with the same URL gets a page that says so and no session (its WebSocket is
// refused without reaching guacd); the claim cookie is HttpOnly, SameSite=Strict and
// scoped to the token's paths; racd stores only its hash.
func TestBinding(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		secret, token := h.session(nil, nil)
		first := h.browser()
		res, err := first.client.Get(h.url + "/if/rac/" + secret + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cookies := res.Header.Values("Set-Cookie")
		if len(cookies) != 2 {
			t.Fatalf("Set-Cookie: %q", cookies)
		}
		var value string
		for i, prefix := range []string{"/if/rac/", "/ws/rac/"} {
			c := cookies[i]
			for _, want := range []string{"racd_rac_claim=", "Path=" + prefix + secret + "/", "HttpOnly", "SameSite=Strict"} {
				if !strings.Contains(c, want) {
					t.Errorf("cookie %q lacks %q", c, want)
				}
			}
			value = strings.TrimPrefix(strings.SplitN(c, ";", 2)[0], "racd_rac_claim=")
		}
		if n := h.api.Store; n != nil {
			var stored int64
			stored, err = storetest.SQL(testSQL{h}).QueryIntSQL(context.Background(), "SELECT count(*) FROM connection_tokens WHERE claim_hash = $1", []byte(value))
			if err != nil || stored != 0 {
				t.Fatalf("the cookie's value is stored as it is (%d rows, %v)", stored, err)
			}
		}
		tn, _ := h.connect(first, secret, "")

		other := h.browser()
		st, body := other.open(secret)
		if st != 403 || !strings.Contains(body, "another browser") || strings.Contains(body, "/ws/rac/") {
			t.Fatalf("second browser's page: %d %s", st, body)
		}
		before := h.guacd.Count()
		otherTn := other.mustDial(secret, "")
		in, err := otherTn.errorOf(5 * time.Second)
		if err != nil || in.Args[1] != "771" {
			t.Fatalf("second browser's WebSocket: %q %v; want a refusal (771)", in, err)
		}
		// A forged cookie does not help either.
		forged := h.browser()
		forged.client.Jar.SetCookies(mustURL(t, h.url+"/ws/rac/"+secret+"/"), []*httpCookie{{Name: "racd_rac_claim", Value: "forged"}})
		ftn := forged.mustDial(secret, "")
		if in, err := ftn.errorOf(5 * time.Second); err != nil || in.Args[1] != "771" {
			t.Fatalf("forged cookie: %q %v", in, err)
		}
		if h.guacd.Count() != before {
			t.Fatal("a refused browser reached guacd")
		}
		// The first browser's session is untouched, and its page still opens.
		if err := tn.send(guacproto.New("key", "98", "1")); err != nil {
			t.Fatal(err)
		}
		if _, err := tn.until(3*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "echo" }); err != nil {
			t.Fatal(err)
		}
		if st, _ := first.open(secret); st != 200 {
			t.Fatalf("the claiming browser's page: %d", st)
		}
		_ = token
	})
}

// TestReconnectReplaces: a reconnect from the claiming browser replaces its session
// (one session per token): the old tunnel is told, its guacd connection closes, the
// new one works — also when the old session lives on another replica.
func TestReconnectReplaces(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		secret, _ := h.session(nil, nil)
		b := h.browser()
		old, oldConn := h.connect(b, secret, "")
		tn := b.mustDial(secret, "")
		if in, err := tn.next(5 * time.Second); err != nil || in.Opcode != "" {
			t.Fatalf("new tunnel: %q %v", in, err)
		}
		in, err := old.errorOf(3 * time.Second)
		if err != nil || in.Args[1] != "521" {
			t.Fatalf("old tunnel: %q %v; want 521", in, err)
		}
		select {
		case <-oldConn.Done():
		case <-time.After(3 * time.Second):
			t.Fatal("the old session's guacd connection stayed open")
		}
		if err := tn.send(guacproto.New("key", "99", "1")); err != nil {
			t.Fatal(err)
		}
		if _, err := tn.until(3*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "echo" }); err != nil {
			t.Fatal(err)
		}
		if !waitFor(3*time.Second, func() bool { st := h.gw.Stats(); return st.Live == 1 && st.Ended["replaced"] == 1 }) {
			t.Fatalf("stats %+v", h.gw.Stats())
		}
		if backend != "postgres" {
			return
		}
		// The same browser reconnects through replica B: A's session ends.
		r := h.replica(options{})
		tnB := b.on(r).mustDial(secret, "")
		if in, err := tnB.next(5 * time.Second); err != nil || in.Opcode != "" {
			t.Fatalf("tunnel on B: %q %v", in, err)
		}
		in, err = tn.errorOf(3 * time.Second)
		if err != nil || in.Args[1] != "521" {
			t.Fatalf("A's tunnel: %q %v; want 521", in, err)
		}
	})
}

// TestShutdown: on shutdown live sessions end with a reason the page shows (520, the
// server is restarting, on which the page reconnects) and the token stays valid:
// another replica takes the reconnect.
func TestShutdown(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		secret, token := h.session(map[string]any{"delete_token_on_disconnect": true}, nil)
		b := h.browser()
		tn, _ := h.connect(b, secret, "")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- h.gw.Shutdown(ctx) }()
		in := cutWithin(t, tn, start, time.Second, "520")
		if in.Args[0] != "The server is restarting." {
			t.Errorf("message %q", in.Args[0])
		}
		if err := <-done; err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		// New sessions are refused the same way while it stops.
		tn2 := b.mustDial(secret, "")
		if in, err := tn2.errorOf(3 * time.Second); err != nil || in.Args[1] != "520" {
			t.Fatalf("a session during shutdown: %q %v", in, err)
		}
		if !h.tokenExists(token) {
			t.Fatal("the token did not survive the shutdown")
		}
		// Another racd on the same database takes the reconnect.
		if backend == "sqlite" {
			return // one SQLite file, one replica: the restart test is in e2e
		}
		r := h.replica(options{})
		tn3 := b.on(r).mustDial(secret, "")
		if in, err := tn3.next(5 * time.Second); err != nil || in.Opcode != "" {
			t.Fatalf("reconnect on another replica: %q %v", in, err)
		}
	})
}

// TestAuditEvents: a session's start and end are audit events (authorize_application
// and custom_, the closest of authentik's actions) with the token, endpoint, provider,
// user, client IP, start, end, bytes each way and the end reason.
func TestAuditEvents(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		p := h.provider(nil)
		ep := h.endpoint(p, nil)
		secret, token := h.launch(ep)
		tn, _ := h.connect(h.browser(), secret, "")
		if err := tn.send(guacproto.New("key", "65", "1")); err != nil {
			t.Fatal(err)
		}
		if _, err := tn.until(3*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "echo" }); err != nil {
			t.Fatal(err)
		}
		h.api.MustAdmin(204, "DELETE", "/api/v3/rac/connection_tokens/"+token+"/", nil)
		if _, err := tn.errorOf(3 * time.Second); err != nil {
			t.Fatal(err)
		}
		var end map[string]any
		if !waitFor(3*time.Second, func() bool {
			evs := h.events("custom_")
			if len(evs) > 0 {
				end = evs[0]
			}
			return end != nil
		}) {
			t.Fatal("no session end event")
		}
		starts := h.events("authorize_application")
		if len(starts) != 1 {
			t.Fatalf("start events: %d", len(starts))
		}
		for _, ev := range []map[string]any{starts[0], end} {
			ctx := ev["context"].(map[string]any)
			if ev["client_ip"] != "127.0.0.1" || ev["user"].(map[string]any)["username"] != "akadmin" ||
				ctx["connection_token"].(map[string]any)["pk"] != token || ctx["endpoint"].(map[string]any)["pk"] != ep ||
				ctx["provider"].(map[string]any)["pk"] != itoa(p) {
				t.Errorf("event %s", mustJSON(t, ev))
			}
			if s := mustJSON(t, ev); strings.Contains(s, secret) {
				t.Errorf("the token's secret is in an event: %s", s)
			}
		}
		sess := end["context"].(map[string]any)["rac_session"].(map[string]any)
		if sess["end_reason"] != "token_deleted" || sess["bytes_to_browser"].(float64) <= 0 || sess["bytes_from_browser"].(float64) <= 0 ||
			sess["started"] == nil || sess["ended"] == nil {
			t.Errorf("session record %s", mustJSON(t, sess))
		}
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("the token's secret reached the logs")
		}
	})
}

// TestCrossSiteRefused: a WebSocket opened from another site's page (its Origin is not
// racd's) is refused before any session, even with the claim cookie.
func TestCrossSiteRefused(t *testing.T) {
	h := newHarness(t, "sqlite", options{})
	secret, _ := h.session(nil, nil)
	b := h.browser()
	if st, _ := b.open(secret); st != 200 {
		t.Fatalf("page: %d", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(h.url, "http") + "/ws/rac/" + secret + "/"
	_, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: b.client, Subprotocols: []string{"guacamole"},
		HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site WebSocket: %v %v, want 403", err, res)
	}
	if h.guacd.Count() != 0 || h.gw.Stats().Started != 0 {
		t.Fatal("a cross-site WebSocket started a session")
	}
}

// TestSilentBrowserEnds: a browser that sends nothing (the page pings twice a second)
// is taken for gone, and its session ends.
func TestSilentBrowserEnds(t *testing.T) {
	h := newHarness(t, "sqlite", options{gateway: func(c *gateway.Config) { c.BrowserTimeout = 400 * time.Millisecond }})
	secret, _ := h.session(nil, nil)
	tn, conn := h.connect(h.browser(), secret, "")
	in, err := tn.errorOf(5 * time.Second)
	if err != nil || in.Args[1] != "776" {
		t.Fatalf("error %q, %v; want 776", in, err)
	}
	select {
	case <-conn.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("guacd's connection stayed open")
	}
}

// TestUnansweredCloseCut: a browser that asks to disconnect and then reads nothing more
// (so never answers racd's close frame) is cut after the close grace of a second, not
// the WebSocket library's five: the session's end is recorded within two seconds.
func TestUnansweredCloseCut(t *testing.T) {
	h := newHarness(t, "sqlite", options{})
	secret, _ := h.session(nil, nil)
	tn, _ := h.connect(h.browser(), secret, "")
	start := time.Now()
	if err := tn.send(guacproto.New("disconnect")); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return h.gw.Stats().Live == 0 }) {
		t.Fatal("the session did not end")
	}
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Fatalf("the session ended %v after the disconnect, want about a second", took)
	}
}
