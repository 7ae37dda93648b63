package sqlstore

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

var mappingTable = &table[*racd.PropertyMapping]{
	place:        place{model: racd.PropertyMappingModel, name: "property_mappings", alias: "m", pk: "uuid"},
	cols:         func(dialect) string { return mappingCols },
	scan:         scanMapping,
	order:        map[string]string{"pk": "m.uuid", "name": "m.name", "managed": "m.managed", "expression": "m.expression"},
	defaultOrder: []racd.OrderTerm{{Field: "name"}},
}

const mappingCols = "CAST(m.uuid AS TEXT), m.managed, m.name, m.expression, m.static_settings, m.static_secrets"

// scanMapping reads a mapping (mappingCols).
var scanMapping = rowOf(func(m *racd.PropertyMapping) []any {
	return []any{&m.UUID, orZero[string]{&m.Managed}, &m.Name, &m.Expression, rawJSON{&m.StaticSettings}, sealed{&m.StaticSecrets}}
})

// mappingWriter writes property mappings; deleting one removes it from the lists of
// providers and endpoints.
var mappingWriter = &writer[*racd.PropertyMapping, *racd.PropertyMappingInput]{
	t: mappingTable, key: "uuid", fields: racd.PropertyMappingFields,
	new: func(s *Store) *racd.PropertyMapping { m := racd.NewPropertyMapping(); m.UUID = s.newUUID(); return m },
	check: func(ch *checks, in *racd.PropertyMappingInput, m *racd.PropertyMapping) {
		if in.Name.Set {
			ch.unique("name", "name", m.Name, racd.MsgUnique("Property Mapping", "name"))
		}
		if in.Managed.Set && m.Managed != "" {
			ch.unique("managed", "managed", m.Managed, racd.MsgUnique("Property Mapping", "Managed by authentik"))
		}
	},
	row: func(m *racd.PropertyMapping) []col {
		return []col{{name: "uuid", v: m.UUID}, {name: "managed", v: nullString(m.Managed)}, {name: "name", v: m.Name},
			{name: "expression", v: m.Expression}, {name: "static_settings", v: string(m.StaticSettings)},
			{name: "static_secrets", secrets: &m.StaticSecrets}}
	},
	diff: func(m *racd.PropertyMapping) []racd.Field {
		return []racd.Field{
			{Name: "managed", Value: nullString(m.Managed)}, {Name: "name", Value: m.Name},
			{Name: "expression", Value: m.Expression}, {Name: "static_settings", Value: racd.RawJSON(racd.MaskSettings(m.StaticSettings, m.StaticSecrets.Names()))},
		}
	},
}

// listPropertyMappings lists property mappings.
func listPropertyMappings(ctx context.Context, s *Store, q racd.PropertyMappingQuery) ([]*racd.PropertyMapping, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "m.name")
	b.eqs(eqFilter{"m.name", q.Name})
	if len(q.Managed) > 0 {
		b.and(s.d.in("m.managed", b.arg(s.d.listArg(q.Managed)), textKey))
	}
	return list(ctx, s, mappingTable, q.ListQuery, b, "", "")
}

// propertyMappingUsedBy lists what depends on a property mapping: the providers and
// endpoints whose lists hold the mapping.
func propertyMappingUsedBy(ctx context.Context, s *Store, uuid string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, uuid, vis,
		providersVia("provider_property_mappings ppm JOIN providers p ON p.id = ppm.provider_id", "ppm.mapping_uuid = $1", racd.ActionCascadeMany),
		endpointsVia("endpoint_property_mappings epm JOIN endpoints e ON e.uuid = epm.endpoint_uuid", "epm.mapping_uuid = $1", racd.ActionCascadeMany))
}

// PropertyMappings implements racd.Store.
func (s *Store) PropertyMappings() racd.Resource[*racd.PropertyMapping, *racd.PropertyMappingInput, string, racd.PropertyMappingQuery] {
	return newResource(s, mappingWriter, listPropertyMappings, propertyMappingUsedBy)
}
