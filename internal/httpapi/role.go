package httpapi

import (
	"net/url"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// roles is /api/v3/rbac/roles/, by UUID. Deleting a role removes its grants and group
// links, which authentik does not report as dependents: its used_by is empty.
var roles = &resource[*racd.Role, *racd.RoleInput, string, racd.RoleQuery]{
	model: racd.RoleModel, path: "/api/v3/rbac/roles/", param: "uuid", key: uuidKey, keyIsPK: true,
	store: func(st racd.Store) racd.Reader[*racd.Role, string, racd.RoleQuery] { return st.Roles() },
	order: []string{"pk", "name"},
	query: func(c *call, lq racd.ListQuery, qv url.Values) (racd.RoleQuery, error) {
		var fe racd.FieldErrors
		q := racd.RoleQuery{ListQuery: lq, GroupName: strFilter(qv, "group__name"),
			// authentik 2025.10 to 2026.8: name; users and groups (ak_groups in
			// 2025.12), with inherited; managed.
			Name: strFilter(qv, "name"), UserID: intFilter(qv, "users", &fe), GroupUUID: uuidFilter(qv, "groups", &fe),
			Inherited: strings.EqualFold(lastValue(qv, "inherited"), "true"),
			Managed:   textsFilter(qv, "managed"), ManagedIsNull: boolFilter(qv, "managed__isnull"),
			UserVisible:  c.p.Visibility(racd.UserModel.Perm(racd.PermView)),
			GroupVisible: c.p.Visibility(racd.GroupModel.Perm(racd.PermView)),
		}
		if q.GroupUUID == nil {
			q.GroupUUID = uuidFilter(qv, "ak_groups", &fe)
		}
		return q, fe.Err()
	},
	decode:        func(f *form) *racd.RoleInput { return &racd.RoleInput{Name: f.text("name", required|trim)} },
	wire:          func(_ *call, r *racd.Role) any { return roleJSON{PK: r.UUID, Name: r.Name} },
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
