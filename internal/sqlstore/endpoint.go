package sqlstore

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

// endpointTable reads an endpoint (e) with its property mappings; attach loads its
// provider.
var endpointTable = &table[*racd.Endpoint]{
	place: place{model: racd.EndpointModel, name: "endpoints", alias: "e", pk: "uuid"},
	cols:  endpointCols,
	scan:  rowOf(endpointDest),
	attach: func(s *Store, ctx context.Context, c conn, eps []*racd.Endpoint) error {
		ids := make([]int64, len(eps))
		for i, e := range eps {
			ids[i] = e.ProviderID
		}
		ps, err := s.providersByID(ctx, c, ids)
		for _, e := range eps {
			if e.Provider = ps[e.ProviderID]; e.Provider == nil && err == nil {
				err = racd.ErrNotFound // deleted concurrently between the two reads
			}
		}
		return err
	},
	order: map[string]string{
		"pk": "e.uuid", "name": "e.name", "provider": "e.provider_id", "protocol": "e.protocol", "host": "e.host",
		"auth_mode": "e.auth_mode", "maximum_connections": "e.maximum_connections",
	},
	defaultOrder: []racd.OrderTerm{{Field: "name"}, {Field: "protocol"}},
}

func endpointCols(d dialect) string {
	return "CAST(e.uuid AS TEXT), e.name, e.provider_id, e.protocol, e.host, e.settings, e.secrets, e.auth_mode, e.maximum_connections, " +
		d.jsonArray("epm.mapping_uuid", "endpoint_property_mappings epm WHERE epm.endpoint_uuid = e.uuid", "epm.mapping_uuid")
}

// endpointDest is where an endpoint's columns (endpointCols) go.
func endpointDest(e *racd.Endpoint) []any {
	return []any{&e.UUID, &e.Name, &e.ProviderID, &e.Protocol, &e.Host, rawJSON{&e.Settings}, sealed{&e.Secrets}, &e.AuthMode, &e.MaximumConnections,
		jsonOf[[]string]{&e.PropertyMappings}}
}

// endpointWriter writes endpoints; deleting one takes its connection tokens and
// mapping links along (foreign keys).
var endpointWriter = &writer[*racd.Endpoint, *racd.EndpointInput]{
	t: endpointTable, key: "uuid", fields: racd.EndpointFields,
	new: func(s *Store) *racd.Endpoint { e := racd.NewEndpoint(); e.UUID = s.newUUID(); return e },
	check: func(ch *checks, in *racd.EndpointInput, e *racd.Endpoint) {
		if in.Provider.Set {
			ch.refs("provider", racd.ProviderModel, intRefs(in.Provider.V), "")
		}
		if in.PropertyMappings.Set && len(e.PropertyMappings) > 0 {
			ch.refs("property_mappings", racd.PropertyMappingModel, uuidRefs(in.PropertyMappings.V...), "")
		}
	},
	row: func(e *racd.Endpoint) []col {
		return []col{{name: "uuid", v: e.UUID}, {name: "name", v: e.Name}, {name: "provider_id", v: e.ProviderID},
			{name: "protocol", v: e.Protocol}, {name: "host", v: e.Host}, {name: "settings", v: string(e.Settings)}, {name: "secrets", secrets: &e.Secrets},
			{name: "auth_mode", v: e.AuthMode}, {name: "maximum_connections", v: e.MaximumConnections}}
	},
	links: func(e *racd.Endpoint) []link {
		return []link{{field: "property_mappings", table: "endpoint_property_mappings", owner: "endpoint_uuid", item: "mapping_uuid", items: anys(e.PropertyMappings)}}
	},
	diff: func(e *racd.Endpoint) []racd.Field {
		return []racd.Field{
			{Name: "name", Value: e.Name}, {Name: "provider", Value: e.ProviderID}, {Name: "protocol", Value: e.Protocol},
			{Name: "host", Value: e.Host}, {Name: "settings", Value: racd.RawJSON(racd.MaskSettings(e.Settings, e.Secrets.Names()))},
			{Name: "property_mappings", Value: sortedCopy(e.PropertyMappings)}, {Name: "auth_mode", Value: e.AuthMode},
			{Name: "maximum_connections", Value: e.MaximumConnections},
		}
	},
}

// listEndpoints lists endpoints: one query for the page, one for the providers
// of its endpoints.
func listEndpoints(ctx context.Context, s *Store, q racd.EndpointQuery) ([]*racd.Endpoint, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "e.name", "e.protocol")
	b.eqs(eqFilter{"e.name", q.Name})
	if q.Provider != nil {
		b.and("e.provider_id = " + b.arg(*q.Provider) + " AND " + b.related(q.ListQuery, racd.ProviderModel, "e.provider_id"))
	}
	return list(ctx, s, endpointTable, q.ListQuery, b, "", "")
}

// endpointUsedBy lists what depends on an endpoint: the endpoint's live connection tokens
// and its property mappings, each filtered by what the caller may view.
func endpointUsedBy(ctx context.Context, s *Store, uuid string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, uuid, vis,
		connectionTokensWhere("ct.endpoint_uuid = $1"),
		mappingsVia("endpoint_property_mappings epm JOIN property_mappings m ON m.uuid = epm.mapping_uuid", "epm.endpoint_uuid = $1"))
}

// Endpoints implements racd.Store.
func (s *Store) Endpoints() racd.Resource[*racd.Endpoint, *racd.EndpointInput, string, racd.EndpointQuery] {
	return newResource(s, endpointWriter, listEndpoints, endpointUsedBy)
}
