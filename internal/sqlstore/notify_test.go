package sqlstore

import (
	"context"
	"testing"

	"github.com/racd/racd/internal/storetest"
)

// TestNotifierConformance runs the notifier conformance tests: in-process on SQLite,
// LISTEN/NOTIFY between two stores (two replicas) on PostgreSQL.
func TestNotifierConformance(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			if backend == "postgres" {
				storetest.PostgresURL(t)
			}
			storetest.RunNotifier(t, func(t *testing.T) storetest.NotifierEnv {
				url := storetest.URL(t, backend)
				a := openMigrated(t, url)
				na, err := a.NewNotifier(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(na.Close)
				env := storetest.NotifierEnv{Store: testStore{a}, A: na, B: na,
					Purge: func(ctx context.Context) error { _, err := a.PurgeExpired(ctx); return err },
					Rollback: func(ctx context.Context, q string, args ...any) error {
						tx, err := a.rw.BeginTx(ctx, nil)
						if err != nil {
							return err
						}
						if _, err := tx.ExecContext(ctx, mustBind(a.d, q), args...); err != nil {
							tx.Rollback()
							return err
						}
						return tx.Rollback()
					}}
				if backend == "postgres" {
					b := openMigrated(t, url)
					nb, err := b.NewNotifier(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(nb.Close)
					env.B = nb
				}
				return env
			})
		})
	}
}
