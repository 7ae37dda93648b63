package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/cli"
	"github.com/racd/racd/internal/storetest"
)

// serveOnce runs serve until it listens, stops it and returns its log.
func serveOnce(t *testing.T, vars map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, []string{"serve"}, &out, &errOut, env(vars)) }()
	deadline := time.After(30 * time.Second)
	for !strings.Contains(errOut.String(), "racd listening") {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, errOut.String())
		case <-deadline:
			t.Fatalf("serve did not listen:\n%s", errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, errOut.String())
	}
	return errOut.String()
}

// TestBootstrapTokenChanged: a RACD_BOOTSTRAP_TOKEN that no longer matches the stored
// bootstrap token gives a warning naming neither key; the same key gives none.
func TestBootstrapTokenChanged(t *testing.T) {
	const first, second = "bootstrap-key-first-0123456789", "bootstrap-key-second-0123456789"
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			vars := map[string]string{"RACD_DATABASE_URL": storetest.URL(t, backend), "RACD_SECRET_KEY": secret,
				"RACD_LISTEN": "127.0.0.1:0", "RACD_BOOTSTRAP_TOKEN": first}
			const warning = `level=WARN msg="RACD_BOOTSTRAP_TOKEN does not match the stored bootstrap token`
			logs := serveOnce(t, vars)
			if !strings.Contains(logs, "created bootstrap admin token") || strings.Contains(logs, warning) {
				t.Fatalf("first start:\n%s", logs)
			}
			if logs := serveOnce(t, vars); strings.Contains(logs, warning) || strings.Contains(logs, "created bootstrap") {
				t.Fatalf("same key again:\n%s", logs)
			}
			vars["RACD_BOOTSTRAP_TOKEN"] = second
			logs = serveOnce(t, vars)
			if !strings.Contains(logs, warning) || !strings.Contains(logs, "identifier=racd-bootstrap-token") {
				t.Fatalf("changed key, no warning:\n%s", logs)
			}
			if strings.Contains(logs, first) || strings.Contains(logs, second) {
				t.Fatalf("a key reached the log:\n%s", logs)
			}
		})
	}
}
