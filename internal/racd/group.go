package racd

import (
	"encoding/json"
	"time"
)

// MsgGroupOwnParent is the group serializer's message for a group made its own parent.
const MsgGroupOwnParent = "Cannot set group as parent of itself."

// Group is an authentik group: members, roles (and so permissions), and an optional
// parent whose roles and superuser flag its members inherit.
type Group struct {
	UUID        string
	NumPK       int64
	Name        string
	IsSuperuser bool
	Parent      string // "" for none
	ParentName  string
	Users       []int64
	Members     []GroupMember
	Attributes  json.RawMessage
	Roles       []string
	RoleObjs    []Role
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
var GroupFields = []string{"name", "is_superuser", "parent", "users", "attributes", "roles"}

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
	Users       Opt[[]IntRef]
	Attributes  Opt[json.RawMessage] `field:"attributes" max:"65536"`
	Roles       Opt[[]Ref]

	Decoding
}

// Apply implements Input.
func (in *GroupInput) Apply(g *Group, _ bool, errs *FieldErrors) {
	applyText(errs, "name", in.Name, &g.Name)
	take(errs, "is_superuser", in.IsSuperuser, &g.IsSuperuser)
	if sent(errs, "parent", in.Parent) {
		if g.UUID != "" && in.Parent.V.ID == g.UUID {
			errs.Add("parent", MsgGroupOwnParent)
		} else {
			g.Parent = in.Parent.V.ID
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
