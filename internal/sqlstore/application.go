package sqlstore

import (
	"context"
	"strconv"

	"github.com/racd/racd/internal/racd"
)

// applicationTable reads an application (x) with its backchannel provider IDs; attach
// loads provider_obj and backchannel_providers_obj.
var applicationTable = &table[*racd.Application]{
	place: place{model: racd.ApplicationModel, name: "applications", alias: "x", pk: "uuid"},
	cols: func(d dialect) string {
		return "CAST(x.uuid AS TEXT), x.name, x.slug, x.provider_id, x.open_in_new_tab, x.meta_launch_url, x.meta_description, " +
			"x.meta_publisher, x.policy_engine_mode, x.group_name, x.meta_icon, x.meta_hide, " +
			d.jsonArray("bp.id", "providers bp WHERE bp.backchannel_application = x.uuid", "bp.id")
	},
	scan: rowOf(func(a *racd.Application) []any {
		return []any{&a.UUID, &a.Name, &a.Slug, orZero[int64]{&a.ProviderID}, &a.OpenInNewTab, &a.MetaLaunchURL, &a.MetaDescription,
			&a.MetaPublisher, &a.PolicyEngineMode, &a.Group, &a.MetaIcon, &a.MetaHide, jsonOf[[]int64]{&a.BackchannelProviders}}
	}),
	attach: func(s *Store, ctx context.Context, c conn, apps []*racd.Application) error {
		var ids []int64
		for _, a := range apps {
			if a.ProviderID != 0 {
				ids = append(ids, a.ProviderID)
			}
			ids = append(ids, a.BackchannelProviders...)
		}
		byID, err := s.providersByID(ctx, c, ids)
		for _, a := range apps {
			a.Provider = byID[a.ProviderID]
			a.BackchannelProviderObjs = pick(byID, a.BackchannelProviders)
		}
		return err
	},
	order: map[string]string{
		"pk": "x.uuid", "name": "x.name", "slug": "x.slug", "provider": "x.provider_id",
		"open_in_new_tab": "x.open_in_new_tab", "meta_launch_url": "x.meta_launch_url",
		"meta_description": "x.meta_description", "meta_publisher": "x.meta_publisher",
		"policy_engine_mode": "x.policy_engine_mode", "group": "x.group_name",
	},
	defaultOrder: []racd.OrderTerm{{Field: "name"}},
}

// pick returns the objects of byID with the given keys, in order, skipping missing ones.
func pick[K comparable, T any](byID map[K]*T, keys []K) []*T {
	out := make([]*T, 0, len(keys))
	for _, k := range keys {
		if v := byID[k]; v != nil {
			out = append(out, v)
		}
	}
	return out
}

// applicationWriter writes applications. Deleting one leaves its provider (whose
// assigned_application_* become "") and its backchannel providers (backchannel
// application null, by foreign key). [racd] authentik deletes backchannel providers
// with their application; racd does not destroy a provider, its endpoints and tokens
// as a side effect of deleting an application.
var applicationWriter = &writer[*racd.Application, *racd.ApplicationInput]{
	t: applicationTable, key: "slug", fields: racd.ApplicationFields,
	new: func(s *Store) *racd.Application { a := racd.NewApplication(); a.UUID = s.newUUID(); return a },
	check: func(ch *checks, in *racd.ApplicationInput, a *racd.Application) {
		if in.Slug.Set {
			ch.unique("slug", "slug", a.Slug, racd.MsgUnique("Application", "slug"))
		}
		if in.Provider.Set && a.ProviderID != 0 {
			ch.refs("provider", racd.ProviderModel, intRefs(in.Provider.V), "")
			ch.unique("provider", "provider_id", a.ProviderID, racd.MsgUnique("Application", "provider"))
		}
		if in.BackchannelProviders.Set && len(a.BackchannelProviders) > 0 {
			ch.refs("backchannel_providers", racd.ProviderModel, intRefs(in.BackchannelProviders.V...), "")
		}
	},
	row: func(a *racd.Application) []col {
		return []col{{name: "uuid", v: a.UUID}, {name: "name", v: a.Name}, {name: "slug", v: a.Slug},
			{name: "provider_id", v: nullInt(a.ProviderID)}, {name: "open_in_new_tab", v: a.OpenInNewTab},
			{name: "meta_launch_url", v: a.MetaLaunchURL}, {name: "meta_description", v: a.MetaDescription},
			{name: "meta_publisher", v: a.MetaPublisher}, {name: "policy_engine_mode", v: a.PolicyEngineMode},
			{name: "group_name", v: a.Group}, {name: "meta_icon", v: a.MetaIcon}, {name: "meta_hide", v: a.MetaHide}}
	},
	// The backchannel providers point at their application: make exactly these point at
	// this one (a provider listed by another application moves here, as in authentik).
	saved: func(s *Store, ctx context.Context, c conn, a *racd.Application, _ bool, changed func(string) bool, _ racd.Audit) error {
		if !changed("backchannel_providers") {
			return nil
		}
		b := &qb{d: s.d}
		q := "UPDATE providers SET backchannel_application = NULL WHERE backchannel_application = " + b.arg(a.UUID)
		if len(a.BackchannelProviders) > 0 {
			q += " AND NOT " + s.d.in("id", b.arg(s.d.listArg(a.BackchannelProviders)), intKey)
		}
		if _, err := c.exec(ctx, q, b.args...); err != nil || len(a.BackchannelProviders) == 0 {
			return err
		}
		b = &qb{d: s.d}
		_, err := c.exec(ctx, "UPDATE providers SET backchannel_application = "+b.arg(a.UUID)+" WHERE "+
			s.d.in("id", b.arg(s.d.listArg(a.BackchannelProviders)), intKey), b.args...)
		return err
	},
	diff: func(a *racd.Application) []racd.Field {
		return []racd.Field{
			{Name: "name", Value: a.Name}, {Name: "slug", Value: a.Slug}, {Name: "provider", Value: nullInt(a.ProviderID)},
			{Name: "backchannel_providers", Value: racd.RawJSON(intsJSON(a.BackchannelProviders))},
			{Name: "open_in_new_tab", Value: a.OpenInNewTab}, {Name: "meta_launch_url", Value: a.MetaLaunchURL},
			{Name: "meta_description", Value: a.MetaDescription}, {Name: "meta_publisher", Value: a.MetaPublisher},
			{Name: "policy_engine_mode", Value: a.PolicyEngineMode}, {Name: "group", Value: a.Group},
			{Name: "meta_icon", Value: a.MetaIcon}, {Name: "meta_hide", Value: a.MetaHide},
		}
	},
}

// listApplications lists applications: one query for the page, one for the
// providers it refers to.
func listApplications(ctx context.Context, s *Store, q racd.ApplicationQuery) ([]*racd.Application, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "x.name", "x.slug", "x.meta_launch_url", "x.meta_description", "x.meta_publisher", "x.group_name")
	b.eqs(eqFilter{"x.name", q.Name}, eqFilter{"x.slug", q.Slug}, eqFilter{"x.group_name", q.Group}, eqFilter{"x.meta_launch_url", q.MetaLaunchURL},
		eqFilter{"x.meta_description", q.MetaDescription}, eqFilter{"x.meta_publisher", q.MetaPublisher})
	if q.OnlyWithLaunchURL {
		// As the answer's launch_url: meta_launch_url, else the provider's (every RAC
		// provider has one).
		b.and("(x.meta_launch_url <> '' OR x.provider_id IS NOT NULL)")
	}
	return list(ctx, s, applicationTable, q.ListQuery, b, "", "")
}

// applicationUsedBy lists what depends on an application: the backchannel providers, which
// lose their backchannel application when it is deleted.
func applicationUsedBy(ctx context.Context, s *Store, slug string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	id, err := s.pkOf(ctx, s.read(), &applicationTable.place, "slug", slug)
	if err != nil {
		return nil, err
	}
	return s.usedBy(ctx, id, vis, providersVia("providers p", "p.backchannel_application = $1", racd.ActionSetNull))
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// intsJSON renders a JSON array of integers.
func intsJSON(ids []int64) string {
	buf := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, id, 10)
	}
	return string(append(buf, ']'))
}

// Applications implements racd.Store.
func (s *Store) Applications() racd.Resource[*racd.Application, *racd.ApplicationInput, string, racd.ApplicationQuery] {
	return newResource(s, applicationWriter, listApplications, applicationUsedBy)
}
