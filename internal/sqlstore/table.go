package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"sync/atomic"

	"github.com/racd/racd/internal/racd"
)

// scanner is what a row offers a scan function (*sql.Row, *sql.Rows, row).
type scanner interface{ Scan(dest ...any) error }

// object is a domain object the store keeps: it names itself in events.
type object interface{ Ref() racd.ObjectRef }

// place says where a model's objects are stored: what the permission system (object
// grants, visibility) and reference checks need of every model.
type place struct {
	model racd.Model
	name  string // SQL table
	alias string // its alias in every statement
	pk    string // primary key column
}

// pkCol is the qualified primary key column.
func (p *place) pkCol() string { return p.alias + "." + p.pk }

// from is the table with its alias, for FROM clauses.
func (p *place) from() string { return p.name + " " + p.alias }

// table describes how one resource is read: its columns, how a row becomes an object
// and which related objects are loaded per page. get and list serve every resource
// with it; writer adds how it is written.
type table[T any] struct {
	place
	cols  func(d dialect) string // what scan reads, in order
	joins string                 // joins cols needs (after the table, with spaces)
	scan  func(sc scanner, extra ...any) (T, error)
	// attach loads what objects refer to from other tables (one query for any number
	// of objects); nil when the row holds everything.
	attach func(s *Store, ctx context.Context, c conn, objs []T) error
	// order maps the ordering terms ?ordering= accepts to SQL (other terms are
	// ignored); defaultOrder applies when none of them is given.
	order        map[string]string
	defaultOrder []racd.OrderTerm
	// ownVisibility tables filter lists by their own rules (tokens, connection tokens),
	// not by ListQuery.Visible.
	ownVisibility bool
	// live, when set, is the condition a row must meet at now (a placeholder) to exist
	// at all: connection tokens that expired are never read.
	live func(now string) string

	// selects caches selectSQL per dialect (SQLite, PostgreSQL): building cols costs
	// a few allocations, and reads run it on every request.
	selects [2]atomic.Pointer[string]
}

// selectSQL is the SELECT ... FROM ... of t's rows, for a WHERE to follow.
func (t *table[T]) selectSQL(d dialect) string {
	slot := &t.selects[0]
	if !d.sqlite() {
		slot = &t.selects[1]
	}
	if q := slot.Load(); q != nil {
		return *q
	}
	q := "SELECT " + t.cols(d) + " FROM " + t.from() + t.joins + " WHERE "
	slot.Store(&q)
	return q
}

// get reads the object whose column col equals key. lock takes the row lock for the
// rest of the write transaction and skips attach (the write path completes the object
// it writes).
func get[T any](ctx context.Context, s *Store, c conn, t *table[T], col string, key any, lock bool) (T, error) {
	q := t.selectSQL(s.d) + t.alias + "." + col + " = $1"
	args := []any{key}
	if t.live != nil {
		q += " AND " + t.live("$2")
		args = append(args, micros(s.now()))
	}
	if lock {
		q += s.d.forUpdate(t.alias)
	}
	obj, err := t.scan(c.queryRow(ctx, q, args...))
	if err == nil && !lock {
		err = t.complete(ctx, s, c, []T{obj})
	}
	if err != nil {
		var zero T
		return zero, classify(err)
	}
	return obj, nil
}

// complete runs attach, if any.
func (t *table[T]) complete(ctx context.Context, s *Store, c conn, objs []T) error {
	if t.attach == nil || len(objs) == 0 {
		return nil
	}
	return t.attach(s, ctx, c, objs)
}

// pkOf returns the primary key, as text, of the object of p whose column col holds key.
func (s *Store) pkOf(ctx context.Context, c conn, p *place, col string, key any) (string, error) {
	var pk string
	err := c.queryRow(ctx, "SELECT CAST("+p.pkCol()+" AS TEXT) FROM "+p.from()+" WHERE "+p.alias+"."+col+" = $1", key).Scan(&pk)
	return pk, classify(err)
}

// list returns one page of t's objects matching b's filter, with the total count, in
// a fixed number of queries whatever the page size. filterJoins are joins the filter
// and the ordering use; orderJoins joins only the ordering needs.
func list[T any](ctx context.Context, s *Store, t *table[T], q racd.ListQuery, b *qb, filterJoins, orderJoins string) ([]T, int, error) {
	if !t.ownVisibility {
		b.visible(t.pkCol(), keyOf(t.model), q.Visible)
	}
	if t.live != nil {
		b.and(t.live(b.arg(micros(s.now()))))
	}
	order := orderSQL(q.Ordering, t.order, t.defaultOrder, t.pkCol())
	c := s.read()
	offset := (q.Page - 1) * q.PageSize
	if q.Page == racd.LastPage {
		var total int
		// The count and page run as two statements; clamp below if rows vanish between them.
		count := "SELECT count(*) FROM " + t.from() + " " + filterJoins + b.whereSQL()
		if err := c.queryRow(ctx, count, b.args...).Scan(&total); err != nil {
			return nil, 0, classify(err)
		}
		offset, _ = q.Offset(total)
	}
	rows, err := c.query(ctx, pageSQL(b, &t.place, filterJoins, orderJoins, order, t.cols(s.d), t.joins, q.PageSize, offset), b.args...)
	if err != nil {
		return nil, 0, classify(err)
	}
	defer rows.Close()
	out := make([]T, 0, min(q.PageSize, 100))
	total := 0
	for rows.Next() {
		v, err := t.scan(rows, &total)
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
	if err := t.complete(ctx, s, s.read(), out); err != nil {
		return nil, 0, classify(err)
	}
	return out, total, nil
}

// byKeys loads the objects of t whose primary keys are keys, in one query, by key.
func byKeys[T any, K comparable](ctx context.Context, s *Store, c conn, t *table[T], keys []K, keyFn func(T) K) (map[K]T, error) {
	out := make(map[K]T, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	b := &qb{d: s.d}
	q := t.selectSQL(s.d) + s.d.in(t.pkCol(), b.arg(s.d.listArg(keys)), keyOf(t.model))
	err := queryEach(ctx, c, q, b.args, func(rows *sql.Rows) error {
		obj, err := t.scan(rows)
		if err == nil {
			out[keyFn(obj)] = obj
		}
		return err
	})
	if err == nil {
		objs := make([]T, 0, len(out))
		for _, o := range out {
			objs = append(objs, o)
		}
		err = t.complete(ctx, s, c, objs)
	}
	return out, err
}

// pkArg turns a primary key as object references write it (text) into the argument
// its column compares with.
func pkArg(m racd.Model, pk string) any {
	if m.IntPK {
		n, _ := strconv.ParseInt(pk, 10, 64)
		return n
	}
	return pk
}

// places lists where every model permissions can be assigned on is stored.
var places = []*place{
	&providerTable.place, &endpointTable.place, &connTokenTable.place, &mappingTable.place, &flowTable.place,
	&applicationTable.place, &outpostTable.place, &userTable.place, &groupTable.place, &tokenTable.place,
	&roleTable.place, &eventTable.place,
}

// placeOf returns where m's objects are stored.
func placeOf(m racd.Model) *place {
	for _, p := range places {
		if p.model == m {
			return p
		}
	}
	panic("sqlstore: no table for " + m.String())
}
