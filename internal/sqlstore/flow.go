package sqlstore

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

var flowTable = &table[*racd.Flow]{
	place: place{model: racd.FlowModel, name: "flows", alias: "f", pk: "uuid"},
	cols: func(dialect) string {
		return "CAST(f.uuid AS TEXT), f.name, f.slug, f.title, f.designation, f.policy_engine_mode, f.compatibility_mode, f.layout, f.denied_action, f.authentication, f.background"
	},
	scan: rowOf(func(f *racd.Flow) []any {
		return []any{&f.UUID, &f.Name, &f.Slug, &f.Title, &f.Designation, &f.PolicyEngineMode, &f.CompatibilityMode, &f.Layout, &f.DeniedAction, &f.Authentication, &f.Background}
	}),
	order: map[string]string{
		"pk": "f.uuid", "name": "f.name", "slug": "f.slug", "title": "f.title", "designation": "f.designation",
		"policy_engine_mode": "f.policy_engine_mode", "compatibility_mode": "f.compatibility_mode", "layout": "f.layout",
		"denied_action": "f.denied_action", "authentication": "f.authentication",
	},
	defaultOrder: []racd.OrderTerm{{Field: "slug"}},
}

// flowWriter writes flows. Deleting one deletes the providers it authorizes (each
// with its own model_deleted event); providers using it for authentication keep going
// with authentication_flow null.
var flowWriter = &writer[*racd.Flow, *racd.FlowInput]{
	t: flowTable, key: "slug", fields: racd.FlowFields,
	new: func(s *Store) *racd.Flow { f := racd.NewFlow(); f.UUID = s.newUUID(); return f },
	check: func(ch *checks, in *racd.FlowInput, f *racd.Flow) {
		if in.Slug.Set {
			ch.unique("slug", "slug", f.Slug, racd.MsgUnique("Flow", "slug"))
		}
	},
	row: func(f *racd.Flow) []col {
		return []col{{name: "uuid", v: f.UUID}, {name: "name", v: f.Name}, {name: "slug", v: f.Slug}, {name: "title", v: f.Title},
			{name: "designation", v: f.Designation}, {name: "policy_engine_mode", v: f.PolicyEngineMode},
			{name: "compatibility_mode", v: f.CompatibilityMode}, {name: "layout", v: f.Layout},
			{name: "denied_action", v: f.DeniedAction}, {name: "authentication", v: f.Authentication}, {name: "background", v: f.Background}}
	},
	diff: func(f *racd.Flow) []racd.Field {
		return []racd.Field{
			{Name: "name", Value: f.Name}, {Name: "slug", Value: f.Slug}, {Name: "title", Value: f.Title},
			{Name: "designation", Value: f.Designation}, {Name: "policy_engine_mode", Value: f.PolicyEngineMode},
			{Name: "compatibility_mode", Value: f.CompatibilityMode}, {Name: "layout", Value: f.Layout},
			{Name: "denied_action", Value: f.DeniedAction}, {Name: "authentication", Value: f.Authentication},
			{Name: "background", Value: f.Background},
		}
	},
	removing: func(s *Store, ctx context.Context, c conn, f *racd.Flow, a racd.Audit) error {
		return providerWriter.deleteWhere(ctx, s, c, "p.authorization_flow = $1 ORDER BY p.id", []any{f.UUID}, a)
	},
}

// listFlows lists flows.
func listFlows(ctx context.Context, s *Store, q racd.FlowQuery) ([]*racd.Flow, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "f.name", "f.slug", "f.designation", "f.title")
	b.eqs(eqFilter{"f.slug", q.Slug}, eqFilter{"f.name", q.Name}, eqFilter{"f.designation", q.Designation},
		eqFilter{"f.denied_action", q.DeniedAction}, eqFilter{"f.uuid", q.UUID})
	return list(ctx, s, flowTable, q.ListQuery, b, "", "")
}

// flowUsedBy lists what depends on a flow: the providers it authorizes (deleted with it)
// and those it authenticates (set to null).
func flowUsedBy(ctx context.Context, s *Store, slug string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	id, err := s.pkOf(ctx, s.read(), &flowTable.place, "slug", slug)
	if err != nil {
		return nil, err
	}
	return s.usedBy(ctx, id, vis,
		providersVia("providers p", "p.authorization_flow = $1", racd.ActionCascade),
		providersVia("providers p", "p.authentication_flow = $1", racd.ActionSetNull))
}

// Flows implements racd.Store.
func (s *Store) Flows() racd.Resource[*racd.Flow, *racd.FlowInput, string, racd.FlowQuery] {
	return newResource(s, flowWriter, listFlows, flowUsedBy)
}
