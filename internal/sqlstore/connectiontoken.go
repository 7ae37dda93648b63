package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// The joins of a connection token (ct) to its endpoint (e), provider (pp) and user (u).
const (
	connTokenFilterJoins = " JOIN endpoints e ON e.uuid = ct.endpoint_uuid JOIN providers pp ON pp.id = ct.provider_id "
	connTokenRowJoins    = connTokenFilterJoins + " JOIN users u ON u.id = ct.user_id "
	connTokenUserCols    = "u.id, CAST(u.uuid AS TEXT), u.username, u.name, u.email, u.is_active, u.last_login, u.attributes"
)

func (s *Store) connTokenCols() string {
	return "CAST(ct.uuid AS TEXT), ct.provider_id, ct.settings, ct.created, ct.expires, " + connTokenUserCols + ", " + s.endpointCols()
}

func scanConnToken(sc interface{ Scan(...any) error }, extra ...any) (*racd.ConnectionToken, error) {
	var (
		t                 racd.ConnectionToken
		settings, attrs   []byte
		created           int64
		expires, lastSeen sql.NullInt64
		e                 racd.Endpoint
		eSettings, eMaps  []byte
	)
	u := &t.User
	dest := []any{&t.UUID, &t.ProviderID, &settings, &created, &expires,
		&u.ID, &u.UUID, &u.Username, &u.Name, &u.Email, &u.IsActive, &lastSeen, &attrs,
		&e.UUID, &e.Name, &e.ProviderID, &e.Protocol, &e.Host, &eSettings, &e.AuthMode, &e.MaximumConnections, &eMaps}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	t.Settings = json.RawMessage(settings)
	t.Created = fromMicros(created)
	if expires.Valid {
		x := fromMicros(expires.Int64)
		t.Expires = &x
	}
	if lastSeen.Valid {
		x := fromMicros(lastSeen.Int64)
		u.LastLogin = &x
	}
	u.Attributes = attrs
	e.Settings = json.RawMessage(eSettings)
	if err := json.Unmarshal(eMaps, &e.PropertyMappings); err != nil {
		return nil, err
	}
	t.Endpoint = &e
	return &t, nil
}

// attachTokenProviders loads the providers of the tokens and of their endpoints in one query.
func (s *Store) attachConnTokenProviders(ctx context.Context, c conn, ts ...*racd.ConnectionToken) error {
	var ids []int64
	seen := map[int64]bool{}
	for _, t := range ts {
		for _, id := range []int64{t.ProviderID, t.Endpoint.ProviderID} {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	ps, err := s.endpointProvidersByID(ctx, c, ids)
	if err != nil {
		return err
	}
	for _, t := range ts {
		t.Provider, t.Endpoint.Provider = ps[t.ProviderID], ps[t.Endpoint.ProviderID]
		if t.Provider == nil || t.Endpoint.Provider == nil {
			return racd.ErrNotFound
		}
	}
	return nil
}

// liveToken is the condition of a token that has not expired at $n.
func liveConnToken(now string) string { return "(ct.expires IS NULL OR ct.expires > " + now + ")" }

func (s *Store) getConnToken(ctx context.Context, c conn, uuid string, lock bool) (*racd.ConnectionToken, error) {
	q := "SELECT " + s.connTokenCols() + " FROM connection_tokens ct" + connTokenRowJoins + "WHERE ct.uuid = $1 AND " + liveConnToken("$2")
	if lock {
		q += s.d.forUpdate("ct")
	}
	t, err := scanConnToken(c.queryRow(ctx, q, uuid, micros(s.now())))
	if err != nil {
		return nil, classify(err)
	}
	if err := s.attachConnTokenProviders(ctx, c, t); err != nil {
		return nil, classify(err)
	}
	return t, nil
}

// GetConnectionToken implements racd.ConnectionTokenStore; expired tokens are not found.
func (s *Store) GetConnectionToken(ctx context.Context, uuid string) (*racd.ConnectionToken, error) {
	return s.getConnToken(ctx, s.read(), uuid, false)
}

var connTokenOrderCols = map[string]string{
	"pk":             "ct.uuid",
	"provider":       "ct.provider_id",
	"endpoint":       "ct.endpoint_uuid",
	"endpoint__name": "e.name",
	"provider__name": "pp.name",
}

var connTokenDefaultOrder = []racd.OrderTerm{{Field: "endpoint__name"}, {Field: "provider__name"}}

// ListConnectionTokens implements racd.ConnectionTokenStore: live tokens only, the
// caller's own plus those its view permission lets through.
func (s *Store) ListConnectionTokens(ctx context.Context, q racd.ConnectionTokenQuery) ([]*racd.ConnectionToken, int, error) {
	b := &qb{d: s.d}
	b.and(liveConnToken(b.arg(micros(s.now()))))
	b.search(q.Search, "e.name", "pp.name")
	if q.Endpoint != nil {
		b.and("ct.endpoint_uuid = " + b.arg(*q.Endpoint))
	}
	if q.Provider != nil {
		b.and("ct.provider_id = " + b.arg(*q.Provider))
	}
	if q.User != nil {
		b.and("ct.user_id = " + b.arg(*q.User))
	}
	s.connTokenVisible(b, q.Tokens)
	order := orderSQL(q.Ordering, connTokenOrderCols, connTokenDefaultOrder, "ct.uuid")
	ts, count, err := listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "connection_tokens", "ct", connTokenFilterJoins) },
		func(limit, offset int) string {
			return pageSQL(b, "connection_tokens", "ct", "uuid", connTokenFilterJoins, connTokenFilterJoins, order, s.connTokenCols(), connTokenRowJoins, limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.ConnectionToken, error) { return scanConnToken(rows, count) })
	if err != nil {
		return nil, 0, err
	}
	if err := s.attachConnTokenProviders(ctx, s.read(), ts...); err != nil {
		return nil, 0, classify(err)
	}
	return ts, count, nil
}

// connTokenVisible restricts a token query to the owner's tokens and those v.Visible lets through.
func (s *Store) connTokenVisible(b *qb, v racd.ConnectionTokenVisibility) {
	if v.Visible.All {
		return
	}
	owner := b.arg(v.OwnerID)
	kb := &qb{d: s.d, args: b.args}
	kb.visible("ct.uuid", uuidKey, v.Visible)
	b.args = kb.args
	b.and("(ct.user_id = " + owner + " OR " + strings.Join(kb.where, " AND ") + ")")
}

// LaunchEndpoint implements racd.ConnectionTokenStore. The endpoint row is locked
// (PostgreSQL: FOR UPDATE; SQLite has a single writer) before its live tokens are
// counted, so concurrent launches cannot both take the last slot.
func (s *Store) LaunchEndpoint(ctx context.Context, req racd.LaunchRequest, a racd.Audit) (*racd.Launch, error) {
	var out *racd.Launch
	err := s.write(ctx, func(c conn) error {
		e, err := s.getEndpoint(ctx, c, req.EndpointUUID, true)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if !e.Unlimited() {
			var live int64
			if err := c.queryRow(ctx, "SELECT count(*) FROM connection_tokens ct WHERE ct.endpoint_uuid = $1 AND "+liveConnToken("$2"),
				e.UUID, micros(now)).Scan(&live); err != nil {
				return err
			}
			if live >= e.MaximumConnections {
				return racd.FieldError(racd.NonFieldErrors, racd.MsgConnLimit)
			}
		}
		if err := s.attachEndpointProviders(ctx, c, e); err != nil {
			return err
		}
		settings := req.Settings
		if len(settings) == 0 {
			settings = racd.EmptyObject
		}
		t := &racd.ConnectionToken{UUID: s.newUUID(), ProviderID: e.ProviderID, Endpoint: e, Provider: e.Provider,
			Settings: settings, Created: now, Expires: racd.ExpiryFrom(now, e.Provider.ConnectionExpiry)}
		var expires any
		if t.Expires != nil {
			expires = micros(*t.Expires)
		}
		if _, err := c.exec(ctx, `INSERT INTO connection_tokens (uuid, token_hash, provider_id, endpoint_uuid, user_id, settings, created, expires)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			t.UUID, req.TokenHash, t.ProviderID, e.UUID, req.UserID, string(settings), micros(now), expires); err != nil {
			return err
		}
		var lastLogin sql.NullInt64
		u := &t.User
		if err := c.queryRow(ctx, "SELECT "+connTokenUserCols+" FROM users u WHERE u.id = $1", req.UserID).Scan(
			&u.ID, &u.UUID, &u.Username, &u.Name, &u.Email, &u.IsActive, &lastLogin, &u.Attributes); err != nil {
			return err
		}
		if lastLogin.Valid {
			x := fromMicros(lastLogin.Int64)
			u.LastLogin = &x
		}
		l := &racd.Launch{Token: t}
		if err := s.launchMappings(ctx, c, l, e.ProviderID, e.UUID); err != nil {
			return err
		}
		out = l
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, t.Ref(), racd.Diff(nil, connTokenFields(t)))
	})
	return out, err
}

// UpdateConnectionToken implements racd.ConnectionTokenStore: provider and endpoint
// may be changed; both must exist.
func (s *Store) UpdateConnectionToken(ctx context.Context, uuid string, in *racd.ConnectionTokenInput, a racd.Audit) (*racd.ConnectionToken, error) {
	var out *racd.ConnectionToken
	err := s.write(ctx, func(c conn) error {
		t, err := s.getConnToken(ctx, c, uuid, true)
		if err != nil {
			return err
		}
		before := *t
		errs := in.Errors.Clone()
		providerID, endpointUUID := t.ProviderID, t.Endpoint.UUID
		b := &qb{d: s.d}
		var parts []string
		if in.Provider.Set && !errs.Has("provider") {
			providerID = in.Provider.V.ID
			parts = append(parts, "SELECT 'provider', CAST(id AS TEXT) FROM providers WHERE id = "+b.arg(providerID))
		}
		if in.Endpoint.Set && !errs.Has("endpoint") {
			endpointUUID = in.Endpoint.V.ID
			parts = append(parts, "SELECT 'endpoint', CAST(uuid AS TEXT) FROM endpoints WHERE uuid = "+b.arg(endpointUUID))
		}
		found := map[string]bool{}
		if len(parts) > 0 {
			if err := queryEach(ctx, c, joinUnion(parts), b.args, func(rows *sql.Rows) error {
				var kind, id string
				if err := rows.Scan(&kind, &id); err != nil {
					return err
				}
				found[kind+":"+id] = true
				return nil
			}); err != nil {
				return err
			}
		}
		if in.Provider.Set && !errs.Has("provider") && !found["provider:"+strconv.FormatInt(providerID, 10)] {
			errs.Add("provider", racd.MsgDoesNotExist(in.Provider.V.Raw))
		}
		if in.Endpoint.Set && !errs.Has("endpoint") && !found["endpoint:"+endpointUUID] {
			errs.Add("endpoint", racd.MsgDoesNotExist(in.Endpoint.V.Raw))
		}
		if !errs.Empty() {
			errs.SortBy(racd.ConnectionTokenFields)
			return &errs
		}
		if _, err := c.exec(ctx, "UPDATE connection_tokens SET provider_id = $1, endpoint_uuid = $2 WHERE uuid = $3", providerID, endpointUUID, t.UUID); err != nil {
			return err
		}
		t, err = s.getConnToken(ctx, c, uuid, false)
		if err != nil {
			return err
		}
		out = t
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, t.Ref(), racd.Diff(connTokenFields(&before), connTokenFields(t)))
	})
	return out, err
}

// DeleteConnectionToken implements racd.ConnectionTokenStore (revocation).
func (s *Store) DeleteConnectionToken(ctx context.Context, uuid string, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		t, err := s.getConnToken(ctx, c, uuid, true)
		if err != nil {
			return err
		}
		return s.deleteObject(ctx, c, "connection_tokens", "uuid", t.UUID, t.Ref(), connTokenFields(t), a)
	})
}

func connTokenFields(t *racd.ConnectionToken) []racd.Field {
	return []racd.Field{
		{Name: "provider", Value: t.ProviderID},
		{Name: "endpoint", Value: t.Endpoint.UUID},
		{Name: "user", Value: t.User.ID},
	}
}
