package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
)

// Back-off between tries to reach the database at start: doubling from the first delay
// up to the cap, never past RACD_DATABASE_WAIT.
const (
	firstRetryDelay = 250 * time.Millisecond
	maxRetryDelay   = 2 * time.Second
)

// openStoreWaiting is openStore for serve: a database that cannot be reached (refused,
// timed out, starting up) is tried again with back-off for cfg.DatabaseWait, with a log
// line per try, as happens when racd and its PostgreSQL start together. Any other
// error (a bad URL or password, a schema from a newer racd) ends the wait at once.
func openStoreWaiting(ctx context.Context, cfg Config, log *slog.Logger, obs sqlstore.Observer) (*sqlstore.Store, *keys.Keyring, error) {
	start := time.Now()
	delay := firstRetryDelay
	for attempt := 1; ; attempt++ {
		store, ring, err := openStore(ctx, cfg, log, obs)
		if err == nil {
			if attempt > 1 {
				log.Info("database reachable", "attempt", attempt, "waited", time.Since(start).Round(time.Millisecond).String())
			}
			return store, ring, nil
		}
		if !errors.Is(err, racd.ErrUnavailable) || cfg.DatabaseWait <= 0 {
			return nil, nil, err
		}
		left := cfg.DatabaseWait - time.Since(start)
		if left <= 0 {
			return nil, nil, fmt.Errorf("database still unreachable after %d tries in %s (RACD_DATABASE_WAIT=%s): %w",
				attempt, time.Since(start).Round(time.Millisecond), cfg.DatabaseWait, err)
		}
		wait := min(delay, left)
		log.Warn("database unreachable, retrying", "attempt", attempt, "retry_in", wait.String(),
			"gives_up_in", left.Round(time.Millisecond).String(), "err", err)
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("stopped while waiting for the database: %w", err)
		case <-time.After(wait):
		}
		delay = min(2*delay, maxRetryDelay)
	}
}
