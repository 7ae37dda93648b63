package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/racd/racd/internal/racd"
)

// col is one column a write sets: a value, or (sql) an expression the database
// computes; once columns are set on insert only.
type col struct {
	name string
	v    any
	sql  string
	once bool
	// secrets, when set, is sealed into the column's value (Store.sealedColumn).
	secrets *racd.Secrets
}

// rowCols returns the columns a write of obj sets, secrets sealed: row's, a new
// row's extra ones, the touched one.
func (w *writer[T, I]) rowCols(s *Store, in I, obj T, created bool) ([]col, error) {
	cols := w.row(obj)
	for i, cl := range cols {
		if cl.secrets != nil {
			v, err := s.sealedColumn(cl.secrets)
			if err != nil {
				return nil, err
			}
			cols[i].v = v
		}
	}
	if created && w.extra != nil {
		cols = append(cols, w.extra(s, in)...)
	}
	if w.touch != "" {
		cols = append(cols, col{name: w.touch, v: micros(s.now())})
	}
	return cols, nil
}

// link is a link table: one row per item an object refers to (many-to-many).
type link struct {
	field       string // the field, as diffs name it, whose change rewrites the rows
	table       string
	owner, item string // columns: the object's primary key, an item
	items       []any
}

// writer describes how one resource is written. create, update and remove serve
// every resource with it: in one transaction they lock the row (update, delete),
// apply the input, check references and uniqueness with one query, write the row and
// its link rows, complete the written object the same way reads do, and record the
// audit event with its diff; remove also drops the object grants on the row.
type writer[T object, I racd.Input[T]] struct {
	t      *table[T]
	key    string   // the column the store's methods address rows by (id, uuid, slug, identifier)
	fields []string // the serializer's field order, which errors follow
	// new returns an object with the model's defaults (and a fresh UUID key).
	new func(s *Store) T
	// guard applies the rules that depend on the actor and on other rows (nil: none):
	// after the input applied on create and update, and before a delete (g.deleting;
	// in is then nil). An error other than field errors ends the write at once.
	guard func(g *guard, in I, obj T) error
	// check adds the reference and uniqueness checks of the sent fields; rules runs
	// what needs them done first (nil: nothing).
	check func(ch *checks, in I, obj T)
	rules func(in I, obj T, errs *racd.FieldErrors)
	// row is the columns a write sets (the primary key only where the store makes it);
	// returning, when set, is where INSERT ... RETURNING puts a key the database makes.
	row       func(obj T) []col
	returning func(obj T) any
	// extra is the columns a new row gets beyond row (nil: none).
	extra func(s *Store, in I) []col
	// touch names a column set to the write's time on every create and update
	// (a user's last_updated); "" for none.
	touch string
	links func(obj T) []link
	// saved writes what else follows from the object (nil: nothing), as a on behalf of
	// the caller; created says the object is new.
	saved func(s *Store, ctx context.Context, c conn, obj T, created bool, changed func(field string) bool, a racd.Audit) error
	// diff lists the object's fields for the event's diff.
	diff func(obj T) []racd.Field
	// reread: the row shows data of other tables (a user's groups, a group's members),
	// so the written object is read back; otherwise attach completes it.
	reread bool
	// removing runs before the row is deleted (nil: nothing).
	removing func(s *Store, ctx context.Context, c conn, obj T, a racd.Audit) error

	// inserts and updates keep the statement text of the last row shape written.
	inserts, updates statements
}

// create validates in and stores a new object.
func create[T object, I racd.Input[T]](ctx context.Context, s *Store, w *writer[T, I], in I, a racd.Audit) (T, error) {
	var out T
	racd.CheckLimits(in, in.DecodeErrors()) // before any value reaches SQL
	err := s.write(ctx, func(c conn) error {
		obj := w.new(s)
		g, cols, err := w.prepare(ctx, s, c, in, obj, nil, nil, a)
		if err != nil {
			return err
		}
		q := w.inserts.text(cols, func() string {
			names, vals := make([]string, len(cols)), make([]string, len(cols))
			b := &qb{d: s.d}
			for i, cl := range cols {
				names[i], vals[i] = cl.name, cl.value(b)
			}
			q := "INSERT INTO " + w.t.name + " (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")"
			if w.returning != nil {
				q += " RETURNING " + w.t.pk
			}
			return q
		})
		if w.returning != nil {
			if err := c.queryRow(ctx, q, argsOf(cols)...).Scan(w.returning(obj)); err != nil {
				return err
			}
		} else if _, err := c.exec(ctx, q, argsOf(cols)...); err != nil {
			return err
		}
		out, err = w.finish(ctx, s, c, obj, pkArg(w.t.model, obj.Ref().PK), nil, g, a)
		return err
	})
	return out, err
}

// update applies in to the object whose key column holds key.
func update[T object, I racd.Input[T]](ctx context.Context, s *Store, w *writer[T, I], key any, in I, a racd.Audit) (T, error) {
	var out T
	racd.CheckLimits(in, in.DecodeErrors()) // before any value reaches SQL
	err := s.write(ctx, func(c conn) error {
		obj, err := get(ctx, s, c, w.t, w.key, key, true)
		if err != nil {
			return err
		}
		before := w.diff(obj)
		pk := pkArg(w.t.model, obj.Ref().PK)
		g, cols, err := w.prepare(ctx, s, c, in, obj, pk, before, a)
		if err != nil {
			return err
		}
		cols = slices.DeleteFunc(cols, func(cl col) bool { return cl.name == w.t.pk || cl.once })
		q := w.updates.text(cols, func() string {
			sets := make([]string, len(cols))
			b := &qb{d: s.d}
			for i, cl := range cols {
				sets[i] = cl.name + " = " + cl.value(b)
			}
			return "UPDATE " + w.t.name + " SET " + strings.Join(sets, ", ") + " WHERE " + w.t.pk + " = " + b.arg(pk)
		})
		if _, err := c.exec(ctx, q, append(argsOf(cols), pk)...); err != nil {
			return err
		}
		out, err = w.finish(ctx, s, c, obj, pk, before, g, a)
		return err
	})
	return out, err
}

// remove deletes the object whose key column holds key.
func remove[T object, I racd.Input[T]](ctx context.Context, s *Store, w *writer[T, I], key any, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		obj, err := get(ctx, s, c, w.t, w.key, key, true)
		if err != nil {
			return err
		}
		g := &guard{s: s, ctx: ctx, c: c, a: a, deleting: true, errs: &racd.FieldErrors{}}
		if w.guard != nil {
			var none I
			if err := w.guard(g, none, obj); err != nil {
				return err
			}
			if err := g.errs.Err(); err != nil {
				return err
			}
		}
		if w.removing != nil {
			if err := w.removing(s, ctx, c, obj, a); err != nil {
				return err
			}
		}
		if err := w.deleteRow(ctx, s, c, obj, a); err != nil {
			return err
		}
		return g.done()
	})
}

// prepare applies in to obj and runs every check; a write goes on only when no
// problem remains. pk is the stored object's primary key on update, nil on create;
// before is the stored object's fields (nil on create). It returns the guard that
// finishes the write's rules once the row is written (guard.done) and the columns
// the write sets.
func (w *writer[T, I]) prepare(ctx context.Context, s *Store, c conn, in I, obj T, pk any, before []racd.Field, a racd.Audit) (*guard, []col, error) {
	// Each attempt of the transaction starts from the decoder's problems.
	errs := in.DecodeErrors().Clone()
	in.Apply(obj, pk == nil, &errs)
	g := &guard{s: s, ctx: ctx, c: c, a: a, create: pk == nil, errs: &errs}
	if w.guard != nil {
		g.changes = racd.Diff(before, w.diff(obj))
		if err := w.guard(g, in, obj); err != nil {
			return nil, nil, err
		}
	}
	if w.check != nil {
		ch := &checks{d: s.d, self: &w.t.place, selfK: pk, vis: a.Visible, before: fieldMap(before), errs: &errs, b: qb{d: s.d}}
		w.check(ch, in, obj)
		if err := ch.run(ctx, c); err != nil {
			return nil, nil, err
		}
	}
	if w.rules != nil {
		w.rules(in, obj, &errs)
	}
	if !errs.Empty() {
		errs.SortBy(w.fields)
		return nil, nil, &errs
	}
	cols, err := w.rowCols(s, in, obj, pk == nil)
	return g, cols, err
}

// finish writes the link rows and whatever else follows from the row written with
// primary key pk, lets g finish the write's rules, records the event with the diff
// from before (nil: the object is new) and returns the object as reads return it.
func (w *writer[T, I]) finish(ctx context.Context, s *Store, c conn, obj T, pk any, before []racd.Field, g *guard, a racd.Audit) (T, error) {
	created := before == nil
	diff := racd.Diff(before, w.diff(obj))
	changed := func(field string) bool {
		for _, ch := range diff {
			if ch.Field == field {
				return true
			}
		}
		return false
	}
	if w.links != nil {
		for _, l := range w.links(obj) {
			if !changed(l.field) {
				continue
			}
			if !created {
				if _, err := c.exec(ctx, "DELETE FROM "+l.table+" WHERE "+l.owner+" = $1", pk); err != nil {
					return obj, err
				}
			}
			if err := s.insertLinks(ctx, c, l, pk); err != nil {
				return obj, err
			}
		}
	}
	if w.saved != nil {
		if err := w.saved(s, ctx, c, obj, created, changed, a); err != nil {
			return obj, err
		}
	}
	written, err := obj, error(nil)
	if w.reread {
		written, err = get(ctx, s, c, w.t, w.t.pk, pk, false)
	} else {
		err = w.t.complete(ctx, s, c, []T{obj})
	}
	if err == nil {
		err = g.done()
	}
	if err != nil {
		return written, err
	}
	action := racd.EventModelUpdated
	if created {
		action = racd.EventModelCreated
	}
	return written, s.recordModelEvent(ctx, c, action, a, written.Ref(), diff)
}

// fieldMap indexes fields by name (nil for none).
func fieldMap(fields []racd.Field) map[string]any {
	if fields == nil {
		return nil
	}
	m := make(map[string]any, len(fields))
	for _, f := range fields {
		m[f.Name] = f.Value
	}
	return m
}

// statements keeps the text of a writer's INSERT or UPDATE for one shape of row (the
// columns' names, and which are SQL rather than arguments): a writer's rows nearly
// always have one shape, and the text costs allocations to build.
type statements struct{ last atomic.Pointer[statement] }

type statement struct {
	shape []col // values dropped
	text  string
}

// text returns the statement for cols' shape, built by build when it is new.
func (ss *statements) text(cols []col, build func() string) string {
	if st := ss.last.Load(); st != nil && slices.EqualFunc(st.shape, cols, func(a, b col) bool {
		return a.name == b.name && a.sql == b.sql
	}) {
		return st.text
	}
	st := &statement{shape: make([]col, len(cols)), text: build()}
	for i, cl := range cols {
		st.shape[i] = col{name: cl.name, sql: cl.sql}
	}
	ss.last.Store(st)
	return st.text
}

// argsOf returns the arguments of cols, in the order of their placeholders.
func argsOf(cols []col) []any {
	args := make([]any, 0, len(cols)+1)
	for _, cl := range cols {
		if cl.sql == "" {
			args = append(args, cl.v)
		}
	}
	return args
}

// value returns the SQL of the column's value, adding its argument to b.
func (cl col) value(b *qb) string {
	if cl.sql != "" {
		return cl.sql
	}
	return b.arg(cl.v)
}

// setLink adds (racd.Join) or removes (racd.Leave) the row (a, b) of a link table;
// adding a row that exists changes nothing.
func setLink(ctx context.Context, c conn, m racd.Membership, table, colA string, a any, colB string, b any) error {
	q := "DELETE FROM " + table + " WHERE " + colA + " = $1 AND " + colB + " = $2"
	if m == racd.Join {
		q = "INSERT INTO " + table + " (" + colA + ", " + colB + ") VALUES ($1, $2) ON CONFLICT DO NOTHING"
	}
	_, err := c.exec(ctx, q, a, b)
	return err
}

// insertLinks inserts the rows of l for owner in one statement.
func (s *Store) insertLinks(ctx context.Context, c conn, l link, owner any) error {
	if len(l.items) == 0 {
		return nil
	}
	b := &qb{d: s.d}
	o := b.arg(owner)
	vals := make([]string, len(l.items))
	for i, it := range l.items {
		vals[i] = "(" + o + ", " + b.arg(it) + ")"
	}
	_, err := c.exec(ctx, "INSERT INTO "+l.table+" ("+l.owner+", "+l.item+") VALUES "+strings.Join(vals, ", "), b.args...)
	return err
}

// deleteRow is how every object is deleted inside its write transaction: the row
// (foreign keys take dependents along), the object grants on it, and a model_deleted
// event whose diff holds every field's previous value (SPEC §5).
func (w *writer[T, I]) deleteRow(ctx context.Context, s *Store, c conn, obj T, a racd.Audit) error {
	p, ref := &w.t.place, obj.Ref()
	if _, err := c.exec(ctx, "DELETE FROM "+p.name+" WHERE "+p.pk+" = $1", pkArg(p.model, ref.PK)); err != nil {
		return err
	}
	// Codenames are <app>.<action>_<model>: the object's grants are those whose codename
	// ends in _<model> under its app.
	pattern := ref.App + ".%\\_" + ref.ModelName
	for _, table := range []string{"user_permissions", "role_permissions"} {
		if _, err := c.exec(ctx, "DELETE FROM "+table+" WHERE object_pk = $1 AND permission LIKE $2 ESCAPE '\\'", ref.PK, pattern); err != nil {
			return err
		}
	}
	return s.recordModelEvent(ctx, c, racd.EventModelDeleted, a, ref, racd.Diff(w.diff(obj), nil))
}

// deleteWhere deletes the objects of w's table that cond (after WHERE, on the table's
// alias, with args) selects, in that order, each as deleteRow does.
func (w *writer[T, I]) deleteWhere(ctx context.Context, s *Store, c conn, cond string, args []any, a racd.Audit) error {
	var doomed []T
	if err := queryEach(ctx, c, w.t.selectSQL(s.d)+cond, args, func(rows *sql.Rows) error {
		obj, err := w.t.scan(rows)
		doomed = append(doomed, obj)
		return err
	}); err != nil {
		return err
	}
	for _, obj := range doomed {
		if err := w.deleteRow(ctx, s, c, obj, a); err != nil {
			return err
		}
	}
	return nil
}

// anys converts a slice to []any.
func anys[V any](in []V) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}
