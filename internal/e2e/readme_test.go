package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/storetest"
)

// readmeExample returns the README's curl example: the shell blocks from "Create an
// authorization flow" up to the PostgreSQL section, joined.
func readmeExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "Create an authorization flow")
	end := strings.Index(s, "On PostgreSQL (every replica")
	if start < 0 || end < start {
		t.Fatal("README: the curl example's section is not where it was")
	}
	var script strings.Builder
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(s[start:end], -1) {
		script.WriteString(m[1])
	}
	if !strings.Contains(script.String(), "/launch/") {
		t.Fatalf("README example has no launch:\n%s", script.String())
	}
	return script.String()
}

// TestReadmeExampleRunsTwice runs the README's curl example with bash against a real
// racd, as an operator pasting it would, and then once more (a second later, as a
// person would): both runs create a flow, a provider and an endpoint and launch it.
func TestReadmeExampleRunsTwice(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed to run the README's example")
	}
	r := Start(t, storetest.SQLiteURL(t))
	script := readmeExample(t)
	script = strings.ReplaceAll(script, "TOKEN=change-me-admin-token", "TOKEN="+Token)
	script = strings.ReplaceAll(script, "http://localhost:9000", r.URL)
	pks := map[string]bool{}
	for run := 1; run <= 2; run++ {
		if run == 2 {
			time.Sleep(1100 * time.Millisecond) // N is the time in seconds
		}
		out, err := exec.Command("bash", "-c", script).CombinedOutput()
		got := string(out)
		provider := regexp.MustCompile(`(?m)^\{"pk":(\d+),"name":"Office desktops \d+",.*"connection_expiry":"hours=2".*\}$`).FindStringSubmatch(got)
		launch := regexp.MustCompile(`\{"token":"[A-Za-z0-9]{60}","url":"/if/rac/[A-Za-z0-9]{60}/","expires":"[^"]+","settings":\{.*"hostname":"10\.0\.0\.5".*\}`).FindString(got)
		if err != nil || provider == nil || launch == "" || strings.Contains(got, `"detail"`) || strings.Contains(got, "already exists") {
			t.Fatalf("run %d: %v\n%s", run, err, got)
		}
		if pks[provider[1]] {
			t.Fatalf("run %d answered provider %s again", run, provider[1])
		}
		pks[provider[1]] = true
	}
}
