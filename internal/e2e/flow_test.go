package e2e

import (
	"testing"

	api "goauthentik.io/api/v3"
)

// TestFlowLifecycle drives every flow route through the official client: create, list
// with each filter, search and ordering, retrieve, update, partial update, used_by and
// delete.
func TestFlowLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		c := r.Client(t, Token).FlowsApi
		req := api.NewFlowRequest("Alpha authz", "alpha", "Alpha", api.FLOWDESIGNATIONENUM_AUTHORIZATION)
		req.SetDeniedAction(api.DENIEDACTIONENUM_CONTINUE)
		a, res, err := c.FlowsInstancesCreate(ctx(t)).FlowRequest(*req).Execute()
		if err != nil || res.StatusCode != 201 {
			t.Fatalf("create: %v", err)
		}
		if a.Slug != "alpha" || a.Designation != api.FLOWDESIGNATIONENUM_AUTHORIZATION || a.Pk == "" || a.GetDeniedAction() != api.DENIEDACTIONENUM_CONTINUE {
			t.Fatalf("created: %+v", a)
		}
		b, _, err := c.FlowsInstancesCreate(ctx(t)).FlowRequest(*api.NewFlowRequest("Beta login", "beta", "Beta", api.FLOWDESIGNATIONENUM_AUTHENTICATION)).Execute()
		if err != nil {
			t.Fatalf("create beta: %v", err)
		}
		slugs := func(l *api.PaginatedFlowList) []string {
			var s []string
			for _, f := range l.Results {
				s = append(s, f.Slug)
			}
			return s
		}
		list := func(name string, req api.ApiFlowsInstancesListRequest, want ...string) {
			t.Helper()
			l, _, err := req.Execute()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := slugs(l); !equal(got, want) {
				t.Errorf("%s: %v (count %v), want %v", name, got, l.Pagination.Count, want)
			}
		}
		list("all", c.FlowsInstancesList(ctx(t)), "alpha", "beta")
		list("ordering -slug", c.FlowsInstancesList(ctx(t)).Ordering("-slug"), "beta", "alpha")
		list("ordering designation", c.FlowsInstancesList(ctx(t)).Ordering("designation"), "beta", "alpha")
		list("designation", c.FlowsInstancesList(ctx(t)).Designation("authentication"), "beta")
		list("denied_action", c.FlowsInstancesList(ctx(t)).DeniedAction("continue"), "alpha")
		list("slug", c.FlowsInstancesList(ctx(t)).Slug("beta"), "beta")
		list("name", c.FlowsInstancesList(ctx(t)).Name("Alpha authz"), "alpha")
		list("flow_uuid", c.FlowsInstancesList(ctx(t)).FlowUuid(b.Pk), "beta")
		list("search", c.FlowsInstancesList(ctx(t)).Search("LOGIN"), "beta")
		list("search two terms", c.FlowsInstancesList(ctx(t)).Search("alpha authz"), "alpha")
		list("page size", c.FlowsInstancesList(ctx(t)).PageSize(1).Page(2), "beta")

		got, _, err := c.FlowsInstancesRetrieve(ctx(t), "alpha").Execute()
		if err != nil || got.Pk != a.Pk || got.ExportUrl != "/api/v3/flows/instances/alpha/export/" {
			t.Fatalf("retrieve: %v %+v", err, got)
		}
		put := api.NewFlowRequest("Alpha renamed", "alpha", "Alpha 2", api.FLOWDESIGNATIONENUM_AUTHORIZATION)
		upd, _, err := c.FlowsInstancesUpdate(ctx(t), "alpha").FlowRequest(*put).Execute()
		if err != nil || upd.Name != "Alpha renamed" || upd.Title != "Alpha 2" || upd.Pk != a.Pk {
			t.Fatalf("update: %v %+v", err, upd)
		}
		slug := "gamma"
		layout := api.FLOWLAYOUTENUM_SIDEBAR_LEFT
		patched, _, err := c.FlowsInstancesPartialUpdate(ctx(t), "alpha").PatchedFlowRequest(api.PatchedFlowRequest{Slug: &slug, Layout: &layout}).Execute()
		if err != nil || patched.Slug != "gamma" || patched.GetLayout() != layout || patched.Name != "Alpha renamed" {
			t.Fatalf("patch: %v %+v", err, patched)
		}
		if _, res, err := c.FlowsInstancesRetrieve(ctx(t), "alpha").Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("old slug still answers: %v", err)
		}

		// A provider that uses the flow shows up in used_by.
		p, _, err := r.Client(t, Token).ProvidersApi.ProvidersRacCreate(ctx(t)).RACProviderRequest(*api.NewRACProviderRequest("uses gamma", patched.Pk)).Execute()
		if err != nil {
			t.Fatalf("provider: %v", err)
		}
		used, _, err := c.FlowsInstancesUsedByList(ctx(t), "gamma").Execute()
		if err != nil || len(used) != 1 || used[0].ModelName != "racprovider" || used[0].Action != api.USEDBYACTIONENUM_CASCADE {
			t.Fatalf("used_by: %v %+v", err, used)
		}
		if none, _, err := c.FlowsInstancesUsedByList(ctx(t), "beta").Execute(); err != nil || len(none) != 0 {
			t.Fatalf("used_by of an unused flow: %v %+v", err, none)
		}

		if _, err := c.FlowsInstancesDestroy(ctx(t), "gamma").Execute(); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if _, res, err := r.Client(t, Token).ProvidersApi.ProvidersRacRetrieve(ctx(t), p.Pk).Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("the provider of a deleted authorization flow survived: %v", err)
		}
		list("after delete", c.FlowsInstancesList(ctx(t)), "beta")
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
