package sqlstore

import (
	"encoding/json"
	"strings"
)

// dialect is everything that differs between SQLite and PostgreSQL in racd's SQL.
type dialect struct {
	name string
	// like is the case-insensitive substring operator.
	like string
	// bigintCast and uuidCast turn a text column (object_pk) into the key type.
	bigintCast, uuidCast string
}

var (
	sqliteDialect   = dialect{name: "sqlite", like: "LIKE", bigintCast: "CAST(%s AS INTEGER)", uuidCast: "%s"}
	postgresDialect = dialect{name: "postgres", like: "ILIKE", bigintCast: "CAST(%s AS BIGINT)", uuidCast: "CAST(%s AS UUID)"}
)

// rebind turns $N placeholders into SQLite's ?N; PostgreSQL takes them as written.
// racd's SQL never contains '$' anywhere else.
func (d dialect) rebind(q string) string {
	if d.name != "sqlite" {
		return q
	}
	return strings.ReplaceAll(q, "$", "?")
}

// jsonArray returns a scalar subquery yielding the JSON array of expr over the rows of
// from (a FROM ... WHERE ... clause body), ordered by order; "[]" when there are none.
func (d dialect) jsonArray(expr, from, order string) string {
	if d.name == "sqlite" {
		return "(SELECT coalesce(json_group_array(v), '[]') FROM (SELECT " + expr + " AS v FROM " + from + " ORDER BY " + order + "))"
	}
	return "(SELECT coalesce(json_agg(" + expr + " ORDER BY " + order + "), '[]'::json) FROM " + from + ")"
}

// inInts returns "col IN <list given as parameter $n>" for integer keys.
func (d dialect) inInts(col, param string) string {
	if d.name == "sqlite" {
		return col + " IN (SELECT value FROM json_each(" + param + "))"
	}
	return col + " = ANY(CAST(" + param + " AS BIGINT[]))"
}

// inUUIDs is inInts for UUID keys.
func (d dialect) inUUIDs(col, param string) string {
	if d.name == "sqlite" {
		return col + " IN (SELECT value FROM json_each(" + param + "))"
	}
	return col + " = ANY(CAST(" + param + " AS UUID[]))"
}

// listArg encodes a list parameter for inInts / inUUIDs.
func (d dialect) listArg(v any) any {
	if d.name == "sqlite" {
		b, _ := json.Marshal(v)
		return string(b)
	}
	return v
}

// likeEscape escapes LIKE wildcards in a search term; the query says ESCAPE '\'.
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
	if d.name != "postgres" {
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
