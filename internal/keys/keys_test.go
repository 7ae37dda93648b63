package keys

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestGeneratedSecretPrivate pins that a generated secret file is 0600 and the
// directory racd creates for it 0700, even under a permissive umask; that a secret
// file others may read is refused; and that the file's secret is reused.
func TestGeneratedSecretPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	root := t.TempDir()
	path := filepath.Join(root, "state", "racd.db.secret")
	s, created, err := LoadOrCreateSecret(path)
	if err != nil || !created || len(s) < MinSecretLen {
		t.Fatalf("LoadOrCreateSecret: %q %v %v", s, created, err)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, filepath.Join(root, "state"): 0o700} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v %v, want mode %v", p, fi.Mode().Perm(), err, mode)
		}
	}
	again, created, err := LoadOrCreateSecret(path)
	if err != nil || created || again != s {
		t.Fatalf("second load: %q %v %v, want the first secret", again, created, err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateSecret(path); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("group-readable secret file: %v", err)
	}
}
