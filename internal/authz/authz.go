// Package authz decides what a caller may do: authentik's Django-style permissions
// (app_label.action_model), held globally or on one object, by a user directly or
// through the roles of their groups. Superusers hold everything.
package authz

import (
	"sort"
	"strings"

	"github.com/racd/racd/internal/racd"
)

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

// ValidPermission reports whether s is a known full codename ("app.action_model", or
// one of racd.CustomPermissions).
func ValidPermission(s string) bool {
	_, ok := PermissionModel(s)
	return ok
}

// PermissionModel returns the model the full codename s applies to.
func PermissionModel(s string) (racd.Model, bool) {
	if m, ok := racd.CustomPermissions[s]; ok {
		return m, true
	}
	app, code, ok := strings.Cut(s, ".")
	if !ok {
		return racd.Model{}, false
	}
	action, model, ok := strings.Cut(code, "_")
	if !ok {
		return racd.Model{}, false
	}
	switch action {
	case racd.PermView, racd.PermAdd, racd.PermChange, racd.PermDelete:
	default:
		return racd.Model{}, false
	}
	return racd.ModelByName(app + "." + model)
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
