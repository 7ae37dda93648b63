package sqlstore

import "context"

// PurgeExpired deletes events past their retention and expired connection tokens; it
// returns how many rows went.
func (s *Store) PurgeExpired(ctx context.Context) (int64, error) {
	var total int64
	err := s.write(ctx, func(c conn) error {
		total = 0
		now := micros(s.now())
		for _, q := range []string{
			"DELETE FROM connection_tokens WHERE expires IS NOT NULL AND expires <= $1",
			"DELETE FROM events WHERE expires <= $1",
		} {
			res, err := c.exec(ctx, q, now)
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
