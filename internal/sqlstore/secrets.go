package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/racd/racd/internal/racd"
)

// Sealer seals the secret values racd keeps at rest (connection parameters) and opens
// them again; keys.Keyring is one.
type Sealer interface {
	SealValue(plain []byte) ([]byte, error)
	OpenValue(sealed []byte) ([]byte, error)
}

// errNoSealer is returned when a secret is to be written or read by a store opened
// without Options.Sealer (only operator commands that never touch secrets are).
var errNoSealer = errors.New("sqlstore: secret connection parameters need Options.Sealer")

// sealed is a secrets column as scanned: a JSON object of base64 ciphertexts by
// name, or NULL.
type sealed struct{ s *racd.Secrets }

// Scan implements sql.Scanner.
func (d sealed) Scan(v any) error {
	var raw []byte
	switch x := v.(type) {
	case nil:
		d.s.Sealed = nil
		return nil
	case string:
		raw = []byte(x)
	case []byte:
		raw = x
	default:
		return fmt.Errorf("secrets column: %T", v)
	}
	var m map[string][]byte
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("secrets column: %w", err)
	}
	d.s.Sealed = m
	return nil
}

// sealedColumn is the secrets column a write stores for sec.
func (s *Store) sealedColumn(sec *racd.Secrets) (any, error) {
	if sec.Sent && len(sec.Plain) > 0 && s.sealer == nil {
		return nil, errNoSealer
	}
	m, err := sec.Seal(func(p []byte) ([]byte, error) { return s.sealer.SealValue(p) })
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string][]byte{}
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// reveal opens the secrets of every settings object a connection uses.
func (s *Store) reveal(secs ...*racd.Secrets) error {
	for _, sec := range secs {
		if len(sec.Sealed) == 0 {
			continue
		}
		if s.sealer == nil {
			return errNoSealer
		}
		if err := sec.Reveal(s.sealer.OpenValue); err != nil {
			return err
		}
	}
	return nil
}

// revealLaunch opens the secrets of a launch: its token's, its endpoint's, the
// providers' and the mappings'.
func (s *Store) revealLaunch(l *racd.Launch) error {
	t := l.Token
	secs := []*racd.Secrets{&t.Secrets, &t.Endpoint.Secrets}
	for _, p := range []*racd.Provider{t.Provider, t.Endpoint.Provider} {
		if p != nil {
			secs = append(secs, &p.Secrets)
		}
	}
	for _, m := range append(append([]*racd.PropertyMapping{}, l.ProviderMappings...), l.EndpointMappings...) {
		secs = append(secs, &m.StaticSecrets)
	}
	return s.reveal(secs...)
}

// SealStoredSecrets moves the secret parameters of rows written before racd sealed
// them (their secrets column is NULL) out of their settings, sealed; it runs at start
// and returns how many rows it changed. Rows without secrets get an empty set, so
// each row is looked at once.
func (s *Store) SealStoredSecrets(ctx context.Context) (int, error) {
	total := 0
	for _, t := range []struct{ table, pk, settings, secrets string }{
		{"providers", "id", "settings", "secrets"},
		{"endpoints", "uuid", "settings", "secrets"},
		{"property_mappings", "uuid", "static_settings", "static_secrets"},
		{"connection_tokens", "uuid", "settings", "secrets"},
	} {
		err := s.write(ctx, func(c conn) error {
			type row struct {
				pk       string
				settings []byte
			}
			var rows []row
			err := queryEach(ctx, c, "SELECT CAST("+t.pk+" AS TEXT), "+t.settings+" FROM "+t.table+" WHERE "+t.secrets+" IS NULL", nil,
				func(r *sql.Rows) error {
					var x row
					err := r.Scan(&x.pk, &x.settings)
					rows = append(rows, x)
					return err
				})
			if err != nil {
				return err
			}
			for _, r := range rows {
				public, secret := racd.SplitSettings(r.settings)
				sec := racd.Secrets{}
				sec.Replace(secret)
				col, err := s.sealedColumn(&sec)
				if err != nil {
					return err
				}
				var pk any = r.pk
				if t.pk == "id" {
					var n int64
					fmt.Sscan(r.pk, &n)
					pk = n
				}
				if _, err := c.exec(ctx, "UPDATE "+t.table+" SET "+t.settings+" = $1, "+t.secrets+" = $2 WHERE "+t.pk+" = $3", string(public), col, pk); err != nil {
					return err
				}
				if len(secret) > 0 {
					total++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
