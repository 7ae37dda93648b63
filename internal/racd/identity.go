package racd

import (
	"encoding/json"
	"slices"
	"sort"
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
var UserFields = []string{"username", "name", "is_active", "last_login", "groups", "roles", "email", "attributes", "path", "type"}

// UserOrderFields are the terms ?ordering= accepts on users.
var UserOrderFields = []string{"pk", "username", "name", "is_active", "email", "last_login", "date_joined", "path", "type", "last_updated"}

// Ref returns the user as events and used_by lists name it.
func (u *User) Ref() ObjectRef { return UserModel.Ref(itoa(u.ID), u.Username) }

// UserInput is a user create or update request after wire decoding.
type UserInput struct {
	Username   Opt[string] `field:"username" max:"150"`
	Name       Opt[string] `field:"name" max:"4096"`
	IsActive   Opt[bool]
	Groups     Opt[[]Ref]
	Roles      Opt[[]Ref]           // authentik 2025.12
	Email      Opt[string]          `field:"email" max:"254"`
	Attributes Opt[json.RawMessage] `field:"attributes" max:"65536"`
	Path       Opt[string]          `field:"path" max:"500"`
	Type       Opt[string]          `field:"type" max:"500"`

	Decoding
}

// NewUser returns a user with authentik's defaults.
func NewUser() *User {
	return &User{IsActive: true, Path: "users", Type: "internal", Attributes: EmptyObject, Roles: []string{}}
}

// Apply implements Input. The type rules differ between a new user and a stored one.
// Sent groups replace u.Groups with entries that hold only their UUIDs.
func (in *UserInput) Apply(u *User, create bool, errs *FieldErrors) {
	applyText(errs, "username", in.Username, &u.Username)
	applyBlankable(errs, "name", in.Name, &u.Name)
	take(errs, "is_active", in.IsActive, &u.IsActive)
	if sent(errs, "groups", in.Groups) {
		ids := uniqueIDs(in.Groups.V)
		u.Groups = make([]UserGroup, len(ids))
		for i, id := range ids {
			u.Groups[i] = UserGroup{UUID: id}
		}
	}
	if sent(errs, "roles", in.Roles) {
		u.Roles = uniqueIDs(in.Roles.V)
	}
	if sent(errs, "email", in.Email) {
		s := strings.TrimSpace(in.Email.V)
		switch {
		case len([]rune(s)) > 254:
			errs.Add("email", MsgMaxLength(254))
		case s != "" && !validEmail(s):
			errs.Add("email", MsgInvalidEmail)
		default:
			u.Email = s
		}
	}
	if sent(errs, "attributes", in.Attributes) {
		u.Attributes = in.Attributes.V
	}
	if sent(errs, "path", in.Path) {
		p := strings.TrimSpace(in.Path.V)
		switch {
		case p == "":
			errs.Add("path", MsgBlank)
		case p[0] == '/' || p[len(p)-1] == '/':
			errs.Add("path", MsgPathSlashes)
		case strings.Contains(p, "//"):
			errs.Add("path", MsgPathEmptySegment)
		default:
			u.Path = p
		}
	}
	if sent(errs, "type", in.Type) {
		t := in.Type.V
		switch {
		case !slices.Contains(UserTypes, t):
			errs.Add("type", MsgInvalidChoice(t))
		case !create && u.Type == "internal_service_account" && t != u.Type:
			errs.Add("type", MsgChangeInternalSA)
		case create && t == "internal_service_account":
			errs.Add("type", MsgInternalSA)
		default:
			u.Type = t
		}
	}
}

// GroupUUIDs returns the UUIDs of the user's groups, sorted.
func (u *User) GroupUUIDs() []string {
	out := make([]string, len(u.Groups))
	for i, g := range u.Groups {
		out[i] = g.UUID
	}
	sort.Strings(out)
	return out
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
	// Times filter on date_joined, last_updated and last_login (authentik 2025.6,
	// 2026.8): each bound as given, nil for none.
	DateJoined, LastUpdated, LastLogin TimeFilter
	// LastLoginIsNull keeps users who never (true) or who did (false) sign in.
	LastLoginIsNull *bool
	// RoleNames and RoleUUIDs keep users given one of these roles directly
	// (authentik 2025.12's roles_by_name, roles_by_pk); nil for no filter. A role the
	// caller may not view (RoleVisible) matches no one.
	RoleNames   []string
	RoleUUIDs   []string
	RoleVisible Visibility
}

// TimeFilter is django-filter's exact, greater-than and less-than lookups on a time.
type TimeFilter struct {
	Exact, After, Before *time.Time
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
		g.Users = uniqueInts(in.Users.V)
	}
	take(errs, "attributes", in.Attributes, &g.Attributes)
	if sent(errs, "roles", in.Roles) {
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

// Role is an RBAC role: a named set of permissions held by the users it is given to
// and by the members of the groups it is linked to.
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
	Name Opt[string] `field:"name" max:"150"`
	Decoding
}

// RoleQuery is a role list request.
type RoleQuery struct {
	ListQuery
	GroupName *string
	Name      *string // authentik 2025.10
	// UserID keeps the roles given to that user directly, or with Inherited every
	// role it holds; GroupUUID the roles of that group, or with Inherited also those
	// of its ancestors (authentik 2025.12). A user or group the caller may not view
	// holds none. ManagedIsNull and Managed: racd's roles are never managed.
	UserID        *int64
	UserVisible   Visibility
	GroupUUID     *string
	GroupVisible  Visibility
	Inherited     bool
	Managed       []string
	ManagedIsNull *bool
}

// Apply implements Input.
func (in *RoleInput) Apply(r *Role, _ bool, errs *FieldErrors) {
	applyText(errs, "name", in.Name, &r.Name)
}

// RoleFields is the role serializer's field order.
var RoleFields = []string{"name"}

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
	// Key is the new token's key as the store keeps it (create only; the API makes it).
	Key SealedKey

	Managed     Opt[string] `field:"managed" max:"500"` // "" with Set means null
	Identifier  Opt[string] `field:"identifier" max:"255"`
	Intent      Opt[string] `field:"intent" max:"500"`
	User        Opt[IntRef]
	Description Opt[string] `field:"description" max:"4096"`
	Expires     Opt[*time.Time]
	Expiring    Opt[bool]

	Decoding
}

// Apply implements Input.
func (in *TokenInput) Apply(t *Token, _ bool, errs *FieldErrors) {
	take(errs, "managed", in.Managed, &t.Managed)
	applySlug(errs, "identifier", in.Identifier, 255, &t.Identifier)
	if sent(errs, "intent", in.Intent) {
		switch in.Intent.V {
		case IntentAPI, IntentAppPassword:
			t.Intent = in.Intent.V
		case IntentVerification, IntentRecovery:
			errs.Add("intent", MsgInvalidIntent(in.Intent.V))
		default:
			errs.Add("intent", MsgInvalidChoice(in.Intent.V))
		}
	}
	if sent(errs, "user", in.User) {
		t.UserID = in.User.V.ID
	}
	take(errs, "description", in.Description, &t.Description)
	take(errs, "expires", in.Expires, &t.Expires)
	take(errs, "expiring", in.Expiring, &t.Expiring)
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
