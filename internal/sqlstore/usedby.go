package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// usedByKind is one kind of dependent object in a used_by list. Build kinds with the
// constructors below, so that a model appears the same way from every side.
type usedByKind struct {
	model  racd.Model // what the entry names
	seen   racd.Model // whose view permission filters the entries (model when zero)
	action string
	alias  string // the dependent's alias in from
	pkCol  string // its primary key column
	name   string // its display name, as an SQL expression
	from   string // FROM clause body
	where  string // the dependency, on $1 (the object used_by is asked about)
	live   bool   // connection tokens: only those not expired
}

// titled is the SQL of m.Titled(col).
func titled(m racd.Model, col string) string { return sqlString(m.Verbose+" ") + " || " + col }

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// connectionTokensWhere lists the live connection tokens (ct) meeting cond; deleting
// what they depend on deletes them.
func connectionTokensWhere(cond string) usedByKind {
	return usedByKind{model: racd.ConnectionTokenModel, action: racd.ActionCascade, alias: "ct", pkCol: "uuid",
		name: titled(racd.ConnectionTokenModel, "CAST(ct.uuid AS TEXT) || ' to ' || CAST(ct.provider_id AS TEXT) || '/' || CAST(ct.endpoint_uuid AS TEXT)"),
		from: "connection_tokens ct", where: cond, live: true}
}

// endpointsVia lists the endpoints (e) reached through from meeting cond.
func endpointsVia(from, cond, action string) usedByKind {
	return usedByKind{model: racd.EndpointModel, action: action, alias: "e", pkCol: "uuid",
		name: titled(racd.EndpointModel, "e.name"), from: from, where: cond}
}

// providersVia lists the providers (p) reached through from meeting cond.
func providersVia(from, cond, action string) usedByKind {
	return usedByKind{model: racd.ProviderModel, action: action, alias: "p", pkCol: "id", name: "p.name", from: from, where: cond}
}

// mappingsVia lists the property mappings (m) reached through from meeting cond, as
// authentik lists them: by their base model.
func mappingsVia(from, cond string) usedByKind {
	return usedByKind{model: racd.CorePropertyMappingModel, seen: racd.PropertyMappingModel, action: racd.ActionCascadeMany,
		alias: "m", pkCol: "uuid", name: titled(racd.CorePropertyMappingModel, "m.name"), from: from, where: cond}
}

// outpostsVia lists the outposts (o) reached through from meeting cond.
func outpostsVia(from, cond string) usedByKind {
	return usedByKind{model: racd.OutpostModel, action: racd.ActionCascadeMany, alias: "o", pkCol: "uuid",
		name: titled(racd.OutpostModel, "o.name"), from: from, where: cond}
}

// tokensWhere lists the API tokens (t) meeting cond.
func tokensWhere(cond string) usedByKind {
	return usedByKind{model: racd.TokenModel, action: racd.ActionCascade, alias: "t", pkCol: "uuid",
		name: titled(racd.TokenModel, "t.identifier"), from: "tokens t", where: cond}
}

// groupsWhere lists the groups (cg) meeting cond.
func groupsWhere(cond, action string) usedByKind {
	return usedByKind{model: racd.GroupModel, action: action, alias: "cg", pkCol: "uuid",
		name: titled(racd.GroupModel, "cg.name"), from: "groups cg", where: cond}
}

// usedBy lists dependents of every kind in one UNION ALL query, in kind order and by
// name within a kind; key is the $1 of the kinds' conditions. Each kind lists only
// what vis lets through.
func (s *Store) usedBy(ctx context.Context, key any, vis func(perm string) racd.Visibility, kinds ...usedByKind) ([]racd.UsedBy, error) {
	b := &qb{d: s.d, args: []any{key}}
	parts := make([]string, 0, len(kinds))
	var now any
	for i, k := range kinds {
		kb := &qb{d: s.d, args: b.args}
		kb.and(k.where)
		if k.live {
			if now == nil {
				now = micros(s.now())
			}
			kb.and(liveConnToken(kb.arg(now)))
		}
		seen := k.seen
		if seen.Name == "" {
			seen = k.model
		}
		pk := k.alias + "." + k.pkCol
		kb.visible(pk, keyOf(seen), vis(seen.Perm(racd.PermView)))
		b.args = kb.args
		parts = append(parts, "SELECT "+strconv.Itoa(i)+" AS kind, CAST("+pk+" AS TEXT) AS pk, "+k.name+" AS name FROM "+k.from+kb.whereSQL())
	}
	q := "SELECT kind, pk, name FROM (" + strings.Join(parts, " UNION ALL ") + ") u ORDER BY kind, name, pk"
	out := []racd.UsedBy{}
	err := queryEach(ctx, s.read(), q, b.args, func(rows *sql.Rows) error {
		var i int
		var pk, name string
		if err := rows.Scan(&i, &pk, &name); err != nil {
			return err
		}
		out = append(out, racd.UsedBy{Object: kinds[i].model.Ref(pk, name), Action: kinds[i].action})
		return nil
	})
	return out, classify(err)
}

// keyOf is the kind of m's primary key.
func keyOf(m racd.Model) keyKind {
	if m.IntPK {
		return intKey
	}
	return uuidKey
}
