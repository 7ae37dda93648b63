package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/racd/racd/internal/storetest"
)

// TestShutdownDeadline: on SIGTERM, requests in flight may finish within
// RACD_SHUTDOWN_TIMEOUT; one still running at the deadline is cut, and the log names
// it by request id. Two PATCHes wait on row locks the test holds in PostgreSQL: the
// "fast" one's lock is released a second after SIGTERM, the "slow" one's never.
func TestShutdownDeadline(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	r := Start(t, dbURL, "RACD_SHUTDOWN_TIMEOUT=3s", "RACD_REQUEST_TIMEOUT=60s", "RACD_ACCESS_LOG=true")
	flow := createFlow(t, r, "authz")
	fast := r.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"fast","authorization_flow":"`+flow+`"}`)["pk"]
	slow := r.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"slow","authorization_flow":"`+flow+`"}`)["pk"]

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	lock := func(pk any) *sql.Tx {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "SELECT id FROM providers WHERE id = $1 FOR UPDATE", pk); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	fastLock, slowLock := lock(fast), lock(slow)
	defer slowLock.Rollback()
	defer fastLock.Rollback()

	type result struct {
		status int
		body   string
		err    error
		took   time.Duration
	}
	patch := func(pk any, id string) chan result {
		ch := make(chan result, 1)
		go func() {
			req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/api/v3/providers/rac/%v/", r.URL, pk), strings.NewReader(`{"connection_expiry":"hours=3"}`))
			req.Header.Set("Authorization", "Bearer "+Token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Request-Id", id)
			start := time.Now()
			res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
			if err != nil {
				ch <- result{err: err, took: time.Since(start)}
				return
			}
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			ch <- result{status: res.StatusCode, body: string(b), err: err, took: time.Since(start)}
		}()
		return ch
	}
	fastRes, slowRes := patch(fast, "fast-request-1"), patch(slow, "slow-request-2")
	time.Sleep(time.Second) // both are now waiting on their row locks inside racd

	stopped := time.Now()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := fastLock.Commit(); err != nil {
		t.Fatal(err)
	}
	f := <-fastRes
	if f.err != nil || f.status != 200 || !strings.Contains(f.body, `"connection_expiry":"hours=3"`) {
		t.Fatalf("fast request: %d %v %s", f.status, f.err, f.body)
	}
	s := <-slowRes
	if s.err == nil && s.status == 200 {
		t.Fatalf("slow request completed: %d %s", s.status, s.body)
	}
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("racd still running 15 s after SIGTERM:\n%s", r.Logs())
	}
	exited := time.Since(stopped)
	if code := r.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, r.Logs())
	}
	if exited < 3*time.Second || exited > 6*time.Second {
		t.Errorf("exited %v after SIGTERM; want just after the 3 s timeout", exited)
	}
	logs := r.Logs()
	cut := regexp.MustCompile(`(?m)^.*msg="request cut at shutdown deadline".*$`).FindAllString(logs, -1)
	if len(cut) != 1 || !strings.Contains(cut[0], "request_id=slow-request-2") || !strings.Contains(cut[0], "method=PATCH") ||
		!strings.Contains(cut[0], fmt.Sprintf("path=/api/v3/providers/rac/%v/", slow)) {
		t.Fatalf("cut lines %q; logs:\n%s", cut, logs)
	}
	if !regexp.MustCompile(`msg=request method=PATCH .*status=200 .*request_id=fast-request-1`).MatchString(logs) {
		t.Fatalf("the fast request's access-log line is missing:\n%s", logs)
	}
	// The database agrees: the fast change committed, the slow one did not.
	if err := slowLock.Rollback(); err != nil {
		t.Fatal(err)
	}
	var fastExp, slowExp string
	if err := db.QueryRowContext(ctx, "SELECT connection_expiry FROM providers WHERE id = $1", fast).Scan(&fastExp); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT connection_expiry FROM providers WHERE id = $1", slow).Scan(&slowExp); err != nil {
		t.Fatal(err)
	}
	if fastExp != "hours=3" || slowExp == "hours=3" {
		t.Fatalf("stored expiries: fast %q slow %q", fastExp, slowExp)
	}
	t.Logf("fast request: 200 after %v; slow request cut (%v, status %d) after %v; exit 0 %v after SIGTERM; log: %s",
		f.took.Round(time.Millisecond), s.err, s.status, s.took.Round(time.Millisecond), exited.Round(time.Millisecond), cut[0])
}
