package sqlstore

import (
	"context"
)

// PurgeExpired deletes events past their retention and expired connection tokens; it
// returns how many rows went.
func (s *Store) PurgeExpired(ctx context.Context) (int64, error) {
	var total int64
	err := s.write(ctx, func(c conn) error {
		total = 0
		now := s.now()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM connection_tokens WHERE expires IS NOT NULL AND expires <= $1", []any{micros(now)}},
			// An event is kept for the retention configured now (RACD_EVENT_RETENTION),
			// whatever expiry it was stored with: shortening the retention removes older
			// events at the next purge. The created index bounds the scan (events carry
			// no index on expires: each index costs every audited write a page).
			{"DELETE FROM events WHERE created <= $1", []any{micros(now.Add(-s.retention))}},
		} {
			res, err := c.exec(ctx, q.sql, q.args...)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	return total, err
}
