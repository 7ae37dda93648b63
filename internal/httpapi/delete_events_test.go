package httpapi_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// TestDeleteEventsCarryPreviousValues: deleting any resource records model_deleted
// whose diff holds every field's previous value and a null new value (SPEC §5), the
// same for every resource.
func TestDeleteEventsCarryPreviousValues(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		prov := e.Provider(map[string]any{"name": "p1", "authorization_flow": flow})
		provID := fmt.Sprint(prov["pk"])
		app := e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "App", "slug": "app"})
		out := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{
			"name": "o1", "type": "rac", "providers": []any{prov["pk"]}, "config": map[string]any{}})
		ep := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", map[string]any{
			"name": "desk", "provider": prov["pk"], "protocol": "rdp", "host": "10.0.0.5", "auth_mode": "prompt"})
		tok := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/"+ep["pk"].(string)+"/launch/", nil)
		ct := tok["connection_token"].(map[string]any)["pk"].(string)
		pm := e.Mapping("pm1", map[string]any{"a": "1"})
		role := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "r1"})
		group := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "g1"})
		user := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "u1", "name": "U"})
		token := e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "t1"})

		type deleted struct {
			model, pk, path, field string // field: a key the diff must hold with its old value
			old                    any
		}
		cases := []deleted{
			{"connectiontoken", ct, "/api/v3/rac/connection_tokens/" + ct + "/", "endpoint", ep["pk"]},
			{"endpoint", ep["pk"].(string), "/api/v3/rac/endpoints/" + ep["pk"].(string) + "/", "name", "desk"},
			{"outpost", out["pk"].(string), "/api/v3/outposts/instances/" + out["pk"].(string) + "/", "name", "o1"},
			{"application", app["pk"].(string), "/api/v3/core/applications/app/", "slug", "app"},
			{"racprovider", provID, "/api/v3/providers/rac/" + provID + "/", "name", "p1"},
			{"flow", flow, "/api/v3/flows/instances/authz/", "slug", "authz"},
			{"racpropertymapping", pm, "/api/v3/propertymappings/rac/" + pm + "/", "name", "pm1"},
			{"role", role["pk"].(string), "/api/v3/rbac/roles/" + role["pk"].(string) + "/", "name", "r1"},
			{"group", group["pk"].(string), "/api/v3/core/groups/" + group["pk"].(string) + "/", "name", "g1"},
			{"token", token["pk"].(string), "/api/v3/core/tokens/t1/", "identifier", "t1"},
			{"user", fmt.Sprint(user["pk"]), fmt.Sprintf("/api/v3/core/users/%v/", user["pk"]), "username", "u1"},
		}
		for _, c := range cases {
			t.Run(c.model, func(t *testing.T) {
				e.MustAdmin(204, "DELETE", c.path, nil)
				q := url.Values{"action": {"model_deleted"}, "context_model_name": {c.model}, "context_model_pk": {c.pk}}
				page := e.MustAdmin(200, "GET", "/api/v3/events/events/?"+q.Encode(), nil)
				results := page["results"].([]any)
				if len(results) != 1 {
					t.Fatalf("model_deleted events for %s %s: %d, want 1", c.model, c.pk, len(results))
				}
				diff, _ := results[0].(map[string]any)["context"].(map[string]any)["diff"].(map[string]any)
				ch, ok := diff[c.field].(map[string]any)
				if !ok {
					t.Fatalf("diff has no %q: %v", c.field, diff)
				}
				if ch["previous_value"] != c.old || ch["new_value"] != nil {
					t.Fatalf("diff[%q] = %v, want previous %v and new null", c.field, ch, c.old)
				}
			})
		}
	})
}
