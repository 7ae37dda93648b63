package authz

import (
	"testing"

	"github.com/racd/racd/internal/racd"
)

func TestValidPermission(t *testing.T) {
	for perm, want := range map[string]bool{
		"authentik_providers_rac.view_racprovider":       true,
		"authentik_providers_rac.delete_connectiontoken": true,
		"authentik_core.change_user":                     true,
		"authentik_rbac.add_role":                        true,
		"authentik_providers_rac.fly_racprovider":        false,
		"authentik_providers_rac.view_nothing":           false,
		"view_racprovider":                               false,
		"authentik_core.view_racprovider":                false,
		"":                                               false,
	} {
		if got := ValidPermission(perm); got != want {
			t.Errorf("ValidPermission(%q) = %v, want %v", perm, got, want)
		}
	}
}

func TestPrincipal(t *testing.T) {
	view, change := racd.ProviderModel.Perm(racd.PermView), racd.ProviderModel.Perm(racd.PermChange)
	p := NewPrincipal(racd.User{ID: 7}, []racd.Grant{{Permission: view, ObjectPK: "1"}, {Permission: change, ObjectPK: "1"}, {Permission: racd.FlowModel.Perm(racd.PermView)}})
	cases := []struct {
		name string
		got  bool
		want bool
	}{
		{"object view", p.Can(view, "1"), true},
		{"other object", p.Can(view, "2"), false},
		{"global only asks for global", p.Can(view, ""), false},
		{"any view", p.CanAny(view), true},
		{"no delete", p.CanAny(racd.ProviderModel.Perm(racd.PermDelete)), false},
		{"global flow view", p.Can(racd.FlowModel.Perm(racd.PermView), "x"), true},
		{"nil principal", (*Principal)(nil).Can(view, "1"), false},
		{"superuser", NewPrincipal(racd.User{IsSuperuser: true}, nil).Can(racd.ProviderModel.Perm(racd.PermDelete), "9"), true},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if v := p.Visibility(view); v.All || v.UserID != 7 || v.Perm != view {
		t.Errorf("object visibility: %+v", v)
	}
	if v := p.Visibility(racd.FlowModel.Perm(racd.PermView)); !v.All {
		t.Errorf("global visibility: %+v", v)
	}
	if g := p.GlobalPermissions(); len(g) != 1 || g[0] != racd.FlowModel.Perm(racd.PermView) {
		t.Errorf("global permissions: %v", g)
	}
}
