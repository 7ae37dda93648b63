package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/racd/racd/internal/racd"
)

// endpointCols selects an endpoint (alias e) with its property mappings.
func (s *Store) endpointCols() string {
	return "CAST(e.uuid AS TEXT), e.name, e.provider_id, e.protocol, e.host, e.settings, e.auth_mode, e.maximum_connections, " +
		s.d.jsonArray("epm.mapping_uuid", "endpoint_property_mappings epm WHERE epm.endpoint_uuid = e.uuid", "epm.mapping_uuid")
}

func scanEndpoint(sc interface{ Scan(...any) error }, extra ...any) (*racd.Endpoint, error) {
	var (
		e                  racd.Endpoint
		settings, mappings []byte
	)
	dest := []any{&e.UUID, &e.Name, &e.ProviderID, &e.Protocol, &e.Host, &settings, &e.AuthMode, &e.MaximumConnections, &mappings}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	e.Settings = json.RawMessage(settings)
	if err := json.Unmarshal(mappings, &e.PropertyMappings); err != nil {
		return nil, fmt.Errorf("endpoint %s: property mappings: %w", e.UUID, err)
	}
	return &e, nil
}

// providersByID loads the providers with the given ids in one query.
func (s *Store) endpointProvidersByID(ctx context.Context, c conn, ids []int64) (map[int64]*racd.Provider, error) {
	out := make(map[int64]*racd.Provider, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	b := &qb{d: s.d}
	q := "SELECT " + s.providerCols() + " FROM providers p" + providerJoins + "WHERE " + s.d.in("p.id", b.arg(s.d.listArg(ids)), intKey)
	err := queryEach(ctx, c, q, b.args, func(rows *sql.Rows) error {
		p, err := scanProvider(rows)
		if err != nil {
			return err
		}
		out[p.ID] = p
		return nil
	})
	return out, err
}

// attachProviders sets Provider on every endpoint with one query.
func (s *Store) attachEndpointProviders(ctx context.Context, c conn, eps ...*racd.Endpoint) error {
	ids := make([]int64, 0, len(eps))
	seen := map[int64]bool{}
	for _, e := range eps {
		if !seen[e.ProviderID] {
			seen[e.ProviderID] = true
			ids = append(ids, e.ProviderID)
		}
	}
	ps, err := s.endpointProvidersByID(ctx, c, ids)
	if err != nil {
		return err
	}
	for _, e := range eps {
		e.Provider = ps[e.ProviderID]
		if e.Provider == nil {
			return racd.ErrNotFound // deleted concurrently between the two reads
		}
	}
	return nil
}

func (s *Store) getEndpoint(ctx context.Context, c conn, uuid string, lock bool) (*racd.Endpoint, error) {
	q := "SELECT " + s.endpointCols() + " FROM endpoints e WHERE e.uuid = $1"
	if lock {
		q += s.d.forUpdate("e")
	}
	e, err := scanEndpoint(c.queryRow(ctx, q, uuid))
	if err != nil {
		return nil, classify(err)
	}
	return e, nil
}

// GetEndpoint implements racd.EndpointStore.
func (s *Store) GetEndpoint(ctx context.Context, uuid string) (*racd.Endpoint, error) {
	c := s.read()
	e, err := s.getEndpoint(ctx, c, uuid, false)
	if err != nil {
		return nil, err
	}
	if err := s.attachEndpointProviders(ctx, c, e); err != nil {
		return nil, classify(err)
	}
	return e, nil
}

var endpointOrderCols = map[string]string{
	"pk":                  "e.uuid",
	"name":                "e.name",
	"provider":            "e.provider_id",
	"protocol":            "e.protocol",
	"host":                "e.host",
	"auth_mode":           "e.auth_mode",
	"maximum_connections": "e.maximum_connections",
}

var endpointDefaultOrder = []racd.OrderTerm{{Field: "name"}, {Field: "protocol"}}

// ListEndpoints implements racd.EndpointStore: one query for the page, one for the
// providers of its endpoints.
func (s *Store) ListEndpoints(ctx context.Context, q racd.EndpointQuery) ([]*racd.Endpoint, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "e.name", "e.protocol")
	if q.Name != nil {
		b.and("e.name = " + b.arg(*q.Name))
	}
	if q.Provider != nil {
		b.and("e.provider_id = " + b.arg(*q.Provider))
	}
	b.visible("e.uuid", uuidKey, q.Visible)
	order := orderSQL(q.Ordering, endpointOrderCols, endpointDefaultOrder, "e.uuid")
	eps, count, err := listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "endpoints", "e", "") },
		func(limit, offset int) string {
			return pageSQL(b, "endpoints", "e", "uuid", "", "", order, s.endpointCols(), "", limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.Endpoint, error) { return scanEndpoint(rows, count) })
	if err != nil {
		return nil, 0, err
	}
	if err := s.attachEndpointProviders(ctx, s.read(), eps...); err != nil {
		return nil, 0, classify(err)
	}
	return eps, count, nil
}

// checkEndpointInput adds reference errors (provider, property mappings) for the sent
// fields that decoded cleanly, with one query.
func (s *Store) checkEndpointInput(ctx context.Context, c conn, in *racd.EndpointInput, e *racd.Endpoint) error {
	b := &qb{d: s.d}
	var parts []string
	checkProvider := in.Provider.Set && !in.Errors.Has("provider")
	if checkProvider {
		parts = append(parts, "SELECT 'provider', CAST(id AS TEXT) FROM providers WHERE id = "+b.arg(e.ProviderID))
	}
	checkMappings := in.PropertyMappings.Set && !in.Errors.Has("property_mappings") && len(e.PropertyMappings) > 0
	if checkMappings {
		parts = append(parts, "SELECT 'mapping', CAST(uuid AS TEXT) FROM property_mappings WHERE "+s.d.in("uuid", b.arg(s.d.listArg(e.PropertyMappings)), uuidKey))
	}
	if len(parts) == 0 {
		return nil
	}
	found := map[string]bool{}
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
	if checkProvider && !found["provider:"+strconv.FormatInt(e.ProviderID, 10)] {
		in.Errors.Add("provider", racd.MsgDoesNotExist(in.Provider.V.Raw))
	}
	if checkMappings {
		for _, r := range in.PropertyMappings.V {
			if !found["mapping:"+r.ID] {
				in.Errors.Add("property_mappings", racd.MsgDoesNotExist(r.Raw))
				break
			}
		}
	}
	return nil
}

// CreateEndpoint implements racd.EndpointStore.
func (s *Store) CreateEndpoint(ctx context.Context, in *racd.EndpointInput, a racd.Audit) (*racd.Endpoint, error) {
	var out *racd.Endpoint
	err := s.write(ctx, func(c conn) error {
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		e := racd.NewEndpoint()
		inCopy.Apply(e)
		if err := s.checkEndpointInput(ctx, c, &inCopy, e); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.EndpointFields)
			return &inCopy.Errors
		}
		e.UUID = s.newUUID()
		if _, err := c.exec(ctx, `INSERT INTO endpoints (uuid, name, provider_id, protocol, host, settings, auth_mode, maximum_connections)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			e.UUID, e.Name, e.ProviderID, e.Protocol, e.Host, string(e.Settings), e.AuthMode, e.MaximumConnections); err != nil {
			return err
		}
		if err := s.setLinks(ctx, c, "endpoint_property_mappings", "endpoint_uuid", e.UUID, "mapping_uuid", e.PropertyMappings); err != nil {
			return err
		}
		if err := s.attachEndpointProviders(ctx, c, e); err != nil {
			return err
		}
		out = e
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, e.Ref(), racd.Diff(nil, endpointFields(e)))
	})
	return out, err
}

// UpdateEndpoint implements racd.EndpointStore.
func (s *Store) UpdateEndpoint(ctx context.Context, uuid string, in *racd.EndpointInput, a racd.Audit) (*racd.Endpoint, error) {
	var out *racd.Endpoint
	err := s.write(ctx, func(c conn) error {
		e, err := s.getEndpoint(ctx, c, uuid, true)
		if err != nil {
			return err
		}
		before := *e
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(e)
		if err := s.checkEndpointInput(ctx, c, &inCopy, e); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.EndpointFields)
			return &inCopy.Errors
		}
		if _, err := c.exec(ctx, `UPDATE endpoints SET name = $1, provider_id = $2, protocol = $3, host = $4, settings = $5,
			auth_mode = $6, maximum_connections = $7 WHERE uuid = $8`,
			e.Name, e.ProviderID, e.Protocol, e.Host, string(e.Settings), e.AuthMode, e.MaximumConnections, e.UUID); err != nil {
			return err
		}
		if in.PropertyMappings.Set && !sameStrings(before.PropertyMappings, e.PropertyMappings) {
			if _, err := c.exec(ctx, "DELETE FROM endpoint_property_mappings WHERE endpoint_uuid = $1", e.UUID); err != nil {
				return err
			}
			if err := s.setLinks(ctx, c, "endpoint_property_mappings", "endpoint_uuid", e.UUID, "mapping_uuid", e.PropertyMappings); err != nil {
				return err
			}
		}
		if err := s.attachEndpointProviders(ctx, c, e); err != nil {
			return err
		}
		out = e
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, e.Ref(), racd.Diff(endpointFields(&before), endpointFields(e)))
	})
	return out, err
}

// DeleteEndpoint implements racd.EndpointStore; its connection tokens and mapping links
// go with it (foreign keys).
func (s *Store) DeleteEndpoint(ctx context.Context, uuid string, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		e, err := s.getEndpoint(ctx, c, uuid, true)
		if err != nil {
			return err
		}
		return s.deleteObject(ctx, c, "endpoints", "uuid", e.UUID, e.Ref(), endpointFields(e), a)
	})
}

// EndpointUsedBy implements racd.EndpointStore: the endpoint's live connection tokens
// and its property mappings, each filtered by what the caller may view.
func (s *Store) EndpointUsedBy(ctx context.Context, uuid string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, uuid, vis,
		connectionTokensWhere("ct.endpoint_uuid = $1"),
		mappingsVia("endpoint_property_mappings epm JOIN property_mappings m ON m.uuid = epm.mapping_uuid", "epm.endpoint_uuid = $1"))
}

func endpointFields(e *racd.Endpoint) []racd.Field {
	return []racd.Field{
		{Name: "name", Value: e.Name},
		{Name: "provider", Value: e.ProviderID},
		{Name: "protocol", Value: e.Protocol},
		{Name: "host", Value: e.Host},
		{Name: "settings", Value: racd.RawJSON(e.Settings)},
		{Name: "property_mappings", Value: sortedCopy(e.PropertyMappings)},
		{Name: "auth_mode", Value: e.AuthMode},
		{Name: "maximum_connections", Value: e.MaximumConnections},
	}
}
