package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/racd/racd/internal/racd"
)

// nextGroupNumPK is the SQL of a new group's num_pk (authentik numbers groups from 1001).
const nextGroupNumPK = "(SELECT coalesce(max(num_pk), 1000) + 1 FROM groups)"

// groupTable reads a group (g) with its parents and children (by name), its members,
// its roles and the roles of its ancestors.
var groupTable = &table[*racd.Group]{
	place: place{model: racd.GroupModel, name: "groups", alias: "g", pk: "uuid"},
	cols: func(d dialect) string {
		member := d.jsonObject("pk", "mu.id", "uuid", "CAST(mu.uuid AS TEXT)", "username", "mu.username", "name", "mu.name", "is_active", "mu.is_active",
			"last_login", "mu.last_login", "email", "mu.email", "attributes", d.jsonText("mu.attributes"))
		role := d.jsonObject("pk", "CAST(r.uuid AS TEXT)", "name", "r.name")
		related := d.jsonObject("pk", "CAST(rg.uuid AS TEXT)", "name", "rg.name", "is_superuser", "rg.is_superuser", "attributes", d.jsonText("rg.attributes"))
		return "CAST(g.uuid AS TEXT), g.num_pk, g.name, g.is_superuser, g.attributes, " +
			d.jsonObjects(related, "group_parents gpl JOIN groups rg ON rg.uuid = gpl.parent_uuid WHERE gpl.group_uuid = g.uuid", "rg.name") + ", " +
			d.jsonObjects(member, "group_users gu JOIN users mu ON mu.id = gu.user_id WHERE gu.group_uuid = g.uuid", "mu.id") + ", " +
			d.jsonObjects(role, "group_roles gr JOIN roles r ON r.uuid = gr.role_uuid WHERE gr.group_uuid = g.uuid", "r.name") + ", " +
			d.jsonObjects(role, "roles r WHERE r.uuid IN (SELECT gir.role_uuid FROM group_roles gir WHERE gir.group_uuid IN ("+groupAncestorsSQL("g.uuid", false)+"))", "r.name") + ", " +
			d.jsonObjects(related, "group_parents gcl JOIN groups rg ON rg.uuid = gcl.group_uuid WHERE gcl.parent_uuid = g.uuid", "rg.name")
	},
	scan:         scanGroup,
	order:        map[string]string{"pk": "g.uuid", "name": "g.name", "is_superuser": "g.is_superuser", "num_pk": "g.num_pk"},
	defaultOrder: []racd.OrderTerm{{Field: "name"}},
}

// scanGroup reads a group with its parents, members, roles and children
// (groupTable's cols).
var scanGroup = rowOf(func(g *racd.Group) []any {
	return []any{&g.UUID, &g.NumPK, &g.Name, &g.IsSuperuser, rawJSON{&g.Attributes}, groupParents{g},
		groupMembers{g}, rolesInto{&g.RoleObjs, &g.Roles}, rolesInto{&g.InheritedRoleObjs, new([]string)},
		relatedGroups{&g.ChildObjs, &g.Children}}
})

// relatedGroups scans a JSON list of groups ({pk, name, is_superuser, attributes}, by
// name) into objs, and their UUIDs, in the same order, into ids.
type relatedGroups struct {
	objs *[]racd.RelatedGroup
	ids  *[]string
}

// Scan implements sql.Scanner.
func (rg relatedGroups) Scan(v any) error {
	var gs []struct {
		PK          string          `json:"pk"`
		Name        string          `json:"name"`
		IsSuperuser flexBool        `json:"is_superuser"`
		Attributes  json.RawMessage `json:"attributes"`
	}
	if err := scanJSON(v, &gs); err != nil {
		return err
	}
	objs, ids := make([]racd.RelatedGroup, len(gs)), make([]string, len(gs))
	for i, x := range gs {
		objs[i] = racd.RelatedGroup{UUID: x.PK, Name: x.Name, IsSuperuser: bool(x.IsSuperuser), Attributes: x.Attributes}
		ids[i] = x.PK
	}
	*rg.objs, *rg.ids = objs, ids
	return nil
}

// groupParents scans a group's parents, and sets 2024.6's single parent: the first.
type groupParents struct{ g *racd.Group }

// Scan implements sql.Scanner.
func (gp groupParents) Scan(v any) error {
	g := gp.g
	if err := (relatedGroups{&g.ParentObjs, &g.Parents}).Scan(v); err != nil {
		return err
	}
	g.Parent, g.ParentName = "", ""
	if len(g.ParentObjs) > 0 {
		g.Parent, g.ParentName = g.ParentObjs[0].UUID, g.ParentObjs[0].Name
	}
	return nil
}

// groupMembers scans a group's members (Users and Members).
type groupMembers struct{ g *racd.Group }

// Scan implements sql.Scanner.
func (gm groupMembers) Scan(v any) error {
	var ms []struct {
		PK         int64           `json:"pk"`
		UUID       string          `json:"uuid"`
		Username   string          `json:"username"`
		Name       string          `json:"name"`
		IsActive   flexBool        `json:"is_active"`
		LastLogin  *int64          `json:"last_login"`
		Email      string          `json:"email"`
		Attributes json.RawMessage `json:"attributes"`
	}
	if err := scanJSON(v, &ms); err != nil {
		return err
	}
	g := gm.g
	g.Users = make([]int64, len(ms))
	g.Members = make([]racd.GroupMember, len(ms))
	for i, m := range ms {
		g.Users[i] = m.PK
		g.Members[i] = racd.GroupMember{ID: m.PK, UUID: m.UUID, Username: m.Username, Name: m.Name, IsActive: bool(m.IsActive),
			Email: m.Email, Attributes: m.Attributes}
		if m.LastLogin != nil {
			t := fromMicros(*m.LastLogin)
			g.Members[i].LastLogin = &t
		}
	}
	return nil
}

// groupWriter writes groups; deleting one takes it from its children's parents.
var groupWriter = &writer[*racd.Group, *racd.GroupInput]{
	t: groupTable, key: "uuid", fields: racd.GroupFields,
	new: func(s *Store) *racd.Group {
		return &racd.Group{UUID: s.newUUID(), Attributes: racd.EmptyObject, Parents: []string{}, Users: []int64{}, Roles: []string{}}
	},
	guard: groupGuard,
	check: func(ch *checks, in *racd.GroupInput, g *racd.Group) {
		if in.Name.Set {
			ch.unique("name", "name", g.Name, racd.MsgUniqueField)
		}
		// A parent the group already has may be sent again whether or not the actor
		// may view it (checked against the stored parents, whichever field names it).
		if in.Parents.Set && len(g.Parents) > 0 {
			ch.refsKept("parents", "parents", racd.GroupModel, uuidRefs(in.Parents.V...), "")
		}
		if in.Parent.Set && !in.Parents.Set && in.Parent.V.ID != "" {
			ch.refsKept("parent", "parents", racd.GroupModel, uuidRefs(in.Parent.V), "")
		}
		if in.Users.Set && len(g.Users) > 0 {
			ch.refs("users", racd.UserModel, intRefs(in.Users.V...), "")
		}
		if in.Roles.Set && len(g.Roles) > 0 {
			ch.refs("roles", racd.RoleModel, uuidRefs(in.Roles.V...), "")
		}
	},
	row: func(g *racd.Group) []col {
		return []col{{name: "uuid", v: g.UUID}, {name: "num_pk", sql: nextGroupNumPK, once: true}, {name: "name", v: g.Name},
			{name: "is_superuser", v: g.IsSuperuser}, {name: "attributes", v: string(g.Attributes)}}
	},
	links: func(g *racd.Group) []link {
		return []link{
			{field: "parents", table: "group_parents", owner: "group_uuid", item: "parent_uuid", items: anys(g.Parents)},
			{field: "users", table: "group_users", owner: "group_uuid", item: "user_id", items: anys(g.Users)},
			{field: "roles", table: "group_roles", owner: "group_uuid", item: "role_uuid", items: anys(g.Roles)},
		}
	},
	diff:   groupFields,
	reread: true,
}

// groupGuard holds the superuser rules of groups: only superusers set is_superuser,
// parents, members or roles, or change or delete a group whose members are
// superusers (it or any ancestor has is_superuser); parents form no cycle; and no
// change or deletion may leave the instance without an active superuser. `parent` and
// `parents` are one relation (the parents), reported on the field the request sent.
func groupGuard(g *guard, in *racd.GroupInput, gr *racd.Group) error {
	grants := false
	if !g.create {
		var err error
		if grants, err = g.s.grantsSuperuser(g.ctx, g.c, gr.UUID); err != nil { // as stored
			return err
		}
	}
	parentField := "parent"
	if in != nil && in.Parents.Set {
		parentField = "parents"
	}
	changed := func(field string, set bool) bool { return !g.deleting && g.changed(field) && (!g.create || set) }
	if !g.a.Superuser {
		if grants || changed("parents", len(gr.Parents) > 0) || changed("users", len(gr.Users) > 0) || changed("roles", len(gr.Roles) > 0) {
			return racd.ErrForbidden
		}
		if changed("is_superuser", gr.IsSuperuser) && !g.errs.Has("is_superuser") {
			g.errs.Add("is_superuser", racd.MsgSetSuperuser(gr.IsSuperuser))
		}
	}
	if !g.create && changed("parents", true) && !g.errs.Has("parent") && !g.errs.Has("parents") {
		// Only a parent the group did not have can close a cycle.
		var added []string
		for _, ch := range g.changes {
			if ch.Field == "parents" {
				before, _ := ch.Previous.([]string)
				for _, p := range gr.Parents {
					if !slices.Contains(before, p) {
						added = append(added, p)
					}
				}
			}
		}
		cycle, err := g.s.descendsFrom(g.ctx, g.c, added, gr.UUID)
		if err != nil {
			return err
		}
		if cycle {
			g.errs.Add(parentField, racd.MsgGroupCycle)
		}
	}
	if !grants {
		return nil
	}
	switch {
	case g.deleting:
		return g.demotes("")
	case changed("is_superuser", true):
		return g.demotes("is_superuser")
	case changed("users", true):
		return g.demotes("users")
	case changed("parents", true):
		return g.demotes(parentField)
	}
	return nil
}

func groupFields(g *racd.Group) []racd.Field {
	users := make([]string, len(g.Users))
	for i, u := range g.Users {
		users[i] = strconv.FormatInt(u, 10)
	}
	return []racd.Field{
		{Name: "name", Value: g.Name}, {Name: "is_superuser", Value: g.IsSuperuser}, {Name: "parents", Value: sortedCopy(g.Parents)},
		{Name: "users", Value: users}, {Name: "attributes", Value: racd.RawJSON(g.Attributes)}, {Name: "roles", Value: sortedCopy(g.Roles)},
	}
}

// listGroups lists groups.
func listGroups(ctx context.Context, s *Store, q racd.GroupQuery) ([]*racd.Group, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "g.name")
	b.eqs(eqFilter{"g.name", q.Name})
	if q.IsSuperuser != nil {
		b.and("g.is_superuser = " + b.arg(*q.IsSuperuser))
	}
	if len(q.MemberIDs) > 0 {
		b.and("EXISTS (SELECT 1 FROM group_users fu WHERE fu.group_uuid = g.uuid AND " + s.d.in("fu.user_id", b.arg(s.d.listArg(q.MemberIDs)), intKey) +
			" AND " + b.related(q.ListQuery, racd.UserModel, "fu.user_id") + ")")
	}
	return list(ctx, s, groupTable, q.ListQuery, b, "", "")
}

// groupUsedBy lists what depends on a group: child groups (set_null).
func groupUsedBy(ctx context.Context, s *Store, uuid string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, uuid, vis, groupsWhere("cg.uuid IN (SELECT ugp.group_uuid FROM group_parents ugp WHERE ugp.parent_uuid = $1)", racd.ActionSetNull))
}

// SetGroupMember implements racd.IdentityStore.
// Only superusers change memberships; removing the last active superuser is refused.
func (s *Store) SetGroupMember(ctx context.Context, uuid string, userID int64, m racd.Membership, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		g, err := get(ctx, s, c, groupTable, "uuid", uuid, true)
		if err != nil {
			return err
		}
		if !a.Superuser {
			return racd.ErrForbidden
		}
		if _, err := s.pkOf(ctx, c, &userTable.place, "id", userID); err != nil {
			return err
		}
		gd := &guard{s: s, ctx: ctx, c: c, a: a}
		if m != racd.Join {
			grants, err := s.grantsSuperuser(ctx, c, uuid)
			if err != nil {
				return err
			}
			if grants {
				if err := gd.demotes(""); err != nil {
					return err
				}
			}
		}
		if err := setLink(ctx, c, m, "group_users", "group_uuid", uuid, "user_id", userID); err != nil {
			return err
		}
		if err := gd.done(); err != nil {
			return err
		}
		after, err := get(ctx, s, c, groupTable, "uuid", uuid, false)
		if err != nil {
			return err
		}
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, g.Ref(), racd.Diff(groupFields(g), groupFields(after)))
	})
}

// Groups implements racd.Store.
func (s *Store) Groups() racd.Resource[*racd.Group, *racd.GroupInput, string, racd.GroupQuery] {
	return newResource(s, groupWriter, listGroups, groupUsedBy)
}
