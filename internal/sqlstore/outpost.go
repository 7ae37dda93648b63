package sqlstore

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

// outpostTable reads an outpost (o) with its provider IDs; attach loads providers_obj.
var outpostTable = &table[*racd.Outpost]{
	place: place{model: racd.OutpostModel, name: "outposts", alias: "o", pk: "uuid"},
	cols: func(d dialect) string {
		return "CAST(o.uuid AS TEXT), o.name, o.type, o.config, o.managed, " +
			d.jsonArray("opx.provider_id", "outpost_providers opx WHERE opx.outpost_uuid = o.uuid", "opx.provider_id")
	},
	scan: rowOf(func(o *racd.Outpost) []any {
		return []any{&o.UUID, &o.Name, &o.Type, rawJSON{&o.Config}, orZero[string]{&o.Managed}, jsonOf[[]int64]{&o.Providers}}
	}),
	attach: func(s *Store, ctx context.Context, c conn, outposts []*racd.Outpost) error {
		var ids []int64
		for _, o := range outposts {
			ids = append(ids, o.Providers...)
		}
		byID, err := s.providersByID(ctx, c, ids)
		for _, o := range outposts {
			o.ProviderObjs = pick(byID, o.Providers)
		}
		return err
	},
	order:        map[string]string{"pk": "o.uuid", "name": "o.name", "type": "o.type", "service_connection": "o.service_connection", "managed": "o.managed"},
	defaultOrder: []racd.OrderTerm{{Field: "name"}, {Field: "service_connection"}},
}

// outpostWriter writes outposts; deleting one leaves its providers and removes its
// service account and token (outpostaccount.go).
var outpostWriter = &writer[*racd.Outpost, *racd.OutpostInput]{
	t: outpostTable, key: "uuid", fields: racd.OutpostFields,
	new: func(s *Store) *racd.Outpost { o := racd.NewOutpost(); o.UUID = s.newUUID(); return o },
	check: func(ch *checks, in *racd.OutpostInput, o *racd.Outpost) {
		if in.Name.Set {
			ch.unique("name", "name", o.Name, racd.MsgUnique("Outpost", "name"))
		}
		if in.Managed.Set && o.Managed != "" {
			ch.unique("managed", "managed", o.Managed, racd.MsgUnique("Outpost", "Managed by authentik"))
		}
		if in.Providers.Set && len(o.Providers) > 0 {
			ch.refs("providers", racd.ProviderModel, intRefs(in.Providers.V...), "")
		}
	},
	rules: func(in *racd.OutpostInput, o *racd.Outpost, errs *racd.FieldErrors) { in.CheckProviders(o, errs) },
	row: func(o *racd.Outpost) []col {
		return []col{{name: "uuid", v: o.UUID}, {name: "name", v: o.Name}, {name: "type", v: o.Type},
			{name: "config", v: string(o.Config)}, {name: "managed", v: nullString(o.Managed)}}
	},
	links: func(o *racd.Outpost) []link {
		return []link{{field: "providers", table: "outpost_providers", owner: "outpost_uuid", item: "provider_id", items: anys(o.Providers)}}
	},
	saved:    saveOutpostAccount,
	removing: removeOutpostAccount,
	diff: func(o *racd.Outpost) []racd.Field {
		return []racd.Field{
			{Name: "name", Value: o.Name}, {Name: "type", Value: o.Type},
			{Name: "providers", Value: racd.RawJSON(intsJSON(o.Providers))},
			{Name: "service_connection", Value: nil},
			{Name: "config", Value: racd.RawJSON(o.Config)}, {Name: "managed", Value: nullString(o.Managed)},
		}
	},
}

// listOutposts lists outposts: one query for the page, one for the providers
// it refers to.
func listOutposts(ctx context.Context, s *Store, q racd.OutpostQuery) ([]*racd.Outpost, int, error) {
	b := &qb{d: s.d}
	// search_fields name and providers__name.
	for _, t := range q.Search {
		if !storable(t) { // no stored text holds NUL or invalid UTF-8
			b.and("1 = 0")
			continue
		}
		p := b.arg(likeEscape(t))
		b.and("(" + s.d.contains("o.name", p) + " OR EXISTS (SELECT 1 FROM outpost_providers ops JOIN providers ps ON ps.id = ops.provider_id" +
			" WHERE ops.outpost_uuid = o.uuid AND " + s.d.contains("ps.name", p) + "))")
	}
	if q.NameIExact != nil {
		b.iexact("o.name", *q.NameIExact)
	}
	if q.NameIContains != nil {
		b.and(s.d.contains("o.name", b.arg(likeEscape(*q.NameIContains))))
	}
	if q.ManagedIExact != nil {
		b.iexact("o.managed", *q.ManagedIExact)
	}
	if q.ManagedIContains != nil {
		b.and(s.d.contains("o.managed", b.arg(likeEscape(*q.ManagedIContains))))
	}
	if q.ProvidersIsNull != nil {
		cond := "EXISTS (SELECT 1 FROM outpost_providers opn WHERE opn.outpost_uuid = o.uuid AND " + b.related(q.ListQuery, racd.ProviderModel, "opn.provider_id") + ")"
		if *q.ProvidersIsNull {
			cond = "NOT " + cond
		}
		b.and(cond)
	}
	if len(q.ProvidersByPK) > 0 {
		b.and("EXISTS (SELECT 1 FROM outpost_providers opk WHERE opk.outpost_uuid = o.uuid AND " +
			s.d.in("opk.provider_id", b.arg(s.d.listArg(q.ProvidersByPK)), intKey) + " AND " + b.related(q.ListQuery, racd.ProviderModel, "opk.provider_id") + ")")
	}
	if q.ServiceConnectionName {
		b.and("o.service_connection IS NOT NULL AND 1 = 0")
	}
	return list(ctx, s, outpostTable, q.ListQuery, b, "", "")
}

// Outposts implements racd.Store. Nothing racd keeps depends on an outpost (its
// providers are a many-to-many relation that simply loses the link).
func (s *Store) Outposts() racd.Resource[*racd.Outpost, *racd.OutpostInput, string, racd.OutpostQuery] {
	return newResource[*racd.Outpost, *racd.OutpostInput, string](s, outpostWriter, listOutposts, nil)
}
