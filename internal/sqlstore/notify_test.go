package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
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

// TestNotifierReconnects: when PostgreSQL drops the listening connection, the notifier
// reconnects by itself, tells subscribers to resync (notices sent meanwhile are lost),
// and hears notices again.
func TestNotifierReconnects(t *testing.T) {
	url := storetest.PostgresURL(t)
	s := openMigrated(t, url)
	n, err := s.NewNotifier(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	got := make(chan racd.Notice, 16)
	defer n.Subscribe(func(nt racd.Notice) { got <- nt })()
	var killed int64
	if err := s.rw.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = $1`,
		`LISTEN "`+n.channel+`"`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminating the listener: %d, %v", killed, err)
	}
	wait := func(want racd.Notice) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case nt := <-got:
				if nt == want {
					return
				}
			case <-deadline:
				t.Fatalf("no %+v", want)
			}
		}
	}
	wait(racd.Notice{Kind: racd.NoticeResync})
	nt := racd.Notice{Kind: racd.NoticeSessionStarted, ID: "after", Seq: 3}
	if err := n.Publish(context.Background(), nt); err != nil {
		t.Fatal(err)
	}
	wait(nt)
}
