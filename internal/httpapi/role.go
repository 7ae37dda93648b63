package httpapi

import (
	"github.com/racd/racd/internal/racd"
)

// roles is /api/v3/rbac/roles/, by UUID. Deleting a role removes its grants and group
// links, which authentik does not report as dependents: its used_by is empty.
var roles = &resource[*racd.Role, *racd.RoleInput, string, racd.RoleQuery, roleJSON]{
	model: racd.RoleModel, path: "/api/v3/rbac/roles/", param: "uuid", key: uuidKey, keyIsPK: true,
	store: storeOf(racd.Store.Roles),
	order: []string{"pk", "name"},
	query: func(f *filters) racd.RoleQuery {
		return racd.RoleQuery{ListQuery: f.lq, GroupName: f.str("group__name")}
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
