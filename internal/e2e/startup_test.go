package e2e

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/storetest"
)

// proxiedPostgres returns a fresh PostgreSQL schema's URL rewritten to go through a TCP
// proxy in front of the shared server, and the proxy (up).
func proxiedPostgres(t *testing.T) (string, *tcpProxy) {
	t.Helper()
	u, err := url.Parse(storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	upstream := u.Host
	if u.Port() == "" {
		upstream += ":5432"
	}
	proxy := newTCPProxy(t, upstream)
	u.Host = proxy.addr
	return u.String(), proxy
}

// TestStartupWaitsForDatabase: PostgreSQL unreachable when racd starts and reachable 5
// seconds later. racd logs each try, starts, migrates and serves.
func TestStartupWaitsForDatabase(t *testing.T) {
	dbURL, proxy := proxiedPostgres(t)
	proxy.Down() // connections are refused until Up
	up := time.AfterFunc(5*time.Second, proxy.Up)
	defer up.Stop()
	start := time.Now()
	r := Start(t, dbURL) // default RACD_DATABASE_WAIT (60s)
	listening := time.Since(start)
	if listening < 5*time.Second {
		t.Fatalf("racd listened after %v, before the database was reachable", listening)
	}
	logs := r.Logs()
	tries := strings.Count(logs, `msg="database unreachable, retrying"`)
	if tries < 3 || !strings.Contains(logs, "connection refused") || !strings.Contains(logs, `msg="database reachable"`) {
		t.Fatalf("%d retry lines; logs:\n%s", tries, logs)
	}
	rep, err := r.Do("GET", "/-/health/ready/", "")
	if err != nil || rep.Status != 200 {
		t.Fatalf("ready: %v %+v", err, rep)
	}
	flow := createFlow(t, r, "after-wait")
	r.Must(t, 201, "POST", "/api/v3/providers/rac/", `{"name":"served","authorization_flow":"`+flow+`"}`)
	t.Logf("listening %v after start, %d retries logged", listening.Round(time.Millisecond), tries)
}

// TestStartupGivesUp: PostgreSQL unreachable throughout. racd exits 1 once
// RACD_DATABASE_WAIT has passed, saying why, without the database password.
func TestStartupGivesUp(t *testing.T) {
	dbURL, proxy := proxiedPostgres(t)
	proxy.Down() // and stays down
	u, _ := url.Parse(dbURL)
	u.User = url.UserPassword("postgres", "hunter2")
	cmd := exec.Command(racdBin, "serve")
	cmd.Env = append(os.Environ(), "RACD_LISTEN=127.0.0.1:0", "RACD_DATABASE_URL="+u.String(),
		"RACD_SECRET_KEY="+Secret, "RACD_DATABASE_WAIT=3s")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	code := cmd.ProcessState.ExitCode()
	out := stderr.String()
	if err == nil || code != 1 {
		t.Fatalf("exit %d (%v), want 1; stderr:\n%s", code, err, out)
	}
	if took < 3*time.Second || took > 15*time.Second {
		t.Fatalf("exited after %v; want just after the 3s wait", took)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "racd: database still unreachable after ") || !strings.Contains(last, "RACD_DATABASE_WAIT=3s") ||
		!strings.Contains(last, "connection refused") || strings.Contains(out, "hunter2") {
		t.Fatalf("last line %q; stderr:\n%s", last, out)
	}
	if n := strings.Count(out, `msg="database unreachable, retrying"`); n < 3 {
		t.Fatalf("%d retry lines, want one per try:\n%s", n, out)
	}
	t.Logf("exit 1 after %v: %s", took.Round(time.Millisecond), last)
}
