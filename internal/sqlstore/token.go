package sqlstore

import (
	"context"
	"time"

	"github.com/racd/racd/internal/racd"
)

// tokenTable reads API tokens (t); attach loads their owners. Lists follow the owner
// rules of the query, not ListQuery.Visible.
var tokenTable = &table[*racd.Token]{
	place: place{model: racd.TokenModel, name: "tokens", alias: "t", pk: "uuid"},
	cols: func(dialect) string {
		return "CAST(t.uuid AS TEXT), coalesce(t.managed, ''), t.identifier, t.intent, t.user_id, t.description, t.expires, t.expiring"
	},
	scan: rowOf(func(t *racd.Token) []any {
		return []any{&t.UUID, &t.Managed, &t.Identifier, &t.Intent, &t.UserID, &t.Description, microsInto{&t.Expires}, &t.Expiring}
	}),
	attach: func(s *Store, ctx context.Context, c conn, ts []*racd.Token) error {
		ids := make([]int64, len(ts))
		for i, t := range ts {
			ids[i] = t.UserID
		}
		users, err := byKeys(ctx, s, c, userTable, ids, func(u *racd.User) int64 { return u.ID })
		for _, t := range ts {
			t.User = users[t.UserID]
		}
		return err
	},
	order: map[string]string{
		"pk": "t.uuid", "identifier": "t.identifier", "intent": "t.intent", "user": "t.user_id", "description": "t.description",
		"expires": "t.expires", "expiring": "t.expiring", "managed": "t.managed",
	},
	defaultOrder:  []racd.OrderTerm{{Field: "identifier"}, {Field: "expires"}},
	ownVisibility: true,
}

// tokenWriter writes API tokens. A new token expires racd.DefaultTokenLifetime from
// now unless the input says otherwise (authentik's default).
var tokenWriter = &writer[*racd.Token, *racd.TokenInput]{
	t: tokenTable, key: "identifier", fields: racd.TokenFields,
	new: func(s *Store) *racd.Token {
		exp := s.now().UTC().Add(racd.DefaultTokenLifetime).Truncate(time.Microsecond)
		return &racd.Token{UUID: s.newUUID(), Intent: racd.IntentAPI, Expiring: true, Expires: &exp}
	},
	guard: func(g *guard, in *racd.TokenInput, t *racd.Token) error { return g.s.tokenGuard(g, in, t) },
	check: func(ch *checks, in *racd.TokenInput, t *racd.Token) {
		if in.Identifier.Set {
			ch.unique("identifier", "identifier", t.Identifier, racd.MsgUnique("token", "identifier"))
		}
		if in.Managed.Set && t.Managed != "" {
			ch.unique("managed", "managed", t.Managed, racd.MsgUnique("token", "Managed by authentik"))
		}
		if in.User.Set {
			ch.refs("user", racd.UserModel, intRefs(in.User.V), "")
		}
	},
	row: func(t *racd.Token) []col {
		return []col{{name: "uuid", v: t.UUID}, {name: "identifier", v: t.Identifier}, {name: "intent", v: t.Intent},
			{name: "user_id", v: t.UserID}, {name: "description", v: t.Description}, {name: "expiring", v: t.Expiring},
			{name: "expires", v: microsOrNull(t.Expires)}, {name: "managed", v: nullString(t.Managed)}}
	},
	extra: func(_ *Store, in *racd.TokenInput) []col {
		return []col{{name: "key_hash", v: in.Key.Hash}, {name: "key_sealed", v: in.Key.Ciphertext}}
	},
	diff: func(t *racd.Token) []racd.Field {
		var expires any
		if t.Expires != nil {
			expires = t.Expires.UTC().Format(time.RFC3339Nano)
		}
		return []racd.Field{
			{Name: "managed", Value: nullString(t.Managed)}, {Name: "identifier", Value: t.Identifier}, {Name: "intent", Value: t.Intent},
			{Name: "user", Value: t.UserID}, {Name: "description", Value: t.Description}, {Name: "expires", Value: expires},
			{Name: "expiring", Value: t.Expiring},
		}
	},
}

// tokenGuard holds the rules of an actor who is not a superuser: its tokens are its
// own (another user's token does not exist for it), always expire within the
// store's token policy, bear neither a managed key nor the bootstrap token's
// identifier.
func (s *Store) tokenGuard(g *guard, in *racd.TokenInput, t *racd.Token) error {
	if g.a.Superuser || g.deleting {
		return nil
	}
	owner := t.UserID
	for _, ch := range g.changes {
		if ch.Field == "user" && !g.create {
			owner, _ = ch.Previous.(int64)
		}
	}
	if !g.create && owner != g.a.User.ID {
		return racd.ErrNotFound
	}
	// The owner is the actor, whatever the input said: no reference to check.
	t.UserID = g.a.User.ID
	in.User = racd.Opt[racd.IntRef]{}
	g.errs.Drop("user")
	if in.Expiring.Set {
		g.errs.Drop("expiring")
	}
	s.tokens.Apply(t, in.Expires.Set && !g.errs.Has("expires"), s.now(), g.errs)
	if (g.create && t.Managed != "" || !g.create && g.changed("managed")) && !g.errs.Has("managed") {
		g.errs.Add("managed", racd.MsgManagedBySuperusers)
	}
	if t.Identifier == racd.BootstrapTokenIdentifier && g.changed("identifier") && !g.errs.Has("identifier") {
		g.errs.Add("identifier", racd.MsgReservedIdentifier)
	}
	return nil
}

// listTokens lists tokens.
func listTokens(ctx context.Context, s *Store, q racd.TokenQuery) ([]*racd.Token, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "t.identifier", "t.intent", "t.description", "(SELECT su.username FROM users su WHERE su.id = t.user_id)")
	if q.OwnerID != nil {
		b.and("t.user_id = " + b.arg(*q.OwnerID))
	}
	b.eqs(eqFilter{"t.identifier", q.Identifier}, eqFilter{"t.intent", q.Intent}, eqFilter{"t.description", q.Description}, eqFilter{"t.managed", q.Managed})
	if q.UserUsername != nil {
		b.and("t.user_id IN (SELECT fu.id FROM users fu WHERE fu.username = " + b.arg(*q.UserUsername) + ")")
	}
	if q.Expiring != nil {
		b.and("t.expiring = " + b.arg(*q.Expiring))
	}
	return list(ctx, s, tokenTable, q.ListQuery, b, "", "")
}

// TokenKey implements racd.IdentityStore.
func (s *Store) TokenKey(ctx context.Context, identifier string, a racd.Audit) ([]byte, error) {
	var sealed []byte
	err := s.write(ctx, func(c conn) error {
		t, err := get(ctx, s, c, tokenTable, "identifier", identifier, true)
		if err != nil {
			return err
		}
		if err := c.queryRow(ctx, "SELECT key_sealed FROM tokens WHERE uuid = $1", t.UUID).Scan(&sealed); err != nil {
			return err
		}
		ref := t.Ref()
		return s.insertEvent(ctx, c, &racd.Event{
			Action: racd.EventSecretView, User: a.User, Request: a.Request, ClientIP: a.Request.ClientIP,
			Extra: map[string]any{"secret": map[string]any{"app": ref.App, "model_name": ref.ModelName, "pk": ref.PK, "name": ref.Name}},
		})
	})
	return sealed, err
}

// Tokens implements racd.Store. Nothing depends on a token.
func (s *Store) Tokens() racd.Resource[*racd.Token, *racd.TokenInput, string, racd.TokenQuery] {
	return newResource[*racd.Token, *racd.TokenInput, string](s, tokenWriter, listTokens, nil)
}
