package e2e

import (
	"testing"

	api "goauthentik.io/api/v3"
)

// TestProviderUpdateUsedByAndFilters covers the provider routes TestProviderLifecycle
// leaves out: PUT (optional fields keep their values), used_by listing property
// mappings, and the application__isnull / name__iexact / ordering list parameters.
func TestProviderUpdateUsedByAndFilters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		client := r.Client(t, Token)
		c := client.ProvidersApi
		authz, _, err := client.FlowsApi.FlowsInstancesCreate(ctx(t)).FlowRequest(*api.NewFlowRequest("Authz", "authz", "Authz", api.FLOWDESIGNATIONENUM_AUTHORIZATION)).Execute()
		if err != nil {
			t.Fatalf("flow: %v", err)
		}
		authn, _, err := client.FlowsApi.FlowsInstancesCreate(ctx(t)).FlowRequest(*api.NewFlowRequest("Authn", "authn", "Authn", api.FLOWDESIGNATIONENUM_AUTHENTICATION)).Execute()
		if err != nil {
			t.Fatalf("flow: %v", err)
		}
		pm, _, err := client.PropertymappingsApi.PropertymappingsRacCreate(ctx(t)).RACPropertyMappingRequest(*api.NewRACPropertyMappingRequest("Mapping A", map[string]interface{}{"a": "1"})).Execute()
		if err != nil {
			t.Fatalf("mapping: %v", err)
		}

		req := api.NewRACProviderRequest("Desktop", authz.Pk)
		req.SetAuthenticationFlow(authn.Pk)
		req.SetPropertyMappings([]string{pm.Pk})
		req.SetSettings(map[string]interface{}{"resize-method": "display-update"})
		req.SetConnectionExpiry("hours=2")
		desk, _, err := c.ProvidersRacCreate(ctx(t)).RACProviderRequest(*req).Execute()
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if _, _, err := c.ProvidersRacCreate(ctx(t)).RACProviderRequest(*api.NewRACProviderRequest("server", authz.Pk)).Execute(); err != nil {
			t.Fatalf("create server: %v", err)
		}

		// PUT with only the required fields keeps the optional ones.
		put, _, err := c.ProvidersRacUpdate(ctx(t), desk.Pk).RACProviderRequest(*api.NewRACProviderRequest("Desktop 2", authz.Pk)).Execute()
		if err != nil {
			t.Fatalf("put: %v", err)
		}
		if put.Name != "Desktop 2" || put.GetConnectionExpiry() != "hours=2" || put.GetAuthenticationFlow() != authn.Pk || !equal(put.PropertyMappings, []string{pm.Pk}) {
			t.Fatalf("put: %+v", put)
		}
		// PUT that changes every field.
		full := api.NewRACProviderRequest("Desktop 3", authz.Pk)
		full.SetAuthenticationFlowNil()
		full.SetPropertyMappings([]string{})
		full.SetDeleteTokenOnDisconnect(true)
		full.SetConnectionExpiry("minutes=30")
		put, _, err = c.ProvidersRacUpdate(ctx(t), desk.Pk).RACProviderRequest(*full).Execute()
		if err != nil {
			t.Fatalf("full put: %v", err)
		}
		if put.GetAuthenticationFlow() != "" || len(put.PropertyMappings) != 0 || !put.GetDeleteTokenOnDisconnect() || put.GetConnectionExpiry() != "minutes=30" {
			t.Fatalf("full put: %+v", put)
		}
		if _, res, err := c.ProvidersRacUpdate(ctx(t), 999999).RACProviderRequest(*full).Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("put unknown id: %v", err)
		}

		// used_by lists the provider's property mappings.
		mapped := api.PatchedRACProviderRequest{PropertyMappings: []string{pm.Pk}}
		if _, _, err := c.ProvidersRacPartialUpdate(ctx(t), desk.Pk).PatchedRACProviderRequest(mapped).Execute(); err != nil {
			t.Fatalf("patch mappings: %v", err)
		}
		used, _, err := c.ProvidersRacUsedByList(ctx(t), desk.Pk).Execute()
		if err != nil || len(used) != 1 {
			t.Fatalf("used_by: %v %+v", err, used)
		}
		if u := used[0]; u.App != "authentik_core" || u.ModelName != "propertymapping" || u.Pk != pm.Pk || u.Name != "Property Mapping Mapping A" || u.Action != api.USEDBYACTIONENUM_CASCADE_MANY {
			t.Fatalf("used_by entry: %+v", u)
		}

		names := func(req api.ApiProvidersRacListRequest) []string {
			t.Helper()
			l, _, err := req.Execute()
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			var s []string
			for _, p := range l.Results {
				s = append(s, p.Name)
			}
			return s
		}
		cases := []struct {
			what string
			req  api.ApiProvidersRacListRequest
			want []string
		}{
			{"default ordering", c.ProvidersRacList(ctx(t)), []string{"Desktop 3", "server"}},
			{"-name", c.ProvidersRacList(ctx(t)).Ordering("-name"), []string{"server", "Desktop 3"}},
			{"-pk", c.ProvidersRacList(ctx(t)).Ordering("-pk"), []string{"server", "Desktop 3"}},
			{"connection_expiry", c.ProvidersRacList(ctx(t)).Ordering("connection_expiry,name"), []string{"server", "Desktop 3"}},
			{"name__iexact", c.ProvidersRacList(ctx(t)).NameIexact("SERVER"), []string{"server"}},
			{"name__iexact partial", c.ProvidersRacList(ctx(t)).NameIexact("serv"), nil},
			{"application__isnull true", c.ProvidersRacList(ctx(t)).ApplicationIsnull(true), []string{"Desktop 3", "server"}},
			{"application__isnull false", c.ProvidersRacList(ctx(t)).ApplicationIsnull(false), nil},
			{"search", c.ProvidersRacList(ctx(t)).Search("desk"), []string{"Desktop 3"}},
			{"page 2", c.ProvidersRacList(ctx(t)).PageSize(1).Page(2), []string{"server"}},
		}
		for _, tc := range cases {
			if got := names(tc.req); !equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.what, got, tc.want)
			}
		}
	})
}
