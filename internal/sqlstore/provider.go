package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/racd/racd/internal/racd"
)

// providerCols selects a provider with everything derived from other tables; the
// statement must join applications a (main) and b (backchannel).
func (s *Store) providerCols() string {
	return "p.id, p.name, p.authentication_flow, p.authorization_flow, p.settings, p.connection_expiry, p.delete_token_on_disconnect, " +
		"coalesce(a.slug, ''), coalesce(a.name, ''), coalesce(b.slug, ''), coalesce(b.name, ''), " +
		s.d.jsonArray("ppm.mapping_uuid", "provider_property_mappings ppm WHERE ppm.provider_id = p.id", "ppm.mapping_uuid") + ", " +
		s.d.jsonArray("o.name", "outpost_providers op JOIN outposts o ON o.uuid = op.outpost_uuid WHERE op.provider_id = p.id", "o.name")
}

const providerJoins = " LEFT JOIN applications a ON a.provider_id = p.id LEFT JOIN applications b ON b.uuid = p.backchannel_application "

func scanProvider(sc interface{ Scan(...any) error }, extra ...any) (*racd.Provider, error) {
	var (
		p               racd.Provider
		authn           sql.NullString
		settings        []byte
		mappings, outps []byte
	)
	dest := []any{&p.ID, &p.Name, &authn, &p.AuthorizationFlow, &settings, &p.ConnectionExpiry, &p.DeleteTokenOnDisconnect,
		&p.Application.Slug, &p.Application.Name, &p.BackchannelApplication.Slug, &p.BackchannelApplication.Name,
		&mappings, &outps}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	p.AuthenticationFlow = authn.String
	p.Settings = json.RawMessage(settings)
	if err := json.Unmarshal(mappings, &p.PropertyMappings); err != nil {
		return nil, fmt.Errorf("provider %d: property mappings: %w", p.ID, err)
	}
	var names []string
	if err := json.Unmarshal(outps, &names); err != nil {
		return nil, fmt.Errorf("provider %d: outposts: %w", p.ID, err)
	}
	p.Outposts = make([]string, len(names))
	for i, n := range names {
		p.Outposts[i] = racd.OutpostModel.Titled(n)
	}
	return &p, nil
}

func (s *Store) getProvider(ctx context.Context, c conn, id int64, lock bool) (*racd.Provider, error) {
	q := "SELECT " + s.providerCols() + " FROM providers p" + providerJoins + "WHERE p.id = $1"
	if lock {
		q += s.d.forUpdate("p")
	}
	p, err := scanProvider(c.queryRow(ctx, q, id))
	if err != nil {
		return nil, classify(err)
	}
	return p, nil
}

// GetProvider implements racd.ProviderStore.
func (s *Store) GetProvider(ctx context.Context, id int64) (*racd.Provider, error) {
	return s.getProvider(ctx, s.read(), id, false)
}

var providerOrderCols = map[string]string{
	"pk":                         "p.id",
	"name":                       "p.name",
	"connection_expiry":          "p.connection_expiry",
	"delete_token_on_disconnect": "p.delete_token_on_disconnect",
	"authorization_flow":         "p.authorization_flow",
	"authentication_flow":        "p.authentication_flow",
	"application__slug":          "a.slug",
	"application__name":          "a.name",
}

var providerDefaultOrder = []racd.OrderTerm{{Field: "name"}}

// ListProviders implements racd.ProviderStore.
func (s *Store) ListProviders(ctx context.Context, q racd.ProviderQuery) ([]*racd.Provider, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "p.name")
	if q.NameIExact != nil {
		b.iexact("p.name", *q.NameIExact)
	}
	if q.ApplicationIsNull != nil {
		cond := "EXISTS (SELECT 1 FROM applications ai WHERE ai.provider_id = p.id)"
		if *q.ApplicationIsNull {
			cond = "NOT " + cond
		}
		b.and(cond)
	}
	b.visible("p.id", intKey, q.Visible)
	order := orderSQL(q.Ordering, providerOrderCols, providerDefaultOrder, "p.id")
	orderJoins := ""
	if needs(q.Ordering, "application__slug", "application__name") {
		orderJoins = " LEFT JOIN applications a ON a.provider_id = p.id "
	}
	return listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "providers", "p", "") },
		func(limit, offset int) string {
			return pageSQL(b, "providers", "p", "id", "", orderJoins, order, s.providerCols(), providerJoins, limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.Provider, error) { return scanProvider(rows, count) })
}

// checkProviderInput adds reference and uniqueness errors for the sent fields that
// decoded and validated cleanly. One query answers every check.
func (s *Store) checkProviderInput(ctx context.Context, c conn, in *racd.ProviderInput, p *racd.Provider, selfID int64) error {
	b := &qb{d: s.d}
	var parts []string
	var flows []string
	if in.AuthorizationFlow.Set && !in.Errors.Has("authorization_flow") {
		flows = append(flows, in.AuthorizationFlow.V.ID)
	}
	if in.AuthenticationFlow.Set && !in.Errors.Has("authentication_flow") && in.AuthenticationFlow.V.ID != "" {
		flows = append(flows, in.AuthenticationFlow.V.ID)
	}
	if len(flows) > 0 {
		parts = append(parts, "SELECT 'flow', CAST(uuid AS TEXT) FROM flows WHERE "+s.d.in("uuid", b.arg(s.d.listArg(flows)), uuidKey))
	}
	checkMappings := in.PropertyMappings.Set && !in.Errors.Has("property_mappings")
	if checkMappings && len(in.PropertyMappings.V) > 0 {
		ids := make([]string, len(in.PropertyMappings.V))
		for i, r := range in.PropertyMappings.V {
			ids[i] = r.ID
		}
		parts = append(parts, "SELECT 'mapping', CAST(uuid AS TEXT) FROM property_mappings WHERE "+s.d.in("uuid", b.arg(s.d.listArg(sortedCopy(ids))), uuidKey))
	}
	checkName := in.Name.Set && !in.Errors.Has("name")
	if checkName {
		parts = append(parts, "SELECT 'name', '' FROM providers WHERE name = "+b.arg(p.Name)+" AND id <> "+b.arg(selfID))
	}
	if len(parts) == 0 {
		if checkMappings && in.PropertyMappingsInvalid != "" {
			in.Errors.Add("property_mappings", in.PropertyMappingsInvalid)
		}
		return nil
	}
	found := map[string]bool{}
	nameTaken := false
	if err := queryEach(ctx, c, joinUnion(parts), b.args, func(rows *sql.Rows) error {
		var kind, id string
		if err := rows.Scan(&kind, &id); err != nil {
			return err
		}
		if kind == "name" {
			nameTaken = true
		}
		found[kind+":"+id] = true
		return nil
	}); err != nil {
		return err
	}
	if checkName && nameTaken {
		in.Errors.Add("name", racd.MsgUnique("provider", "name"))
	}
	if in.AuthorizationFlow.Set && !in.Errors.Has("authorization_flow") && !found["flow:"+in.AuthorizationFlow.V.ID] {
		in.Errors.Add("authorization_flow", racd.MsgDoesNotExist(in.AuthorizationFlow.V.Raw))
	}
	if in.AuthenticationFlow.Set && !in.Errors.Has("authentication_flow") && in.AuthenticationFlow.V.ID != "" && !found["flow:"+in.AuthenticationFlow.V.ID] {
		in.Errors.Add("authentication_flow", racd.MsgDoesNotExist(in.AuthenticationFlow.V.Raw))
	}
	if checkMappings {
		// DRF reports the first bad item of the list: missing, or else malformed.
		for _, r := range in.PropertyMappings.V {
			if !found["mapping:"+r.ID] {
				in.Errors.Add("property_mappings", racd.MsgDoesNotExist(r.Raw))
				break
			}
		}
		if !in.Errors.Has("property_mappings") && in.PropertyMappingsInvalid != "" {
			in.Errors.Add("property_mappings", in.PropertyMappingsInvalid)
		}
	}
	return nil
}

// CreateProvider implements racd.ProviderStore.
func (s *Store) CreateProvider(ctx context.Context, in *racd.ProviderInput, a racd.Audit) (*racd.Provider, error) {
	var out *racd.Provider
	err := s.write(ctx, func(c conn) error {
		inCopy := *in
		inCopy.Errors = in.Errors.Clone() // each attempt starts from the decoder's errors
		p := racd.NewProvider()
		inCopy.Apply(p)
		if err := s.checkProviderInput(ctx, c, &inCopy, p, 0); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.ProviderFields)
			return &inCopy.Errors
		}
		if err := c.queryRow(ctx, `INSERT INTO providers (name, authentication_flow, authorization_flow, settings, connection_expiry, delete_token_on_disconnect)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			p.Name, nullString(p.AuthenticationFlow), p.AuthorizationFlow, string(p.Settings), p.ConnectionExpiry, p.DeleteTokenOnDisconnect).Scan(&p.ID); err != nil {
			return err
		}
		if err := s.setLinks(ctx, c, "provider_property_mappings", "provider_id", p.ID, "mapping_uuid", p.PropertyMappings); err != nil {
			return err
		}
		out = p
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, p.Ref(), racd.Diff(nil, providerFields(p)))
	})
	return out, err
}

// UpdateProvider implements racd.ProviderStore.
func (s *Store) UpdateProvider(ctx context.Context, id int64, in *racd.ProviderInput, a racd.Audit) (*racd.Provider, error) {
	var out *racd.Provider
	err := s.write(ctx, func(c conn) error {
		p, err := s.getProvider(ctx, c, id, true)
		if err != nil {
			return err
		}
		before := *p
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(p)
		if err := s.checkProviderInput(ctx, c, &inCopy, p, id); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.ProviderFields)
			return &inCopy.Errors
		}
		if _, err := c.exec(ctx, `UPDATE providers SET name = $1, authentication_flow = $2, authorization_flow = $3, settings = $4,
			connection_expiry = $5, delete_token_on_disconnect = $6 WHERE id = $7`,
			p.Name, nullString(p.AuthenticationFlow), p.AuthorizationFlow, string(p.Settings), p.ConnectionExpiry, p.DeleteTokenOnDisconnect, id); err != nil {
			return err
		}
		if in.PropertyMappings.Set && !sameStrings(before.PropertyMappings, p.PropertyMappings) {
			if _, err := c.exec(ctx, "DELETE FROM provider_property_mappings WHERE provider_id = $1", id); err != nil {
				return err
			}
			if err := s.setLinks(ctx, c, "provider_property_mappings", "provider_id", id, "mapping_uuid", p.PropertyMappings); err != nil {
				return err
			}
		}
		out = p
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, p.Ref(), racd.Diff(providerFields(&before), providerFields(p)))
	})
	return out, err
}

// DeleteProvider implements racd.ProviderStore. Endpoints, connection tokens, outpost
// memberships and mapping links go with it (foreign keys); its application stays with
// provider set to null; an outpost left without providers stays, with an empty list,
// as in authentik; an application listing it as backchannel provider simply loses it.
func (s *Store) DeleteProvider(ctx context.Context, id int64, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		p, err := s.getProvider(ctx, c, id, true)
		if err != nil {
			return err
		}
		return s.deleteProviderRow(ctx, c, p, a)
	})
}

func (s *Store) deleteProviderRow(ctx context.Context, c conn, p *racd.Provider, a racd.Audit) error {
	return s.deleteObject(ctx, c, "providers", "id", p.ID, p.Ref(), providerFields(p), a)
}

// ProviderUsedBy implements racd.ProviderStore: connection tokens, endpoints, outposts
// and the provider's own property mappings, each kind filtered by what the caller may view.
func (s *Store) ProviderUsedBy(ctx context.Context, id int64, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, id, vis,
		connectionTokensWhere("ct.provider_id = $1"),
		endpointsVia("endpoints e", "e.provider_id = $1", racd.ActionCascade),
		outpostsVia("outpost_providers op JOIN outposts o ON o.uuid = op.outpost_uuid", "op.provider_id = $1"),
		mappingsVia("provider_property_mappings ppm JOIN property_mappings m ON m.uuid = ppm.mapping_uuid", "ppm.provider_id = $1"))
}

func providerFields(p *racd.Provider) []racd.Field {
	authn := any(nil)
	if p.AuthenticationFlow != "" {
		authn = p.AuthenticationFlow
	}
	return []racd.Field{
		{Name: "name", Value: p.Name},
		{Name: "authentication_flow", Value: authn},
		{Name: "authorization_flow", Value: p.AuthorizationFlow},
		{Name: "property_mappings", Value: sortedCopy(p.PropertyMappings)},
		{Name: "settings", Value: racd.RawJSON(p.Settings)},
		{Name: "connection_expiry", Value: p.ConnectionExpiry},
		{Name: "delete_token_on_disconnect", Value: p.DeleteTokenOnDisconnect},
	}
}
