package racd

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"
)

// Exact messages of the user serializer.
const (
	MsgUniqueField      = "This field must be unique."
	MsgInvalidEmail     = "Enter a valid email address."
	MsgPathSlashes      = "No leading or trailing slashes allowed."
	MsgPathEmptySegment = "No empty segments in user path allowed."
	MsgInternalSA       = "Setting a user to internal service account is not allowed."
	MsgChangeInternalSA = "Can't change internal service account to other user type."
)

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
		ids := uniqueKeys(in.Groups.V, Ref.Key)
		u.Groups = make([]UserGroup, len(ids))
		for i, id := range ids {
			u.Groups[i] = UserGroup{UUID: id}
		}
	}
	if sent(errs, "roles", in.Roles) {
		u.Roles = uniqueKeys(in.Roles.V, Ref.Key)
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
	// caller may not view (ListQuery.Related) matches no one.
	RoleNames []string
	RoleUUIDs []string
}

// TimeFilter is django-filter's exact, greater-than and less-than lookups on a time.
type TimeFilter struct {
	Exact, After, Before *time.Time
}
