package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/racd/racd/internal/racd"
)

// purger is implemented by stores that can delete expired rows.
type purger interface {
	PurgeExpired(ctx context.Context) (int64, error)
}

// runJanitor purges expired rows (events past retention, expired connection tokens)
// every minute until ctx ends.
func runJanitor(ctx context.Context, store purger, log *slog.Logger) {
	everyMinute(ctx, log, "expired rows", "rows", store.PurgeExpired)
}

// runSessionJanitor deletes ended browser sessions (idle or past their end) with their
// connection tokens every minute until ctx ends.
func runSessionJanitor(ctx context.Context, store racd.SignInStore, idle time.Duration, log *slog.Logger) {
	everyMinute(ctx, log, "ended browser sessions", "sessions", func(ctx context.Context) (int64, error) {
		now := time.Now()
		return store.PurgeBrowserSessions(ctx, now.Add(-idle), now)
	})
}

// everyMinute runs purge now and then every minute until ctx ends, logging how many
// of what it deleted (as key) and its failures.
func everyMinute(ctx context.Context, log *slog.Logger, what, key string, purge func(context.Context) (int64, error)) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := purge(ctx); err != nil {
			if ctx.Err() == nil {
				log.Warn("purging "+what+" failed", "err", err)
			}
		} else if n > 0 {
			log.Info("purged "+what, key, n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
