package storetest

import (
	"testing"

	"github.com/racd/racd/internal/racd"
)

var referenceTests = []Test{
	{"InvisibleIsMissing", testInvisibleReferences},
}

// testInvisibleReferences: when a change says what its actor may view
// (racd.Audit.Visible), a reference to an object the actor cannot view is refused
// exactly as one to an object that does not exist, for every kind of reference; once
// the actor may view the object, the same change goes through.
func testInvisibleReferences(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	m, m2 := h.Mapping("m"), h.Mapping("m2")
	f2 := h.Flow("authn", "authentication")
	p4 := h.Provider("p4", f.UUID)
	parent, parent2 := h.createGroup(groupInput("parent")), h.createGroup(groupInput("parent2"))
	ep, ep2 := h.Endpoint("desk", p.ID), h.Endpoint("desk2", p.ID)
	p2, p3 := h.Provider("p2", f.UUID), h.Provider("p3", f.UUID)
	other, other2 := h.User("other"), h.User("other2")
	grp := h.createGroup(groupInput("grp"))
	role, err := h.S.Roles().Create(h.Ctx, &racd.RoleInput{Name: racd.Some("role")}, Audit)
	if err != nil {
		t.Fatal(err)
	}
	actor := h.User("actor")
	a := Audit
	a.Visible = func(perm string) racd.Visibility { return racd.Visibility{UserID: actor, Perm: perm} }
	pk := func(id int64) string { return ref(id).Raw }
	ct, err := h.launch(ep, actor, 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, field, raw, perm, objectPK string
		write                            func(n int) error
	}{
		{"provider's flow", "authorization_flow", f.UUID, "authentik_flows.view_flow", f.UUID, func(n int) error {
			_, err := h.S.Providers().Create(h.Ctx, ProviderInput("new-"+pk(int64(n)), f.UUID), a)
			return err
		}},
		{"provider's authentication flow", "authentication_flow", f2.UUID, "authentik_flows.view_flow", f2.UUID, func(int) error {
			_, err := h.S.Providers().Update(h.Ctx, p.ID, &racd.ProviderInput{AuthenticationFlow: racd.Some(Ref(f2.UUID))}, a)
			return err
		}},
		{"endpoint's mappings", "property_mappings", m2.UUID, "authentik_providers_rac.view_racpropertymapping", m2.UUID, func(int) error {
			_, err := h.S.Endpoints().Update(h.Ctx, ep, &racd.EndpointInput{PropertyMappings: racd.Some(Refs(m2.UUID))}, a)
			return err
		}},
		{"application's provider", "provider", pk(p4.ID), "authentik_providers_rac.view_racprovider", pk(p4.ID), func(n int) error {
			_, err := h.S.Applications().Create(h.Ctx, &racd.ApplicationInput{Name: racd.Some("app"), Slug: racd.Some("papp-" + pk(int64(n))),
				Provider: racd.Some(ref(p4.ID))}, a)
			return err
		}},
		{"group's parent", "parent", parent.UUID, "authentik_core.view_group", parent.UUID, func(n int) error {
			_, err := h.S.Groups().Create(h.Ctx, &racd.GroupInput{Name: racd.Some("child-" + pk(int64(n))), Parent: racd.Some(Ref(parent.UUID))}, a)
			return err
		}},
		{"group's parents", "parents", parent2.UUID, "authentik_core.view_group", parent2.UUID, func(n int) error {
			_, err := h.S.Groups().Create(h.Ctx, &racd.GroupInput{Name: racd.Some("child2-" + pk(int64(n))), Parents: racd.Some(Refs(parent.UUID, parent2.UUID))}, a)
			return err
		}},
		{"provider's mappings", "property_mappings", m.UUID, "authentik_providers_rac.view_racpropertymapping", m.UUID, func(int) error {
			_, err := h.S.Providers().Update(h.Ctx, p.ID, &racd.ProviderInput{PropertyMappings: racd.Some(Refs(m.UUID))}, a)
			return err
		}},
		{"endpoint's provider", "provider", pk(p.ID), "authentik_providers_rac.view_racprovider", pk(p.ID), func(n int) error {
			_, err := h.S.Endpoints().Create(h.Ctx, endpointInput("ep-"+pk(int64(n)), p.ID), a)
			return err
		}},
		{"application's backchannel providers", "backchannel_providers", pk(p2.ID), "authentik_providers_rac.view_racprovider", pk(p2.ID), func(n int) error {
			_, err := h.S.Applications().Create(h.Ctx, &racd.ApplicationInput{Name: racd.Some("app"), Slug: racd.Some("app-" + pk(int64(n))),
				BackchannelProviders: racd.Some(refs(p2.ID))}, a)
			return err
		}},
		{"outpost's providers", "providers", pk(p3.ID), "authentik_providers_rac.view_racprovider", pk(p3.ID), func(n int) error {
			_, err := h.S.Outposts().Create(h.Ctx, &racd.OutpostInput{Name: racd.Some("out-" + pk(int64(n))), Type: racd.Some("rac"),
				Providers: racd.Some(refs(p3.ID)), Config: racd.Some(racd.EmptyObject)}, a)
			return err
		}},
		{"user's groups", "groups", grp.UUID, "authentik_core.view_group", grp.UUID, func(n int) error {
			in := userInput("u-" + pk(int64(n)))
			in.Groups = racd.Some(Refs(grp.UUID))
			_, err := h.S.Users().Create(h.Ctx, in, a)
			return err
		}},
		{"group's roles", "roles", role.UUID, "authentik_rbac.view_role", role.UUID, func(n int) error {
			_, err := h.S.Groups().Create(h.Ctx, &racd.GroupInput{Name: racd.Some("g-" + pk(int64(n))), Roles: racd.Some(Refs(role.UUID))}, a)
			return err
		}},
		{"group's users", "users", pk(other), "authentik_core.view_user", pk(other), func(n int) error {
			_, err := h.S.Groups().Create(h.Ctx, &racd.GroupInput{Name: racd.Some("h-" + pk(int64(n))), Users: racd.Some(refs(other))}, a)
			return err
		}},
		{"token's user", "user", pk(other2), "authentik_core.view_user", pk(other2), func(n int) error {
			_, err := h.S.Tokens().Create(h.Ctx, &racd.TokenInput{Identifier: racd.Some("t-" + pk(int64(n))), User: racd.Some(ref(other2)), Key: sealed(pk(int64(n)))}, a)
			return err
		}},
		{"connection token's endpoint", "endpoint", ep2, "authentik_providers_rac.view_endpoint", ep2, func(int) error {
			_, err := h.S.ConnectionTokens().Update(h.Ctx, ct.Token.UUID, &racd.ConnectionTokenInput{Endpoint: racd.Some(Ref(ep2))}, a)
			return err
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			WantFieldErrors(t, c.write(2*i), F(c.field, racd.MsgDoesNotExist(c.raw)))
			h.Grant(actor, c.perm, c.objectPK)
			if err := c.write(2*i + 1); err != nil {
				t.Fatalf("with view on the object: %v", err)
			}
		})
	}
}
