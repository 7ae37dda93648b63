package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSystemdUnit checks deploy/racd.service with systemd's own tools:
// `systemd-analyze verify` must pass without a single warning (it exits 0 on unknown
// keys and unparsable values, so any output fails the test), and the offline security
// analysis must rate its exposure OK. The unit's ExecStart names the installed path;
// verify insists the binary exists, so the copy checked here runs the binary under test.
// CI installs systemd (.ci/run) and there the test fails rather than skips without it.
func TestSystemdUnit(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze is missing: .ci/run installs Debian's systemd package")
		}
		t.Skip("systemd-analyze not installed (apt-get install systemd); CI runs this test")
	}
	src, err := os.ReadFile(filepath.Join(moduleRoot, "deploy", "racd.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(src)
	const installed = "ExecStart=/usr/local/bin/racd serve"
	if !strings.Contains(unit, "\n"+installed+"\n") {
		t.Fatalf("the unit does not run %q", installed)
	}
	for _, want := range []string{"\nDynamicUser=yes\n", "\nStateDirectory=racd\n", "\nProtectSystem=strict\n",
		"\nNoNewPrivileges=yes\n", "\nCapabilityBoundingSet=\n", "\nSystemCallFilter=@system-service\n",
		"\nRestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n", "\nPrivateTmp=yes\n", "\nProtectHome=yes\n"} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %s", strings.TrimSpace(want))
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "racd.service")
	if err := os.WriteFile(path, []byte(strings.Replace(unit, installed, "ExecStart="+racdBin+" serve", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(tool, "security", "--offline=true", "--no-pager", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for racd\.service: ([0-9.]+) (\w+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	if level, _ := strconv.ParseFloat(m[1], 64); level > 2 || m[2] != "OK" {
		t.Fatalf("exposure level %s %s; want OK (at most 2.0)", m[1], m[2])
	}
	t.Logf("systemd-analyze verify: no output; exposure level %s %s", m[1], m[2])
}
