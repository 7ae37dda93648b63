package httpapi_test

import (
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// TestApplicationOutpostPermissions: the routes follow SPEC's permission table — a
// caller sees only the applications it may view, needs change/delete for writes and
// the global add permission to create; with no view permission anywhere, every route
// of the model is 403; used_by lists only what the caller may view.
func TestApplicationOutpostPermissions(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p1 := int64(e.Provider(map[string]any{"name": "p1", "authorization_flow": flow})["pk"].(float64))
		app1 := e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "One", "slug": "one", "backchannel_providers": []int64{p1}})
		e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "Two", "slug": "two"})
		out := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "o", "type": "rac", "providers": []int64{p1}, "config": map[string]any{}})
		bobID, bob := e.User("bob")
		e.Grant(bobID, "authentik_core.application", app1["pk"].(string), "authentik_core.view_application")
		carolID, carol := e.User("carol")
		e.Grant(carolID, "", "", "authentik_core.view_application", "authentik_core.change_application", "authentik_outposts.view_outpost")
		cases := []struct {
			token, method, path, body string
			status                    int
			contains                  string
		}{
			{bob, "GET", "/api/v3/core/applications/", "", 200, `"count":1,`},
			{bob, "GET", "/api/v3/core/applications/one/", "", 200, `"slug":"one"`},
			{bob, "GET", "/api/v3/core/applications/two/", "", 404, `Not found.`},
			{bob, "GET", "/api/v3/core/applications/nope/", "", 404, `Not found.`},
			{bob, "PATCH", "/api/v3/core/applications/one/", `{"name":""}`, 403, `You do not have permission`},
			{bob, "DELETE", "/api/v3/core/applications/one/", "", 403, `You do not have permission`},
			{bob, "POST", "/api/v3/core/applications/", `{}`, 403, `You do not have permission`},
			{bob, "GET", "/api/v3/core/applications/one/used_by/", "", 200, `[]`}, // p1 is not visible to bob
			{bob, "GET", "/api/v3/outposts/instances/", "", 403, `You do not have permission`},
			{bob, "GET", "/api/v3/outposts/instances/default_settings/", "", 403, `You do not have permission`},
			{bob, "GET", "/api/v3/outposts/instances/" + out["pk"].(string) + "/", "", 403, `You do not have permission`},
			{carol, "GET", "/api/v3/core/applications/", "", 200, `"count":2,`},
			{carol, "PATCH", "/api/v3/core/applications/two/", `{"name":""}`, 400, `This field may not be blank.`},
			{carol, "PATCH", "/api/v3/core/applications/two/", `{"group":"g"}`, 200, `"group":"g"`},
			{carol, "DELETE", "/api/v3/core/applications/two/", "", 403, `You do not have permission`},
			{carol, "GET", "/api/v3/outposts/instances/", "", 200, `"count":1,`},
			{carol, "GET", "/api/v3/outposts/instances/default_settings/", "", 200, `"config":`},
			{carol, "PATCH", "/api/v3/outposts/instances/" + out["pk"].(string) + "/", `{}`, 403, `You do not have permission`},
			{"", "GET", "/api/v3/core/applications/", "", 403, `Authentication credentials were not provided.`},
			{"", "GET", "/api/v3/outposts/instances/" + out["pk"].(string) + "/", "", 403, `You do not have permission`},
		}
		for _, c := range cases {
			r := e.Do(apitest.Request{Method: c.method, Path: c.path, Body: c.body, Token: c.token})
			if r.Status != c.status || !strings.Contains(string(r.Body), c.contains) {
				t.Errorf("%s %s as %.10s: %d %s, want %d with %s", c.method, c.path, c.token, r.Status, r.Body, c.status, c.contains)
			}
		}
	})
}
