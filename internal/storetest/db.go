package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema setup
)

// PostgresEnv names the variable that points the tests at a PostgreSQL server.
const PostgresEnv = "RACD_TEST_POSTGRES_URL"

// Backends are the backends every storage and HTTP test runs on. The PostgreSQL half
// skips with a message (never silently) when RACD_TEST_POSTGRES_URL is unset.
var Backends = []string{"sqlite", "postgres"}

// URL returns a fresh database URL for backend ("sqlite" or "postgres"); for postgres
// it skips the test when RACD_TEST_POSTGRES_URL is unset and fails it when the server
// cannot be reached.
func URL(t testing.TB, backend string) string {
	t.Helper()
	if backend == "sqlite" {
		return SQLiteURL(t)
	}
	return PostgresURL(t)
}

// SQLiteURL returns sqlite:// URL of a new file in the test's temporary directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite://" + filepath.Join(t.TempDir(), "racd.db")
}

// PostgresURL creates a schema of its own on the server named by RACD_TEST_POSTGRES_URL
// (dropped when the test ends) and returns a URL whose search_path selects it, so
// tests never collide. Without the variable the test is skipped with a message saying
// how to run it; with it, an unreachable server fails the test.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL half skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run it", PostgresEnv)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "racd_test_" + hex.EncodeToString(b[:])
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("PostgreSQL at %s is required by %s but unusable: %v", base, PostgresEnv, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
