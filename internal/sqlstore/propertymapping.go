package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/racd/racd/internal/racd"
)

const mappingCols = "CAST(m.uuid AS TEXT), m.managed, m.name, m.expression, m.static_settings"

func scanMapping(sc interface{ Scan(...any) error }, extra ...any) (*racd.PropertyMapping, error) {
	var (
		m       racd.PropertyMapping
		managed sql.NullString
		static  []byte
	)
	if err := sc.Scan(append([]any{&m.UUID, &managed, &m.Name, &m.Expression, &static}, extra...)...); err != nil {
		return nil, err
	}
	m.Managed = managed.String
	m.StaticSettings = json.RawMessage(static)
	return &m, nil
}

func (s *Store) getMapping(ctx context.Context, c conn, uuid string, lock bool) (*racd.PropertyMapping, error) {
	q := "SELECT " + mappingCols + " FROM property_mappings m WHERE m.uuid = $1"
	if lock {
		q += s.d.forUpdate("m")
	}
	m, err := scanMapping(c.queryRow(ctx, q, uuid))
	return m, classify(err)
}

// GetPropertyMapping implements racd.PropertyMappingStore.
func (s *Store) GetPropertyMapping(ctx context.Context, uuid string) (*racd.PropertyMapping, error) {
	return s.getMapping(ctx, s.read(), uuid, false)
}

var mappingOrderCols = map[string]string{"pk": "m.uuid", "name": "m.name", "managed": "m.managed", "expression": "m.expression"}

// ListPropertyMappings implements racd.PropertyMappingStore.
func (s *Store) ListPropertyMappings(ctx context.Context, q racd.PropertyMappingQuery) ([]*racd.PropertyMapping, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "m.name")
	if q.Name != nil {
		b.eq("m.name", *q.Name)
	}
	if len(q.Managed) > 0 {
		managed := []string{}
		for _, m := range q.Managed {
			if storable(m) {
				managed = append(managed, m)
			}
		}
		b.and(s.d.in("m.managed", b.arg(s.d.listArg(managed)), textKey))
	}
	b.visible("m.uuid", uuidKey, q.Visible)
	order := orderSQL(q.Ordering, mappingOrderCols, []racd.OrderTerm{{Field: "name"}}, "m.uuid")
	return listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "property_mappings", "m", "") },
		func(limit, offset int) string {
			return pageSQL(b, "property_mappings", "m", "uuid", "", "", order, mappingCols, "", limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.PropertyMapping, error) { return scanMapping(rows, count) })
}

func (s *Store) checkMappingInput(ctx context.Context, c conn, in *racd.PropertyMappingInput, m *racd.PropertyMapping, self string) error {
	if in.Name.Set && !in.Errors.Has("name") {
		var n int
		if err := c.queryRow(ctx, "SELECT count(*) FROM property_mappings WHERE name = $1 AND CAST(uuid AS TEXT) <> $2", m.Name, self).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			in.Errors.Add("name", racd.MsgUnique("Property Mapping", "name"))
		}
	}
	if in.Managed.Set && !in.Errors.Has("managed") && m.Managed != "" {
		var n int
		if err := c.queryRow(ctx, "SELECT count(*) FROM property_mappings WHERE managed = $1 AND CAST(uuid AS TEXT) <> $2", m.Managed, self).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			in.Errors.Add("managed", racd.MsgUnique("Property Mapping", "Managed by authentik"))
		}
	}
	return nil
}

// CreatePropertyMapping implements racd.PropertyMappingStore.
func (s *Store) CreatePropertyMapping(ctx context.Context, in *racd.PropertyMappingInput, a racd.Audit) (*racd.PropertyMapping, error) {
	var out *racd.PropertyMapping
	err := s.write(ctx, func(c conn) error {
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		m := racd.NewPropertyMapping()
		inCopy.Apply(m)
		if err := s.checkMappingInput(ctx, c, &inCopy, m, ""); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.PropertyMappingFields)
			return &inCopy.Errors
		}
		m.UUID = s.newUUID()
		if _, err := c.exec(ctx, "INSERT INTO property_mappings (uuid, managed, name, expression, static_settings) VALUES ($1, $2, $3, $4, $5)",
			m.UUID, nullString(m.Managed), m.Name, m.Expression, string(m.StaticSettings)); err != nil {
			return err
		}
		out = m
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, m.Ref(), racd.Diff(nil, mappingFields(m)))
	})
	return out, err
}

// UpdatePropertyMapping implements racd.PropertyMappingStore.
func (s *Store) UpdatePropertyMapping(ctx context.Context, uuid string, in *racd.PropertyMappingInput, a racd.Audit) (*racd.PropertyMapping, error) {
	var out *racd.PropertyMapping
	err := s.write(ctx, func(c conn) error {
		m, err := s.getMapping(ctx, c, uuid, true)
		if err != nil {
			return err
		}
		before := *m
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(m)
		if err := s.checkMappingInput(ctx, c, &inCopy, m, m.UUID); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.PropertyMappingFields)
			return &inCopy.Errors
		}
		if _, err := c.exec(ctx, "UPDATE property_mappings SET managed = $1, name = $2, expression = $3, static_settings = $4 WHERE uuid = $5",
			nullString(m.Managed), m.Name, m.Expression, string(m.StaticSettings), m.UUID); err != nil {
			return err
		}
		out = m
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, m.Ref(), racd.Diff(mappingFields(&before), mappingFields(m)))
	})
	return out, err
}

// DeletePropertyMapping implements racd.PropertyMappingStore; providers and endpoints
// lose the mapping from their lists.
func (s *Store) DeletePropertyMapping(ctx context.Context, uuid string, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		m, err := s.getMapping(ctx, c, uuid, true)
		if err != nil {
			return err
		}
		return s.deleteObject(ctx, c, "property_mappings", "uuid", m.UUID, m.Ref(), mappingFields(m), a)
	})
}

// PropertyMappingUsedBy implements racd.PropertyMappingStore: the providers and
// endpoints whose lists hold the mapping.
func (s *Store) PropertyMappingUsedBy(ctx context.Context, uuid string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, uuid, vis,
		providersVia("provider_property_mappings ppm JOIN providers p ON p.id = ppm.provider_id", "ppm.mapping_uuid = $1", racd.ActionCascadeMany),
		endpointsVia("endpoint_property_mappings epm JOIN endpoints e ON e.uuid = epm.endpoint_uuid", "epm.mapping_uuid = $1", racd.ActionCascadeMany))
}

func mappingFields(m *racd.PropertyMapping) []racd.Field {
	managed := any(nil)
	if m.Managed != "" {
		managed = m.Managed
	}
	return []racd.Field{
		{Name: "managed", Value: managed}, {Name: "name", Value: m.Name},
		{Name: "expression", Value: m.Expression}, {Name: "static_settings", Value: racd.RawJSON(m.StaticSettings)},
	}
}
