package cli_test

import (
	"strings"
	"testing"

	"github.com/racd/racd/internal/storetest"
)

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
