package racd

import (
	"encoding/json"
	"slices"
	"time"
)

// MsgGroupOwnParent is the group serializer's message for a group made its own parent.
const MsgGroupOwnParent = "Cannot set group as parent of itself."

// MsgParentNotInParents refuses a `parent` sent beside `parents` that says otherwise.
const MsgParentNotInParents = "When parents is sent, parent must be null, one of parents, or the parent shown now."

// Group is an authentik group: members, roles (and so permissions), and parents
// (authentik 2025.12; 2024.6 had at most one) whose roles and superuser flag its
// members inherit, as they do those of every further ancestor.
//
// authentik 2024.6's single `parent` is the first parent by name: Parent and
// ParentName are Parents[0] and ParentObjs[0]'s name, "" for a group without parents.
// Writing `parent` the value it shows leaves the parents as they are (so a 2024.6
// client's read-modify-write keeps a second parent); writing another group makes it
// the only parent, and null removes every parent.
type Group struct {
	UUID        string
	NumPK       int64
	Name        string
	IsSuperuser bool
	Parent      string // "" for none
	ParentName  string
	Parents     []string // by name; the stored order of a written object until it is read back
	ParentObjs  []RelatedGroup
	Users       []int64
	Members     []GroupMember
	Attributes  json.RawMessage
	Roles       []string
	RoleObjs    []Role
	// InheritedRoleObjs are the roles of the group's ancestors (not its own), by name.
	InheritedRoleObjs []Role
	// Children are the groups that have this one among their parents, by name.
	Children  []string
	ChildObjs []RelatedGroup
}

// RelatedGroup is a parent or child as a group lists it (authentik's RelatedGroup,
// GroupChild before 2025.12).
type RelatedGroup struct {
	UUID        string
	Name        string
	IsSuperuser bool
	Attributes  json.RawMessage
}

// GroupMember is a user as a group's users_obj lists it.
type GroupMember struct {
	ID         int64
	UUID       string
	Username   string
	Name       string
	IsActive   bool
	LastLogin  *time.Time
	Email      string
	Attributes json.RawMessage
}

// GroupFields is the group serializer's field order.
var GroupFields = []string{"name", "is_superuser", "parent", "parents", "users", "attributes", "roles"}

// GroupOrderFields are the terms ?ordering= accepts on groups.
var GroupOrderFields = []string{"pk", "name", "is_superuser", "num_pk"}

// Ref returns the group as events and used_by lists name it.
func (g *Group) Ref() ObjectRef {
	return GroupModel.Ref(g.UUID, GroupModel.Titled(g.Name))
}

// GroupInput is a group create or update request after wire decoding.
type GroupInput struct {
	Name        Opt[string] `field:"name" max:"80"`
	IsSuperuser Opt[bool]
	Parent      Opt[Ref]
	Parents     Opt[[]Ref] // authentik 2025.12
	Users       Opt[[]IntRef]
	Attributes  Opt[json.RawMessage] `field:"attributes" max:"65536"`
	Roles       Opt[[]Ref]

	Decoding
}

// Apply implements Input.
func (in *GroupInput) Apply(g *Group, _ bool, errs *FieldErrors) {
	applyText(errs, "name", in.Name, &g.Name)
	take(errs, "is_superuser", in.IsSuperuser, &g.IsSuperuser)
	shown := g.Parent // what a 2024.6 client reads as parent now
	if sent(errs, "parents", in.Parents) {
		ps := uniqueKeys(in.Parents.V, Ref.Key)
		if g.UUID != "" && slices.Contains(ps, g.UUID) {
			errs.Add("parents", MsgGroupOwnParent)
		} else {
			g.Parents = ps
		}
	}
	if sent(errs, "parent", in.Parent) {
		p := in.Parent.V.ID
		switch {
		case g.UUID != "" && p == g.UUID:
			errs.Add("parent", MsgGroupOwnParent)
		case in.Parents.Set:
			// parents decides; parent may only agree with it.
			if p != "" && p != shown && !slices.Contains(g.Parents, p) {
				errs.Add("parent", MsgParentNotInParents)
			}
		case p == shown: // sent back as read: the parents stay
		case p == "":
			g.Parents = []string{}
		default:
			g.Parents = []string{p}
		}
	}
	if sent(errs, "users", in.Users) {
		g.Users = uniqueKeys(in.Users.V, IntRef.Key)
	}
	take(errs, "attributes", in.Attributes, &g.Attributes)
	if sent(errs, "roles", in.Roles) {
		g.Roles = uniqueKeys(in.Roles.V, Ref.Key)
	}
}

// GroupQuery is a group list request.
type GroupQuery struct {
	ListQuery
	Name        *string
	IsSuperuser *bool
	MemberIDs   []int64
}
