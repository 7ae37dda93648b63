package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// groupMemberJSON is authentik's GroupMember.
type groupMemberJSON struct {
	PK         int64           `json:"pk"`
	Username   string          `json:"username"`
	Name       string          `json:"name"`
	IsActive   bool            `json:"is_active"`
	LastLogin  *string         `json:"last_login"`
	Email      string          `json:"email"`
	Attributes json.RawMessage `json:"attributes"`
	UID        string          `json:"uid"`
}

// groupJSON is authentik's Group, keys in the schema's order.
type groupJSON struct {
	PK          string             `json:"pk"`
	NumPK       int64              `json:"num_pk"`
	Name        string             `json:"name"`
	IsSuperuser bool               `json:"is_superuser"`
	Parent      *string            `json:"parent"`
	ParentName  *string            `json:"parent_name"`
	Users       []int64            `json:"users"`
	UsersObj    *[]groupMemberJSON `json:"users_obj"`
	Attributes  json.RawMessage    `json:"attributes"`
	Roles       []string           `json:"roles"`
	RolesObj    []roleJSON         `json:"roles_obj"`
}

func toGroupJSON(g *racd.Group, includeUsers bool) groupJSON {
	out := groupJSON{PK: g.UUID, NumPK: g.NumPK, Name: g.Name, IsSuperuser: g.IsSuperuser, Parent: optStr(g.Parent),
		ParentName: optStr(g.ParentName), Users: g.Users, Attributes: objectOrEmpty(g.Attributes), Roles: g.Roles, RolesObj: []roleJSON{}}
	if out.Users == nil {
		out.Users = []int64{}
	}
	if out.Roles == nil {
		out.Roles = []string{}
	}
	for _, r := range g.RoleObjs {
		out.RolesObj = append(out.RolesObj, roleJSON{PK: r.UUID, Name: r.Name})
	}
	if includeUsers {
		ms := make([]groupMemberJSON, len(g.Members))
		for i, m := range g.Members {
			ms[i] = groupMemberJSON{PK: m.ID, Username: m.Username, Name: m.Name, IsActive: m.IsActive, LastLogin: optTime(m.LastLogin),
				Email: m.Email, Attributes: objectOrEmpty(m.Attributes), UID: userUID(m.UUID)}
		}
		out.UsersObj = &ms
	}
	return out
}

// includeUsers reads ?include_users= (default true; only "true" in any case keeps it).
func includeUsers(c *call) bool {
	v, ok := c.query()["include_users"]
	if !ok || len(v) == 0 {
		return true
	}
	return strings.EqualFold(v[len(v)-1], "true")
}

// decodeGroup reads a GroupRequest (PatchedGroupRequest when partial).
func decodeGroup(c *call, partial bool) (*racd.GroupInput, error) {
	in := &racd.GroupInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	in.Name, _ = f.str("name", true, false, true)
	in.IsSuperuser = f.boolean("is_superuser", false)
	in.Parent = f.uuidRef("parent", false, true)
	in.Users = f.intRefs("users", false)
	in.Attributes = f.object("attributes", false, func(string) string { return racd.MsgNotDictStatic })
	in.Roles = f.uuidRefs("roles", false)
	return in, nil
}

// guardGroupInput applies racd's rule for callers who are not superusers: the superuser
// flag, the parent (members inherit the parent's roles), the members and the roles of a
// group decide what its members may do, so only superusers change them.
func guardGroupInput(c *call, in *racd.GroupInput, cur *racd.Group) error {
	if c.p.Superuser {
		return nil
	}
	if cur == nil {
		cur = &racd.Group{}
	}
	if in.IsSuperuser.Set && !in.Errors.Has("is_superuser") && in.IsSuperuser.V != cur.IsSuperuser {
		if in.IsSuperuser.V || cur.UUID != "" {
			in.Errors.Add("is_superuser", "User does not have permission to set superuser status to "+pyBool(in.IsSuperuser.V)+".")
		}
	}
	if in.Parent.Set && !in.Errors.Has("parent") && in.Parent.V.ID != cur.Parent {
		return errForbidden
	}
	if in.Users.Set && !in.Errors.Has("users") {
		want := map[int64]bool{}
		for _, r := range in.Users.V {
			want[r.ID] = true
		}
		same := len(want) == len(cur.Users)
		for _, id := range cur.Users {
			same = same && want[id]
		}
		if !same {
			return errForbidden
		}
	}
	if in.Roles.Set && !in.Errors.Has("roles") {
		want := map[string]bool{}
		for _, r := range in.Roles.V {
			want[r.ID] = true
		}
		same := len(want) == len(cur.Roles)
		for _, id := range cur.Roles {
			same = same && want[id]
		}
		if !same {
			return errForbidden
		}
	}
	return nil
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func listGroups(s *Server, c *call) error {
	if err := requireList(c, racd.GroupModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, racd.GroupOrderFields)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.GroupModel.Perm(racd.PermView))
	q := racd.GroupQuery{ListQuery: lq, Name: strFilter(qv, "name"), IsSuperuser: boolFilter(qv, "is_superuser")}
	for _, v := range qv["members_by_pk"] {
		if n, ok := pyInt(v); ok {
			q.MemberIDs = append(q.MemberIDs, n)
		} else if v != "" {
			return racd.FieldError("members_by_pk", `“`+v+`” is not a valid value.`)
		}
	}
	gs, count, err := s.store.Groups().List(c.ctx, q)
	if err != nil {
		return err
	}
	inc := includeUsers(c)
	out := make([]groupJSON, len(gs))
	for i, g := range gs {
		out[i] = toGroupJSON(g, inc)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func createGroup(s *Server, c *call) error {
	if err := requireAdd(c, racd.GroupModel); err != nil {
		return err
	}
	in, err := decodeGroup(c, false)
	if err != nil {
		return err
	}
	if err := guardGroupInput(c, in, nil); err != nil {
		return err
	}
	g, err := s.store.Groups().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear()
	return s.writeJSON(c, http.StatusCreated, toGroupJSON(g, true))
}

func (s *Server) loadGroup(c *call, action string) (*racd.Group, error) {
	if err := requireList(c, racd.GroupModel); err != nil {
		return nil, err
	}
	id, ok := racd.ParseUUID(c.param("group_uuid"))
	if !ok {
		return nil, errNotFound
	}
	g, err := s.store.Groups().Get(c.ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireObject(c, racd.GroupModel, g.UUID, action); err != nil {
		return nil, err
	}
	return g, nil
}

func getGroup(s *Server, c *call) error {
	g, err := s.loadGroup(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toGroupJSON(g, includeUsers(c)))
}

func updateGroup(s *Server, c *call) error {
	g, err := s.loadGroup(c, racd.PermChange)
	if err != nil {
		return err
	}
	in, err := decodeGroup(c, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	if err := guardGroupInput(c, in, g); err != nil {
		return err
	}
	g, err = s.store.Groups().Update(c.ctx, g.UUID, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear()
	return s.writeJSON(c, http.StatusOK, toGroupJSON(g, true))
}

func deleteGroup(s *Server, c *call) error {
	g, err := s.loadGroup(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.Groups().Delete(c.ctx, g.UUID, c.audit()); err != nil {
		return err
	}
	s.auth.clear()
	return noContent(c)
}

func groupUsedBy(s *Server, c *call) error {
	g, err := s.loadGroup(c, racd.PermView)
	if err != nil {
		return err
	}
	used, err := s.store.Groups().UsedBy(c.ctx, g.UUID, c.vis())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUsedByJSON(used))
}

// groupAddUser and groupRemoveUser change one membership. authentik requires the
// add_user_to_group / remove_user_from_group permissions; racd lets superusers only
// (membership decides permissions). 204; 404 when the user does not exist.
func groupAddUser(s *Server, c *call) error    { return setGroupMember(s, c, true) }
func groupRemoveUser(s *Server, c *call) error { return setGroupMember(s, c, false) }

func setGroupMember(s *Server, c *call, member bool) error {
	g, err := s.loadGroup(c, racd.PermView)
	if err != nil {
		return err
	}
	if !c.p.Superuser {
		return errForbidden
	}
	var errs racd.FieldErrors
	f, err := readForm(c, &errs, false)
	if err != nil {
		return err
	}
	pk, _ := f.integer("pk", true, false, -1<<63, 1<<63-1)
	if err := errs.Err(); err != nil {
		return err
	}
	if err := s.store.SetGroupMember(c.ctx, g.UUID, pk.V, member, c.audit()); err != nil {
		return err
	}
	s.auth.clear()
	return noContent(c)
}
