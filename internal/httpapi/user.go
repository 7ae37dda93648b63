package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/racd/racd/internal/racd"
)

// users is /api/v3/core/users/, by integer id.
var users = &resource[*racd.User, *racd.UserInput, int64, racd.UserQuery, userJSON]{
	model: racd.UserModel, path: "/api/v3/core/users/", param: "id", key: pyInt, keyIsPK: true,
	store: storeOf(racd.Store.Users),
	query: func(f *filters) racd.UserQuery {
		return racd.UserQuery{ListQuery: f.lq, Username: f.str("username"), Email: f.str("email"), Name: f.str("name"),
			Path: f.str("path"), IsActive: f.boolean("is_active"), IsSuperuser: f.boolean("is_superuser"), UUID: f.uuid("uuid"),
			// authentik 2025.6 to 2026.8.
			DateJoined: f.time("date_joined"), LastUpdated: f.time("last_updated"),
			LastLogin: f.time("last_login"), LastLoginIsNull: f.boolean("last_login__isnull"),
			RoleNames: f.texts("roles_by_name"), RoleUUIDs: f.uuids("roles_by_pk"),
		}
	},
	decode: func(f *form) *racd.UserInput {
		return &racd.UserInput{
			Username: f.text("username", required|trim), Name: f.text("name", required|trim), IsActive: f.boolean("is_active", 0),
			Groups: f.uuidRefs("groups", 0), Roles: f.uuidRefs("roles", 0), Email: f.text("email", trim),
			Attributes: f.object("attributes", jsonField), Path: f.text("path", trim), Type: f.choice("type", 0),
		}
	},
	wire: func(c *call, u *racd.User) userJSON { return toUserJSON(c, u) },
	// [racd] Only superusers change anyone's groups or roles, or change or delete a
	// superuser's account: a delegated user administrator must not raise itself, nor
	// lock out or rename the administrators above it. The store holds both rules;
	// protect refuses the second before the body is read.
	protect: func(c *call, cur *racd.User) error {
		if cur.IsSuperuser && !c.p.Superuser {
			return errForbidden
		}
		return nil
	},
	changesAccess: true,
}

// defaultAvatar is what authentik shows for a user without an avatar source.
const defaultAvatar = "/static/dist/assets/images/user_default.png"

// userGroupJSON is authentik's UserGroup.
type userGroupJSON struct {
	groupHeadJSON
	Attributes json.RawMessage `json:"attributes"`
}

// userJSON is authentik's User: 2024.6's keys in the schema's order, then the keys
// newer clients read (authentik 2025.2: date_joined, password_change_date; 2025.6:
// last_updated; 2025.12: roles, roles_obj).
type userJSON struct {
	PK          int64            `json:"pk"`
	Username    string           `json:"username"`
	Name        string           `json:"name"`
	IsActive    bool             `json:"is_active"`
	LastLogin   *string          `json:"last_login"`
	IsSuperuser bool             `json:"is_superuser"`
	Groups      []string         `json:"groups"`
	GroupsObj   *[]userGroupJSON `json:"groups_obj"`
	Email       string           `json:"email"`
	Avatar      string           `json:"avatar"`
	Attributes  json.RawMessage  `json:"attributes"`
	UID         string           `json:"uid"`
	Path        string           `json:"path"`
	Type        string           `json:"type"`
	UUID        string           `json:"uuid"`

	DateJoined         string `json:"date_joined"`
	PasswordChangeDate string `json:"password_change_date"`
	LastUpdated        string `json:"last_updated"`
	// authentik 2025.12: the roles given to the user directly.
	Roles    []string    `json:"roles"`
	RolesObj *[]roleJSON `json:"roles_obj"`
}

// toUserJSON renders u; groups_obj and roles_obj are null when the request says
// ?include_groups=false and ?include_roles=false.
func toUserJSON(c *call, u *racd.User) userJSON {
	out := userJSON{
		PK: u.ID, Username: u.Username, Name: u.Name, IsActive: u.IsActive, LastLogin: optTime(u.LastLogin),
		IsSuperuser: u.IsSuperuser, Groups: []string{}, Email: u.Email,
		Avatar: defaultAvatar, Attributes: objectOrEmpty(u.Attributes), UID: c.uid(u.ID), Path: u.Path, Type: u.Type, UUID: u.UUID,
		DateJoined: isoTime(u.DateJoined), PasswordChangeDate: isoTime(u.PasswordChangeDate), LastUpdated: isoTime(u.LastUpdated),
	}
	objs := []userGroupJSON{}
	for _, g := range u.Groups {
		out.Groups = append(out.Groups, g.UUID)
	}
	for _, g := range c.shownUserGroups(u.Groups) { // (nested.go)
		objs = append(objs, userGroupJSON{groupHead(g.UUID, g.NumPK, g.Name, g.IsSuperuser, g.Parent, g.ParentName), objectOrEmpty(g.Attributes)})
	}
	qv := c.query()
	if queryFlag(qv, "include_groups", true) {
		out.GroupsObj = &objs
	}
	out.Roles = orEmpty(u.Roles)
	if queryFlag(qv, "include_roles", true) {
		rs := toRolesJSON(c.shownRoles(u.RoleObjs))
		out.RolesObj = &rs
	}
	return out
}

// userSelfJSON is authentik's UserSelf: 2024.6's keys, then roles (authentik
// 2025.12: every role the user holds, directly or through its groups, by name) and
// is_current (2026.8: whether this is the account the request acts as).
type userSelfJSON struct {
	PK                int64             `json:"pk"`
	Username          string            `json:"username"`
	Name              string            `json:"name"`
	IsActive          bool              `json:"is_active"`
	IsSuperuser       bool              `json:"is_superuser"`
	Groups            []userSelfGroup   `json:"groups"`
	Email             string            `json:"email"`
	Avatar            string            `json:"avatar"`
	UID               string            `json:"uid"`
	Settings          map[string]string `json:"settings"`
	Type              string            `json:"type"`
	SystemPermissions []string          `json:"system_permissions"`
	Roles             []userSelfGroup   `json:"roles"`
	IsCurrent         bool              `json:"is_current"`
}

// userSelfGroup is authentik's UserSelfGroups and UserSelfRoles: a name and a pk.
type userSelfGroup struct {
	Name string `json:"name"`
	PK   string `json:"pk"`
}

// sessionUserJSON is authentik's SessionUser: the user the request acts as, and
// (authentik 2026.8) every account signed in on the browser session, which in racd
// is that one user (racd has no account switching).
type sessionUserJSON struct {
	User  userSelfJSON   `json:"user"`
	Users []userSelfJSON `json:"users"`
}

// usersMe answers GET /core/users/me/ for any authenticated caller.
func usersMe(s *Server, c *call) error {
	u, err := s.store.Users().Get(c.ctx, c.p.User.ID)
	if err != nil {
		return err
	}
	held, err := s.store.HeldRoles(c.ctx, u.ID)
	if err != nil {
		return err
	}
	me := userSelfJSON{PK: u.ID, Username: u.Username, Name: u.Name, IsActive: u.IsActive, IsSuperuser: u.IsSuperuser,
		Groups: []userSelfGroup{}, Email: u.Email, Avatar: defaultAvatar, UID: c.uid(u.ID), Settings: map[string]string{},
		Type: u.Type, SystemPermissions: c.p.GlobalPermissions(), Roles: []userSelfGroup{}, IsCurrent: true}
	for _, g := range u.Groups {
		me.Groups = append(me.Groups, userSelfGroup{Name: g.Name, PK: g.UUID})
	}
	for _, r := range held {
		me.Roles = append(me.Roles, userSelfGroup{Name: r.Name, PK: r.UUID})
	}
	return s.writeJSON(c, http.StatusOK, sessionUserJSON{User: me, Users: []userSelfJSON{me}})
}
