package sqlstore

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/racd/racd/internal/racd"
)

// qb accumulates a WHERE clause and its arguments with numbered placeholders.
type qb struct {
	d     dialect
	where []string
	args  []any
	// searched is set once a substring search is part of the filter: it reads every
	// row, so a list evaluates it once (see pageSQL).
	searched bool
}

// arg appends v and returns its placeholder.
func (b *qb) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// and appends a condition.
func (b *qb) and(cond string) { b.where = append(b.where, cond) }

// whereSQL returns " WHERE a AND b" or "".
func (b *qb) whereSQL() string {
	if len(b.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.where, " AND ")
}

// storable reports whether s can be stored in (and so compared with) a text column of
// both databases: PostgreSQL refuses NUL characters and invalid UTF-8 outright, so a
// value with either can match no stored text and must not reach the server.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// eq adds col = v for a text column; a value no column can hold matches nothing.
func (b *qb) eq(col, v string) {
	if !storable(v) {
		b.and("1 = 0")
		return
	}
	b.and(col + " = " + b.arg(v))
}

// eqFilter is an optional exact-match filter of a list: col = *v when v is set.
type eqFilter struct {
	col string
	v   *string
}

// eqs adds the filters that are set, in order (a fixed order keeps the statement
// text, and so its prepared statement, stable).
func (b *qb) eqs(filters ...eqFilter) {
	for _, f := range filters {
		if f.v != nil {
			b.eq(f.col, *f.v)
		}
	}
}

// search adds one condition per term: the term must be a case-insensitive substring of
// one of cols.
func (b *qb) search(terms []string, cols ...string) {
	for _, t := range terms {
		if !storable(t) {
			b.and("1 = 0")
			continue
		}
		b.searched = true
		p := b.arg(likeEscape(t))
		ors := make([]string, len(cols))
		for i, c := range cols {
			ors[i] = b.d.contains(c, p)
		}
		b.and("(" + strings.Join(ors, " OR ") + ")")
	}
}

// times adds the bounds of f on a time column (unix microseconds): exact, after and
// before, each when given.
func (b *qb) times(col string, f racd.TimeFilter) {
	for _, c := range []struct {
		t  *time.Time
		op string
	}{{f.Exact, " = "}, {f.After, " > "}, {f.Before, " < "}} {
		if c.t != nil {
			b.and(col + c.op + b.arg(micros(*c.t)))
		}
	}
}

// iexact adds a case-insensitive equality condition.
func (b *qb) iexact(col, v string) {
	if !storable(v) {
		b.and("1 = 0")
		return
	}
	b.and(b.d.iequal(col, b.arg(v)))
}

// keyKind says how a model's primary key is written in object_pk.
type keyKind int

const (
	intKey keyKind = iota
	uuidKey
	textKey // not a primary key: a list of text values (dialect.in)
)

// visible restricts pkCol to the objects vis lets through: those on which the user holds
// vis.Perm directly or through one of the roles it holds (userRolesSQL).
func (b *qb) visible(pkCol string, kind keyKind, vis racd.Visibility) {
	if cond := b.visibleCond(pkCol, kind, vis); cond != "" {
		b.and(cond)
	}
}

// visibleCond is visible's condition, with its arguments added to b, for use inside
// a subquery; "" when vis lets everything through.
func (b *qb) visibleCond(pkCol string, kind keyKind, vis racd.Visibility) string {
	if vis.All {
		return ""
	}
	u, perm := b.arg(vis.UserID), b.arg(vis.Perm)
	up := b.d.keyFromText("up.object_pk", kind)
	rp := b.d.keyFromText("rp.object_pk", kind)
	return pkCol + " IN (SELECT " + up + " FROM user_permissions up WHERE up.user_id = " + u +
		" AND up.permission = " + perm + " AND up.object_pk <> ''" +
		" UNION SELECT " + rp + " FROM role_permissions rp" +
		" WHERE rp.role_uuid IN (" + userRolesSQL(u) + ") AND rp.permission = " + perm + " AND rp.object_pk <> '')"
}

// andCond is " AND cond", or "" for no condition.
func andCond(cond string) string {
	if cond == "" {
		return ""
	}
	return " AND " + cond
}

// related is the condition that pkCol names an object of m the list's caller may
// view (ListQuery.Related): a filter or search on a related field matches only what
// the caller could GET (issue 9 §3). Users always see themselves.
func (b *qb) related(q racd.ListQuery, m racd.Model, pkCol string) string {
	if q.Related == nil {
		return "1 = 1"
	}
	vis := q.Related(m.Perm(racd.PermView))
	cond := b.visibleCond(pkCol, keyOf(m), vis)
	switch {
	case cond == "":
		return "1 = 1"
	case m == racd.UserModel:
		return "(" + cond + " OR " + pkCol + " = " + b.arg(vis.UserID) + ")"
	}
	return cond
}

// userGroupsSQL selects the UUIDs of the groups user u (a placeholder) is in, with
// their ancestors through every parent: a member of a group is a member of its
// parents.
func userGroupsSQL(u string) string {
	return "WITH RECURSIVE ug(uuid) AS (SELECT gux.group_uuid FROM group_users gux WHERE gux.user_id = " + u +
		" UNION SELECT px.parent_uuid FROM group_parents px JOIN ug ON px.group_uuid = ug.uuid) SELECT uuid FROM ug"
}

// groupAncestorsSQL selects the UUIDs (column uuid) of the ancestors of group g (an
// SQL expression) through every parent, and g itself when self is set.
func groupAncestorsSQL(g string, self bool) string {
	start := "SELECT gy.parent_uuid FROM group_parents gy WHERE gy.group_uuid = " + g
	if self {
		start = "SELECT gz.uuid FROM groups gz WHERE gz.uuid = " + g
	}
	return "WITH RECURSIVE ga(uuid) AS (" + start +
		" UNION SELECT py.parent_uuid FROM group_parents py JOIN ga ON py.group_uuid = ga.uuid) SELECT uuid FROM ga"
}

// userRolesSQL selects the UUIDs of the roles user u (a placeholder) holds: those
// given to it directly and those of its groups (userGroupsSQL). It is the one
// definition of "holds a role" that grants, visibility and users/me share.
func userRolesSQL(u string) string {
	return "SELECT urx.role_uuid FROM user_roles urx WHERE urx.user_id = " + u +
		" UNION SELECT grx.role_uuid FROM group_roles grx WHERE grx.group_uuid IN (" + userGroupsSQL(u) + ")"
}

// orderSQL turns ordering terms into an ORDER BY list using cols (API field → SQL
// expression), falling back to def, and always ending with the primary key so pages
// never overlap. ASC puts NULLs last and DESC first on both databases.
func orderSQL(terms []racd.OrderTerm, cols map[string]string, def []racd.OrderTerm, pk string) string {
	var parts []string
	used := false
	for _, t := range terms {
		if c, ok := cols[t.Field]; ok {
			parts = append(parts, orderPart(c, t.Desc))
			used = true
		}
	}
	if !used {
		for _, t := range def {
			parts = append(parts, orderPart(cols[t.Field], t.Desc))
		}
	}
	parts = append(parts, pk)
	return strings.Join(parts, ", ")
}

func orderPart(col string, desc bool) string {
	if desc {
		return col + " DESC NULLS FIRST"
	}
	return col + " ASC NULLS LAST"
}

// needs reports whether any ordering term uses one of fields.
func needs(terms []racd.OrderTerm, fields ...string) bool {
	for _, t := range terms {
		for _, f := range fields {
			if t.Field == f {
				return true
			}
		}
	}
	return false
}

// pageSQL builds the one statement of a list. The page's keys are filtered, ordered
// and cut straight from the table, and only the page's rows are joined to their
// columns, so derived columns (JSON aggregates of related rows) are computed for the
// page only and the list costs one query whatever its size. The total count comes
// from the same statement (one snapshot):
//   - usually from a scalar count(*) with the same filter, beside a LIMIT an index on
//     the ordering or on the filter can serve;
//   - with a substring search, which reads every row, from count(*) OVER () over the
//     filtered rows, so the search runs once.
//
// The CTE name page_keys is taken, and filterJoins and orderJoins end up in the same
// FROM clause (joined once when they are the same text): no two table aliases of a
// list may otherwise be the same (PostgreSQL refuses a FROM list naming one alias
// twice). (Materializing the matching keys and joining them back measured two to
// three times slower on 10,000 providers, on both databases.)
func pageSQL(b *qb, t *place, filterJoins, orderJoins, order, cols, rowJoins string, limit, offset int) string {
	lim, off := b.arg(limit), b.arg(offset)
	from := " FROM " + t.from() + " " + filterJoins
	pageFrom := from
	if strings.TrimSpace(orderJoins) != strings.TrimSpace(filterJoins) {
		pageFrom += " " + orderJoins // the same joins given for both are joined once
	}
	join := " FROM page_keys JOIN " + t.from() + " ON " + t.pkCol() + " = page_keys.k " + rowJoins + " ORDER BY " + order
	if !b.searched {
		return "WITH page_keys AS (SELECT " + t.pkCol() + " AS k" + pageFrom + b.whereSQL() +
			" ORDER BY " + order + " LIMIT " + lim + " OFFSET " + off + ") " +
			"SELECT " + cols + ", (SELECT count(*)" + from + b.whereSQL() + ")" + join
	}
	return "WITH page_keys AS (SELECT " + t.pkCol() + " AS k, count(*) OVER () AS total" + pageFrom + b.whereSQL() +
		" ORDER BY " + order + " LIMIT " + lim + " OFFSET " + off + ") " +
		"SELECT " + cols + ", page_keys.total" + join
}
