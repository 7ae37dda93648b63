package sqlstore

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

// providerTable reads a provider with everything derived from other tables: its
// application (a), backchannel application (b), property mappings and outposts.
var providerTable = &table[*racd.Provider]{
	place: place{model: racd.ProviderModel, name: "providers", alias: "p", pk: "id"},
	cols: func(d dialect) string {
		return "p.id, p.name, p.authentication_flow, p.authorization_flow, p.settings, p.secrets, p.connection_expiry, p.delete_token_on_disconnect, " +
			"coalesce(CAST(a.uuid AS TEXT), ''), coalesce(a.slug, ''), coalesce(a.name, ''), " +
			"coalesce(CAST(b.uuid AS TEXT), ''), coalesce(b.slug, ''), coalesce(b.name, ''), " +
			d.jsonArray("ppm.mapping_uuid", "provider_property_mappings ppm WHERE ppm.provider_id = p.id", "ppm.mapping_uuid") + ", " +
			d.jsonObjects(d.jsonObject("pk", "CAST(o.uuid AS TEXT)", "name", "o.name"),
				"outpost_providers op JOIN outposts o ON o.uuid = op.outpost_uuid WHERE op.provider_id = p.id", "o.name")
	},
	joins: " LEFT JOIN applications a ON a.provider_id = p.id LEFT JOIN applications b ON b.uuid = p.backchannel_application ",
	scan:  scanProvider,
	order: map[string]string{
		"pk": "p.id", "name": "p.name", "connection_expiry": "p.connection_expiry",
		"delete_token_on_disconnect": "p.delete_token_on_disconnect", "authorization_flow": "p.authorization_flow",
		"authentication_flow": "p.authentication_flow", "application__slug": "a.slug", "application__name": "a.name",
	},
	defaultOrder: []racd.OrderTerm{{Field: "name"}},
}

// scanProvider reads a provider (providerTable's cols).
var scanProvider = rowOf(func(p *racd.Provider) []any {
	return []any{&p.ID, &p.Name, orZero[string]{&p.AuthenticationFlow}, &p.AuthorizationFlow, rawJSON{&p.Settings}, sealed{&p.Secrets}, &p.ConnectionExpiry,
		&p.DeleteTokenOnDisconnect, &p.Application.UUID, &p.Application.Slug, &p.Application.Name,
		&p.BackchannelApplication.UUID, &p.BackchannelApplication.Slug, &p.BackchannelApplication.Name,
		jsonOf[[]string]{&p.PropertyMappings}, providerOutposts{&p.Outposts, &p.OutpostUUIDs}}
})

// providerOutposts scans a provider's outposts (one subquery of key and name pairs)
// into their names as authentik lists them and, in the same order, their keys.
type providerOutposts struct{ names, keys *[]string }

// Scan implements sql.Scanner.
func (o providerOutposts) Scan(v any) error {
	var outposts []struct{ PK, Name string }
	if err := scanJSON(v, &outposts); err != nil {
		return err
	}
	*o.names, *o.keys = make([]string, len(outposts)), make([]string, len(outposts))
	for i, op := range outposts {
		(*o.names)[i], (*o.keys)[i] = racd.OutpostModel.Titled(op.Name), op.PK
	}
	return nil
}

// providerWriter writes providers. Deleting one takes its endpoints, connection
// tokens, outpost memberships and mapping links along (foreign keys); its application
// stays with provider set to null; an outpost left without providers stays, with an
// empty list, as in authentik; an application listing it as backchannel provider
// simply loses it.
var providerWriter = &writer[*racd.Provider, *racd.ProviderInput]{
	t: providerTable, key: "id", fields: racd.ProviderFields,
	new: func(*Store) *racd.Provider { return racd.NewProvider() },
	check: func(ch *checks, in *racd.ProviderInput, p *racd.Provider) {
		if in.Name.Set {
			ch.unique("name", "name", p.Name, racd.MsgUnique("provider", "name"))
		}
		if in.AuthorizationFlow.Set {
			ch.refs("authorization_flow", racd.FlowModel, uuidRefs(in.AuthorizationFlow.V), "")
		}
		if in.AuthenticationFlow.Set && in.AuthenticationFlow.V.ID != "" {
			ch.refs("authentication_flow", racd.FlowModel, uuidRefs(in.AuthenticationFlow.V), "")
		}
		if in.PropertyMappings.Set {
			ch.refs("property_mappings", racd.PropertyMappingModel, uuidRefs(in.PropertyMappings.V...), in.PropertyMappingsInvalid)
		}
	},
	row: func(p *racd.Provider) []col {
		return []col{{name: "name", v: p.Name}, {name: "authentication_flow", v: nullString(p.AuthenticationFlow)},
			{name: "authorization_flow", v: p.AuthorizationFlow}, {name: "settings", v: string(p.Settings)}, {name: "secrets", secrets: &p.Secrets},
			{name: "connection_expiry", v: p.ConnectionExpiry}, {name: "delete_token_on_disconnect", v: p.DeleteTokenOnDisconnect}}
	},
	returning: func(p *racd.Provider) any { return &p.ID },
	links: func(p *racd.Provider) []link {
		return []link{{field: "property_mappings", table: "provider_property_mappings", owner: "provider_id", item: "mapping_uuid", items: anys(p.PropertyMappings)}}
	},
	diff: func(p *racd.Provider) []racd.Field {
		return []racd.Field{
			{Name: "name", Value: p.Name},
			{Name: "authentication_flow", Value: nullString(p.AuthenticationFlow)},
			{Name: "authorization_flow", Value: p.AuthorizationFlow},
			{Name: "property_mappings", Value: sortedCopy(p.PropertyMappings)},
			{Name: "settings", Value: racd.RawJSON(racd.MaskSettings(p.Settings, p.Secrets.Names()))},
			{Name: "connection_expiry", Value: p.ConnectionExpiry},
			{Name: "delete_token_on_disconnect", Value: p.DeleteTokenOnDisconnect},
		}
	},
}

// listProviders lists providers.
func listProviders(ctx context.Context, s *Store, q racd.ProviderQuery) ([]*racd.Provider, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "p.name")
	if q.NameIExact != nil {
		b.iexact("p.name", *q.NameIExact)
	}
	if q.ApplicationIsNull != nil {
		cond := "EXISTS (SELECT 1 FROM applications ai WHERE ai.provider_id = p.id AND " + b.related(q.ListQuery, racd.ApplicationModel, "ai.uuid") + ")"
		if *q.ApplicationIsNull {
			cond = "NOT " + cond
		}
		b.and(cond)
	}
	orderJoins := ""
	if needs(q.Ordering, "application__slug", "application__name") {
		orderJoins = " LEFT JOIN applications a ON a.provider_id = p.id "
	}
	return list(ctx, s, providerTable, q.ListQuery, b, "", orderJoins)
}

// providerUsedBy lists what depends on a provider: connection tokens, endpoints, outposts
// and the provider's own property mappings, each kind filtered by what the caller may view.
func providerUsedBy(ctx context.Context, s *Store, id int64, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, id, vis,
		connectionTokensWhere("ct.provider_id = $1"),
		endpointsVia("endpoints e", "e.provider_id = $1", racd.ActionCascade),
		outpostsVia("outpost_providers op JOIN outposts o ON o.uuid = op.outpost_uuid", "op.provider_id = $1"),
		mappingsVia("provider_property_mappings ppm JOIN property_mappings m ON m.uuid = ppm.mapping_uuid", "ppm.provider_id = $1"))
}

// providersByID loads the providers with the given IDs in one query.
func (s *Store) providersByID(ctx context.Context, c conn, ids []int64) (map[int64]*racd.Provider, error) {
	return byKeys(ctx, s, c, providerTable, ids, func(p *racd.Provider) int64 { return p.ID })
}

// Providers implements racd.Store.
func (s *Store) Providers() racd.Resource[*racd.Provider, *racd.ProviderInput, int64, racd.ProviderQuery] {
	return newResource(s, providerWriter, listProviders, providerUsedBy)
}
