package httpapi_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

const missingUUID = "00000000-0000-4000-8000-000000000000"

func pkOf(m map[string]any) string {
	switch v := m["pk"].(type) {
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case string:
		return v
	}
	return fmt.Sprint(m["pk"])
}

func detail(prefix string) func(string) string {
	return func(key string) string { return prefix + key + "/" }
}

// matrixResources are the resources racd serves, as the RBAC matrix sees them.
func matrixResources() []apitest.Resource {
	var flow, hidden string
	return []apitest.Resource{
		{
			Name: "providers", InvalidPatch: map[string]any{"name": ""}, Model: "authentik_providers_rac.racprovider",
			ListPath: "/api/v3/providers/rac/", DetailPath: detail("/api/v3/providers/rac/"), MissingKey: "999999",
			Setup: func(e *apitest.Env) {
				flow = e.Flow("matrix-authz", "authorization")
				hidden = e.Mapping("matrix-hidden", nil)
			},
			RefGrant: func(e *apitest.Env, id int64) { e.Grant(id, "authentik_flows.flow", flow, "authentik_flows.view_flow") },
			HiddenRef: func(*apitest.Env, string) (any, string, string) {
				return map[string]any{"property_mappings": []string{hidden}}, "property_mappings", hidden
			},
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := pkOf(e.Provider(map[string]any{"name": fmt.Sprintf("p%d", n), "authorization_flow": flow}))
				return pk, pk
			},
			CreateBody: func(e *apitest.Env, n int) any {
				return map[string]any{"name": fmt.Sprintf("p%d", n), "authorization_flow": flow}
			},
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"name": fmt.Sprintf("p%d", n), "authorization_flow": flow}
			},
		},
		{
			Name: "flows", InvalidPatch: map[string]any{"name": ""}, Model: "authentik_flows.flow",
			ListPath: "/api/v3/flows/instances/", DetailPath: detail("/api/v3/flows/instances/"), MissingKey: "no-such-flow",
			Seed: func(e *apitest.Env, n int) (string, string) {
				slug := fmt.Sprintf("f%d", n)
				return e.Flow(slug, "authorization"), slug
			},
			CreateBody: func(e *apitest.Env, n int) any {
				return map[string]any{"name": "F", "slug": fmt.Sprintf("f%d", n), "title": "T", "designation": "authentication"}
			},
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"name": "F2", "slug": key, "title": "T2", "designation": "authorization"}
			},
		},
		{
			Name: "property mappings", InvalidPatch: map[string]any{"name": ""}, Model: "authentik_providers_rac.racpropertymapping",
			ListPath: "/api/v3/propertymappings/rac/", DetailPath: detail("/api/v3/propertymappings/rac/"), MissingKey: missingUUID,
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := e.Mapping(fmt.Sprintf("m%d", n), nil)
				return pk, pk
			},
			CreateBody: func(e *apitest.Env, n int) any {
				return map[string]any{"name": fmt.Sprintf("m%d", n), "static_settings": map[string]any{}}
			},
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"name": fmt.Sprintf("m%d", n), "static_settings": map[string]any{"a": "b"}}
			},
		},
		{
			// The same resource at the path authentik's clients use from 2024.8.
			Name: "property mappings at provider/rac", InvalidPatch: map[string]any{"name": ""}, Model: "authentik_providers_rac.racpropertymapping",
			ListPath: "/api/v3/propertymappings/provider/rac/", DetailPath: detail("/api/v3/propertymappings/provider/rac/"), MissingKey: missingUUID,
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := e.Mapping(fmt.Sprintf("m%d", n), nil)
				return pk, pk
			},
			CreateBody: func(e *apitest.Env, n int) any {
				return map[string]any{"name": fmt.Sprintf("m%d", n), "static_settings": map[string]any{}}
			},
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"name": fmt.Sprintf("m%d", n), "static_settings": map[string]any{"a": "b"}}
			},
		},
		{
			Name: "users", InvalidPatch: map[string]any{"username": ""}, Model: "authentik_core.user",
			ListPath: "/api/v3/core/users/", DetailPath: detail("/api/v3/core/users/"), MissingKey: "999999",
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := pkOf(e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": fmt.Sprintf("u%d", n), "name": "U"}))
				return pk, pk
			},
			CreateBody: func(e *apitest.Env, n int) any {
				return map[string]any{"username": fmt.Sprintf("u%d", n), "name": "U"}
			},
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"username": fmt.Sprintf("u%d", n), "name": "U2", "is_active": true}
			},
		},
		{
			Name: "groups", InvalidPatch: map[string]any{"name": ""}, Model: "authentik_core.group",
			ListPath: "/api/v3/core/groups/", DetailPath: detail("/api/v3/core/groups/"), MissingKey: missingUUID,
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := pkOf(e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": fmt.Sprintf("g%d", n)}))
				return pk, pk
			},
			CreateBody: func(e *apitest.Env, n int) any { return map[string]any{"name": fmt.Sprintf("g%d", n)} },
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"name": fmt.Sprintf("g%d", n), "attributes": map[string]any{"k": "v"}}
			},
		},
		{
			Name: "roles", InvalidPatch: map[string]any{"name": ""}, Model: "authentik_rbac.role",
			ListPath: "/api/v3/rbac/roles/", DetailPath: detail("/api/v3/rbac/roles/"), MissingKey: missingUUID,
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": fmt.Sprintf("r%d", n)}))
				return pk, pk
			},
			CreateBody: func(e *apitest.Env, n int) any { return map[string]any{"name": fmt.Sprintf("r%d", n)} },
			UpdateBody: func(e *apitest.Env, key string, n int) any { return map[string]any{"name": fmt.Sprintf("r%d", n)} },
		},
		{
			Name: "tokens", InvalidPatch: map[string]any{"identifier": ""}, Model: "authentik_core.token", Owned: true,
			ListPath: "/api/v3/core/tokens/", DetailPath: detail("/api/v3/core/tokens/"), MissingKey: "no-such-token",
			Extra: []string{"view_key/"},
			Seed: func(e *apitest.Env, n int) (string, string) {
				// Owned by a fresh user: "someone else's" token for every caller.
				owner := pkOf(e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": fmt.Sprintf("owner%d", n), "name": "O"}))
				id, _ := strconv.ParseInt(owner, 10, 64)
				return seedToken(e, id, n)
			},
			SeedFor:    seedToken,
			CreateBody: func(e *apitest.Env, n int) any { return map[string]any{"identifier": fmt.Sprintf("t%d", n)} },
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"identifier": key, "description": fmt.Sprintf("d%d", n)}
			},
		},
	}
}

func seedToken(e *apitest.Env, userID int64, n int) (string, string) {
	ident := fmt.Sprintf("t%d", n)
	m := e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": ident, "user": userID})
	return m["pk"].(string), ident
}

// TestRBACMatrix checks every caller kind against every route of every resource, on
// both databases, against SPEC §1's permission table (tokens: authentik's owner rules).
func TestRBACMatrix(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		for _, r := range matrixResources() {
			t.Run(r.Name, func(t *testing.T) { apitest.RunMatrix(t, backend, r) })
		}
	})
}
