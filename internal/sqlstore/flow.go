package sqlstore

import (
	"context"
	"database/sql"

	"github.com/racd/racd/internal/racd"
)

const flowCols = "CAST(f.uuid AS TEXT), f.name, f.slug, f.title, f.designation, f.policy_engine_mode, f.compatibility_mode, f.layout, f.denied_action, f.authentication"

func scanFlow(sc interface{ Scan(...any) error }, extra ...any) (*racd.Flow, error) {
	var f racd.Flow
	err := sc.Scan(append([]any{&f.UUID, &f.Name, &f.Slug, &f.Title, &f.Designation, &f.PolicyEngineMode,
		&f.CompatibilityMode, &f.Layout, &f.DeniedAction, &f.Authentication}, extra...)...)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func (s *Store) getFlow(ctx context.Context, c conn, slug string, lock bool) (*racd.Flow, error) {
	if !storable(slug) {
		return nil, racd.ErrNotFound
	}
	q := "SELECT " + flowCols + " FROM flows f WHERE f.slug = $1"
	if lock {
		q += s.d.forUpdate("f")
	}
	f, err := scanFlow(c.queryRow(ctx, q, slug))
	return f, classify(err)
}

// GetFlow implements racd.FlowStore.
func (s *Store) GetFlow(ctx context.Context, slug string) (*racd.Flow, error) {
	return s.getFlow(ctx, s.read(), slug, false)
}

var flowOrderCols = map[string]string{
	"pk": "f.uuid", "name": "f.name", "slug": "f.slug", "title": "f.title", "designation": "f.designation",
	"policy_engine_mode": "f.policy_engine_mode", "compatibility_mode": "f.compatibility_mode", "layout": "f.layout",
	"denied_action": "f.denied_action", "authentication": "f.authentication",
}

// ListFlows implements racd.FlowStore.
func (s *Store) ListFlows(ctx context.Context, q racd.FlowQuery) ([]*racd.Flow, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "f.name", "f.slug", "f.designation", "f.title")
	// A fixed order keeps the SQL text (and so the prepared statement) stable.
	for _, fl := range []struct {
		col string
		v   *string
	}{{"f.slug", q.Slug}, {"f.name", q.Name}, {"f.designation", q.Designation}, {"f.denied_action", q.DeniedAction}} {
		if fl.v != nil {
			b.eq(fl.col, *fl.v)
		}
	}
	if q.UUID != nil {
		b.and("f.uuid = " + b.arg(*q.UUID))
	}
	b.visible("f.uuid", uuidKey, q.Visible)
	order := orderSQL(q.Ordering, flowOrderCols, []racd.OrderTerm{{Field: "slug"}}, "f.uuid")
	return listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "flows", "f", "") },
		func(limit, offset int) string {
			return pageSQL(b, "flows", "f", "uuid", "", "", order, flowCols, "", limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.Flow, error) { return scanFlow(rows, count) })
}

func (s *Store) checkFlowSlug(ctx context.Context, c conn, in *racd.FlowInput, f *racd.Flow, self string) error {
	if !in.Slug.Set || in.Errors.Has("slug") {
		return nil
	}
	var n int
	if err := c.queryRow(ctx, "SELECT count(*) FROM flows WHERE slug = $1 AND CAST(uuid AS TEXT) <> $2", f.Slug, self).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		in.Errors.Add("slug", racd.MsgUnique("Flow", "slug"))
	}
	return nil
}

// CreateFlow implements racd.FlowStore.
func (s *Store) CreateFlow(ctx context.Context, in *racd.FlowInput, a racd.Audit) (*racd.Flow, error) {
	var out *racd.Flow
	err := s.write(ctx, func(c conn) error {
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		f := racd.NewFlow()
		inCopy.Apply(f)
		if err := s.checkFlowSlug(ctx, c, &inCopy, f, ""); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.FlowFields)
			return &inCopy.Errors
		}
		f.UUID = s.newUUID()
		if _, err := c.exec(ctx, `INSERT INTO flows (uuid, name, slug, title, designation, policy_engine_mode, compatibility_mode, layout, denied_action, authentication)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			f.UUID, f.Name, f.Slug, f.Title, f.Designation, f.PolicyEngineMode, f.CompatibilityMode, f.Layout, f.DeniedAction, f.Authentication); err != nil {
			return err
		}
		out = f
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, f.Ref(), racd.Diff(nil, flowFields(f)))
	})
	return out, err
}

// UpdateFlow implements racd.FlowStore.
func (s *Store) UpdateFlow(ctx context.Context, slug string, in *racd.FlowInput, a racd.Audit) (*racd.Flow, error) {
	var out *racd.Flow
	err := s.write(ctx, func(c conn) error {
		f, err := s.getFlow(ctx, c, slug, true)
		if err != nil {
			return err
		}
		before := *f
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(f)
		if err := s.checkFlowSlug(ctx, c, &inCopy, f, f.UUID); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.FlowFields)
			return &inCopy.Errors
		}
		if _, err := c.exec(ctx, `UPDATE flows SET name = $1, slug = $2, title = $3, designation = $4, policy_engine_mode = $5,
			compatibility_mode = $6, layout = $7, denied_action = $8, authentication = $9 WHERE uuid = $10`,
			f.Name, f.Slug, f.Title, f.Designation, f.PolicyEngineMode, f.CompatibilityMode, f.Layout, f.DeniedAction, f.Authentication, f.UUID); err != nil {
			return err
		}
		out = f
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, f.Ref(), racd.Diff(flowFields(&before), flowFields(f)))
	})
	return out, err
}

// DeleteFlow implements racd.FlowStore. Providers it authorizes are deleted with it
// (each with its own model_deleted event); providers using it for authentication keep
// going with authentication_flow null.
func (s *Store) DeleteFlow(ctx context.Context, slug string, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		f, err := s.getFlow(ctx, c, slug, true)
		if err != nil {
			return err
		}
		var doomed []*racd.Provider
		q := "SELECT " + s.providerCols() + " FROM providers p" + providerJoins + "WHERE p.authorization_flow = $1 ORDER BY p.id"
		if err := queryEach(ctx, c, q, []any{f.UUID}, func(rows *sql.Rows) error {
			p, err := scanProvider(rows)
			doomed = append(doomed, p)
			return err
		}); err != nil {
			return err
		}
		for _, p := range doomed {
			if err := s.deleteProviderRow(ctx, c, p, a); err != nil {
				return err
			}
		}
		return s.deleteObject(ctx, c, "flows", "uuid", f.UUID, f.Ref(), flowFields(f), a)
	})
}

// FlowUsedBy implements racd.FlowStore: the providers it authorizes (deleted with it)
// and those it authenticates (set to null).
func (s *Store) FlowUsedBy(ctx context.Context, slug string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	f, err := s.GetFlow(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.usedBy(ctx, f.UUID, vis,
		providersVia("providers p", "p.authorization_flow = $1", racd.ActionCascade),
		providersVia("providers p", "p.authentication_flow = $1", racd.ActionSetNull))
}

func flowFields(f *racd.Flow) []racd.Field {
	return []racd.Field{
		{Name: "name", Value: f.Name}, {Name: "slug", Value: f.Slug}, {Name: "title", Value: f.Title},
		{Name: "designation", Value: f.Designation}, {Name: "policy_engine_mode", Value: f.PolicyEngineMode},
		{Name: "compatibility_mode", Value: f.CompatibilityMode}, {Name: "layout", Value: f.Layout},
		{Name: "denied_action", Value: f.DeniedAction}, {Name: "authentication", Value: f.Authentication},
	}
}
