package httpapi

import (
	"github.com/racd/racd/internal/racd"
)

// roles is /api/v3/rbac/roles/, by UUID. Deleting a role removes its grants and group
// links, which authentik does not report as dependents: its used_by is empty.
var roles = &resource[*racd.Role, *racd.RoleInput, string, racd.RoleQuery, roleJSON]{
	model: racd.RoleModel, path: "/api/v3/rbac/roles/", param: "uuid", key: uuidKey, keyIsPK: true,
	store: storeOf(racd.Store.Roles),
	query: func(f *filters) racd.RoleQuery {
		q := racd.RoleQuery{ListQuery: f.lq, GroupName: f.str("group__name"),
			// authentik 2025.10 to 2026.8: name; users and groups (ak_groups in
			// 2025.12), with inherited; managed.
			Name: f.str("name"), UserID: f.int("users"), GroupUUID: f.uuid("groups"),
			Inherited: queryFlag(f.qv, "inherited", false),
			Managed:   f.texts("managed"), ManagedIsNull: f.boolean("managed__isnull"),
		}
		if q.GroupUUID == nil {
			q.GroupUUID = f.uuid("ak_groups")
		}
		return q
	},
	decode:        func(f *form) *racd.RoleInput { return &racd.RoleInput{Name: f.text("name", required|trim)} },
	wire:          func(_ *call, r *racd.Role) roleJSON { return roleJSON{PK: r.UUID, Name: r.Name} },
	changesAccess: true,
}

// roleJSON is authentik's Role.
type roleJSON struct {
	PK   string `json:"pk"`
	Name string `json:"name"`
}

// toRolesJSON renders roles, [] for none.
func toRolesJSON(rs []racd.Role) []roleJSON {
	out := make([]roleJSON, len(rs))
	for i, r := range rs {
		out[i] = roleJSON{PK: r.UUID, Name: r.Name}
	}
	return out
}
