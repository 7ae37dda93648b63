package e2e

import (
	"testing"

	api "goauthentik.io/api/v3"
)

// TestPropertyMappingLifecycle drives every RAC property-mapping route through the
// official client.
func TestPropertyMappingLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		client := r.Client(t, Token)
		c := client.PropertymappingsApi
		req := api.NewRACPropertyMappingRequest("Wallpaper", map[string]interface{}{"enable-wallpaper": "true"})
		req.SetManaged("goauthentik.io/providers/rac/rdp-wallpaper")
		wall, res, err := c.PropertymappingsRacCreate(ctx(t)).RACPropertyMappingRequest(*req).Execute()
		if err != nil || res.StatusCode != 201 {
			t.Fatalf("create: %v", err)
		}
		if wall.Component != "ak-property-mapping-rac-form" || wall.MetaModelName != "authentik_providers_rac.racpropertymapping" || wall.GetManaged() != "goauthentik.io/providers/rac/rdp-wallpaper" {
			t.Fatalf("created: %+v", wall)
		}
		dyn := api.NewRACPropertyMappingRequest("Dynamic", map[string]interface{}{})
		dyn.SetExpression(`return {"username": user.username}`)
		dm, _, err := c.PropertymappingsRacCreate(ctx(t)).RACPropertyMappingRequest(*dyn).Execute()
		if err != nil || dm.GetExpression() != `return {"username": user.username}` {
			t.Fatalf("create dynamic: %v %+v", err, dm)
		}
		names := func(l *api.PaginatedRACPropertyMappingList) []string {
			var s []string
			for _, m := range l.Results {
				s = append(s, m.Name)
			}
			return s
		}
		list := func(what string, req api.ApiPropertymappingsRacListRequest, want ...string) {
			t.Helper()
			l, _, err := req.Execute()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if got := names(l); !equal(got, want) {
				t.Errorf("%s: %v, want %v", what, got, want)
			}
		}
		list("all", c.PropertymappingsRacList(ctx(t)), "Dynamic", "Wallpaper")
		list("ordering -name", c.PropertymappingsRacList(ctx(t)).Ordering("-name"), "Wallpaper", "Dynamic")
		list("name", c.PropertymappingsRacList(ctx(t)).Name("Wallpaper"), "Wallpaper")
		list("managed", c.PropertymappingsRacList(ctx(t)).Managed([]string{"goauthentik.io/providers/rac/rdp-wallpaper"}), "Wallpaper")
		list("managed none", c.PropertymappingsRacList(ctx(t)).Managed([]string{"nope"}))
		list("search", c.PropertymappingsRacList(ctx(t)).Search("dyn"), "Dynamic")
		list("page 2", c.PropertymappingsRacList(ctx(t)).PageSize(1).Page(2), "Wallpaper")

		got, _, err := c.PropertymappingsRacRetrieve(ctx(t), wall.Pk).Execute()
		if err != nil || got.Name != "Wallpaper" || got.StaticSettings["enable-wallpaper"] != "true" {
			t.Fatalf("retrieve: %v %+v", err, got)
		}
		put := api.NewRACPropertyMappingRequest("Wallpaper off", map[string]interface{}{"enable-wallpaper": "false"})
		upd, _, err := c.PropertymappingsRacUpdate(ctx(t), wall.Pk).RACPropertyMappingRequest(*put).Execute()
		if err != nil || upd.Name != "Wallpaper off" || upd.StaticSettings["enable-wallpaper"] != "false" {
			t.Fatalf("update: %v %+v", err, upd)
		}
		name := "Wallpaper (patched)"
		patched, _, err := c.PropertymappingsRacPartialUpdate(ctx(t), wall.Pk).PatchedRACPropertyMappingRequest(api.PatchedRACPropertyMappingRequest{Name: &name}).Execute()
		if err != nil || patched.Name != name || patched.StaticSettings["enable-wallpaper"] != "false" {
			t.Fatalf("patch: %v %+v", err, patched)
		}

		// used_by lists the providers holding the mapping.
		fl, _, err := client.FlowsApi.FlowsInstancesCreate(ctx(t)).FlowRequest(*api.NewFlowRequest("Authz", "authz", "Authz", api.FLOWDESIGNATIONENUM_AUTHORIZATION)).Execute()
		if err != nil {
			t.Fatalf("flow: %v", err)
		}
		preq := api.NewRACProviderRequest("with mappings", fl.Pk)
		preq.SetPropertyMappings([]string{wall.Pk, dm.Pk})
		p, _, err := client.ProvidersApi.ProvidersRacCreate(ctx(t)).RACProviderRequest(*preq).Execute()
		if err != nil || len(p.PropertyMappings) != 2 {
			t.Fatalf("provider: %v %+v", err, p)
		}
		used, _, err := c.PropertymappingsRacUsedByList(ctx(t), wall.Pk).Execute()
		if err != nil || len(used) != 1 || used[0].ModelName != "racprovider" || used[0].Action != api.USEDBYACTIONENUM_CASCADE_MANY {
			t.Fatalf("used_by: %v %+v", err, used)
		}

		if _, err := c.PropertymappingsRacDestroy(ctx(t), wall.Pk).Execute(); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if _, res, err := c.PropertymappingsRacRetrieve(ctx(t), wall.Pk).Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("retrieve after delete: %v", err)
		}
		after, _, err := client.ProvidersApi.ProvidersRacRetrieve(ctx(t), p.Pk).Execute()
		if err != nil || !equal(after.PropertyMappings, []string{dm.Pk}) {
			t.Fatalf("provider after mapping delete: %v %+v", err, after)
		}
		list("after delete", c.PropertymappingsRacList(ctx(t)), "Dynamic")
	})
}
