package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// outpostCols selects an outpost (alias o) with its provider IDs.
func (s *Store) outpostCols() string {
	return "CAST(o.uuid AS TEXT), o.name, o.type, o.config, o.managed, " +
		s.d.jsonArray("opx.provider_id", "outpost_providers opx WHERE opx.outpost_uuid = o.uuid", "opx.provider_id")
}

func scanOutpost(sc interface{ Scan(...any) error }, extra ...any) (*racd.Outpost, error) {
	var (
		o       racd.Outpost
		config  []byte
		managed sql.NullString
		provs   []byte
	)
	if err := sc.Scan(append([]any{&o.UUID, &o.Name, &o.Type, &config, &managed, &provs}, extra...)...); err != nil {
		return nil, err
	}
	o.Config = json.RawMessage(config)
	o.Managed = managed.String
	if err := json.Unmarshal(provs, &o.Providers); err != nil {
		return nil, fmt.Errorf("outpost %s: providers: %w", o.UUID, err)
	}
	if o.Providers == nil {
		o.Providers = []int64{}
	}
	return &o, nil
}

// attachOutpostProviders fills providers_obj of outposts with one query.
func (s *Store) attachOutpostProviders(ctx context.Context, c conn, outposts []*racd.Outpost) error {
	var ids []int64
	for _, o := range outposts {
		ids = append(ids, o.Providers...)
	}
	byID, err := s.providersByID(ctx, c, ids)
	if err != nil {
		return err
	}
	for _, o := range outposts {
		o.ProviderObjs = make([]*racd.Provider, 0, len(o.Providers))
		for _, id := range o.Providers {
			if p := byID[id]; p != nil {
				o.ProviderObjs = append(o.ProviderObjs, p)
			}
		}
	}
	return nil
}

func (s *Store) getOutpost(ctx context.Context, c conn, uuid string, lock bool) (*racd.Outpost, error) {
	q := "SELECT " + s.outpostCols() + " FROM outposts o WHERE o.uuid = $1"
	if lock {
		q += s.d.forUpdate("o")
	}
	o, err := scanOutpost(c.queryRow(ctx, q, uuid))
	if err != nil {
		return nil, classify(err)
	}
	return o, nil
}

// GetOutpost implements racd.OutpostStore.
func (s *Store) GetOutpost(ctx context.Context, uuid string) (*racd.Outpost, error) {
	c := s.read()
	o, err := s.getOutpost(ctx, c, uuid, false)
	if err != nil {
		return nil, err
	}
	if err := s.attachOutpostProviders(ctx, c, []*racd.Outpost{o}); err != nil {
		return nil, classify(err)
	}
	return o, nil
}

var outpostOrderCols = map[string]string{
	"pk": "o.uuid", "name": "o.name", "type": "o.type", "service_connection": "o.service_connection", "managed": "o.managed",
}

// ListOutposts implements racd.OutpostStore: one query for the page, one for the
// providers it refers to.
func (s *Store) ListOutposts(ctx context.Context, q racd.OutpostQuery) ([]*racd.Outpost, int, error) {
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
		cond := "EXISTS (SELECT 1 FROM outpost_providers opn WHERE opn.outpost_uuid = o.uuid)"
		if *q.ProvidersIsNull {
			cond = "NOT " + cond
		}
		b.and(cond)
	}
	if len(q.ProvidersByPK) > 0 {
		b.and("EXISTS (SELECT 1 FROM outpost_providers opk WHERE opk.outpost_uuid = o.uuid AND " +
			s.d.in("opk.provider_id", b.arg(s.d.listArg(q.ProvidersByPK)), intKey) + ")")
	}
	if q.ServiceConnectionName {
		b.and("o.service_connection IS NOT NULL AND 1 = 0")
	}
	b.visible("o.uuid", uuidKey, q.Visible)
	order := orderSQL(q.Ordering, outpostOrderCols, []racd.OrderTerm{{Field: "name"}, {Field: "service_connection"}}, "o.uuid")
	outposts, count, err := listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "outposts", "o", "") },
		func(limit, offset int) string {
			return pageSQL(b, "outposts", "o", "uuid", "", "", order, s.outpostCols(), "", limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.Outpost, error) { return scanOutpost(rows, count) })
	if err != nil {
		return nil, 0, err
	}
	if err := s.attachOutpostProviders(ctx, s.read(), outposts); err != nil {
		return nil, 0, classify(err)
	}
	return outposts, count, nil
}

// checkOutpostInput adds reference and uniqueness errors with one query.
func (s *Store) checkOutpostInput(ctx context.Context, c conn, in *racd.OutpostInput, o *racd.Outpost, self string) error {
	b := &qb{d: s.d}
	var parts []string
	checkName := in.Name.Set && !in.Errors.Has("name")
	if checkName {
		parts = append(parts, "SELECT 'name', 0 FROM outposts WHERE name = "+b.arg(o.Name)+" AND CAST(uuid AS TEXT) <> "+b.arg(self))
	}
	checkManaged := in.Managed.Set && !in.Errors.Has("managed") && o.Managed != ""
	if checkManaged {
		parts = append(parts, "SELECT 'managed', 0 FROM outposts WHERE managed = "+b.arg(o.Managed)+" AND CAST(uuid AS TEXT) <> "+b.arg(self))
	}
	checkProviders := in.Providers.Set && !in.Errors.Has("providers") && len(o.Providers) > 0
	if checkProviders {
		parts = append(parts, "SELECT 'provider', id FROM providers WHERE "+s.d.in("id", b.arg(s.d.listArg(o.Providers)), intKey))
	}
	if len(parts) == 0 {
		return nil
	}
	found := map[int64]bool{}
	taken := map[string]bool{}
	if err := queryEach(ctx, c, joinUnion(parts), b.args, func(rows *sql.Rows) error {
		var kind string
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			return err
		}
		if kind == "provider" {
			found[id] = true
		} else {
			taken[kind] = true
		}
		return nil
	}); err != nil {
		return err
	}
	if checkName && taken["name"] {
		in.Errors.Add("name", racd.MsgUnique("Outpost", "name"))
	}
	if checkManaged && taken["managed"] {
		in.Errors.Add("managed", racd.MsgUnique("Outpost", "Managed by authentik"))
	}
	if checkProviders {
		for _, r := range in.Providers.V {
			if !found[r.ID] {
				in.Errors.Add("providers", racd.MsgDoesNotExist(r.Raw))
				break
			}
		}
	}
	return nil
}

func (s *Store) setOutpostProviders(ctx context.Context, c conn, uuid string, ids []int64) error {
	if _, err := c.exec(ctx, "DELETE FROM outpost_providers WHERE outpost_uuid = $1", uuid); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	b := &qb{d: s.d}
	o := b.arg(uuid)
	vals := make([]string, len(ids))
	for i, id := range ids {
		vals[i] = "(" + o + ", " + b.arg(id) + ")"
	}
	_, err := c.exec(ctx, "INSERT INTO outpost_providers (outpost_uuid, provider_id) VALUES "+strings.Join(vals, ", "), b.args...)
	return err
}

// CreateOutpost implements racd.OutpostStore.
func (s *Store) CreateOutpost(ctx context.Context, in *racd.OutpostInput, au racd.Audit) (*racd.Outpost, error) {
	var out *racd.Outpost
	err := s.write(ctx, func(c conn) error {
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		o := racd.NewOutpost()
		inCopy.Apply(o, nil)
		if err := s.checkOutpostInput(ctx, c, &inCopy, o, ""); err != nil {
			return err
		}
		inCopy.CheckProviders(o)
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.OutpostFields)
			return &inCopy.Errors
		}
		o.UUID = s.newUUID()
		if _, err := c.exec(ctx, "INSERT INTO outposts (uuid, name, type, service_connection, config, managed) VALUES ($1, $2, $3, NULL, $4, $5)",
			o.UUID, o.Name, o.Type, string(o.Config), nullString(o.Managed)); err != nil {
			return err
		}
		if err := s.setOutpostProviders(ctx, c, o.UUID, o.Providers); err != nil {
			return err
		}
		if err := s.attachOutpostProviders(ctx, c, []*racd.Outpost{o}); err != nil {
			return err
		}
		out = o
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, au, o.Ref(), racd.Diff(nil, outpostFields(o)))
	})
	return out, err
}

// UpdateOutpost implements racd.OutpostStore.
func (s *Store) UpdateOutpost(ctx context.Context, uuid string, in *racd.OutpostInput, au racd.Audit) (*racd.Outpost, error) {
	var out *racd.Outpost
	err := s.write(ctx, func(c conn) error {
		o, err := s.getOutpost(ctx, c, uuid, true)
		if err != nil {
			return err
		}
		before := *o
		before.Providers = append([]int64{}, o.Providers...)
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(o, &before)
		if err := s.checkOutpostInput(ctx, c, &inCopy, o, o.UUID); err != nil {
			return err
		}
		inCopy.CheckProviders(o)
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.OutpostFields)
			return &inCopy.Errors
		}
		if _, err := c.exec(ctx, "UPDATE outposts SET name = $1, type = $2, config = $3, managed = $4 WHERE uuid = $5",
			o.Name, o.Type, string(o.Config), nullString(o.Managed), o.UUID); err != nil {
			return err
		}
		if in.Providers.Set && intsJSON(before.Providers) != intsJSON(o.Providers) {
			if err := s.setOutpostProviders(ctx, c, o.UUID, o.Providers); err != nil {
				return err
			}
		}
		if err := s.attachOutpostProviders(ctx, c, []*racd.Outpost{o}); err != nil {
			return err
		}
		out = o
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, au, o.Ref(), racd.Diff(outpostFields(&before), outpostFields(o)))
	})
	return out, err
}

// DeleteOutpost implements racd.OutpostStore; its providers stay.
func (s *Store) DeleteOutpost(ctx context.Context, uuid string, au racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		o, err := s.getOutpost(ctx, c, uuid, true)
		if err != nil {
			return err
		}
		return s.deleteObject(ctx, c, "outposts", "uuid", o.UUID, o.Ref(), outpostFields(o), au)
	})
}

// OutpostUsedBy implements racd.OutpostStore. Nothing racd keeps depends on an
// outpost (its providers are a many-to-many relation that simply loses the link), so
// the list is empty once the outpost is found.
func (s *Store) OutpostUsedBy(ctx context.Context, uuid string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	if _, err := s.getOutpost(ctx, s.read(), uuid, false); err != nil {
		return nil, err
	}
	return []racd.UsedBy{}, nil
}

func outpostFields(o *racd.Outpost) []racd.Field {
	managed := any(nil)
	if o.Managed != "" {
		managed = o.Managed
	}
	return []racd.Field{
		{Name: "name", Value: o.Name}, {Name: "type", Value: o.Type},
		{Name: "providers", Value: racd.RawJSON(intsJSON(o.Providers))},
		{Name: "service_connection", Value: nil},
		{Name: "config", Value: racd.RawJSON(o.Config)}, {Name: "managed", Value: managed},
	}
}
