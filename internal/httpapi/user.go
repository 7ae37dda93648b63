package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/racd/racd/internal/racd"
)

// users is /api/v3/core/users/, by integer id.
var users = &resource[*racd.User, *racd.UserInput, int64, racd.UserQuery]{
	model: racd.UserModel, path: "/api/v3/core/users/", param: "id", key: pyInt, keyIsPK: true,
	store: func(st racd.Store) racd.Reader[*racd.User, int64, racd.UserQuery] { return st.Users() },
	order: racd.UserOrderFields,
	query: func(_ *call, lq racd.ListQuery, qv url.Values) (racd.UserQuery, error) {
		var fe racd.FieldErrors
		q := racd.UserQuery{ListQuery: lq, Username: strFilter(qv, "username"), Email: strFilter(qv, "email"), Name: strFilter(qv, "name"),
			Path: strFilter(qv, "path"), IsActive: boolFilter(qv, "is_active"), IsSuperuser: boolFilter(qv, "is_superuser"),
			UUID: uuidFilter(qv, "uuid", &fe)}
		return q, fe.Err()
	},
	decode: func(f *form) *racd.UserInput {
		return &racd.UserInput{
			Username: f.text("username", required|trim), Name: f.text("name", required|trim), IsActive: f.boolean("is_active", 0),
			Groups: f.uuidRefs("groups", 0), Email: f.text("email", trim), Attributes: f.object("attributes", jsonField),
			Path: f.text("path", trim), Type: f.choice("type", 0),
		}
	},
	wire: func(c *call, u *racd.User) any { return toUserJSON(c, u) },
	// [racd] Only superusers change anyone's groups or change or delete a superuser's
	// account: a delegated user administrator must not raise itself, nor lock out or
	// rename the administrators above it. The store holds both rules; protect refuses
	// the second before the body is read.
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
	PK          string          `json:"pk"`
	NumPK       int64           `json:"num_pk"`
	Name        string          `json:"name"`
	IsSuperuser bool            `json:"is_superuser"`
	Parent      *string         `json:"parent"`
	ParentName  *string         `json:"parent_name"`
	Attributes  json.RawMessage `json:"attributes"`
}

// userJSON is authentik's User, keys in the schema's order.
type userJSON struct {
	PK          int64           `json:"pk"`
	Username    string          `json:"username"`
	Name        string          `json:"name"`
	IsActive    bool            `json:"is_active"`
	LastLogin   *string         `json:"last_login"`
	IsSuperuser bool            `json:"is_superuser"`
	Groups      []string        `json:"groups"`
	GroupsObj   []userGroupJSON `json:"groups_obj"`
	Email       string          `json:"email"`
	Avatar      string          `json:"avatar"`
	Attributes  json.RawMessage `json:"attributes"`
	UID         string          `json:"uid"`
	Path        string          `json:"path"`
	Type        string          `json:"type"`
	UUID        string          `json:"uuid"`
}

func toUserJSON(c *call, u *racd.User) userJSON {
	out := userJSON{
		PK: u.ID, Username: u.Username, Name: u.Name, IsActive: u.IsActive, LastLogin: optTime(u.LastLogin),
		IsSuperuser: u.IsSuperuser, Groups: []string{}, GroupsObj: []userGroupJSON{}, Email: u.Email,
		Avatar: defaultAvatar, Attributes: objectOrEmpty(u.Attributes), UID: c.uid(u.ID), Path: u.Path, Type: u.Type, UUID: u.UUID,
	}
	for _, g := range u.Groups {
		out.Groups = append(out.Groups, g.UUID)
		out.GroupsObj = append(out.GroupsObj, userGroupJSON{PK: g.UUID, NumPK: g.NumPK, Name: g.Name, IsSuperuser: g.IsSuperuser,
			Parent: optStr(g.Parent), ParentName: optStr(g.ParentName), Attributes: objectOrEmpty(g.Attributes)})
	}
	return out
}

// sameSet reports whether two sets hold the same members.
func sameSet[K comparable](a, b map[K]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// userSelfJSON is authentik's UserSelf.
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
}

type userSelfGroup struct {
	Name string `json:"name"`
	PK   string `json:"pk"`
}

// usersMe answers GET /core/users/me/ for any authenticated caller.
func usersMe(s *Server, c *call) error {
	u, err := s.store.Users().Get(c.ctx, c.p.User.ID)
	if err != nil {
		return err
	}
	me := userSelfJSON{PK: u.ID, Username: u.Username, Name: u.Name, IsActive: u.IsActive, IsSuperuser: u.IsSuperuser,
		Groups: []userSelfGroup{}, Email: u.Email, Avatar: defaultAvatar, UID: c.uid(u.ID), Settings: map[string]string{},
		Type: u.Type, SystemPermissions: c.p.GlobalPermissions()}
	for _, g := range u.Groups {
		me.Groups = append(me.Groups, userSelfGroup{Name: g.Name, PK: g.UUID})
	}
	return s.writeJSON(c, http.StatusOK, map[string]any{"user": me})
}
