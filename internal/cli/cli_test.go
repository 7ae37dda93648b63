package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/racd/racd/internal/cli"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/storetest"
)

const secret = "cli-test-secret-0123456789abcdef0123"

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// runRacd runs racd with a deadline and returns its exit code and output.
func runRacd(t *testing.T, getenv map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut syncBuffer
	code := cli.Run(ctx, args, &out, &errOut, env(getenv))
	if ctx.Err() != nil {
		t.Fatalf("racd %v did not exit on its own:\n%s", args, errOut.String())
	}
	return code, out.String(), errOut.String()
}

func pgURL(t *testing.T, scheme string) string {
	t.Helper()
	u := storetest.PostgresURL(t)
	return scheme + "://" + strings.SplitN(u, "://", 2)[1]
}

// TestServeRequiresSecretWithPostgres: without RACD_SECRET_KEY, serve on PostgreSQL
// refuses to start with a message saying why, for both URL schemes, before touching
// the database.
func TestServeRequiresSecretWithPostgres(t *testing.T) {
	for _, scheme := range []string{"postgres", "postgresql"} {
		t.Run(scheme, func(t *testing.T) {
			code, _, stderr := runRacd(t, map[string]string{
				"RACD_DATABASE_URL": scheme + "://racd@127.0.0.1:1/racd?sslmode=disable", "RACD_LISTEN": "127.0.0.1:0",
			}, "serve")
			want := "racd: RACD_SECRET_KEY (or RACD_SECRET_KEY_FILE) is required with PostgreSQL: every replica must share the secret that encrypts token keys\n"
			if code != 1 || stderr != want {
				t.Fatalf("exit %d, stderr %q\nwant exit 1, %q", code, stderr, want)
			}
		})
	}
}

// TestPostgresqlScheme: postgresql:// URLs work like postgres:// ones, for migrate and
// for serve.
func TestPostgresqlScheme(t *testing.T) {
	dbURL := pgURL(t, "postgresql")
	code, stdout, stderr := runRacd(t, map[string]string{"RACD_DATABASE_URL": dbURL}, "migrate")
	if code != 0 || !strings.Contains(stdout, "applied 0001_init") || !strings.Contains(stdout, "(postgres)") {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	logs := serveOnce(t, map[string]string{"RACD_DATABASE_URL": dbURL, "RACD_SECRET_KEY": secret, "RACD_LISTEN": "127.0.0.1:0"})
	if !strings.Contains(logs, "database=postgres") {
		t.Fatalf("serve log: %s", logs)
	}
}

// TestSchemaTooNewRefused: serve and migrate refuse a database a newer racd migrated.
func TestSchemaTooNewRefused(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			dbURL := storetest.URL(t, backend)
			vars := map[string]string{"RACD_DATABASE_URL": dbURL, "RACD_SECRET_KEY": secret, "RACD_LISTEN": "127.0.0.1:0"}
			if code, _, stderr := runRacd(t, vars, "migrate"); code != 0 {
				t.Fatalf("migrate: %d %s", code, stderr)
			}
			bumpSchema(t, dbURL)
			ms, err := sqlstore.Migrations(backend)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("racd: database schema is newer than this racd: database is at version 999, this racd knows up to %d; upgrade racd\n", len(ms))
			for _, cmd := range []string{"serve", "migrate"} {
				code, _, stderr := runRacd(t, vars, cmd)
				if code != 1 || !strings.HasSuffix(stderr, want) {
					t.Errorf("%s: exit %d, stderr %q\nwant exit 1 ending in %q", cmd, code, stderr, want)
				}
			}
		})
	}
}

// bumpSchema records migration 999 as applied, as a newer racd would have.
func bumpSchema(t *testing.T, dbURL string) {
	t.Helper()
	var db *sql.DB
	var err error
	q := "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)"
	if strings.HasPrefix(dbURL, "sqlite://") {
		p, _ := sqlstore.SQLitePath(dbURL)
		db, err = sql.Open("sqlite", p)
	} else {
		db, err = sql.Open("pgx", dbURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// TestServeUnreachableDatabase: with RACD_DATABASE_WAIT=0, serve against a PostgreSQL
// that refuses connections exits non-zero promptly, says which database (without its
// password) it could not reach. (The wait itself is tested end to end in e2e.)
func TestServeUnreachableDatabase(t *testing.T) {
	for _, scheme := range []string{"postgres", "postgresql"} {
		t.Run(scheme, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := runRacd(t, map[string]string{
				"RACD_DATABASE_URL": scheme + "://racd:hunter2@127.0.0.1:1/racd?sslmode=disable",
				"RACD_SECRET_KEY":   secret, "RACD_LISTEN": "127.0.0.1:0", "RACD_DATABASE_WAIT": "0",
			}, "serve")
			if code != 1 || !strings.HasPrefix(stderr, "racd: connect to "+scheme+"://racd:xxxxx@127.0.0.1:1/racd") ||
				strings.Contains(stderr, "hunter2") || time.Since(start) > 15*time.Second {
				t.Fatalf("exit %d after %v, stderr %q", code, time.Since(start), stderr)
			}
		})
	}
}
