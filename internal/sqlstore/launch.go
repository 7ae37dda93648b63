package sqlstore

import (
	"context"
	"database/sql"

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
		if _, err := c.exec(ctx, `INSERT INTO connection_tokens (uuid, token_hash, provider_id, endpoint_uuid, user_id, settings, created, expires)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			t.UUID, req.TokenHash, t.ProviderID, e.UUID, req.UserID, string(settings), micros(now), microsOrNull(t.Expires)); err != nil {
			return err
		}
		if err := c.queryRow(ctx, "SELECT "+connTokenUserCols+" FROM users u WHERE u.id = $1", req.UserID).Scan(userDest(&t.User)...); err != nil {
			return err
		}
		l := &racd.Launch{Token: t}
		q := "SELECT * FROM (SELECT " + mappingCols + ", 0 AS kind FROM provider_property_mappings ppm JOIN property_mappings m ON m.uuid = ppm.mapping_uuid WHERE ppm.provider_id = $1" +
			" UNION ALL SELECT " + mappingCols + ", 1 AS kind FROM endpoint_property_mappings epm JOIN property_mappings m ON m.uuid = epm.mapping_uuid WHERE epm.endpoint_uuid = $2) x ORDER BY kind, name"
		if err := queryEach(ctx, c, q, []any{e.ProviderID, e.UUID}, func(rows *sql.Rows) error {
			var kind int
			m, err := scanMapping(rows, &kind)
			if err != nil {
				return err
			}
			if kind == 0 {
				l.ProviderMappings = append(l.ProviderMappings, m)
			} else {
				l.EndpointMappings = append(l.EndpointMappings, m)
			}
			return nil
		}); err != nil {
			return err
		}
		out = l
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, t.Ref(), racd.Diff(nil, connTokenWriter.diff(t)))
	})
	return out, err
}
