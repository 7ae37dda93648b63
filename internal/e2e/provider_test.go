package e2e

import (
	"testing"

	api "goauthentik.io/api/v3"
)

// TestProviderLifecycle drives every provider route through the official client.
func TestProviderLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		c := r.Client(t, Token)
		fl, _, err := c.FlowsApi.FlowsInstancesCreate(ctx(t)).FlowRequest(*api.NewFlowRequest("Authz", "authz", "Authorize", api.FLOWDESIGNATIONENUM_AUTHORIZATION)).Execute()
		if err != nil {
			t.Fatalf("create flow: %v", err)
		}
		p, _, err := c.ProvidersApi.ProvidersRacCreate(ctx(t)).RACProviderRequest(*api.NewRACProviderRequest("rdp", fl.Pk)).Execute()
		if err != nil {
			t.Fatalf("create provider: %v", err)
		}
		if p.GetConnectionExpiry() != "hours=8" || p.GetDeleteTokenOnDisconnect() || p.Component != "ak-provider-rac-form" {
			t.Errorf("defaults: %+v", p)
		}
		got, _, err := c.ProvidersApi.ProvidersRacRetrieve(ctx(t), p.Pk).Execute()
		if err != nil || got.Name != "rdp" {
			t.Fatalf("retrieve: %v %+v", err, got)
		}
		list, _, err := c.ProvidersApi.ProvidersRacList(ctx(t)).Search("rd").Ordering("name").Execute()
		if err != nil || list.Pagination.Count != 1 {
			t.Fatalf("list: %v %+v", err, list)
		}
		exp := "minutes=5"
		patched, _, err := c.ProvidersApi.ProvidersRacPartialUpdate(ctx(t), p.Pk).PatchedRACProviderRequest(api.PatchedRACProviderRequest{ConnectionExpiry: &exp}).Execute()
		if err != nil || patched.GetConnectionExpiry() != exp {
			t.Fatalf("patch: %v %+v", err, patched)
		}
		if _, _, err := c.ProvidersApi.ProvidersRacUsedByList(ctx(t), p.Pk).Execute(); err != nil {
			t.Fatalf("used_by: %v", err)
		}
		if _, err := c.ProvidersApi.ProvidersRacDestroy(ctx(t), p.Pk).Execute(); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if _, res, err := c.ProvidersApi.ProvidersRacRetrieve(ctx(t), p.Pk).Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("retrieve after delete: %v", err)
		}
	})
}
