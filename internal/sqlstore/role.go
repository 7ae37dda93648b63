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

// roleWriter writes roles; deleting one takes its grants and group links along.
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
	if q.GroupName != nil {
		b.and("EXISTS (SELECT 1 FROM group_roles fgr JOIN groups fg ON fg.uuid = fgr.group_uuid WHERE fgr.role_uuid = r.uuid AND fg.name = " + b.arg(*q.GroupName) + ")")
	}
	return list(ctx, s, roleTable, q.ListQuery, b, "", "")
}

// Roles implements racd.Store. Deleting a role removes its grants and group links,
// which authentik does not report as dependents.
func (s *Store) Roles() racd.Resource[*racd.Role, *racd.RoleInput, string, racd.RoleQuery] {
	return newResource[*racd.Role, *racd.RoleInput, string](s, roleWriter, listRoles, nil)
}
