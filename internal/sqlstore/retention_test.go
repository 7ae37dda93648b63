package sqlstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/storetest"
)

// TestEventRetention: events expire Options.EventRetention after they are recorded and
// the purge removes them once that has passed (RACD_EVENT_RETENTION), on both databases;
// a shorter retention also removes events stored with a longer one.
func TestEventRetention(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			dbURL := storetest.URL(t, backend)
			var mu sync.Mutex
			now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			open := func(ret time.Duration) *Store {
				s, err := Open(context.Background(), dbURL, Options{Now: clock, EventRetention: ret})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if _, err := s.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				return s
			}
			ctx := context.Background()
			long := open(0) // the default: a year
			old := &racd.Event{Action: racd.EventConfigurationError, Message: "old"}
			if err := long.Events().Record(ctx, old); err != nil {
				t.Fatal(err)
			}
			if got := old.Expires.Sub(old.Created); got != racd.EventRetention {
				t.Fatalf("default retention %v, want %v", got, racd.EventRetention)
			}
			s := open(90 * time.Minute)
			advance(time.Hour)
			e := &racd.Event{Action: racd.EventConfigurationError, Message: "short"}
			if err := s.Events().Record(ctx, e); err != nil {
				t.Fatal(err)
			}
			if got := e.Expires.Sub(e.Created); got != 90*time.Minute {
				t.Fatalf("expires %v after creation, want 90m", got)
			}
			// 61 minutes later the first event is 121 minutes old: past 90 minutes, though
			// stored with a year; the second (61 minutes) stays.
			advance(61 * time.Minute)
			if n, err := s.PurgeExpired(ctx); err != nil || n != 1 {
				t.Fatalf("purge: %d %v, want 1", n, err)
			}
			if _, err := s.Events().Get(ctx, old.UUID); err != racd.ErrNotFound {
				t.Fatalf("old event after purge: %v", err)
			}
			if _, err := s.Events().Get(ctx, e.UUID); err != nil {
				t.Fatalf("young event: %v", err)
			}
			advance(30 * time.Minute)
			if n, err := s.PurgeExpired(ctx); err != nil || n != 1 {
				t.Fatalf("second purge: %d %v, want 1", n, err)
			}
		})
	}
}
