package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/storetest"
)

// TestPostgresStatementEndsWithRequest pins that no PostgreSQL statement outlives its
// request by more than a second (issue 9 §4): a list and a write blocked behind a
// table lock another session holds are cut by the request deadline (503), and within a
// second no statement of theirs is still waiting in the server. A read keeps its
// connection: the server answers the cancel request and the pool does not have to
// reconnect (with pgx's default handling the statement ends too, because pgx sends a
// cancel request as it closes the timed-out connection, but the connection is lost).
func TestPostgresStatementEndsWithRequest(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	app := fmt.Sprintf("racd-cancel-test-%d", time.Now().UnixNano())
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	env := apitest.NewWithURL(t, u.String())
	p := env.Provider(map[string]any{"name": "p", "authorization_flow": env.Flow("authz", "authorization")})
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Store: env.Store, Keys: env.Keys, RequestTimeout: 300 * time.Millisecond}))
	defer srv.Close()

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	lock, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback() //nolint:errcheck
	if _, err := lock.ExecContext(ctx, "LOCK TABLE providers IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	backends := func() map[int]bool {
		rows, err := db.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", app)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		pids := map[int]bool{}
		for rows.Next() {
			var pid int
			if err := rows.Scan(&pid); err != nil {
				t.Fatal(err)
			}
			pids[pid] = true
		}
		return pids
	}
	before := backends()
	waiting := func() int {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'providers'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/v3/providers/rac/", ""},
		{"PATCH", "/api/v3/providers/rac/" + jsonString(p["pk"]) + "/", `{"name":"q"}`},
	} {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, nil)
		if r.body != "" {
			req, _ = http.NewRequest(r.method, srv.URL+r.path, strings.NewReader(r.body))
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || time.Since(start) > 2*time.Second {
			t.Fatalf("%s %s behind a lock: %d %s after %v, want a 503 after about 300ms", r.method, r.path, resp.StatusCode, body, time.Since(start))
		}
		ended := time.Now()
		for waiting() > 0 {
			if time.Since(ended) > 1200*time.Millisecond {
				t.Fatalf("%s %s: its statement still waits in the server %v after the request ended", r.method, r.path, time.Since(ended))
			}
			time.Sleep(50 * time.Millisecond)
		}
		if r.method == "GET" {
			// A read keeps its connection. (database/sql drops the connection of a
			// transaction whose context ends, as pgx's driver cannot tell it whether
			// the connection is still sound.)
			after := backends()
			for pid := range before {
				if !after[pid] {
					t.Errorf("connection %d was dropped (before %v, after %v)", pid, before, after)
				}
			}
		}
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	// The pool is still usable.
	if r := env.Admin("GET", "/api/v3/providers/rac/", nil); r.Status != 200 {
		t.Fatalf("after the lock: %d %s", r.Status, r.Body)
	}
}
