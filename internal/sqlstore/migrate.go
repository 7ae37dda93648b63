package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered, up-only schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// ErrSchemaTooNew means the database was migrated by a newer racd.
var ErrSchemaTooNew = errors.New("database schema is newer than this racd")

// Migrations returns the embedded migrations of a dialect ("sqlite" or "postgres"),
// in order.
func Migrations(dialect string) ([]Migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations of %s: expected version %d, found %d", dialect, i+1, m.Version)
		}
	}
	return out, nil
}

// SchemaStatus describes the database's schema against the migrations racd knows.
type SchemaStatus struct {
	Current int // highest applied version, 0 for an empty database
	Latest  int // highest version this racd knows
}

// Status reads the applied schema version.
func (s *Store) Status(ctx context.Context) (SchemaStatus, error) {
	ms, err := Migrations(s.d.name)
	if err != nil {
		return SchemaStatus{}, err
	}
	st := SchemaStatus{Latest: len(ms)}
	cur, err := s.currentVersion(ctx, s.rw)
	if err != nil {
		return st, classify(err)
	}
	st.Current = cur
	return st, nil
}

// queryRower is what *sql.DB and *sql.Conn have in common for currentVersion.
type queryRower interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Store) currentVersion(ctx context.Context, q queryRower) (int, error) {
	var exists bool
	var err error
	if err = q.QueryRowContext(ctx, s.d.tableExists("schema_migrations")).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// Migrate applies every pending migration, each in its own transaction, and returns
// the versions it applied. On PostgreSQL it holds an advisory lock (per schema) for
// the whole run, so replicas starting together migrate once; the others wait and then
// find nothing to do. A database migrated by a newer racd is ErrSchemaTooNew.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	ms, err := Migrations(s.d.name)
	if err != nil {
		return nil, err
	}
	c, err := s.rw.Conn(ctx)
	if err != nil {
		return nil, classify(err)
	}
	defer c.Close()
	// Waiting for another replica's migrations, and migrating, may take longer than
	// any request: lift the statement timeout on this connection while it migrates.
	if lift := s.d.liftStatementTimeout(true); lift != "" {
		if _, err := c.ExecContext(ctx, lift); err != nil {
			return nil, classify(err)
		}
		defer func() { _, _ = c.ExecContext(context.WithoutCancel(ctx), s.d.liftStatementTimeout(false)) }()
	}
	if lock := s.d.migrationLock(true); lock != "" {
		if _, err := c.ExecContext(ctx, lock); err != nil {
			return nil, classify(err)
		}
		defer func() {
			// Unlock on a context that survives cancellation of ctx.
			_, _ = c.ExecContext(context.WithoutCancel(ctx), s.d.migrationLock(false))
		}()
	}
	if _, err := c.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, classify(err)
	}
	cur, err := s.currentVersion(ctx, c)
	if err != nil {
		return nil, classify(err)
	}
	if cur > len(ms) {
		return nil, fmt.Errorf("%w: database is at version %d, this racd knows up to %d; upgrade racd", ErrSchemaTooNew, cur, len(ms))
	}
	var applied []Migration
	for _, m := range ms[cur:] {
		ran, err := s.applyMigration(ctx, c, m)
		if err != nil {
			return applied, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, classify(err))
		}
		if !ran {
			continue // another process applied it first
		}
		s.log.Info("applied migration", "version", m.Version, "name", m.Name, "dialect", s.d.name)
		applied = append(applied, m)
	}
	return applied, nil
}

// applyMigration runs m in one transaction unless it is already recorded, and reports
// whether it ran.
func (s *Store) applyMigration(ctx context.Context, c *sql.Conn, m Migration) (bool, error) {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// Another process may have applied it between our read and our lock (SQLite has no
	// advisory lock; its write transaction serializes us instead).
	var done int
	check, _ := s.d.bind("SELECT count(*) FROM schema_migrations WHERE version = $1")
	record, _ := s.d.bind("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
	if err := tx.QueryRowContext(ctx, check, m.Version).Scan(&done); err != nil {
		return false, err
	}
	if done > 0 {
		return false, nil
	}
	for _, stmt := range splitStatements(m.SQL) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("%w\n in statement: %s", err, firstLine(stmt))
		}
	}
	if _, err := tx.ExecContext(ctx, record,
		m.Version, m.Name, micros(s.now())); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// splitStatements splits a migration on semicolons that end a line. racd's migrations
// keep every statement's terminating ';' at a line end and never inside a literal.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || trimmed == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
