package cli

import (
	"context"
	"log/slog"
	"time"
)

// purger is implemented by stores that can delete expired rows.
type purger interface {
	PurgeExpired(ctx context.Context) (int64, error)
}

// runJanitor purges expired rows (events past retention, expired connection tokens)
// every minute until ctx ends.
func runJanitor(ctx context.Context, store any, log *slog.Logger) {
	p, ok := store.(purger)
	if !ok {
		return
	}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := p.PurgeExpired(ctx); err != nil {
			if ctx.Err() == nil {
				log.Warn("purging expired rows failed", "err", err)
			}
		} else if n > 0 {
			log.Info("purged expired rows", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
