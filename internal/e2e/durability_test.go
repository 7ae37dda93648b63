package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestReplicasConcurrentCreate: 50 concurrent creates of one name spread over two
// replicas of one database give exactly one 201; every other answer is the uniqueness
// error, byte for byte.
func TestReplicasConcurrentCreate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		a, b := Start(t, dbURL), Start(t, dbURL)
		flow := createFlow(t, a, "authz")
		const n = 50
		replies := make([]reply, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			r := a
			if i%2 == 1 {
				r = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				replies[i], errs[i] = r.Do("POST", "/api/v3/providers/rac/", `{"name":"contested","authorization_flow":"`+flow+`"}`)
			}()
		}
		close(start)
		wg.Wait()
		created := 0
		for i, rep := range replies {
			switch {
			case errs[i] != nil:
				t.Errorf("request %d: %v", i, errs[i])
			case rep.Status == 201:
				created++
			case rep.Status == 400 && rep.Body == `{"name":["provider with this name already exists."]}`:
			default:
				t.Errorf("request %d: %d %s", i, rep.Status, rep.Body)
			}
		}
		if created != 1 {
			t.Fatalf("%d creates succeeded, want exactly 1", created)
		}
		list := a.Must(t, 200, "GET", "/api/v3/providers/rac/?name__iexact=contested", "")
		if c := list["pagination"].(map[string]any)["count"]; c != float64(1) {
			t.Fatalf("%v providers named contested", c)
		}
	})
}

// TestReplicasConcurrentPatch: PATCHes of different fields of one provider, sent at the
// same moment through two replicas, lose no update.
func TestReplicasConcurrentPatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		a, b := Start(t, dbURL), Start(t, dbURL)
		flow := createFlow(t, a, "authz")
		p := a.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"shared","authorization_flow":"`+flow+`"}`)
		path := fmt.Sprintf("/api/v3/providers/rac/%v/", p["pk"])
		for round := 1; round <= 20; round++ {
			var wg sync.WaitGroup
			start := make(chan struct{})
			patch := func(r *Racd, body string) {
				defer wg.Done()
				<-start
				rep, err := r.Do("PATCH", path, body)
				if err != nil || rep.Status != 200 {
					t.Errorf("round %d PATCH %s: %v %d %s", round, body, err, rep.Status, rep.Body)
				}
			}
			wg.Add(2)
			go patch(a, fmt.Sprintf(`{"connection_expiry":"hours=%d"}`, round))
			go patch(b, fmt.Sprintf(`{"settings":{"n":%d}}`, round))
			close(start)
			wg.Wait()
			for _, r := range []*Racd{a, b} {
				got := r.Must(t, 200, "GET", path, "")
				settings, _ := json.Marshal(got["settings"])
				if got["connection_expiry"] != fmt.Sprintf("hours=%d", round) || string(settings) != fmt.Sprintf(`{"n":%d}`, round) {
					t.Fatalf("round %d: lost an update: connection_expiry=%v settings=%s", round, got["connection_expiry"], settings)
				}
			}
		}
	})
}

// TestKillDuringLoad: racd killed with SIGKILL in the middle of creates and patches
// loses nothing it acknowledged; a restarted racd on the same database serves it all.
func TestKillDuringLoad(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		flow := createFlow(t, r, "authz")
		type provider struct {
			pk       int64
			name     string
			acked    string // last acknowledged connection_expiry
			inflight string // the patch that had no answer when racd died, if any
		}
		const workers = 6
		owned := make([][]*provider, workers)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; ; k++ {
					select {
					case <-stop:
						return
					default:
					}
					name := fmt.Sprintf("w%d-%d", w, k)
					rep, err := r.Do("POST", "/api/v3/providers/rac/", `{"name":"`+name+`","authorization_flow":"`+flow+`"}`)
					if err != nil {
						return // racd is gone; this create was never acknowledged
					}
					if rep.Status != 201 {
						t.Errorf("create %s: %d %s", name, rep.Status, rep.Body)
						return
					}
					var m map[string]any
					if err := json.Unmarshal([]byte(rep.Body), &m); err != nil {
						t.Errorf("create %s: %v", name, err)
						return
					}
					p := &provider{pk: int64(m["pk"].(float64)), name: name, acked: "hours=8"}
					owned[w] = append(owned[w], p)
					for j := 1; j <= 3; j++ {
						v := fmt.Sprintf("minutes=%d", j)
						p.inflight = v
						rep, err := r.Do("PATCH", fmt.Sprintf("/api/v3/providers/rac/%d/", p.pk), `{"connection_expiry":"`+v+`"}`)
						if err != nil {
							return
						}
						if rep.Status != 200 {
							t.Errorf("patch %s: %d %s", name, rep.Status, rep.Body)
							return
						}
						p.acked, p.inflight = v, ""
					}
				}
			}()
		}
		time.Sleep(2 * time.Second)
		if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-r.done
		close(stop)
		wg.Wait()

		r2 := Start(t, dbURL)
		total := 0
		for w := range owned {
			for _, p := range owned[w] {
				total++
				got := r2.Must(t, 200, "GET", fmt.Sprintf("/api/v3/providers/rac/%d/", p.pk), "")
				exp, _ := got["connection_expiry"].(string)
				if got["name"] != p.name || (exp != p.acked && (p.inflight == "" || exp != p.inflight)) {
					t.Errorf("provider %d after the crash: name %v connection_expiry %q; acknowledged %s %q (in flight %q)",
						p.pk, got["name"], exp, p.name, p.acked, p.inflight)
				}
			}
		}
		if total < workers {
			t.Fatalf("only %d creates were acknowledged before the kill; the load did not run", total)
		}
		list := r2.Must(t, 200, "GET", "/api/v3/providers/rac/?page_size=1", "")
		if c := list["pagination"].(map[string]any)["count"].(float64); int(c) < total {
			t.Fatalf("restarted racd lists %v providers, %d were acknowledged", c, total)
		}
		t.Logf("%d acknowledged creates survived SIGKILL", total)
	})
}

// TestDatabaseOutage: while PostgreSQL cannot be reached, every request gets a prompt
// 503 {"detail":...}, never a 500 and never a hang; racd recovers on its own when the
// database is back. The shared server is never touched: a proxy in front of it drops
// connections instead.
func TestDatabaseOutage(t *testing.T) {
	dbURL, proxy := proxiedPostgres(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// A short auth cache, so the token lookup hits the database during the outage too;
	// a short request timeout bounds the wait on a database that never answers.
	r := Start(t, u.String(), "RACD_AUTH_CACHE_TTL=200ms", "RACD_REQUEST_TIMEOUT=2s")
	flow := createFlow(t, r, "authz")
	p := r.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"before","authorization_flow":"`+flow+`"}`)
	path := fmt.Sprintf("/api/v3/providers/rac/%v/", p["pk"])
	requests := func(name string) []struct{ method, path, body string } {
		return []struct{ method, path, body string }{
			{"GET", path, ""},
			{"GET", "/api/v3/providers/rac/?search=b&ordering=-name", ""},
			{"POST", "/api/v3/providers/rac/", `{"name":"` + name + `","authorization_flow":"` + flow + `"}`},
			{"PATCH", path, `{"connection_expiry":"hours=2"}`},
			{"GET", path + "used_by/", ""},
			{"DELETE", path, ""},
		}
	}
	const unavailable = `{"detail":"The database is unavailable; retry shortly."}`
	check := func(phase string, okAllowed bool, name string) {
		t.Helper()
		for _, q := range requests(name) {
			if okAllowed && q.method == "DELETE" {
				continue
			}
			rep, err := r.Do(q.method, q.path, q.body)
			if err != nil {
				t.Fatalf("%s: %s %s: no answer: %v", phase, q.method, q.path, err)
			}
			if rep.Elapsed > 5*time.Second {
				t.Errorf("%s: %s %s took %v", phase, q.method, q.path, rep.Elapsed)
			}
			switch {
			case rep.Status == 503 && rep.Body == unavailable && rep.Header.Get("Retry-After") == "1":
			case okAllowed && rep.Status < 300:
			case okAllowed && q.method == "POST" && rep.Status == 400: // created by an earlier try
			default:
				t.Errorf("%s: %s %s: %d %s", phase, q.method, q.path, rep.Status, rep.Body)
			}
		}
	}
	ready := func() int {
		rep, err := r.Do("GET", "/-/health/ready/", "")
		if err != nil {
			t.Fatalf("ready: %v", err)
		}
		if rep.Elapsed > 5*time.Second {
			t.Errorf("ready took %v", rep.Elapsed)
		}
		return rep.Status
	}
	waitReady := func(phase string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for ready() != 200 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: racd did not recover:\n%s", phase, r.Logs())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if ready() != 200 {
		t.Fatal("not ready before the outage")
	}

	// 1. The server restarts: every pooled connection breaks, new ones work at once.
	// racd notices the broken connection, drops the idle ones and runs the statement
	// (or the whole transaction, which cannot have committed) again on a fresh one:
	// clients see nothing.
	for _, q := range requests("severed") {
		if q.method == "DELETE" {
			continue
		}
		proxy.Sever()
		rep, err := r.Do(q.method, q.path, q.body)
		if err != nil || rep.Status >= 300 || rep.Elapsed > 5*time.Second {
			t.Errorf("after the connections broke: %s %s: %v %d %s", q.method, q.path, err, rep.Status, rep.Body)
		}
	}
	proxy.Sever()
	if s := ready(); s != 200 {
		t.Errorf("ready after the connections broke: %d", s)
	}
	// Broken while many requests are in flight: none may fail with a 500.
	proxy.Sever()
	check("pooled connections broken under load", true, "severed")
	waitReady("after severed connections")
	before := r.Must(t, 200, "GET", path, "")

	// 2. The server is down: pooled connections break and new ones are refused.
	proxy.Down()
	time.Sleep(300 * time.Millisecond) // past the auth cache
	for i := 0; i < 3; i++ {
		if s := ready(); s != 503 {
			t.Errorf("ready while the database is down: %d", s)
		}
		check(fmt.Sprintf("database down, round %d", i+1), false, "during")
	}
	if !r.Alive() {
		t.Fatalf("racd died during the outage:\n%s", r.Logs())
	}

	// 3. The server is back: racd recovers by itself.
	proxy.Up()
	waitReady("after the database came back")
	// Nothing refused during the outage was written.
	got := r.Must(t, 200, "GET", path, "")
	if got["name"] != "before" || got["connection_expiry"] != before["connection_expiry"] {
		t.Fatalf("provider after the outage: %v, before it: %v", got, before)
	}
	list := r.Must(t, 200, "GET", "/api/v3/providers/rac/?name__iexact=during", "")
	if c := list["pagination"].(map[string]any)["count"]; c != float64(0) {
		t.Fatalf("a create refused during the outage was stored: %v", list)
	}
	r.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"after","authorization_flow":"`+flow+`"}`)
	r.Must(t, 200, "PATCH", path, `{"connection_expiry":"hours=3"}`)

	// 4. The database stops answering (partition): requests end with a 503 when
	// RACD_REQUEST_TIMEOUT (2s here) runs out, never hang; concurrently, to keep it short.
	proxy.Freeze()
	time.Sleep(300 * time.Millisecond)
	var wg sync.WaitGroup
	for _, q := range append(requests("frozen"), struct{ method, path, body string }{"GET", "/-/health/ready/", ""}) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := r.Do(q.method, q.path, q.body)
			switch {
			case err != nil:
				t.Errorf("frozen: %s %s: no answer: %v", q.method, q.path, err)
			case rep.Elapsed > 5*time.Second:
				t.Errorf("frozen: %s %s took %v", q.method, q.path, rep.Elapsed)
			case rep.Status != 503:
				t.Errorf("frozen: %s %s: %d %s", q.method, q.path, rep.Status, rep.Body)
			case q.path != "/-/health/ready/" && rep.Body != unavailable:
				t.Errorf("frozen: %s %s: %s", q.method, q.path, rep.Body)
			}
		}()
	}
	wg.Wait()
	proxy.Thaw()
	waitReady("after the partition")
	got = r.Must(t, 200, "GET", path, "")
	if got["connection_expiry"] != "hours=3" {
		t.Fatalf("provider after the partition: %v", got)
	}
	r.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"after-partition","authorization_flow":"`+flow+`"}`)
	if !r.Alive() || strings.Contains(r.Logs(), "panic") || strings.Contains(r.Logs(), "level=ERROR") {
		t.Fatalf("racd died, panicked or logged an error:\n%s", r.Logs())
	}
}

// TestReplicasRaceDeletes: a flow deleted through one replica while another creates a
// provider on it, and a property mapping deleted while another replica puts it on a
// provider: every answer is a success or the exact validation error, never a 500 or
// 409, and nothing is left pointing at what was deleted.
func TestReplicasRaceDeletes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		a, b := Start(t, dbURL), Start(t, dbURL)
		keep := createFlow(t, a, "keep")
		p := a.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"holder","authorization_flow":"`+keep+`"}`)
		holder := fmt.Sprintf("/api/v3/providers/rac/%v/", p["pk"])
		for round := 0; round < 10; round++ {
			slug := fmt.Sprintf("doomed-%d", round)
			flow := createFlow(t, a, slug)
			m := a.Must(t, 201, "POST", "/api/v3/propertymappings/rac/", fmt.Sprintf(`{"name":"m%d","static_settings":{}}`, round))
			mapping := m["pk"].(string)
			var wg sync.WaitGroup
			var del, create, delMap, patch reply
			var errs [4]error
			wg.Add(4)
			go func() { defer wg.Done(); del, errs[0] = a.Do("DELETE", "/api/v3/flows/instances/"+slug+"/", "") }()
			go func() {
				defer wg.Done()
				create, errs[1] = b.Do("POST", "/api/v3/providers/rac/", fmt.Sprintf(`{"name":"p%d","authorization_flow":"%s"}`, round, flow))
			}()
			go func() {
				defer wg.Done()
				delMap, errs[2] = b.Do("DELETE", "/api/v3/propertymappings/rac/"+mapping+"/", "")
			}()
			go func() {
				defer wg.Done()
				patch, errs[3] = a.Do("PATCH", holder, `{"property_mappings":["`+mapping+`"]}`)
			}()
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d request %d: %v", round, i, err)
				}
			}
			if del.Status != 204 || delMap.Status != 204 {
				t.Fatalf("round %d deletes: flow %d %s, mapping %d %s", round, del.Status, del.Body, delMap.Status, delMap.Body)
			}
			switch {
			case create.Status == 201: // created before the delete, then deleted with its flow
			case create.Status == 400 && create.Body == `{"authorization_flow":["Invalid pk \"`+flow+`\" - object does not exist."]}`:
			default:
				t.Fatalf("round %d create: %d %s", round, create.Status, create.Body)
			}
			switch {
			case patch.Status == 200:
			case patch.Status == 400 && patch.Body == `{"property_mappings":["Invalid pk \"`+mapping+`\" - object does not exist."]}`:
			default:
				t.Fatalf("round %d patch: %d %s", round, patch.Status, patch.Body)
			}
			list := b.Must(t, 200, "GET", fmt.Sprintf("/api/v3/providers/rac/?name__iexact=p%d", round), "")
			if c := list["pagination"].(map[string]any)["count"]; c != float64(0) {
				t.Fatalf("round %d: a provider outlived its authorization flow", round)
			}
			got := b.Must(t, 200, "GET", holder, "")
			if ms := got["property_mappings"].([]any); len(ms) != 0 {
				t.Fatalf("round %d: the provider still lists a deleted mapping: %v", round, ms)
			}
		}
	})
}

// TestGracefulShutdownUnderLoad: SIGTERM in the middle of a create load finishes the
// requests in flight (no 5xx), exits 0, and everything acknowledged is there after a
// restart.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		flow := createFlow(t, r, "authz")
		const workers = 4
		acked := make([][]string, workers)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; ; k++ {
					name := fmt.Sprintf("w%d-%d", w, k)
					rep, err := r.Do("POST", "/api/v3/providers/rac/", `{"name":"`+name+`","authorization_flow":"`+flow+`"}`)
					if err != nil {
						return // the server has closed its listener
					}
					if rep.Status != 201 {
						t.Errorf("create %s during shutdown: %d %s", name, rep.Status, rep.Body)
						return
					}
					acked[w] = append(acked[w], name)
				}
			}()
		}
		time.Sleep(500 * time.Millisecond)
		if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			t.Fatal("racd did not exit within 15s of SIGTERM")
		}
		wg.Wait()
		if code := r.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("exit code %d after SIGTERM:\n%s", code, r.Logs())
		}
		r2 := Start(t, dbURL)
		total := 0
		for _, names := range acked {
			for _, n := range names {
				total++
				list := r2.Must(t, 200, "GET", "/api/v3/providers/rac/?name__iexact="+n, "")
				if c := list["pagination"].(map[string]any)["count"]; c != float64(1) {
					t.Errorf("acknowledged provider %s missing after shutdown", n)
				}
			}
		}
		if total == 0 {
			t.Fatal("no create was acknowledged before SIGTERM")
		}
	})
}
