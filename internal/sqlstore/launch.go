package sqlstore

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

// Launch implements racd.ConnectionTokenStore. The endpoint row is locked
// (PostgreSQL: FOR UPDATE; SQLite has a single writer) before its live tokens are
// counted, so concurrent launches cannot both take the last slot.
func (ts connectionTokens) Launch(ctx context.Context, req racd.LaunchRequest, a racd.Audit) (*racd.Launch, error) {
	s := ts.s
	var out *racd.Launch
	err := s.write(ctx, func(c conn) error {
		e, err := get(ctx, s, c, endpointTable, "uuid", req.EndpointUUID, true)
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
		if err := endpointTable.complete(ctx, s, c, []*racd.Endpoint{e}); err != nil {
			return err
		}
		settings := req.Settings
		if len(settings) == 0 {
			settings = racd.EmptyObject
		}
		t := &racd.ConnectionToken{UUID: s.newUUID(), ProviderID: e.ProviderID, Endpoint: e, Provider: e.Provider,
			Settings: settings, Created: now, Expires: racd.ExpiryFrom(now, e.Provider.ConnectionExpiry)}
		if _, err := c.exec(ctx, `INSERT INTO connection_tokens (uuid, token_hash, provider_id, endpoint_uuid, user_id, settings, created, expires, browser_session)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			t.UUID, req.TokenHash, t.ProviderID, e.UUID, req.UserID, string(settings), micros(now), microsOrNull(t.Expires), nullString(req.BrowserSession)); err != nil {
			return err
		}
		if err := c.queryRow(ctx, "SELECT "+connTokenUserCols+" FROM users u WHERE u.id = $1", req.UserID).Scan(userDest(&t.User)...); err != nil {
			return err
		}
		l := &racd.Launch{Token: t}
		if err := s.launchMappings(ctx, c, l, e.ProviderID, e.UUID); err != nil {
			return err
		}
		out = l
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, t.Ref(), racd.Diff(nil, connTokenWriter.diff(t)))
	})
	return out, err
}
