package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// checks gathers what a write must verify against other rows (references exist,
// unique values are free) and verifies it all in one query. Every write goes through
// it, so a rule of references holds for every resource alike: a reference to an object
// the actor may not view (racd.Audit.Visible) is missing, whatever refers to it.
type checks struct {
	d     dialect
	self  *place // the table written
	selfK any    // the written object's primary key on update; nil on create
	vis   func(perm string) racd.Visibility
	// before holds the stored object's fields (update): a reference it already makes is
	// kept whether or not the actor may view its target (only new references must be
	// visible), so a body read back from a GET can be sent again.
	before map[string]any
	errs   *racd.FieldErrors
	b      qb
	parts  []string
	after  []func(found []map[string]bool) // per part, the keys it found
}

// pkRef is a reference as the client wrote it (raw, for messages) and the key it
// names, as text (how a query returns it) and as a query argument.
type pkRef struct {
	raw, text string
	arg       any
}

// uuidRefs and intRefs adapt the decoded references of either key type.
func uuidRefs(refs ...racd.Ref) []pkRef {
	out := make([]pkRef, len(refs))
	for i, r := range refs {
		out[i] = pkRef{raw: r.Raw, text: r.ID, arg: r.ID}
	}
	return out
}

func intRefs(refs ...racd.IntRef) []pkRef {
	out := make([]pkRef, len(refs))
	for i, r := range refs {
		out[i] = pkRef{raw: r.Raw, text: strconv.FormatInt(r.ID, 10), arg: r.ID}
	}
	return out
}

// part adds a SELECT of one key column; report runs with the keys it found once the
// query has run.
func (ch *checks) part(sel string, report func(found map[string]bool)) {
	n := len(ch.parts)
	ch.parts = append(ch.parts, "SELECT "+strconv.Itoa(n)+" AS n, "+strings.TrimPrefix(sel, "SELECT "))
	ch.after = append(ch.after, func(found []map[string]bool) { report(found[n]) })
}

// unique makes sure no other row of the written table has col = v; a clash is msg on
// field. Fields that already have an error are not checked.
func (ch *checks) unique(field, col string, v any, msg string) {
	if ch.errs.Has(field) {
		return
	}
	sel := "SELECT '' FROM " + ch.self.from() + " WHERE " + ch.self.alias + "." + col + " = " + ch.b.arg(v)
	if ch.selfK != nil {
		sel += " AND " + ch.self.pkCol() + " <> " + ch.b.arg(ch.selfK)
	}
	ch.part(sel, func(found map[string]bool) {
		if len(found) > 0 && !ch.errs.Has(field) {
			ch.errs.Add(field, msg)
		}
	})
}

// refs makes sure every key of refs names an object of m the actor may view. As DRF
// converts a list's items in order and stops at the first failure, the first missing
// one is reported, or else bad: the message of a malformed item after them ("" for
// none). Fields that already have an error are not checked.
func (ch *checks) refs(field string, m racd.Model, refs []pkRef, bad string) {
	ch.refsKept(field, field, m, refs, bad)
}

// refsKept is refs for a field whose references the stored object holds under
// another field of the diff (keptField): a group's `parent` is one of its `parents`.
func (ch *checks) refsKept(field, keptField string, m racd.Model, refs []pkRef, bad string) {
	if ch.errs.Has(field) {
		return
	}
	report := func(found map[string]bool) {
		for _, r := range refs {
			if !found[r.text] {
				ch.errs.Add(field, racd.MsgDoesNotExist(r.raw))
				return
			}
		}
		if bad != "" {
			ch.errs.Add(field, bad)
		}
	}
	if len(refs) == 0 {
		ch.after = append(ch.after, func([]map[string]bool) { report(nil) })
		return
	}
	p := placeOf(m)
	args := make([]any, len(refs))
	for i, r := range refs {
		args[i] = r.arg
	}
	kb := &qb{d: ch.d, args: ch.b.args}
	if len(refs) == 1 {
		kb.and(p.pkCol() + " = " + kb.arg(args[0]))
	} else {
		kb.and(ch.d.in(p.pkCol(), kb.arg(ch.d.listArg(typedList(args))), keyOf(m)))
	}
	if ch.vis != nil {
		vb := &qb{d: ch.d, args: kb.args}
		vb.visible(p.pkCol(), keyOf(m), ch.vis(m.Perm(racd.PermView)))
		for _, cond := range vb.where {
			var kept []any
			for _, r := range refs {
				if holdsKey(ch.before[keptField], r.text) {
					kept = append(kept, r.arg)
				}
			}
			if len(kept) > 0 {
				cond = "(" + cond + " OR " + ch.d.in(p.pkCol(), vb.arg(ch.d.listArg(typedList(kept))), keyOf(m)) + ")"
			}
			kb.args = vb.args
			kb.and(cond)
		}
		kb.args = vb.args
	}
	ch.b.args = kb.args
	ch.part("SELECT CAST("+p.pkCol()+" AS TEXT) FROM "+p.from()+kb.whereSQL(), report)
}

// holdsKey reports whether a stored field's value (a key, or a list of keys, as diffs
// hold them) holds the key written as text.
func holdsKey(v any, text string) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x == text
	case []string:
		for _, e := range x {
			if e == text {
				return true
			}
		}
		return false
	case []int64:
		for _, e := range x {
			if strconv.FormatInt(e, 10) == text {
				return true
			}
		}
		return false
	case racd.RawJSON: // a list of integer keys
		var keys []int64
		if json.Unmarshal([]byte(x), &keys) != nil {
			return false
		}
		return holdsKey(keys, text)
	}
	return fmt.Sprint(v) == text
}

// typedList turns keys into the slice type list parameters take ([]int64 or []string).
func typedList(keys []any) any {
	if _, ok := keys[0].(int64); ok {
		out := make([]int64, len(keys))
		for i, k := range keys {
			out[i] = k.(int64)
		}
		return out
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.(string)
	}
	return out
}

// run runs the gathered checks in one query and records what failed.
func (ch *checks) run(ctx context.Context, c conn) error {
	found := make([]map[string]bool, len(ch.parts))
	for i := range found {
		found[i] = map[string]bool{}
	}
	if len(ch.parts) > 0 {
		err := queryEach(ctx, c, strings.Join(ch.parts, " UNION ALL "), ch.b.args, func(rows *sql.Rows) error {
			var n int
			var key string
			err := rows.Scan(&n, &key)
			if err == nil && n >= 0 && n < len(found) {
				found[n][key] = true
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, report := range ch.after {
		report(found)
	}
	return nil
}
