package sqlstore

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"time"

	"github.com/racd/racd/internal/racd"
)

var _ racd.GatewayStore = (*Store)(nil)

// GatewayToken implements racd.GatewayStore: one indexed lookup by the secret's keyed
// hash, then the providers and the mappings that apply (those of the endpoint's
// provider, then the endpoint's, each by name, as at launch).
func (s *Store) GatewayToken(ctx context.Context, tokenHash []byte) (*racd.GatewayToken, error) {
	c := s.read()
	var (
		claim   []byte
		browser sql.NullString
	)
	t := connTokenTable
	q := "SELECT " + t.cols(s.d) + ", ct.claim_hash, ct.browser_session FROM " + t.from() + t.joins +
		"WHERE ct.token_hash = $1 AND " + liveConnToken("$2")
	tok, err := scanConnToken(c.queryRow(ctx, q, tokenHash, micros(s.now())), &claim, &browser)
	if err == nil {
		err = t.complete(ctx, s, c, []*racd.ConnectionToken{tok})
	}
	if err != nil {
		return nil, classify(err)
	}
	out := &racd.GatewayToken{Launch: racd.Launch{Token: tok}, ClaimHash: claim, BrowserSession: browser.String}
	if err := s.launchMappings(ctx, c, &out.Launch, tok.Endpoint.ProviderID, tok.Endpoint.UUID); err != nil {
		return nil, classify(err)
	}
	// guacd receives the secrets, in clear: they are opened here and nowhere else on
	// the way to a connection.
	if err := s.revealLaunch(&out.Launch); err != nil {
		return nil, err
	}
	return out, nil
}

// launchMappings loads the property mappings whose settings a connection to the
// endpoint takes: the provider's by name, then the endpoint's by name.
func (s *Store) launchMappings(ctx context.Context, c conn, l *racd.Launch, providerID int64, endpointUUID string) error {
	q := "SELECT * FROM (SELECT " + mappingCols + ", 0 AS kind FROM provider_property_mappings ppm JOIN property_mappings m ON m.uuid = ppm.mapping_uuid WHERE ppm.provider_id = $1" +
		" UNION ALL SELECT " + mappingCols + ", 1 AS kind FROM endpoint_property_mappings epm JOIN property_mappings m ON m.uuid = epm.mapping_uuid WHERE epm.endpoint_uuid = $2) x ORDER BY kind, name"
	return queryEach(ctx, c, q, []any{providerID, endpointUUID}, func(rows *sql.Rows) error {
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
	})
}

// ClaimConnectionToken implements racd.GatewayStore. The conditional update lets
// exactly one of two browsers racing for a fresh token win.
func (s *Store) ClaimConnectionToken(ctx context.Context, uuid string, claimHash []byte) (bool, error) {
	var bound bool
	err := s.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, "UPDATE connection_tokens SET claim_hash = $1 WHERE uuid = $2 AND claim_hash IS NULL AND "+liveConnTokenBare("$3"),
			claimHash, uuid, micros(s.now())); err != nil {
			return err
		}
		var got []byte
		if err := c.queryRow(ctx, "SELECT claim_hash FROM connection_tokens ct WHERE ct.uuid = $1 AND "+liveConnToken("$2"),
			uuid, micros(s.now())).Scan(&got); err != nil {
			return err
		}
		bound = hmac.Equal(got, claimHash)
		return nil
	})
	return bound, err
}

// liveConnTokenBare is liveConnToken for statements without the ct alias (UPDATE).
func liveConnTokenBare(now string) string { return "(expires IS NULL OR expires > " + now + ")" }

// StartConnectionSession implements racd.GatewayStore.
func (s *Store) StartConnectionSession(ctx context.Context, uuid string) (int64, error) {
	var gen int64
	err := s.write(ctx, func(c conn) error {
		return c.queryRow(ctx, "UPDATE connection_tokens SET session_gen = session_gen + 1, session_ended = NULL WHERE uuid = $1 AND "+
			liveConnTokenBare("$2")+" RETURNING session_gen", uuid, micros(s.now())).Scan(&gen)
	})
	return gen, err
}

// EndConnectionSession implements racd.GatewayStore.
func (s *Store) EndConnectionSession(ctx context.Context, uuid string, gen int64) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, "UPDATE connection_tokens SET session_ended = $1 WHERE uuid = $2 AND session_gen = $3",
			micros(s.now()), uuid, gen)
		return err
	})
}

// disconnectedTokens is the condition of a token of a provider that deletes tokens on
// disconnect whose last session ended at or before $1.
const disconnectedTokens = "ct.session_ended IS NOT NULL AND ct.session_ended <= $1 AND ct.provider_id IN (SELECT id FROM providers WHERE delete_token_on_disconnect)"

// DeleteDisconnectedToken implements racd.GatewayStore.
func (s *Store) DeleteDisconnectedToken(ctx context.Context, uuid string, gen int64, endedBy time.Time, a racd.Audit) (bool, error) {
	var deleted bool
	err := s.write(ctx, func(c conn) error {
		deleted = false
		var n int
		if err := c.queryRow(ctx, "SELECT count(*) FROM connection_tokens ct WHERE "+disconnectedTokens+" AND ct.uuid = $2 AND ct.session_gen = $3",
			micros(endedBy), uuid, gen).Scan(&n); err != nil || n == 0 {
			return err
		}
		t, err := get(ctx, s, c, connTokenTable, "uuid", uuid, true)
		if err != nil {
			return err
		}
		deleted = true
		return connTokenWriter.deleteRow(ctx, s, c, t, a)
	})
	if err == racd.ErrNotFound {
		return false, nil
	}
	return deleted, err
}

// DeleteDisconnectedTokens implements racd.GatewayStore.
func (s *Store) DeleteDisconnectedTokens(ctx context.Context, endedBy time.Time) (int64, error) {
	var uuids []string
	if err := queryEach(ctx, s.read(), "SELECT CAST(ct.uuid AS TEXT), ct.session_gen FROM connection_tokens ct WHERE "+disconnectedTokens,
		[]any{micros(endedBy)}, func(rows *sql.Rows) error {
			var id string
			var gen int64
			if err := rows.Scan(&id, &gen); err != nil {
				return err
			}
			uuids = append(uuids, id)
			return nil
		}); err != nil {
		return 0, classify(err)
	}
	var n int64
	for _, id := range uuids {
		var gen int64
		if err := s.read().queryRow(ctx, "SELECT session_gen FROM connection_tokens WHERE uuid = $1", id).Scan(&gen); err != nil {
			continue // gone meanwhile
		}
		ok, err := s.DeleteDisconnectedToken(ctx, id, gen, endedBy, racd.Audit{})
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// LiveConnectionTokens implements racd.GatewayStore.
func (s *Store) LiveConnectionTokens(ctx context.Context, uuids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(uuids))
	if len(uuids) == 0 {
		return out, nil
	}
	q := "SELECT CAST(ct.uuid AS TEXT) FROM connection_tokens ct WHERE " + s.d.in("ct.uuid", "$1", uuidKey) + " AND " + liveConnToken("$2")
	err := queryEach(ctx, s.read(), q, []any{s.d.listArg(uuids), micros(s.now())}, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	})
	return out, classify(err)
}
