package e2e

import (
	"errors"
	"testing"

	api "goauthentik.io/api/v3"
)

// apiErrorBody returns the body of a failed call made with the official client.
func apiErrorBody(t *testing.T, err error) string {
	t.Helper()
	var oe *api.GenericOpenAPIError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) is not the client's GenericOpenAPIError", err, err)
	}
	return string(oe.Body())
}

// TestValidationErrorsThroughClient makes the official client meet racd's 400 and 404
// answers for flows and mappings; the harness checks each against authentik's
// ValidationError / GenericError schemas.
func TestValidationErrorsThroughClient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		c := r.Client(t, Token)
		req := *api.NewFlowRequest("F", "dup", "F", api.FLOWDESIGNATIONENUM_AUTHORIZATION)
		if _, _, err := c.FlowsApi.FlowsInstancesCreate(ctx(t)).FlowRequest(req).Execute(); err != nil {
			t.Fatalf("create: %v", err)
		}
		_, res, err := c.FlowsApi.FlowsInstancesCreate(ctx(t)).FlowRequest(req).Execute()
		if err == nil || res.StatusCode != 400 {
			t.Fatalf("duplicate slug: %v", err)
		}
		if got := apiErrorBody(t, err); got != `{"slug":["Flow with this slug already exists."]}` {
			t.Errorf("duplicate slug body: %s", got)
		}
		bad := "not a slug!"
		_, res, err = c.FlowsApi.FlowsInstancesPartialUpdate(ctx(t), "dup").PatchedFlowRequest(api.PatchedFlowRequest{Slug: &bad}).Execute()
		if err == nil || res.StatusCode != 400 {
			t.Fatalf("bad slug: %v", err)
		}
		if _, res, err := c.FlowsApi.FlowsInstancesUsedByList(ctx(t), "missing").Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("used_by of a missing flow: %v", err)
		}

		m := *api.NewRACPropertyMappingRequest("Same", map[string]interface{}{})
		if _, _, err := c.PropertymappingsApi.PropertymappingsRacCreate(ctx(t)).RACPropertyMappingRequest(m).Execute(); err != nil {
			t.Fatalf("create mapping: %v", err)
		}
		_, res, err = c.PropertymappingsApi.PropertymappingsRacCreate(ctx(t)).RACPropertyMappingRequest(m).Execute()
		if err == nil || res.StatusCode != 400 {
			t.Fatalf("duplicate mapping: %v", err)
		}
		if got := apiErrorBody(t, err); got != `{"name":["Property Mapping with this name already exists."]}` {
			t.Errorf("duplicate mapping body: %s", got)
		}
		if res, err := c.PropertymappingsApi.PropertymappingsRacDestroy(ctx(t), "00000000-0000-0000-0000-000000000000").Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("delete a missing mapping: %v", err)
		}
		if _, res, err := c.ProvidersApi.ProvidersRacUpdate(ctx(t), 1).RACProviderRequest(*api.NewRACProviderRequest("", "x")).Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("put a missing provider: %v", err)
		}
	})
}
