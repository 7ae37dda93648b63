package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/racd/racd/internal/racd"
)

// applicationCols selects an application (alias x) with its backchannel provider IDs.
func (s *Store) applicationCols() string {
	return "CAST(x.uuid AS TEXT), x.name, x.slug, x.provider_id, x.open_in_new_tab, x.meta_launch_url, x.meta_description, " +
		"x.meta_publisher, x.policy_engine_mode, x.group_name, " +
		s.d.jsonArray("bp.id", "providers bp WHERE bp.backchannel_application = x.uuid", "bp.id")
}

func scanApplication(sc interface{ Scan(...any) error }, extra ...any) (*racd.Application, error) {
	var (
		a        racd.Application
		provider sql.NullInt64
		back     []byte
	)
	dest := []any{&a.UUID, &a.Name, &a.Slug, &provider, &a.OpenInNewTab, &a.MetaLaunchURL, &a.MetaDescription,
		&a.MetaPublisher, &a.PolicyEngineMode, &a.Group, &back}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	a.ProviderID = provider.Int64
	if err := json.Unmarshal(back, &a.BackchannelProviders); err != nil {
		return nil, fmt.Errorf("application %s: backchannel providers: %w", a.UUID, err)
	}
	if a.BackchannelProviders == nil {
		a.BackchannelProviders = []int64{}
	}
	return &a, nil
}

// providersByID loads the providers with the given IDs in one query.
func (s *Store) providersByID(ctx context.Context, c conn, ids []int64) (map[int64]*racd.Provider, error) {
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

// attachApplicationProviders fills provider_obj and backchannel_providers_obj of apps
// with one query.
func (s *Store) attachApplicationProviders(ctx context.Context, c conn, apps []*racd.Application) error {
	var ids []int64
	for _, a := range apps {
		if a.ProviderID != 0 {
			ids = append(ids, a.ProviderID)
		}
		ids = append(ids, a.BackchannelProviders...)
	}
	byID, err := s.providersByID(ctx, c, ids)
	if err != nil {
		return err
	}
	for _, a := range apps {
		a.Provider = byID[a.ProviderID]
		a.BackchannelProviderObjs = make([]*racd.Provider, 0, len(a.BackchannelProviders))
		for _, id := range a.BackchannelProviders {
			if p := byID[id]; p != nil {
				a.BackchannelProviderObjs = append(a.BackchannelProviderObjs, p)
			}
		}
	}
	return nil
}

func (s *Store) getApplication(ctx context.Context, c conn, slug string, lock bool) (*racd.Application, error) {
	q := "SELECT " + s.applicationCols() + " FROM applications x WHERE x.slug = $1"
	if lock {
		q += s.d.forUpdate("x")
	}
	a, err := scanApplication(c.queryRow(ctx, q, slug))
	if err != nil {
		return nil, classify(err)
	}
	return a, nil
}

// GetApplication implements racd.ApplicationStore.
func (s *Store) GetApplication(ctx context.Context, slug string) (*racd.Application, error) {
	c := s.read()
	a, err := s.getApplication(ctx, c, slug, false)
	if err != nil {
		return nil, err
	}
	if err := s.attachApplicationProviders(ctx, c, []*racd.Application{a}); err != nil {
		return nil, classify(err)
	}
	return a, nil
}

var applicationOrderCols = map[string]string{
	"pk": "x.uuid", "name": "x.name", "slug": "x.slug", "provider": "x.provider_id",
	"open_in_new_tab": "x.open_in_new_tab", "meta_launch_url": "x.meta_launch_url",
	"meta_description": "x.meta_description", "meta_publisher": "x.meta_publisher",
	"policy_engine_mode": "x.policy_engine_mode", "group": "x.group_name",
}

// ListApplications implements racd.ApplicationStore: one query for the page, one for
// the providers it refers to.
func (s *Store) ListApplications(ctx context.Context, q racd.ApplicationQuery) ([]*racd.Application, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "x.name", "x.slug", "x.meta_launch_url", "x.meta_description", "x.meta_publisher", "x.group_name")
	for _, f := range []struct {
		col string
		v   *string
	}{{"x.name", q.Name}, {"x.slug", q.Slug}, {"x.group_name", q.Group}, {"x.meta_launch_url", q.MetaLaunchURL},
		{"x.meta_description", q.MetaDescription}, {"x.meta_publisher", q.MetaPublisher}} {
		if f.v != nil {
			b.and(f.col + " = " + b.arg(*f.v))
		}
	}
	b.visible("x.uuid", uuidKey, q.Visible)
	order := orderSQL(q.Ordering, applicationOrderCols, []racd.OrderTerm{{Field: "name"}}, "x.uuid")
	apps, count, err := listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "applications", "x", "") },
		func(limit, offset int) string {
			return pageSQL(b, "applications", "x", "uuid", "", "", order, s.applicationCols(), "", limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.Application, error) { return scanApplication(rows, count) })
	if err != nil {
		return nil, 0, err
	}
	if err := s.attachApplicationProviders(ctx, s.read(), apps); err != nil {
		return nil, 0, classify(err)
	}
	return apps, count, nil
}

// checkApplicationInput adds reference and uniqueness errors for the sent fields that
// decoded and validated cleanly, with one query.
func (s *Store) checkApplicationInput(ctx context.Context, c conn, in *racd.ApplicationInput, a *racd.Application, self string) error {
	b := &qb{d: s.d}
	var parts []string
	checkSlug := in.Slug.Set && !in.Errors.Has("slug")
	if checkSlug {
		parts = append(parts, "SELECT 'slug', 0 FROM applications WHERE slug = "+b.arg(a.Slug)+" AND CAST(uuid AS TEXT) <> "+b.arg(self))
	}
	checkProvider := in.Provider.Set && !in.Errors.Has("provider") && a.ProviderID != 0
	checkBack := in.BackchannelProviders.Set && !in.Errors.Has("backchannel_providers") && len(a.BackchannelProviders) > 0
	var ids []int64
	if checkProvider {
		ids = append(ids, a.ProviderID)
		parts = append(parts, "SELECT 'used', 0 FROM applications WHERE provider_id = "+b.arg(a.ProviderID)+" AND CAST(uuid AS TEXT) <> "+b.arg(self))
	}
	if checkBack {
		ids = append(ids, a.BackchannelProviders...)
	}
	if len(ids) > 0 {
		parts = append(parts, "SELECT 'provider', id FROM providers WHERE "+s.d.in("id", b.arg(s.d.listArg(ids)), intKey))
	}
	if len(parts) == 0 {
		return nil
	}
	found := map[int64]bool{}
	slugTaken, used := false, false
	if err := queryEach(ctx, c, joinUnion(parts), b.args, func(rows *sql.Rows) error {
		var kind string
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			return err
		}
		switch kind {
		case "slug":
			slugTaken = true
		case "used":
			used = true
		default:
			found[id] = true
		}
		return nil
	}); err != nil {
		return err
	}
	if checkSlug && slugTaken {
		in.Errors.Add("slug", racd.MsgUnique("Application", "slug"))
	}
	if checkProvider {
		if !found[a.ProviderID] {
			in.Errors.Add("provider", racd.MsgDoesNotExist(in.Provider.V.Raw))
		} else if used {
			in.Errors.Add("provider", racd.MsgUnique("Application", "provider"))
		}
	}
	if checkBack {
		for _, r := range in.BackchannelProviders.V {
			if !found[r.ID] {
				in.Errors.Add("backchannel_providers", racd.MsgDoesNotExist(r.Raw))
				break
			}
		}
	}
	return nil
}

// setBackchannel makes ids exactly the backchannel providers of application uuid;
// a provider listed by another application moves to this one, as in authentik.
func (s *Store) setBackchannel(ctx context.Context, c conn, uuid string, ids []int64) error {
	b := &qb{d: s.d}
	q := "UPDATE providers SET backchannel_application = NULL WHERE backchannel_application = " + b.arg(uuid)
	if len(ids) > 0 {
		q += " AND NOT " + s.d.in("id", b.arg(s.d.listArg(ids)), intKey)
	}
	if _, err := c.exec(ctx, q, b.args...); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	b = &qb{d: s.d}
	_, err := c.exec(ctx, "UPDATE providers SET backchannel_application = "+b.arg(uuid)+" WHERE "+s.d.in("id", b.arg(s.d.listArg(ids)), intKey), b.args...)
	return err
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// CreateApplication implements racd.ApplicationStore.
func (s *Store) CreateApplication(ctx context.Context, in *racd.ApplicationInput, au racd.Audit) (*racd.Application, error) {
	var out *racd.Application
	err := s.write(ctx, func(c conn) error {
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		a := racd.NewApplication()
		inCopy.Apply(a)
		if err := s.checkApplicationInput(ctx, c, &inCopy, a, ""); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.ApplicationFields)
			return &inCopy.Errors
		}
		a.UUID = s.newUUID()
		if _, err := c.exec(ctx, `INSERT INTO applications (uuid, name, slug, provider_id, open_in_new_tab, meta_launch_url, meta_description,
			meta_publisher, policy_engine_mode, group_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			a.UUID, a.Name, a.Slug, nullInt(a.ProviderID), a.OpenInNewTab, a.MetaLaunchURL, a.MetaDescription,
			a.MetaPublisher, a.PolicyEngineMode, a.Group); err != nil {
			return err
		}
		if err := s.setBackchannel(ctx, c, a.UUID, a.BackchannelProviders); err != nil {
			return err
		}
		if err := s.attachApplicationProviders(ctx, c, []*racd.Application{a}); err != nil {
			return err
		}
		out = a
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, au, a.Ref(), racd.Diff(nil, applicationFields(a)))
	})
	return out, err
}

// UpdateApplication implements racd.ApplicationStore.
func (s *Store) UpdateApplication(ctx context.Context, slug string, in *racd.ApplicationInput, au racd.Audit) (*racd.Application, error) {
	var out *racd.Application
	err := s.write(ctx, func(c conn) error {
		a, err := s.getApplication(ctx, c, slug, true)
		if err != nil {
			return err
		}
		before := *a
		before.BackchannelProviders = append([]int64{}, a.BackchannelProviders...)
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(a)
		if err := s.checkApplicationInput(ctx, c, &inCopy, a, a.UUID); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.ApplicationFields)
			return &inCopy.Errors
		}
		if _, err := c.exec(ctx, `UPDATE applications SET name = $1, slug = $2, provider_id = $3, open_in_new_tab = $4, meta_launch_url = $5,
			meta_description = $6, meta_publisher = $7, policy_engine_mode = $8, group_name = $9 WHERE uuid = $10`,
			a.Name, a.Slug, nullInt(a.ProviderID), a.OpenInNewTab, a.MetaLaunchURL, a.MetaDescription, a.MetaPublisher,
			a.PolicyEngineMode, a.Group, a.UUID); err != nil {
			return err
		}
		if in.BackchannelProviders.Set {
			if err := s.setBackchannel(ctx, c, a.UUID, a.BackchannelProviders); err != nil {
				return err
			}
		}
		if err := s.attachApplicationProviders(ctx, c, []*racd.Application{a}); err != nil {
			return err
		}
		out = a
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, au, a.Ref(), racd.Diff(applicationFields(&before), applicationFields(a)))
	})
	return out, err
}

// DeleteApplication implements racd.ApplicationStore. Its provider stays (the
// provider's assigned_application_* become ""); its backchannel providers stay with
// backchannel_application null (foreign key ON DELETE SET NULL). [racd] authentik
// deletes backchannel providers with their application; racd does not destroy a
// provider, its endpoints and tokens as a side effect of deleting an application.
func (s *Store) DeleteApplication(ctx context.Context, slug string, au racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		a, err := s.getApplication(ctx, c, slug, true)
		if err != nil {
			return err
		}
		return s.deleteObject(ctx, c, "applications", "uuid", a.UUID, a.Ref(), applicationFields(a), au)
	})
}

// ApplicationUsedBy implements racd.ApplicationStore: the backchannel providers, which
// lose their backchannel application when it is deleted.
func (s *Store) ApplicationUsedBy(ctx context.Context, slug string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	a, err := s.getApplication(ctx, s.read(), slug, false)
	if err != nil {
		return nil, err
	}
	return s.usedBy(ctx, a.UUID, vis, providersVia("providers p", "p.backchannel_application = $1", racd.ActionSetNull))
}

func applicationFields(a *racd.Application) []racd.Field {
	provider := any(nil)
	if a.ProviderID != 0 {
		provider = a.ProviderID
	}
	back := append([]int64{}, a.BackchannelProviders...)
	sort.Slice(back, func(i, j int) bool { return back[i] < back[j] })
	return []racd.Field{
		{Name: "name", Value: a.Name}, {Name: "slug", Value: a.Slug}, {Name: "provider", Value: provider},
		{Name: "backchannel_providers", Value: racd.RawJSON(intsJSON(back))},
		{Name: "open_in_new_tab", Value: a.OpenInNewTab}, {Name: "meta_launch_url", Value: a.MetaLaunchURL},
		{Name: "meta_description", Value: a.MetaDescription}, {Name: "meta_publisher", Value: a.MetaPublisher},
		{Name: "policy_engine_mode", Value: a.PolicyEngineMode}, {Name: "group", Value: a.Group},
	}
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
