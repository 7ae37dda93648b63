package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/racd/racd/internal/racd"
)

// TestSQLiteFilesPrivate pins that SQLite's database, WAL and shared-memory files are
// created 0600 and the directories racd creates for them 0700, even under a permissive
// umask (SQLite alone creates 0644 files, and the WAL and shared memory take the
// database's mode).
func TestSQLiteFilesPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	root := t.TempDir()
	path := filepath.Join(root, "new", "dir", "racd.db")
	ctx := context.Background()
	s, err := Open(ctx, "sqlite://"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Flows().Create(ctx, &racd.FlowInput{Name: racd.Some("f"), Slug: racd.Some("f"), Title: racd.Some("f"), Designation: racd.Some("authorization")}, racd.Audit{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{
		filepath.Join(root, "new"):        0o700,
		filepath.Join(root, "new", "dir"): 0o700,
		path:                              0o600,
		path + "-wal":                     0o600,
		path + "-shm":                     0o600,
	}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %v, want %v", p, got, mode)
		}
	}
}
