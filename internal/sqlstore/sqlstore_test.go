package sqlstore

import (
	"context"
	"testing"

	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/storetest"
)

// testStore is a Store with the raw SQL access the conformance suite arranges
// fixtures with.
type testStore struct{ *Store }

func (s testStore) ExecSQL(ctx context.Context, q string, args ...any) error {
	_, err := s.rw.ExecContext(ctx, mustBind(s.d, q), args...)
	return err
}

func (s testStore) QueryIntSQL(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := s.rw.QueryRowContext(ctx, mustBind(s.d, q), args...).Scan(&n)
	return n, err
}

// openMigrated opens and migrates a store on dbURL, closed when the test ends.
func openMigrated(t testing.TB, dbURL string) *Store {
	t.Helper()
	ring, err := keys.New("sqlstore-test-secret-0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), dbURL, Options{Sealer: ring})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// TestConformance runs the storage conformance suite on SQLite and, with
// RACD_TEST_POSTGRES_URL set, on PostgreSQL.
func TestConformance(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			if backend == "postgres" {
				storetest.PostgresURL(t) // skip the whole half with one message when unset
			}
			storetest.Run(t, func(t *testing.T) racd.Store {
				return testStore{openMigrated(t, storetest.URL(t, backend))}
			})
		})
	}
}
