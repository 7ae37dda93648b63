package sqlstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// createPrivate creates the SQLite database file, and the directories it needs, for
// the owner only (0600, directories 0700, whatever the umask), before SQLite opens
// it: SQLite creates files 0644, and gives the WAL and shared-memory files the mode of
// the database. An existing file keeps its mode; one others may read is reported.
func (s *Store) createPrivate(path string) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create database directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		return f.Close()
	case errors.Is(err, os.ErrExist):
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			s.log.Warn("the database file is readable by others; chmod 600 it (and its -wal and -shm files)",
				"file", path, "mode", fi.Mode().Perm().String())
		}
		return nil
	}
	return fmt.Errorf("create database file: %w", err)
}
