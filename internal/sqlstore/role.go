package sqlstore

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

var roleTable = &table[*racd.Role]{
	place:        place{model: racd.RoleModel, name: "roles", alias: "r", pk: "uuid"},
	cols:         func(dialect) string { return "CAST(r.uuid AS TEXT), r.name" },
	scan:         rowOf(func(r *racd.Role) []any { return []any{&r.UUID, &r.Name} }),
	order:        map[string]string{"pk": "r.uuid", "name": "r.name"},
	defaultOrder: []racd.OrderTerm{{Field: "name"}},
}

// roleWriter writes roles; deleting one takes its grants, its group links and its
// holders (user_roles) along.
var roleWriter = &writer[*racd.Role, *racd.RoleInput]{
	t: roleTable, key: "uuid", fields: racd.RoleFields,
	new: func(s *Store) *racd.Role { return &racd.Role{UUID: s.newUUID()} },
	check: func(ch *checks, in *racd.RoleInput, r *racd.Role) {
		if in.Name.Set {
			ch.unique("name", "name", r.Name, racd.MsgUnique("role", "name"))
		}
	},
	row:  func(r *racd.Role) []col { return []col{{name: "uuid", v: r.UUID}, {name: "name", v: r.Name}} },
	diff: func(r *racd.Role) []racd.Field { return []racd.Field{{Name: "name", Value: r.Name}} },
}

// listRoles lists roles.
func listRoles(ctx context.Context, s *Store, q racd.RoleQuery) ([]*racd.Role, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "r.name")
	b.eqs(eqFilter{"r.name", q.Name})
	if q.GroupName != nil {
		b.and("EXISTS (SELECT 1 FROM group_roles fgr JOIN groups fg ON fg.uuid = fgr.group_uuid WHERE fgr.role_uuid = r.uuid AND fg.name = " +
			b.arg(*q.GroupName) + " AND " + b.related(q.ListQuery, racd.GroupModel, "fg.uuid") + ")")
	}
	if q.UserID != nil {
		// A user the caller may not view holds no role, as far as the caller can tell.
		u := b.arg(*q.UserID)
		held := "SELECT fur.role_uuid FROM user_roles fur WHERE fur.user_id = " + u
		if q.Inherited {
			held = userRolesSQL(u)
		}
		b.and("r.uuid IN (" + held + ") AND EXISTS (SELECT 1 FROM users fu WHERE fu.id = " + u +
			andCond(b.visibleCond("fu.id", intKey, q.UserVisible)) + ")")
	}
	if q.GroupUUID != nil {
		g := b.arg(*q.GroupUUID)
		groups := g
		if q.Inherited {
			groups = "SELECT uuid FROM (" + groupAncestorsSQL(g, true) + ") fga"
		}
		b.and("r.uuid IN (SELECT fgr.role_uuid FROM group_roles fgr WHERE fgr.group_uuid IN (" + groups + "))" +
			" AND EXISTS (SELECT 1 FROM groups fg WHERE fg.uuid = " + g + andCond(b.visibleCond("fg.uuid", uuidKey, q.GroupVisible)) + ")")
	}
	// racd's roles are never managed (authentik's managed roles come from blueprints).
	if q.Managed != nil || q.ManagedIsNull != nil && !*q.ManagedIsNull {
		b.and("1 = 0")
	}
	return list(ctx, s, roleTable, q.ListQuery, b, "", "")
}

// Roles implements racd.Store. Deleting a role removes its grants and group links,
// which authentik does not report as dependents.
func (s *Store) Roles() racd.Resource[*racd.Role, *racd.RoleInput, string, racd.RoleQuery] {
	return newResource[*racd.Role, *racd.RoleInput, string](s, roleWriter, listRoles, nil)
}

// SetRoleHolder implements racd.IdentityStore.
func (s *Store) SetRoleHolder(ctx context.Context, role string, userID int64, m racd.Membership, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		if _, err := get(ctx, s, c, roleTable, "uuid", role, true); err != nil {
			return err
		}
		// Only superusers give roles to users (racd.ErrForbidden), as they alone change
		// group memberships.
		if !a.Superuser {
			return racd.ErrForbidden
		}
		u, err := get(ctx, s, c, userTable, "id", userID, false)
		if err != nil {
			return err
		}
		if err := setLink(ctx, c, m, "user_roles", "user_id", userID, "role_uuid", role); err != nil {
			return err
		}
		after, err := get(ctx, s, c, userTable, "id", userID, false)
		if err != nil {
			return err
		}
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, u.Ref(), racd.Diff(userWriter.diff(u), userWriter.diff(after)))
	})
}
