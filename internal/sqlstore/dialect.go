package sqlstore

import (
	"encoding/json"
	"errors"
	"strings"
)

// dialect is everything that differs between SQLite and PostgreSQL in racd's SQL:
// placeholders, row locks, case folding, JSON building, list parameters, key casts and
// the catalog queries of migrations. Statements are written once, for both, and ask
// the dialect for these pieces; no other file looks at which database it talks to,
// except to open and pool connections.
type dialect struct {
	name string
	// like is the case-insensitive substring operator (ASCII letters only on both:
	// text columns compare by code point).
	like string
	// bigintCast and uuidCast turn a text column (object_pk) into the key type.
	bigintCast, uuidCast string
}

var (
	sqliteDialect   = dialect{name: "sqlite", like: "LIKE", bigintCast: "CAST(%s AS INTEGER)", uuidCast: "%s"}
	postgresDialect = dialect{name: "postgres", like: "ILIKE", bigintCast: "CAST(%s AS BIGINT)", uuidCast: "CAST(%s AS UUID)"}
)

func (d dialect) sqlite() bool { return d.name == "sqlite" }

// errLiteralDollar refuses a statement with a '$' that is not a placeholder.
var errLiteralDollar = errors.New("sqlstore: statement holds a '$' that is not a $N placeholder")

// bind writes q's $N placeholders the dialect's way: PostgreSQL takes them as written,
// SQLite reads them as ?N. SQLite's rewrite replaces every '$', so a '$' anywhere else
// (inside a literal, say) would silently change a statement there; such a statement is
// refused on both databases instead, and the conformance suite, which runs every
// statement on both, keeps them out.
func (d dialect) bind(q string) (string, error) {
	if strings.IndexByte(q, '$') < 0 {
		return q, nil
	}
	quoted := false
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '\'':
			quoted = !quoted // a doubled '' toggles twice
		case '$':
			if quoted || i+1 == len(q) || q[i+1] < '0' || q[i+1] > '9' {
				return "", errLiteralDollar
			}
		}
	}
	if d.sqlite() {
		return strings.ReplaceAll(q, "$", "?"), nil
	}
	return q, nil
}

// forUpdate is the clause that locks the rows of alias a statement reads until the
// transaction ends: PostgreSQL's FOR UPDATE OF; SQLite has a single writer, whose
// transaction holds the whole database already.
func (d dialect) forUpdate(alias string) string {
	if d.sqlite() {
		return ""
	}
	return " FOR UPDATE OF " + alias
}

// contains is the condition "col holds the LIKE pattern p (a placeholder) ignoring
// ASCII case", with '\' escaping wildcards (see likeEscape).
func (d dialect) contains(col, p string) string {
	return col + " " + d.like + " " + p + ` ESCAPE '\'`
}

// iequal is the condition "col equals p ignoring ASCII case".
func (d dialect) iequal(col, p string) string {
	if d.sqlite() {
		return col + " = " + p + " COLLATE NOCASE"
	}
	// Both sides fold under the column's "C" collation (ASCII letters only, as SQLite's
	// NOCASE): lower() of a bare parameter would use the database's default collation
	// and fold "É" where lower(col) does not, so "ÉCOLE" would miss "École" on
	// PostgreSQL only.
	return "lower(" + col + ") = lower(CAST(" + p + ` AS TEXT) COLLATE "C")`
}

// jsonArray returns a scalar subquery yielding the JSON array of expr over the rows of
// from (a FROM ... WHERE ... clause body), ordered by order; "[]" when there are none.
func (d dialect) jsonArray(expr, from, order string) string {
	if d.sqlite() {
		return "(SELECT coalesce(json_group_array(v), '[]') FROM (SELECT " + expr + " AS v FROM " + from + " ORDER BY " + order + "))"
	}
	return "(SELECT coalesce(json_agg(" + expr + " ORDER BY " + order + "), '[]'::json) FROM " + from + ")"
}

// jsonObjects is jsonArray for object-valued expressions: SQLite loses the JSON subtype
// through the ordering subquery, so the value is re-parsed with json().
func (d dialect) jsonObjects(obj, from, order string) string {
	if d.sqlite() {
		return "(SELECT coalesce(json_group_array(json(v)), '[]') FROM (SELECT " + obj + " AS v FROM " + from + " ORDER BY " + order + "))"
	}
	return d.jsonArray(obj, from, order)
}

// jsonObject builds a JSON object from alternating key literals and SQL expressions.
func (d dialect) jsonObject(kv ...string) string {
	parts := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, "'"+kv[i]+"', "+kv[i+1])
	}
	fn := "json_build_object("
	if d.sqlite() {
		fn = "json_object("
	}
	return fn + strings.Join(parts, ", ") + ")"
}

// jsonText wraps a JSON-typed column so it nests as JSON inside jsonObject.
func (d dialect) jsonText(col string) string {
	if d.sqlite() {
		return "json(" + col + ")"
	}
	return col
}

// in returns "col IN <the list given as parameter p>" for keys of kind k.
func (d dialect) in(col, p string, k keyKind) string {
	if d.sqlite() {
		return col + " IN (SELECT value FROM json_each(" + p + "))"
	}
	return col + " = ANY(CAST(" + p + " AS " + map[keyKind]string{intKey: "BIGINT[]", uuidKey: "UUID[]", textKey: "TEXT[]"}[k] + "))"
}

// listArg encodes a list parameter for in.
func (d dialect) listArg(v any) any {
	if d.sqlite() {
		b, _ := json.Marshal(v)
		return string(b)
	}
	return v
}

// keyFromText turns a text expression (object_pk) into a key of kind k.
func (d dialect) keyFromText(expr string, k keyKind) string {
	if k == intKey {
		return strings.Replace(d.bigintCast, "%s", expr, 1)
	}
	return strings.Replace(d.uuidCast, "%s", expr, 1)
}

// tableExists is a query selecting whether table exists in the current schema.
func (d dialect) tableExists(table string) string {
	if d.sqlite() {
		return "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'"
	}
	return "SELECT to_regclass('" + table + "') IS NOT NULL"
}

// migrationLock and migrationUnlock serialize migrations of one schema across
// processes (PostgreSQL's advisory lock); "" where the database needs none (SQLite's
// write transaction serializes them).
func (d dialect) migrationLock(lock bool) string {
	if d.sqlite() {
		return ""
	}
	fn := "pg_advisory_unlock"
	if lock {
		fn = "pg_advisory_lock"
	}
	return "SELECT " + fn + "(hashtext('racd-migrate:' || current_schema()))"
}

// superuserLock serializes, until the transaction ends, the writes that may take
// superusers away (PostgreSQL's transaction advisory lock, per schema); "" on SQLite,
// whose single writer serializes every write.
func (d dialect) superuserLock() string {
	if d.sqlite() {
		return ""
	}
	return "SELECT pg_advisory_xact_lock(hashtext('racd-superusers:' || current_schema()))"
}

// liftStatementTimeout lifts (or restores) PostgreSQL's statement_timeout on one
// connection; "" on SQLite, which has none.
func (d dialect) liftStatementTimeout(lift bool) string {
	switch {
	case d.sqlite():
		return ""
	case lift:
		return "SET statement_timeout = 0"
	}
	return "RESET statement_timeout"
}

// likeEscape escapes LIKE wildcards in a search term; contains says ESCAPE '\'.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// args adapts statement arguments to the dialect. PostgreSQL refuses text with NUL
// bytes or invalid UTF-8 (an error, which would be a 500), while SQLite compares it
// like any other text. racd never stores such strings (the API refuses them in
// bodies), so a filter or path value holding one can match nothing on either
// database: on PostgreSQL it is sent as NULL, which no comparison matches, and dropped
// from string lists (IN lists match nothing for it, NOT IN lists exclude nothing for
// it). qb's eq, search and iexact already turn such values into "1 = 0"; this catches
// every other statement (path ids, resource-specific filters).
func (d dialect) args(args []any) []any {
	if d.sqlite() {
		return args
	}
	var out []any
	for i, a := range args {
		var v any
		switch x := a.(type) {
		case string:
			if storable(x) {
				continue
			}
			v = nil
		case *string:
			if x == nil || storable(*x) {
				continue
			}
			v = nil
		case []string:
			clean := make([]string, 0, len(x))
			for _, s := range x {
				if storable(s) {
					clean = append(clean, s)
				}
			}
			if len(clean) == len(x) {
				continue
			}
			v = clean
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}
