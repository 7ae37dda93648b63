package e2e

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/racd/racd/internal/storetest"
)

// TestSQLiteLockedByAnotherProcess: while another process holds SQLite's write lock
// (a backup, an operator's sqlite3 shell), writes answer 503 within
// RACD_REQUEST_TIMEOUT instead of hanging or failing with a 500, reads keep working
// (WAL), and writes work again once the lock is released.
func TestSQLiteLockedByAnotherProcess(t *testing.T) {
	dbURL := storetest.SQLiteURL(t)
	r := Start(t, dbURL, "RACD_REQUEST_TIMEOUT=2s")
	flow := createFlow(t, r, "authz")
	r.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"before","authorization_flow":"`+flow+`"}`)

	db, err := sql.Open("sqlite", strings.TrimPrefix(dbURL, "sqlite://")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	lock, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	const unavailable = `{"detail":"The database is unavailable; retry shortly."}`
	var wg sync.WaitGroup
	for _, q := range []struct{ method, path, body string }{
		{"POST", "/api/v3/providers/rac/", `{"name":"locked","authorization_flow":"` + flow + `"}`},
		{"PATCH", "/api/v3/providers/rac/1/", `{"connection_expiry":"hours=1"}`},
		{"DELETE", "/api/v3/providers/rac/1/", ""},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := r.Do(q.method, q.path, q.body)
			if err != nil || rep.Status != 503 || rep.Body != unavailable || rep.Elapsed > 5*time.Second {
				t.Errorf("%s %s while locked: %v %d %s after %v", q.method, q.path, err, rep.Status, rep.Body, rep.Elapsed)
			}
		}()
	}
	wg.Wait()
	got := r.Must(t, 200, "GET", "/api/v3/providers/rac/1/", "")
	if got["name"] != "before" || got["connection_expiry"] != "hours=8" {
		t.Fatalf("read while locked: %v", got)
	}
	if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	r.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"after","authorization_flow":"`+flow+`"}`)
	r.Must(t, 200, "PATCH", "/api/v3/providers/rac/1/", `{"connection_expiry":"hours=1"}`)
	list := r.Must(t, 200, "GET", "/api/v3/providers/rac/?name__iexact=locked", "")
	if c := list["pagination"].(map[string]any)["count"]; c != float64(0) {
		t.Fatalf("a write refused while locked was stored")
	}
}
