package sqlstore

import (
	"context"
	"database/sql"
	"sort"
	"strings"

	"github.com/racd/racd/internal/racd"
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

// joinUnion joins SELECT statements with UNION ALL.
func joinUnion(parts []string) string { return strings.Join(parts, " UNION ALL ") }

// setLinks inserts (ownerCol=owner, itemCol=item) rows of a link table in one statement.
func (s *Store) setLinks(ctx context.Context, c conn, table, ownerCol string, owner any, itemCol string, items []string) error {
	if len(items) == 0 {
		return nil
	}
	b := &qb{d: s.d}
	o := b.arg(owner)
	vals := make([]string, len(items))
	for i, it := range items {
		vals[i] = "(" + o + ", " + b.arg(it) + ")"
	}
	_, err := c.exec(ctx, "INSERT INTO "+table+" ("+ownerCol+", "+itemCol+") VALUES "+strings.Join(vals, ", "), b.args...)
	return err
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sortedCopy(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}

// deleteObjectPermissions removes the object-level grants on one object.
func (s *Store) deleteObjectPermissions(ctx context.Context, c conn, app, model, pk string) error {
	// Codenames are <app>.<action>_<model>; the object's grants are those whose codename
	// ends in _<model> under app.
	pattern := app + ".%\\_" + model
	for _, table := range []string{"user_permissions", "role_permissions"} {
		if _, err := c.exec(ctx, "DELETE FROM "+table+" WHERE object_pk = $1 AND permission LIKE $2 ESCAPE '\\'", pk, pattern); err != nil {
			return err
		}
	}
	return nil
}

// deleteObject is how every resource is deleted inside its write transaction: the row
// (table keyed by keyCol = key; foreign keys take dependents along), the object-level
// grants on it, and a model_deleted event whose diff holds every field's previous
// value (SPEC §5: every change carries its diff).
func (s *Store) deleteObject(ctx context.Context, c conn, table, keyCol string, key any, ref racd.ObjectRef, fields []racd.Field, a racd.Audit) error {
	if _, err := c.exec(ctx, "DELETE FROM "+table+" WHERE "+keyCol+" = $1", key); err != nil {
		return err
	}
	if err := s.deleteObjectPermissions(ctx, c, ref.App, ref.ModelName, ref.PK); err != nil {
		return err
	}
	return s.recordModelEvent(ctx, c, racd.EventModelDeleted, a, ref, racd.Diff(fields, nil))
}
