// Package authz decides what a caller may do: authentik's Django-style permissions
// (app_label.action_model), held globally or on one object, by a user directly or
// through the roles of their groups. Superusers hold everything.
package authz

import (
	"sort"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// Actions of the four standard permissions.
const (
	View   = "view"
	Add    = "add"
	Change = "change"
	Delete = "delete"
)

// Model names a model by app label and model name, e.g.
// authentik_providers_rac.racprovider.
type Model struct {
	App  string
	Name string
}

// Perm returns the full codename of action on m, e.g. authentik_providers_rac.view_racprovider.
func (m Model) Perm(action string) string { return m.App + "." + action + "_" + m.Name }

// String returns "app.model".
func (m Model) String() string { return m.App + "." + m.Name }

// The models racd serves.
var (
	Provider        = Model{App: "authentik_providers_rac", Name: "racprovider"}
	Endpoint        = Model{App: "authentik_providers_rac", Name: "endpoint"}
	ConnectionToken = Model{App: "authentik_providers_rac", Name: "connectiontoken"}
	PropertyMapping = Model{App: "authentik_providers_rac", Name: "racpropertymapping"}
	Flow            = Model{App: "authentik_flows", Name: "flow"}
	Application     = Model{App: "authentik_core", Name: "application"}
	Outpost         = Model{App: "authentik_outposts", Name: "outpost"}
	User            = Model{App: "authentik_core", Name: "user"}
	Group           = Model{App: "authentik_core", Name: "group"}
	Token           = Model{App: "authentik_core", Name: "token"}
	Role            = Model{App: "authentik_rbac", Name: "role"}
	Event           = Model{App: "authentik_events", Name: "event"}
)

// Models lists every model permissions can be assigned on.
var Models = []Model{Provider, Endpoint, ConnectionToken, PropertyMapping, Flow, Application, Outpost, User, Group, Token, Role, Event}

// ModelByName finds a model by "app.model".
func ModelByName(s string) (Model, bool) {
	for _, m := range Models {
		if m.String() == s {
			return m, true
		}
	}
	return Model{}, false
}

// Principal is an authenticated caller and what it holds.
type Principal struct {
	User      racd.User
	Superuser bool
	global    map[string]bool
	objects   map[string]map[string]bool // permission → object pks
}

// NewPrincipal builds a principal from the user and its grants.
func NewPrincipal(u racd.User, grants []racd.Grant) *Principal {
	p := &Principal{User: u, Superuser: u.IsSuperuser, global: map[string]bool{}, objects: map[string]map[string]bool{}}
	for _, g := range grants {
		if g.ObjectPK == "" {
			p.global[g.Permission] = true
			continue
		}
		set := p.objects[g.Permission]
		if set == nil {
			set = map[string]bool{}
			p.objects[g.Permission] = set
		}
		set[g.ObjectPK] = true
	}
	return p
}

// Can reports whether p holds perm globally or on the object with primary key pk
// ("" asks for a global grant only).
func (p *Principal) Can(perm, pk string) bool {
	if p == nil {
		return false
	}
	if p.Superuser || p.global[perm] {
		return true
	}
	return pk != "" && p.objects[perm][pk]
}

// CanAny reports whether p holds perm globally or on at least one object.
func (p *Principal) CanAny(perm string) bool {
	if p == nil {
		return false
	}
	return p.Superuser || p.global[perm] || len(p.objects[perm]) > 0
}

// Visibility returns the filter a list applies for perm.
func (p *Principal) Visibility(perm string) racd.Visibility {
	if p.Superuser || p.global[perm] {
		return racd.Everything
	}
	return racd.Visibility{UserID: p.User.ID, Perm: perm}
}

// ViewVisibility maps a view permission to the caller's visibility; used for used_by.
func (p *Principal) ViewVisibility(perm string) racd.Visibility { return p.Visibility(perm) }

// ValidPermission reports whether s is a known full codename ("app.action_model").
func ValidPermission(s string) bool {
	app, code, ok := strings.Cut(s, ".")
	if !ok {
		return false
	}
	action, model, ok := strings.Cut(code, "_")
	if !ok {
		return false
	}
	switch action {
	case View, Add, Change, Delete:
	default:
		return false
	}
	_, ok = ModelByName(app + "." + model)
	return ok
}

// GlobalPermissions returns the codenames p holds globally, sorted (superusers: none
// are listed; they hold everything).
func (p *Principal) GlobalPermissions() []string {
	out := make([]string, 0, len(p.global))
	for perm := range p.global {
		out = append(out, perm)
	}
	sort.Strings(out)
	return out
}
