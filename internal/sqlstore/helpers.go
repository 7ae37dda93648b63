package sqlstore

import (
	"context"
	"database/sql"
	"sort"
	"time"
)

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// queryEach runs q and calls fn for every row.
func queryEach(ctx context.Context, c conn, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func sortedCopy(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}

// micros converts a time to the stored unix-microsecond form.
func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

// microsOrNull is micros of *t, or NULL for nil.
func microsOrNull(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// fromMicros converts a stored unix-microsecond value to a UTC time.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// fromMicrosNull is fromMicros of a nullable column (nil for NULL).
func fromMicrosNull(us sql.NullInt64) *time.Time {
	if !us.Valid {
		return nil
	}
	t := fromMicros(us.Int64)
	return &t
}
