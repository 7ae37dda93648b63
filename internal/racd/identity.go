package racd

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Exact messages of the identity serializers.
const (
	MsgUniqueField        = "This field must be unique."
	MsgInvalidEmail       = "Enter a valid email address."
	MsgPathSlashes        = "No leading or trailing slashes allowed."
	MsgPathEmptySegment   = "No empty segments in user path allowed."
	MsgInternalSA         = "Setting a user to internal service account is not allowed."
	MsgChangeInternalSA   = "Can't change internal service account to other user type."
	MsgGroupOwnParent     = "Cannot set group as parent of itself."
	MsgBadDatetime        = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	MsgPermsTogether      = "The fields model, object_pk must be used together."
	MsgGlobalPermCodename = "When assigning global permissions, codename must be given as app_label.codename"
)

// MsgInvalidIntent is authentik's message for a token intent the API may not create.
func MsgInvalidIntent(v string) string { return "Invalid intent " + v }

// UserTypes are the values of a user's type.
var UserTypes = []string{"internal", "external", "service_account", "internal_service_account"}

// UserGroup is a group as a user's groups_obj lists it.
type UserGroup struct {
	UUID        string
	NumPK       int64
	Name        string
	IsSuperuser bool
	Parent      string // "" for none
	ParentName  string // "" for none
	Attributes  json.RawMessage
}

// UserFields is the user serializer's field order.
var UserFields = []string{"username", "name", "is_active", "last_login", "groups", "email", "attributes", "path", "type"}

// UserOrderFields are the terms ?ordering= accepts on users.
var UserOrderFields = []string{"pk", "username", "name", "is_active", "email", "last_login", "date_joined", "path", "type"}

// Ref returns the user as events and used_by lists name it.
func (u *User) Ref() ObjectRef { return UserModel.Ref(itoa(u.ID), u.Username) }

// UserInput is a user create or update request after wire decoding.
type UserInput struct {
	Username   Opt[string]
	Name       Opt[string]
	IsActive   Opt[bool]
	Groups     Opt[[]Ref]
	Email      Opt[string]
	Attributes Opt[json.RawMessage]
	Path       Opt[string]
	Type       Opt[string]

	Errors FieldErrors
}

// NewUser returns a user with authentik's defaults.
func NewUser() *User {
	return &User{IsActive: true, Path: "users", Type: "internal", Attributes: EmptyObject}
}

// Apply validates the sent fields and copies the valid ones onto u; creating tells
// whether u is new (the type rules differ).
func (in *UserInput) Apply(u *User, creating bool) {
	e := &in.Errors
	if in.Username.Set && !e.Has("username") {
		s := strings.TrimSpace(in.Username.V)
		switch {
		case s == "":
			e.Add("username", MsgBlank)
		case len([]rune(s)) > 150:
			e.Add("username", MsgMaxLength(150))
		default:
			u.Username = s
		}
	}
	if in.Name.Set && !e.Has("name") {
		u.Name = strings.TrimSpace(in.Name.V)
	}
	if in.IsActive.Set && !e.Has("is_active") {
		u.IsActive = in.IsActive.V
	}
	if in.Email.Set && !e.Has("email") {
		s := strings.TrimSpace(in.Email.V)
		switch {
		case len([]rune(s)) > 254:
			e.Add("email", MsgMaxLength(254))
		case s != "" && !validEmail(s):
			e.Add("email", MsgInvalidEmail)
		default:
			u.Email = s
		}
	}
	if in.Attributes.Set && !e.Has("attributes") {
		u.Attributes = in.Attributes.V
	}
	if in.Path.Set && !e.Has("path") {
		p := strings.TrimSpace(in.Path.V)
		switch {
		case p == "":
			e.Add("path", MsgBlank)
		case p[0] == '/' || p[len(p)-1] == '/':
			e.Add("path", MsgPathSlashes)
		case strings.Contains(p, "//"):
			e.Add("path", MsgPathEmptySegment)
		default:
			u.Path = p
		}
	}
	if in.Type.Set && !e.Has("type") {
		t := in.Type.V
		valid := false
		for _, c := range UserTypes {
			valid = valid || c == t
		}
		switch {
		case !valid:
			e.Add("type", MsgInvalidChoice(t))
		case !creating && u.Type == "internal_service_account" && t != u.Type:
			e.Add("type", MsgChangeInternalSA)
		case creating && t == "internal_service_account":
			e.Add("type", MsgInternalSA)
		default:
			u.Type = t
		}
	}
}

// validEmail is a pragmatic form of Django's EmailValidator: one @, a non-empty local
// part without spaces, and a domain of dot-separated labels (or localhost).
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(s, " \t\r\n\"<>()[],;:\\") || strings.Contains(domain, "@") {
		return false
	}
	if domain == "localhost" {
		return true
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	return true
}

// UserQuery is a user list request.
type UserQuery struct {
	ListQuery
	Username    *string
	Email       *string
	Name        *string
	IsActive    *bool
	IsSuperuser *bool
	Path        *string
	UUID        *string
	IDs         []int64 // when non-nil, only these users
}

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
	Name        Opt[string]
	IsSuperuser Opt[bool]
	Parent      Opt[Ref]
	Users       Opt[[]IntRef]
	Attributes  Opt[json.RawMessage]
	Roles       Opt[[]Ref]

	Errors FieldErrors
}

// Apply validates the sent fields and copies the valid ones onto g.
func (in *GroupInput) Apply(g *Group) {
	e := &in.Errors
	if in.Name.Set && !e.Has("name") {
		s := strings.TrimSpace(in.Name.V)
		switch {
		case s == "":
			e.Add("name", MsgBlank)
		case len([]rune(s)) > 80:
			e.Add("name", MsgMaxLength(80))
		default:
			g.Name = s
		}
	}
	if in.IsSuperuser.Set && !e.Has("is_superuser") {
		g.IsSuperuser = in.IsSuperuser.V
	}
	if in.Parent.Set && !e.Has("parent") {
		if g.UUID != "" && in.Parent.V.ID == g.UUID {
			e.Add("parent", MsgGroupOwnParent)
		} else {
			g.Parent = in.Parent.V.ID
		}
	}
	if in.Users.Set && !e.Has("users") {
		g.Users = uniqueInts(in.Users.V)
	}
	if in.Attributes.Set && !e.Has("attributes") {
		g.Attributes = in.Attributes.V
	}
	if in.Roles.Set && !e.Has("roles") {
		g.Roles = uniqueIDs(in.Roles.V)
	}
}

// GroupQuery is a group list request.
type GroupQuery struct {
	ListQuery
	Name        *string
	IsSuperuser *bool
	MemberIDs   []int64
}

// Role is an RBAC role: a named set of permissions held by the members of the groups
// it is linked to.
type Role struct {
	UUID string
	Name string
}

// Ref returns the role as events and used_by lists name it.
func (r *Role) Ref() ObjectRef {
	return RoleModel.Ref(r.UUID, RoleModel.Titled(r.Name))
}

// RoleInput is a role create or update request.
type RoleInput struct {
	Name   Opt[string]
	Errors FieldErrors
}

// RoleQuery is a role list request.
type RoleQuery struct {
	ListQuery
	GroupName *string
}

// Apply validates the name and copies it onto r.
func (in *RoleInput) Apply(r *Role) {
	if in.Name.Set && !in.Errors.Has("name") {
		s := strings.TrimSpace(in.Name.V)
		switch {
		case s == "":
			in.Errors.Add("name", MsgBlank)
		case len([]rune(s)) > 150:
			in.Errors.Add("name", MsgMaxLength(150))
		default:
			r.Name = s
		}
	}
}

// Token is an authentik token (API tokens authenticate requests). Its key is never
// part of it: the store keeps only the keyed hash and the sealed key.
type Token struct {
	UUID        string
	Managed     string // "" for null
	Identifier  string
	Intent      string
	UserID      int64
	User        *User // the owner, for user_obj
	Description string
	Expires     *time.Time
	Expiring    bool
}

// Ref returns the token as events and used_by lists name it.
func (t *Token) Ref() ObjectRef {
	return TokenModel.Ref(t.UUID, TokenModel.Titled(t.Identifier))
}

// TokenFields is the token serializer's field order.
var TokenFields = []string{"managed", "identifier", "intent", "user", "description", "expires", "expiring"}

// TokenOrderFields are the terms ?ordering= accepts on tokens.
var TokenOrderFields = []string{"pk", "identifier", "intent", "user", "description", "expires", "expiring", "managed"}

// DefaultTokenLifetime is how long an expiring token lives when created without expires.
const DefaultTokenLifetime = 30 * time.Minute

// TokenInput is a token create or update request after wire decoding.
type TokenInput struct {
	Managed     Opt[string] // "" with Set means null
	Identifier  Opt[string]
	Intent      Opt[string]
	User        Opt[IntRef]
	Description Opt[string]
	Expires     Opt[*time.Time]
	Expiring    Opt[bool]

	Errors FieldErrors
}

// Apply validates the sent fields and copies the valid ones onto t.
func (in *TokenInput) Apply(t *Token) {
	e := &in.Errors
	if in.Managed.Set && !e.Has("managed") {
		t.Managed = in.Managed.V
	}
	if in.Identifier.Set && !e.Has("identifier") {
		if s, ok := ValidateSlug(e, "identifier", in.Identifier.V, 255); ok {
			t.Identifier = s
		}
	}
	if in.Intent.Set && !e.Has("intent") {
		switch in.Intent.V {
		case IntentAPI, IntentAppPassword:
			t.Intent = in.Intent.V
		case IntentVerification, IntentRecovery:
			e.Add("intent", MsgInvalidIntent(in.Intent.V))
		default:
			e.Add("intent", MsgInvalidChoice(in.Intent.V))
		}
	}
	if in.User.Set && !e.Has("user") {
		t.UserID = in.User.V.ID
	}
	if in.Description.Set && !e.Has("description") {
		t.Description = in.Description.V
	}
	if in.Expires.Set && !e.Has("expires") {
		t.Expires = in.Expires.V
	}
	if in.Expiring.Set && !e.Has("expiring") {
		t.Expiring = in.Expiring.V
	}
}

// TokenQuery is a token list request.
type TokenQuery struct {
	ListQuery
	OwnerID      *int64 // non-superusers see only their own tokens
	Identifier   *string
	Intent       *string
	UserUsername *string
	Description  *string
	Expiring     *bool
	Managed      *string
}

// PermissionHolder names who receives a permission: a user or a role.
type PermissionHolder struct {
	UserID   int64
	RoleUUID string
}

// IdentityStore keeps users, groups, roles, tokens and permission grants. Every change
// records an event in its transaction.
type IdentityStore interface {
	CreateUser(ctx context.Context, in *UserInput, a Audit) (*User, error)
	GetUser(ctx context.Context, id int64) (*User, error)
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	ListUsers(ctx context.Context, q UserQuery) ([]*User, int, error)
	UpdateUser(ctx context.Context, id int64, in *UserInput, a Audit) (*User, error)
	DeleteUser(ctx context.Context, id int64, a Audit) error
	UserUsedBy(ctx context.Context, id int64, vis func(perm string) Visibility) ([]UsedBy, error)
	// CreateSuperuser creates a user that is a member of a superuser group (the
	// operator CLI's --superuser).
	CreateSuperuser(ctx context.Context, in *UserInput, a Audit) (*User, error)

	CreateGroup(ctx context.Context, in *GroupInput, a Audit) (*Group, error)
	GetGroup(ctx context.Context, uuid string) (*Group, error)
	ListGroups(ctx context.Context, q GroupQuery) ([]*Group, int, error)
	UpdateGroup(ctx context.Context, uuid string, in *GroupInput, a Audit) (*Group, error)
	DeleteGroup(ctx context.Context, uuid string, a Audit) error
	GroupUsedBy(ctx context.Context, uuid string, vis func(perm string) Visibility) ([]UsedBy, error)
	// SetGroupMember adds (member true) or removes a user; ErrNotFound when the user
	// does not exist.
	SetGroupMember(ctx context.Context, uuid string, userID int64, member bool, a Audit) error

	CreateRole(ctx context.Context, in *RoleInput, a Audit) (*Role, error)
	GetRole(ctx context.Context, uuid string) (*Role, error)
	ListRoles(ctx context.Context, q RoleQuery) ([]*Role, int, error)
	UpdateRole(ctx context.Context, uuid string, in *RoleInput, a Audit) (*Role, error)
	DeleteRole(ctx context.Context, uuid string, a Audit) error

	// CreateToken stores a token with the sealed key; in.User must be set.
	CreateToken(ctx context.Context, in *TokenInput, key SealedKey, a Audit) (*Token, error)
	GetToken(ctx context.Context, identifier string) (*Token, error)
	ListTokens(ctx context.Context, q TokenQuery) ([]*Token, int, error)
	UpdateToken(ctx context.Context, identifier string, in *TokenInput, a Audit) (*Token, error)
	DeleteToken(ctx context.Context, identifier string, a Audit) error
	// TokenKey returns the sealed key of a token and records a secret_view event.
	TokenKey(ctx context.Context, identifier string, a Audit) ([]byte, error)

	// AssignPermissions grants perms (full codenames) to h, on objectPK ("" = globally);
	// UnassignPermissions revokes them. ErrNotFound when the holder does not exist.
	AssignPermissions(ctx context.Context, h PermissionHolder, perms []string, objectPK string, a Audit) error
	UnassignPermissions(ctx context.Context, h PermissionHolder, perms []string, objectPK string, a Audit) error
	// ObjectExists reports whether the object of model ("app.model") with primary key
	// pk exists, and returns the key in the canonical form grants store.
	ObjectExists(ctx context.Context, model, pk string) (canonical string, ok bool, err error)
}
