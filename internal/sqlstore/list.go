package sqlstore

import (
	"context"
	"database/sql"

	"github.com/racd/racd/internal/racd"
)

// listPage runs a list: pageQuery(limit, offset) must select the row columns followed
// by the total count; scan reads one row's columns into a T, given where to put the
// count. For ?page=last the count is read first with countQuery.
func listPage[T any](ctx context.Context, s *Store, q racd.ListQuery, b *qb,
	countQuery func() string, pageQuery func(limit, offset int) string,
	scan func(rows *sql.Rows, count *int) (T, error)) ([]T, int, error) {
	c := s.read()
	offset := 0
	if q.Page == racd.LastPage {
		var total int
		// The count and page run as two statements; clamp below if rows vanish between them.
		if err := c.queryRow(ctx, countQuery(), b.args...).Scan(&total); err != nil {
			return nil, 0, classify(err)
		}
		offset, _ = q.Offset(total)
	} else {
		offset = (q.Page - 1) * q.PageSize
	}
	// The page query appends LIMIT and OFFSET arguments; keep the filter's for a retry.
	nargs := len(b.args)
	query := pageQuery(q.PageSize, offset)
	rows, err := c.query(ctx, query, b.args...)
	b.args = b.args[:nargs]
	if err != nil {
		return nil, 0, classify(err)
	}
	defer rows.Close()
	out := make([]T, 0, min(q.PageSize, 100))
	total := 0
	for rows.Next() {
		v, err := scan(rows, &total)
		if err != nil {
			return nil, 0, classify(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, classify(err)
	}
	if len(out) == 0 && offset > 0 {
		return nil, 0, racd.ErrInvalidPage
	}
	return out, total, nil
}
