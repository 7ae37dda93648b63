package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// The joins of a connection token (ct) to its endpoint (e), provider (pp) and user (u).
const (
	connTokenFilterJoins = " JOIN endpoints e ON e.uuid = ct.endpoint_uuid JOIN providers pp ON pp.id = ct.provider_id "
	connTokenUserCols    = "u.id, CAST(u.uuid AS TEXT), u.username, u.name, u.email, u.is_active, u.last_login, u.attributes"
)

// connTokenTable reads a connection token with its endpoint and user; attach loads the
// providers of the token and of its endpoint. Expired tokens are never read.
var connTokenTable = &table[*racd.ConnectionToken]{
	place: place{model: racd.ConnectionTokenModel, name: "connection_tokens", alias: "ct", pk: "uuid"},
	cols: func(d dialect) string {
		return "CAST(ct.uuid AS TEXT), ct.provider_id, ct.settings, ct.secrets, ct.created, ct.expires, " + connTokenUserCols + ", " + endpointCols(d)
	},
	joins: connTokenFilterJoins + " JOIN users u ON u.id = ct.user_id ",
	scan:  scanConnToken,
	attach: func(s *Store, ctx context.Context, c conn, ts []*racd.ConnectionToken) error {
		var ids []int64
		for _, t := range ts {
			ids = append(ids, t.ProviderID, t.Endpoint.ProviderID)
		}
		ps, err := s.providersByID(ctx, c, ids)
		for _, t := range ts {
			t.Provider, t.Endpoint.Provider = ps[t.ProviderID], ps[t.Endpoint.ProviderID]
			if (t.Provider == nil || t.Endpoint.Provider == nil) && err == nil {
				err = racd.ErrNotFound
			}
		}
		return err
	},
	order: map[string]string{
		"pk": "ct.uuid", "provider": "ct.provider_id", "endpoint": "ct.endpoint_uuid", "endpoint__name": "e.name", "provider__name": "pp.name",
	},
	defaultOrder:  []racd.OrderTerm{{Field: "endpoint__name"}, {Field: "provider__name"}},
	ownVisibility: true,
	live:          liveConnToken,
}

// scanConnToken reads a token with its user and endpoint (connTokenTable's cols).
var scanConnToken = rowOf(func(t *racd.ConnectionToken) []any {
	t.Endpoint = &racd.Endpoint{}
	dest := append([]any{&t.UUID, &t.ProviderID, rawJSON{&t.Settings}, sealed{&t.Secrets}, micro{&t.Created}, microsInto{&t.Expires}}, userDest(&t.User)...)
	return append(dest, endpointDest(t.Endpoint)...)
})

// userDest returns where connTokenUserCols go.
func userDest(u *racd.User) []any {
	return []any{&u.ID, &u.UUID, &u.Username, &u.Name, &u.Email, &u.IsActive, microsInto{&u.LastLogin}, &u.Attributes}
}

// liveConnToken is the condition of a token that has not expired at now (a placeholder).
func liveConnToken(now string) string { return "(ct.expires IS NULL OR ct.expires > " + now + ")" }

// connTokenWriter writes connection tokens: launches create them (LaunchEndpoint),
// clients may move one to another provider or endpoint, and deleting one revokes it.
var connTokenWriter = &writer[*racd.ConnectionToken, *racd.ConnectionTokenInput]{
	t: connTokenTable, key: "uuid", fields: racd.ConnectionTokenFields,
	guard: connTokenGuard,
	check: func(ch *checks, in *racd.ConnectionTokenInput, _ *racd.ConnectionToken) {
		if in.Provider.Set {
			ch.refs("provider", racd.ProviderModel, intRefs(in.Provider.V), "")
		}
		if in.Endpoint.Set {
			ch.refs("endpoint", racd.EndpointModel, uuidRefs(in.Endpoint.V), "")
		}
	},
	row: func(t *racd.ConnectionToken) []col {
		return []col{{name: "provider_id", v: t.ProviderID}, {name: "endpoint_uuid", v: t.Endpoint.UUID}}
	},
	diff: func(t *racd.ConnectionToken) []racd.Field {
		return []racd.Field{{Name: "provider", Value: t.ProviderID}, {Name: "endpoint", Value: t.Endpoint.UUID}, {Name: "user", Value: t.User.ID}}
	},
	reread: true,
}

// connTokenGuard: where a connection goes is decided at launch. Only superusers move a
// token to another provider or endpoint, and then every launch rule holds: the
// endpoint is the provider's and has room under its maximum_connections (its row
// locked, as a launch locks it). Visibility is the reference check's.
func connTokenGuard(g *guard, _ *racd.ConnectionTokenInput, t *racd.ConnectionToken) error {
	provider, endpoint := g.changed("provider"), g.changed("endpoint")
	if g.deleting || !provider && !endpoint {
		return nil
	}
	if !g.a.Superuser {
		for _, f := range []string{"provider", "endpoint"} {
			if g.changed(f) && !g.errs.Has(f) {
				g.errs.Add(f, racd.MsgRetargetToken)
			}
		}
		return nil
	}
	e, err := get(g.ctx, g.s, g.c, endpointTable, "uuid", t.Endpoint.UUID, true)
	if errors.Is(err, racd.ErrNotFound) {
		return nil // the reference check reports it
	}
	if err != nil {
		return err
	}
	if e.ProviderID != t.ProviderID {
		field := "endpoint"
		if !endpoint {
			field = "provider"
		}
		if !g.errs.Has(field) {
			g.errs.Add(field, racd.MsgTokenEndpointProvider)
		}
		return nil
	}
	if endpoint && !e.Unlimited() {
		var live int64
		if err := g.c.queryRow(g.ctx, "SELECT count(*) FROM connection_tokens ct WHERE ct.endpoint_uuid = $1 AND ct.uuid <> $2 AND "+liveConnToken("$3"),
			e.UUID, t.UUID, micros(g.s.now())).Scan(&live); err != nil {
			return err
		}
		if live >= e.MaximumConnections {
			g.errs.Add(racd.NonFieldErrors, racd.MsgConnLimit)
		}
	}
	return nil
}

// listConnectionTokens lists live connection tokens: the caller's own plus
// those its view permission lets through.
func listConnectionTokens(ctx context.Context, s *Store, q racd.ConnectionTokenQuery) ([]*racd.ConnectionToken, int, error) {
	b := &qb{d: s.d}
	// Names and keys of related objects match only where the caller may view them.
	if len(q.Search) > 0 {
		b.search(q.Search, "CASE WHEN "+b.related(q.ListQuery, racd.EndpointModel, "e.uuid")+" THEN e.name END",
			"CASE WHEN "+b.related(q.ListQuery, racd.ProviderModel, "pp.id")+" THEN pp.name END")
	}
	if q.Endpoint != nil {
		b.eqs(eqFilter{"ct.endpoint_uuid", q.Endpoint})
		b.and(b.related(q.ListQuery, racd.EndpointModel, "ct.endpoint_uuid"))
	}
	if q.Provider != nil {
		b.and("ct.provider_id = " + b.arg(*q.Provider) + " AND " + b.related(q.ListQuery, racd.ProviderModel, "ct.provider_id"))
	}
	if q.User != nil {
		b.and("ct.user_id = " + b.arg(*q.User) + " AND " + b.related(q.ListQuery, racd.UserModel, "ct.user_id"))
	}
	if v := q.Tokens; !v.Visible.All {
		owner := b.arg(v.OwnerID)
		kb := &qb{d: s.d, args: b.args}
		kb.visible("ct.uuid", uuidKey, v.Visible)
		b.args = kb.args
		b.and("(ct.user_id = " + owner + " OR " + strings.Join(kb.where, " AND ") + ")")
	}
	return list(ctx, s, connTokenTable, q.ListQuery, b, connTokenFilterJoins, connTokenFilterJoins)
}

// connectionTokens is racd.ConnectionTokenStore: a resource that launches create.
type connectionTokens struct {
	resource[*racd.ConnectionToken, *racd.ConnectionTokenInput, string, racd.ConnectionTokenQuery]
}

// ConnectionTokens implements racd.Store. Nothing depends on a connection token.
func (s *Store) ConnectionTokens() racd.ConnectionTokenStore {
	return connectionTokens{newResource[*racd.ConnectionToken, *racd.ConnectionTokenInput, string](s, connTokenWriter, listConnectionTokens, nil)}
}
