package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/racd/racd/internal/racd"
)

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

// pyTime renders a time as DRF does: ISO 8601 in UTC with Z, microseconds when non-zero.
func pyTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

func optTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := pyTime(*t)
	return &s
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func objectOrEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return racd.EmptyObject
	}
	return b
}

// userUID is a stable opaque identifier of a user (authentik hashes its install id
// and the user's pk; racd hashes the user's UUID).
func userUID(uuid string) string {
	h := sha256.Sum256([]byte("racd-user-" + uuid))
	return hex.EncodeToString(h[:])
}

func toUserJSON(u *racd.User) userJSON {
	out := userJSON{
		PK: u.ID, Username: u.Username, Name: u.Name, IsActive: u.IsActive, LastLogin: optTime(u.LastLogin),
		IsSuperuser: u.IsSuperuser, Groups: []string{}, GroupsObj: []userGroupJSON{}, Email: u.Email,
		Avatar: defaultAvatar, Attributes: objectOrEmpty(u.Attributes), UID: userUID(u.UUID), Path: u.Path, Type: u.Type, UUID: u.UUID,
	}
	for _, g := range u.Groups {
		out.Groups = append(out.Groups, g.UUID)
		out.GroupsObj = append(out.GroupsObj, userGroupJSON{PK: g.UUID, NumPK: g.NumPK, Name: g.Name, IsSuperuser: g.IsSuperuser,
			Parent: optStr(g.Parent), ParentName: optStr(g.ParentName), Attributes: objectOrEmpty(g.Attributes)})
	}
	return out
}

// decodeUser reads a UserRequest (PatchedUserRequest when partial).
func decodeUser(c *call, partial bool) (*racd.UserInput, error) {
	in := &racd.UserInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	in.Username, _ = f.str("username", true, false, true)
	in.Name, _ = f.str("name", true, false, true)
	in.IsActive = f.boolean("is_active", false)
	in.Groups = f.uuidRefs("groups", false)
	in.Email, _ = f.str("email", false, false, true)
	in.Attributes = f.object("attributes", false, func(string) string { return racd.MsgNotDictStatic })
	in.Path, _ = f.str("path", false, false, true)
	in.Type = f.choice("type", false)
	return in, nil
}

// groupsChange reports whether in changes the user's group memberships.
func groupsChange(in *racd.UserInput, current []racd.UserGroup) bool {
	if !in.Groups.Set {
		return false
	}
	cur := map[string]bool{}
	for _, g := range current {
		cur[g.UUID] = true
	}
	want := map[string]bool{}
	for _, r := range in.Groups.V {
		want[r.ID] = true
	}
	if len(cur) != len(want) {
		return true
	}
	for id := range want {
		if !cur[id] {
			return true
		}
	}
	return false
}

func listUsers(s *Server, c *call) error {
	if err := requireList(c, racd.UserModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, racd.UserOrderFields)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.UserModel.Perm(racd.PermView))
	q := racd.UserQuery{ListQuery: lq, Username: strFilter(qv, "username"), Email: strFilter(qv, "email"), Name: strFilter(qv, "name"),
		Path: strFilter(qv, "path"), IsActive: boolFilter(qv, "is_active"), IsSuperuser: boolFilter(qv, "is_superuser")}
	if v := strFilter(qv, "uuid"); v != nil {
		id, ok := racd.ParseUUID(*v)
		if !ok {
			return racd.FieldError("uuid", "Enter a valid UUID.")
		}
		q.UUID = &id
	}
	us, count, err := s.store.Users().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]userJSON, len(us))
	for i, u := range us {
		out[i] = toUserJSON(u)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func createUser(s *Server, c *call) error {
	if err := requireAdd(c, racd.UserModel); err != nil {
		return err
	}
	in, err := decodeUser(c, false)
	if err != nil {
		return err
	}
	// [racd] Group memberships decide what a user may do; only superusers set them.
	if !c.p.Superuser && groupsChange(in, nil) {
		return errForbidden
	}
	u, err := s.store.Users().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear()
	return s.writeJSON(c, http.StatusCreated, toUserJSON(u))
}

func (s *Server) loadUser(c *call, action string) (*racd.User, error) {
	if err := requireList(c, racd.UserModel); err != nil {
		return nil, err
	}
	id, ok := pyInt(c.param("id"))
	if !ok {
		return nil, errNotFound
	}
	u, err := s.store.Users().Get(c.ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireObject(c, racd.UserModel, strconv.FormatInt(id, 10), action); err != nil {
		return nil, err
	}
	// [racd] Only superusers change or delete a superuser's account: a delegated user
	// administrator must not lock out or rename the administrators above it.
	if action != racd.PermView && u.IsSuperuser && !c.p.Superuser {
		return nil, errForbidden
	}
	return u, nil
}

func getUser(s *Server, c *call) error {
	u, err := s.loadUser(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUserJSON(u))
}

func updateUser(s *Server, c *call) error {
	u, err := s.loadUser(c, racd.PermChange)
	if err != nil {
		return err
	}
	in, err := decodeUser(c, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	if !c.p.Superuser && groupsChange(in, u.Groups) {
		return errForbidden
	}
	u, err = s.store.Users().Update(c.ctx, u.ID, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear()
	return s.writeJSON(c, http.StatusOK, toUserJSON(u))
}

func deleteUser(s *Server, c *call) error {
	u, err := s.loadUser(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.Users().Delete(c.ctx, u.ID, c.audit()); err != nil {
		return err
	}
	s.auth.clear()
	return noContent(c)
}

func userUsedBy(s *Server, c *call) error {
	u, err := s.loadUser(c, racd.PermView)
	if err != nil {
		return err
	}
	used, err := s.store.Users().UsedBy(c.ctx, u.ID, c.vis())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUsedByJSON(used))
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
		Groups: []userSelfGroup{}, Email: u.Email, Avatar: defaultAvatar, UID: userUID(u.UUID), Settings: map[string]string{},
		Type: u.Type, SystemPermissions: c.p.GlobalPermissions()}
	for _, g := range u.Groups {
		me.Groups = append(me.Groups, userSelfGroup{Name: g.Name, PK: g.UUID})
	}
	return s.writeJSON(c, http.StatusOK, map[string]any{"user": me})
}
