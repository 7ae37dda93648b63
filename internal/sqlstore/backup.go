package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Source        string // the database file copied
	Dest          string // the copy
	Bytes         int64
	SchemaVersion int
	Took          time.Duration
}

// ErrBackupPostgres is the answer of BackupSQLite for a PostgreSQL URL.
var ErrBackupPostgres = errors.New("racd backup copies SQLite databases; back up PostgreSQL with pg_dump (see the README), and keep RACD_SECRET_KEY with it")

// BackupSQLite writes a consistent copy of the SQLite database at dbURL to dest while
// racd may be serving it, then checks the copy: it opens, passes PRAGMA
// integrity_check and holds racd's schema. The copy is made by VACUUM INTO inside one
// read transaction, so it is a snapshot: every write committed before the backup
// started is in it, nothing half-written is, and writers are not blocked (WAL). It is
// written beside dest under a temporary name, made private (0600: it holds sealed
// token keys), synced and renamed into place only once verified; dest must not exist.
func BackupSQLite(ctx context.Context, dbURL, dest string) (BackupInfo, error) {
	start := time.Now()
	kind, err := Kind(dbURL)
	if err != nil {
		return BackupInfo{}, err
	}
	if kind != "sqlite" {
		return BackupInfo{}, ErrBackupPostgres
	}
	src, err := SQLitePath(dbURL)
	if err != nil {
		return BackupInfo{}, err
	}
	if _, err := os.Stat(src); err != nil {
		return BackupInfo{}, fmt.Errorf("database %s: %w", src, err)
	}
	if dest == "" {
		return BackupInfo{}, errors.New("no destination file given (--to FILE)")
	}
	if _, err := os.Lstat(dest); err == nil {
		return BackupInfo{}, fmt.Errorf("%s already exists; racd backup never overwrites a file", dest)
	} else if !errors.Is(err, os.ErrNotExist) {
		return BackupInfo{}, err
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	tmp := dest + ".partial-" + hex.EncodeToString(suffix[:])
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove

	db, err := sql.Open("sqlite", sqliteDSN(src, "_pragma=busy_timeout(10000)&mode=ro"))
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("copy %s: %w", src, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return BackupInfo{}, err
	}
	version, err := verifySQLiteCopy(ctx, tmp)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("the copy failed verification: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	if err := os.Link(tmp, dest); err != nil { // unlike rename, never replaces a file created meanwhile
		return BackupInfo{}, fmt.Errorf("move the copy into place: %w", err)
	}
	_ = syncFile(filepath.Dir(dest))
	st, err := os.Stat(dest)
	if err != nil {
		return BackupInfo{}, err
	}
	return BackupInfo{Source: src, Dest: dest, Bytes: st.Size(), SchemaVersion: version, Took: time.Since(start)}, nil
}

// verifySQLiteCopy opens a copy read-only and checks it: PRAGMA integrity_check says
// ok and the schema_migrations table names a version.
func verifySQLiteCopy(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path, "mode=ro"))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return 0, err
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return 0, err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("integrity_check: %s", strings.Join(problems, "; "))
	}
	var version sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&version); err != nil {
		return 0, fmt.Errorf("not a racd database: %w", err)
	}
	if !version.Valid {
		return 0, errors.New("not a racd database: no migration recorded")
	}
	return int(version.Int64), nil
}

// sqliteDSN is the driver's file: URI for path with query parameters.
func sqliteDSN(path, query string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + query
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
