package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// eventsOf lists the events at path as the superuser and returns the results.
func eventsOf(t *testing.T, e *apitest.Env, query string) []map[string]any {
	t.Helper()
	page := e.MustAdmin(200, "GET", "/api/v3/events/events/"+query, nil)
	var out []map[string]any
	for _, r := range page["results"].([]any) {
		out = append(out, r.(map[string]any))
	}
	if n := int(page["pagination"].(map[string]any)["count"].(float64)); n != len(out) && len(out) < 100 {
		t.Fatalf("count %d, %d results", n, len(out))
	}
	return out
}

func actions(evs []map[string]any) string {
	var s []string
	for _, ev := range evs {
		s = append(s, ev["action"].(string))
	}
	return strings.Join(s, ",")
}

// TestEventsRecordProviderChanges creates, updates and deletes a provider and reads the
// three audit events back, with their diff, through every filter.
func TestEventsRecordProviderChanges(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p := e.Provider(map[string]any{"name": "rdp", "authorization_flow": flow})
		id := fmt.Sprint(p["pk"])
		e.MustAdmin(200, "PATCH", "/api/v3/providers/rac/"+id+"/", map[string]any{"connection_expiry": "minutes=5"})
		e.MustAdmin(204, "DELETE", "/api/v3/providers/rac/"+id+"/", nil)

		evs := eventsOf(t, e, "?context_model_app=authentik_providers_rac&context_model_name=racprovider&context_model_pk="+id)
		if got := actions(evs); got != "model_deleted,model_updated,model_created" {
			t.Fatalf("actions (newest first) = %s", got)
		}
		upd := evs[1]
		for _, k := range []string{"pk", "user", "action", "app", "context", "client_ip", "created", "expires", "brand"} {
			if _, ok := upd[k]; !ok {
				t.Errorf("event lacks %q: %v", k, upd)
			}
		}
		ctx := upd["context"].(map[string]any)
		diff := ctx["diff"].(map[string]any)
		ce, ok := diff["connection_expiry"].(map[string]any)
		if !ok || ce["previous_value"] != "hours=8" || ce["new_value"] != "minutes=5" {
			t.Errorf("update diff = %v", diff)
		}
		if _, ok := diff["name"]; ok {
			t.Errorf("unchanged field in diff: %v", diff)
		}
		model := ctx["model"].(map[string]any)
		if model["app"] != "authentik_providers_rac" || model["model_name"] != "racprovider" || model["name"] != "rdp" {
			t.Errorf("context.model = %v", model)
		}
		req := ctx["http_request"].(map[string]any)
		if req["method"] != "PATCH" || req["path"] != "/api/v3/providers/rac/"+id+"/" {
			t.Errorf("context.http_request = %v", req)
		}
		if u := upd["user"].(map[string]any); u["username"] != "akadmin" {
			t.Errorf("user = %v", u)
		}
		if upd["client_ip"] != "127.0.0.1" {
			t.Errorf("client_ip = %v", upd["client_ip"])
		}
		created := evs[2]["context"].(map[string]any)["diff"].(map[string]any)
		if n, ok := created["name"].(map[string]any); !ok || n["previous_value"] != nil || n["new_value"] != "rdp" {
			t.Errorf("create diff = %v", created)
		}
		if b, ok := upd["brand"].(map[string]any); !ok || len(b) != 0 {
			t.Errorf("brand = %v", upd["brand"])
		}

		// Filters, search and ordering.
		cases := []struct{ query, want string }{
			{"?action=model_updated&context_model_name=racprovider", "model_updated"},
			{"?context_model_name=racprovider&ordering=created", "model_created,model_updated,model_deleted"},
			{"?context_model_name=racprovider&ordering=-created", "model_deleted,model_updated,model_created"},
			{"?context_model_name=racprovider&ordering=nonsense", "model_deleted,model_updated,model_created"},
			{"?context_model_name=racprovider&username=akadmin&client_ip=127.0.0.1", "model_deleted,model_updated,model_created"},
			{"?context_model_name=racprovider&username=nobody", ""},
			{"?context_model_name=racprovider&client_ip=10.0.0.1", ""},
			{"?context_model_name=racprovider&context_model_pk=999999", ""},
			{"?context_model_app=authentik_flows", "model_created"},
			{"?search=model_deleted", "model_deleted"},
			{"?search=racprovider,updated", "model_updated"},
			{"?search=flow", "model_created"},
		}
		for _, c := range cases {
			if got := actions(eventsOf(t, e, c.query)); got != c.want {
				t.Errorf("%s: %s, want %s", c.query, got, c.want)
			}
		}

		// Retrieve.
		one := e.MustAdmin(200, "GET", "/api/v3/events/events/"+upd["pk"].(string)+"/", nil)
		if one["pk"] != upd["pk"] || one["action"] != "model_updated" {
			t.Errorf("retrieve = %v", one)
		}
		for _, bad := range []string{"not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00"} {
			if r := e.Admin("GET", "/api/v3/events/events/"+bad+"/", nil); r.Status != 404 || string(r.Body) != `{"detail":"Not found."}` {
				t.Errorf("retrieve %s: %d %s", bad, r.Status, r.Body)
			}
		}
		if r := e.Admin("GET", "/api/v3/events/events/?page=9", nil); r.Status != 404 || string(r.Body) != `{"detail":"Invalid page."}` {
			t.Errorf("page past the end: %d %s", r.Status, r.Body)
		}
		if r := e.Admin("POST", "/api/v3/events/events/", map[string]any{}); r.Status != 405 || string(r.Body) != `{"detail":"Method \"POST\" not allowed."}` {
			t.Errorf("POST: %d %s", r.Status, r.Body)
		}
	})
}

// TestEventsNeedCredentials pins the 403 answers of the events routes.
func TestEventsNeedCredentials(t *testing.T) {
	e := apitest.New(t, "sqlite")
	cases := []struct{ path, token, want string }{
		{"/api/v3/events/events/", "", `{"detail":"Authentication credentials were not provided."}`},
		{"/api/v3/events/events/00000000-0000-0000-0000-000000000000/", "", `{"detail":"You do not have permission to perform this action."}`},
		{"/api/v3/events/events/", "wrong", `{"detail":"Token invalid/expired"}`},
	}
	for _, c := range cases {
		r := e.Do(apitest.Request{Method: "GET", Path: c.path, Token: c.token})
		if r.Status != 403 || string(r.Body) != c.want {
			t.Errorf("%s token %q: %d %s, want 403 %s", c.path, c.token, r.Status, r.Body, c.want)
		}
	}
}

// TestSchemaIsPublicYAML fetches racd's OpenAPI document without credentials.
func TestSchemaIsPublicYAML(t *testing.T) {
	e := apitest.New(t, "sqlite")
	r := e.Do(apitest.Request{Method: "GET", Path: "/api/v3/schema/"})
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("schema: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(string(r.Body), "openapi: 3.0.3") || !strings.Contains(string(r.Body), "/api/v3/events/events/:") {
		t.Fatalf("schema body starts %q", string(r.Body)[:40])
	}
}
