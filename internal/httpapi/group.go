package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/racd/racd/internal/racd"
)

// groups is /api/v3/core/groups/, by UUID.
var groups = &resource[*racd.Group, *racd.GroupInput, string, racd.GroupQuery, groupJSON]{
	model: racd.GroupModel, path: "/api/v3/core/groups/", param: "group_uuid", key: uuidKey, keyIsPK: true,
	store: storeOf(racd.Store.Groups),
	query: func(f *filters) racd.GroupQuery {
		return racd.GroupQuery{ListQuery: f.lq, Name: f.str("name"), IsSuperuser: f.boolean("is_superuser"), MemberIDs: f.ints("members_by_pk")}
	},
	decode: func(f *form) *racd.GroupInput {
		return &racd.GroupInput{
			Name: f.text("name", required|trim), IsSuperuser: f.boolean("is_superuser", 0), Parent: f.uuidRef("parent", nullable),
			Parents: f.uuidRefs("parents", 0),
			Users:   f.intRefs("users", 0), Attributes: f.object("attributes", jsonField), Roles: f.uuidRefs("roles", 0),
		}
	},
	// A write answers with the members; a read only unless ?include_users= says not.
	// parents_obj, children_obj and inherited_roles_obj are null unless
	// ?include_parents=, ?include_children=, ?include_inherited_roles= ask for them
	// (authentik's defaults).
	wire: func(c *call, g *racd.Group) groupJSON {
		qv := c.query()
		return toGroupJSON(c, c.shownGroup(g), groupIncludes{
			users:          c.r.Method != http.MethodGet || queryFlag(qv, "include_users", true),
			parents:        queryFlag(qv, "include_parents", false),
			children:       queryFlag(qv, "include_children", false),
			inheritedRoles: queryFlag(qv, "include_inherited_roles", false),
		})
	},
	// Who may set a group's superuser flag, parent, members and roles, or change a
	// group that makes superusers, is the store's rule (racd.ErrForbidden).
	changesAccess: true,
}

// groupMemberJSON is authentik's GroupMember: a group's member, a connection token's user.
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

func toMemberJSON(c *call, m racd.GroupMember) groupMemberJSON {
	return groupMemberJSON{PK: m.ID, Username: m.Username, Name: m.Name, IsActive: m.IsActive, LastLogin: optTime(m.LastLogin),
		Email: m.Email, Attributes: objectOrEmpty(m.Attributes), UID: c.uid(m.ID)}
}

// groupJSON is authentik's Group, keys in the schema's order: 2024.6's, then the
// parents (2025.12), then the roles inherited and the children (2025.6, 2025.12).
type groupJSON struct {
	groupHeadJSON
	Parents           []string            `json:"parents"`
	ParentsObj        *[]relatedGroupJSON `json:"parents_obj"`
	Users             []int64             `json:"users"`
	UsersObj          *[]groupMemberJSON  `json:"users_obj"`
	Attributes        json.RawMessage     `json:"attributes"`
	Roles             []string            `json:"roles"`
	RolesObj          []roleJSON          `json:"roles_obj"`
	InheritedRolesObj *[]roleJSON         `json:"inherited_roles_obj"`
	Children          []string            `json:"children"`
	ChildrenObj       *[]relatedGroupJSON `json:"children_obj"`
}

// groupHeadJSON is the keys authentik's Group and UserGroup begin with.
type groupHeadJSON struct {
	PK          string  `json:"pk"`
	NumPK       int64   `json:"num_pk"`
	Name        string  `json:"name"`
	IsSuperuser bool    `json:"is_superuser"`
	Parent      *string `json:"parent"`
	ParentName  *string `json:"parent_name"`
}

func groupHead(uuid string, numPK int64, name string, superuser bool, parent, parentName string) groupHeadJSON {
	return groupHeadJSON{PK: uuid, NumPK: numPK, Name: name, IsSuperuser: superuser, Parent: optStr(parent), ParentName: optStr(parentName)}
}

// relatedGroupJSON is authentik's RelatedGroup (GroupChild in 2025.6 and 2025.10): a
// group's parent or child.
type relatedGroupJSON struct {
	PK          string          `json:"pk"`
	Name        string          `json:"name"`
	IsSuperuser bool            `json:"is_superuser"`
	Attributes  json.RawMessage `json:"attributes"`
	GroupUUID   string          `json:"group_uuid"`
}

func toRelatedGroupsJSON(gs []racd.RelatedGroup) *[]relatedGroupJSON {
	out := make([]relatedGroupJSON, len(gs))
	for i, g := range gs {
		out[i] = relatedGroupJSON{PK: g.UUID, Name: g.Name, IsSuperuser: g.IsSuperuser, Attributes: objectOrEmpty(g.Attributes), GroupUUID: g.UUID}
	}
	return &out
}

// groupIncludes says which of a group's optional lists an answer holds (the others
// are null).
type groupIncludes struct{ users, parents, children, inheritedRoles bool }

func toGroupJSON(c *call, g *racd.Group, inc groupIncludes) groupJSON {
	out := groupJSON{groupHeadJSON: groupHead(g.UUID, g.NumPK, g.Name, g.IsSuperuser, g.Parent, g.ParentName), Parents: orEmpty(g.Parents), Users: orEmpty(g.Users), Attributes: objectOrEmpty(g.Attributes),
		Roles: orEmpty(g.Roles), RolesObj: toRolesJSON(g.RoleObjs), Children: orEmpty(g.Children)}
	if inc.users {
		ms := make([]groupMemberJSON, len(g.Members))
		for i, m := range g.Members {
			ms[i] = toMemberJSON(c, m)
		}
		out.UsersObj = &ms
	}
	if inc.parents {
		out.ParentsObj = toRelatedGroupsJSON(g.ParentObjs)
	}
	if inc.children {
		out.ChildrenObj = toRelatedGroupsJSON(g.ChildObjs)
	}
	if inc.inheritedRoles {
		rs := toRolesJSON(g.InheritedRoleObjs)
		out.InheritedRolesObj = &rs
	}
	return out
}

// memberChange is the store's SetGroupMember or SetRoleHolder.
type memberChange func(st racd.Store, ctx context.Context, key string, userID int64, m racd.Membership, a racd.Audit) error

// setMember answers add_user (racd.Join) and remove_user (racd.Leave) of a group
// (SetGroupMember) or, from authentik 2025.12, of a role (SetRoleHolder): body
// {"pk": <user id>}, 204; 404 when the user does not exist. authentik lets holders of
// add_user_to_group / remove_user_from_group, or of change_role, do it; racd
// superusers only (membership and roles decide permissions).
func setMember(change memberChange, m racd.Membership) func(s *Server, c *call) error {
	return func(s *Server, c *call) error {
		if !c.p.Superuser {
			return errForbidden
		}
		f, err := readForm(c, false)
		if err != nil {
			return err
		}
		pk := f.integer("pk", required, -1<<63, 1<<63-1)
		if err := f.errs.Err(); err != nil {
			return err
		}
		if err := change(s.store, c.ctx, c.target.pk, pk.V, m, c.audit()); err != nil {
			return err
		}
		s.auth.clear()
		return noContent(c)
	}
}
