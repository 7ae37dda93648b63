package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/racd/racd/internal/racd"
)

// firstParent is the FROM of group g's first parent by name (gp), 2024.6's single
// parent.
const firstParent = "FROM group_parents gpf JOIN groups gp ON gp.uuid = gpf.parent_uuid WHERE gpf.group_uuid = g.uuid ORDER BY gp.name LIMIT 1"

// userTable reads a user (u) with its superuser flag (from its groups and their
// parents), the groups it is a direct member of and the roles given to it directly.
var userTable = &table[*racd.User]{
	place: place{model: racd.UserModel, name: "users", alias: "u", pk: "id"},
	cols: func(d dialect) string {
		group := d.jsonObject("pk", "CAST(g.uuid AS TEXT)", "num_pk", "g.num_pk", "name", "g.name", "is_superuser", "g.is_superuser",
			"parent", "(SELECT CAST(gp.uuid AS TEXT) "+firstParent+")", "parent_name", "(SELECT gp.name "+firstParent+")", "attributes", d.jsonText("g.attributes"))
		role := d.jsonObject("pk", "CAST(r.uuid AS TEXT)", "name", "r.name")
		return "u.id, CAST(u.uuid AS TEXT), u.username, u.name, u.email, u.is_active, " + superuserExpr + ", u.path, u.type, u.attributes, u.last_login, u.date_joined, u.last_updated, u.password_change_date, " +
			d.jsonObjects(group, "group_users gu JOIN groups g ON g.uuid = gu.group_uuid WHERE gu.user_id = u.id", "g.name") + ", " +
			d.jsonObjects(role, "user_roles ur JOIN roles r ON r.uuid = ur.role_uuid WHERE ur.user_id = u.id", "r.name")
	},
	scan: scanUser,
	order: map[string]string{
		"pk": "u.id", "username": "u.username", "name": "u.name", "is_active": "u.is_active", "email": "u.email",
		"last_login": "u.last_login", "date_joined": "u.date_joined", "path": "u.path", "type": "u.type",
		"last_updated": "u.last_updated",
	},
	defaultOrder: []racd.OrderTerm{{Field: "username"}},
}

// scanUser reads a user with its groups and direct roles (userTable's cols).
var scanUser = rowOf(func(u *racd.User) []any {
	return []any{&u.ID, &u.UUID, &u.Username, &u.Name, &u.Email, &u.IsActive, &u.IsSuperuser, &u.Path, &u.Type, &u.Attributes,
		microsInto{&u.LastLogin}, micro{&u.DateJoined}, micro{&u.LastUpdated}, micro{&u.PasswordChangeDate},
		userGroups{&u.Groups}, rolesInto{&u.RoleObjs, &u.Roles}}
})

// userGroups scans a user's groups.
type userGroups struct{ dst *[]racd.UserGroup }

// Scan implements sql.Scanner.
func (ug userGroups) Scan(v any) error {
	var gs []struct {
		PK          string          `json:"pk"`
		NumPK       int64           `json:"num_pk"`
		Name        string          `json:"name"`
		IsSuperuser flexBool        `json:"is_superuser"`
		Parent      *string         `json:"parent"`
		ParentName  *string         `json:"parent_name"`
		Attributes  json.RawMessage `json:"attributes"`
	}
	if err := scanJSON(v, &gs); err != nil {
		return err
	}
	*ug.dst = make([]racd.UserGroup, len(gs))
	for i, g := range gs {
		(*ug.dst)[i] = racd.UserGroup{UUID: g.PK, NumPK: g.NumPK, Name: g.Name, IsSuperuser: bool(g.IsSuperuser),
			Parent: orEmpty(g.Parent), ParentName: orEmpty(g.ParentName), Attributes: g.Attributes}
	}
	return nil
}

// rolesInto scans a JSON list of roles ({pk, name}, by name) into objs, and their
// UUIDs, sorted, into ids (a user's direct roles, a group's roles).
type rolesInto struct {
	objs *[]racd.Role
	ids  *[]string
}

// Scan implements sql.Scanner.
func (ri rolesInto) Scan(v any) error {
	var rs []struct {
		PK   string `json:"pk"`
		Name string `json:"name"`
	}
	if err := scanJSON(v, &rs); err != nil {
		return err
	}
	objs, ids := make([]racd.Role, len(rs)), make([]string, len(rs))
	for i, r := range rs {
		objs[i], ids[i] = racd.Role{UUID: r.PK, Name: r.Name}, r.PK
	}
	*ri.objs, *ri.ids = objs, sortedCopy(ids)
	return nil
}

// orEmpty is *p, or "" for nil.
func orEmpty(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// userWriter writes users; deleting one takes its tokens, connection tokens,
// memberships and grants along.
var userWriter = &writer[*racd.User, *racd.UserInput]{
	t: userTable, key: "id", fields: racd.UserFields,
	new:   func(s *Store) *racd.User { u := racd.NewUser(); u.UUID = s.newUUID(); return u },
	guard: userGuard,
	check: func(ch *checks, in *racd.UserInput, u *racd.User) {
		if in.Username.Set {
			ch.unique("username", "username", u.Username, racd.MsgUniqueField)
		}
		if in.Groups.Set {
			ch.refs("groups", racd.GroupModel, uuidRefs(in.Groups.V...), "")
		}
		if in.Roles.Set {
			ch.refs("roles", racd.RoleModel, uuidRefs(in.Roles.V...), "")
		}
	},
	row: func(u *racd.User) []col {
		return []col{{name: "uuid", v: u.UUID}, {name: "username", v: u.Username}, {name: "name", v: u.Name}, {name: "email", v: u.Email},
			{name: "is_active", v: u.IsActive}, {name: "path", v: u.Path}, {name: "type", v: u.Type}, {name: "attributes", v: string(u.Attributes)}}
	},
	returning: func(u *racd.User) any { return &u.ID },
	// A new user's password "changed" when it was created, as authentik's default says.
	extra: func(s *Store, _ *racd.UserInput) []col {
		now := micros(s.now())
		return []col{{name: "date_joined", v: now}, {name: "password_change_date", v: now}}
	},
	touch: "last_updated",
	links: func(u *racd.User) []link {
		return []link{
			{field: "groups", table: "group_users", owner: "user_id", item: "group_uuid", items: anys(u.GroupUUIDs())},
			{field: "roles", table: "user_roles", owner: "user_id", item: "role_uuid", items: anys(u.Roles)},
		}
	},
	diff: func(u *racd.User) []racd.Field {
		return []racd.Field{
			{Name: "username", Value: u.Username}, {Name: "name", Value: u.Name}, {Name: "is_active", Value: u.IsActive},
			{Name: "groups", Value: u.GroupUUIDs()}, {Name: "roles", Value: sortedCopy(u.Roles)}, {Name: "email", Value: u.Email},
			{Name: "attributes", Value: racd.RawJSON(u.Attributes)},
			{Name: "path", Value: u.Path}, {Name: "type", Value: u.Type},
		}
	},
	reread: true,
}

// userGuard holds the superuser rules of users: only superusers change or delete a
// superuser's account or change anyone's groups or roles, and no change or deletion may leave
// the instance without an active superuser.
func userGuard(g *guard, _ *racd.UserInput, u *racd.User) error {
	groupsChange := !g.deleting && (g.changed("groups") && (!g.create || len(u.Groups) > 0))
	// A user's own roles (authentik 2025.12) decide what it may do as its groups do.
	rolesChange := !g.deleting && (g.changed("roles") && (!g.create || len(u.Roles) > 0))
	if !g.a.Superuser {
		if (!g.create && u.IsSuperuser) || groupsChange || rolesChange {
			return racd.ErrForbidden
		}
		return nil
	}
	// u.IsSuperuser is the stored account's (the input never sets it).
	switch {
	case g.create || !u.IsSuperuser:
	case g.deleting:
		return g.demotes("")
	case g.changed("is_active"):
		return g.demotes("is_active")
	case groupsChange:
		return g.demotes("groups")
	}
	return nil
}

// listUsers lists users.
func listUsers(ctx context.Context, s *Store, q racd.UserQuery) ([]*racd.User, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "u.username", "u.name", "u.email", "CAST(u.uuid AS TEXT)")
	b.eqs(eqFilter{"u.username", q.Username}, eqFilter{"u.email", q.Email}, eqFilter{"u.name", q.Name}, eqFilter{"u.path", q.Path},
		eqFilter{"u.uuid", q.UUID})
	if q.IsActive != nil {
		b.and("u.is_active = " + b.arg(*q.IsActive))
	}
	if q.IsSuperuser != nil {
		if *q.IsSuperuser {
			b.and(superuserExpr)
		} else {
			b.and("NOT " + superuserExpr)
		}
	}
	if q.IDs != nil {
		b.and(s.d.in("u.id", b.arg(s.d.listArg(q.IDs)), intKey))
	}
	b.times("u.date_joined", q.DateJoined)
	b.times("u.last_updated", q.LastUpdated)
	b.times("u.last_login", q.LastLogin)
	if q.LastLoginIsNull != nil {
		if *q.LastLoginIsNull {
			b.and("u.last_login IS NULL")
		} else {
			b.and("u.last_login IS NOT NULL")
		}
	}
	// Roles the caller may not view match no one.
	if q.RoleNames != nil {
		b.and("EXISTS (SELECT 1 FROM user_roles fur JOIN roles fr ON fr.uuid = fur.role_uuid WHERE fur.user_id = u.id AND " +
			s.d.in("fr.name", b.arg(s.d.listArg(q.RoleNames)), textKey) + andCond(b.visibleCond("fr.uuid", uuidKey, q.RoleVisible)) + ")")
	}
	if q.RoleUUIDs != nil {
		b.and("EXISTS (SELECT 1 FROM user_roles fur WHERE fur.user_id = u.id AND " +
			s.d.in("fur.role_uuid", b.arg(s.d.listArg(q.RoleUUIDs)), uuidKey) + andCond(b.visibleCond("fur.role_uuid", uuidKey, q.RoleVisible)) + ")")
	}
	return list(ctx, s, userTable, q.ListQuery, b, "", "")
}

// CreateSuperuser implements racd.IdentityStore: the user joins the bootstrap
// superuser group, which is created first when missing.
func (s *Store) CreateSuperuser(ctx context.Context, in *racd.UserInput, a racd.Audit) (*racd.User, error) {
	var group string
	if err := s.write(ctx, func(c conn) (err error) {
		group, err = s.superuserGroup(ctx, c)
		return err
	}); err != nil {
		return nil, err
	}
	withGroup := *in
	withGroup.Groups = racd.Some(append(append([]racd.Ref{}, in.Groups.V...), racd.Ref{Raw: group, ID: group}))
	return s.Users().Create(ctx, &withGroup, a)
}

// userUsedBy lists what depends on a user: the user's tokens and connection tokens.
func userUsedBy(ctx context.Context, s *Store, id int64, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, id, vis, tokensWhere("t.user_id = $1"), connectionTokensWhere("ct.user_id = $1"))
}

// Users implements racd.Store.
func (s *Store) Users() racd.Resource[*racd.User, *racd.UserInput, int64, racd.UserQuery] {
	return newResource(s, userWriter, listUsers, userUsedBy)
}
