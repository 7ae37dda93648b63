package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRefusals: racd backup refuses PostgreSQL (pointing at pg_dump), a missing
// --to, an existing file and a database that does not exist, and never touches the
// destination in those cases.
func TestBackupRefusals(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "racd.db")
	if code, _, stderr := runRacd(t, map[string]string{"RACD_DATABASE_URL": "sqlite://" + db}, "migrate"); code != 0 {
		t.Fatal(stderr)
	}
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		vars map[string]string
		args []string
		code int
		want string
	}{
		{"postgres", map[string]string{"RACD_DATABASE_URL": "postgres://x@127.0.0.1:1/db"}, []string{"--to", filepath.Join(dir, "pg.db")}, 1, "back up PostgreSQL with pg_dump"},
		{"no --to", map[string]string{"RACD_DATABASE_URL": "sqlite://" + db}, nil, 2, "racd backup needs --to FILE"},
		{"exists", map[string]string{"RACD_DATABASE_URL": "sqlite://" + db}, []string{"--to=" + existing}, 1, "already exists"},
		{"no database", map[string]string{"RACD_DATABASE_URL": "sqlite://" + filepath.Join(dir, "nope.db")}, []string{"-to", filepath.Join(dir, "x.db")}, 1, "nope.db"},
		{"stray argument", map[string]string{"RACD_DATABASE_URL": "sqlite://" + db}, []string{"--to", filepath.Join(dir, "y.db"), "now"}, 2, "unexpected arguments"},
	} {
		code, _, stderr := runRacd(t, c.vars, append([]string{"backup"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d %q, want %d containing %q", c.name, code, stderr, c.code, c.want)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Fatal("an existing file was overwritten")
	}
	for _, f := range []string{"pg.db", "x.db", "y.db", "nope.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was created", f)
		}
	}
	code, stdout, stderr := runRacd(t, map[string]string{"RACD_DATABASE_URL": "sqlite://" + db}, "backup", "--to", filepath.Join(dir, "ok.db"))
	if code != 0 || !strings.Contains(stdout, "integrity ok") {
		t.Fatalf("backup: %d %s %s", code, stdout, stderr)
	}
}
