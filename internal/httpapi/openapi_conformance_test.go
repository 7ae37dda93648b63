package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/httpapi"
)

// TestResponsesMatchOwnDocument sends one request to each kind of route and validates
// status and body against racd's own openapi.yaml (authentik's document is checked by
// the end-to-end tests; this one covers what only racd documents: health probes, the
// schema route, its error answers).
func TestResponsesMatchOwnDocument(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	rtr, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		pm := e.Mapping("pm", map[string]any{"a": "b"})
		p := e.Provider(map[string]any{"name": "p", "authorization_flow": flow, "property_mappings": []string{pm}})
		id := fmt.Sprint(int64(p["pk"].(float64)))
		evs := e.MustAdmin(200, "GET", "/api/v3/events/events/", nil)
		ev := evs["results"].([]any)[0].(map[string]any)["pk"].(string)
		cases := []struct {
			method, path, body string
			token              string
			status             int
		}{
			{"GET", "/-/health/live/", "", "", 200},
			{"GET", "/-/health/ready/", "", "", 200},
			{"GET", "/api/v3/root/config/", "", "", 200},
			{"GET", "/api/v3/schema/", "", "", 200},
			{"GET", "/api/v3/providers/rac/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/providers/rac/", "", "", 403},
			{"GET", "/api/v3/providers/rac/?page=7", "", apitest.AdminToken, 404},
			{"POST", "/api/v3/providers/rac/", `{}`, apitest.AdminToken, 400},
			{"GET", "/api/v3/providers/rac/" + id + "/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/providers/rac/999/", "", apitest.AdminToken, 404},
			{"PATCH", "/api/v3/providers/rac/" + id + "/", `{"name":"q"}`, apitest.AdminToken, 200},
			{"GET", "/api/v3/providers/rac/" + id + "/used_by/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/flows/instances/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/flows/instances/authz/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/flows/instances/authz/used_by/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/propertymappings/rac/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/propertymappings/rac/" + pm + "/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/propertymappings/rac/" + pm + "/used_by/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/events/events/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/events/events/" + ev + "/", "", apitest.AdminToken, 200},
			{"GET", "/api/v3/events/events/" + ev + "/", "", "", 403},
			{"DELETE", "/api/v3/providers/rac/" + id + "/", "", apitest.AdminToken, 204},
		}
		for _, c := range cases {
			r := e.Do(apitest.Request{Method: c.method, Path: c.path, Body: c.body, Token: c.token})
			if r.Status != c.status {
				t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, r.Status, c.status, r.Body)
				continue
			}
			u, _ := url.Parse("http://racd" + c.path)
			req := &http.Request{Method: c.method, URL: u, Header: http.Header{}}
			route, params, err := rtr.FindRoute(req)
			if err != nil {
				t.Errorf("%s %s: not in openapi.yaml: %v", c.method, c.path, err)
				continue
			}
			if route.Operation.Responses.Status(r.Status) == nil {
				t.Errorf("%s %s: status %d is not documented", c.method, c.path, r.Status)
				continue
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
					Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
				Status: r.Status, Header: r.Header, Body: io.NopCloser(bytes.NewReader(r.Body)),
				Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
			}
			if c.path == "/api/v3/schema/" {
				// YAML is not decoded by the validator; check it parses as OpenAPI instead.
				if _, err := openapi3.NewLoader().LoadFromData(r.Body); err != nil {
					t.Errorf("schema body: %v", err)
				}
				continue
			}
			if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
				t.Errorf("%s %s → %d does not match openapi.yaml: %v\n%s", c.method, c.path, r.Status, err, r.Body)
			}
		}
	})
}
