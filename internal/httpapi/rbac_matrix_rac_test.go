package httpapi_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

// racMatrix is the state the RAC-side matrix resources share in one Env: a provider
// to hang outposts and endpoints on, and an endpoint to launch connection tokens from.
type racMatrix struct {
	provider int64
	endpoint string
	// hiddenProvider and hiddenMapping are objects only the superuser may view.
	hiddenProvider int64
	hiddenMapping  string
	// second is another endpoint of provider, which every caller may view: where a
	// connection token may not be moved but by a superuser.
	second string
}

func (m *racMatrix) setup(e *apitest.Env) {
	flow := e.Flow("matrix-authz", "authorization")
	m.provider = int64(e.Provider(map[string]any{"name": "matrix-provider", "authorization_flow": flow})["pk"].(float64))
	m.hiddenProvider = int64(e.Provider(map[string]any{"name": "matrix-hidden", "authorization_flow": flow})["pk"].(float64))
	m.hiddenMapping = e.Mapping("matrix-hidden", nil)
	m.endpoint = e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", map[string]any{
		"name": "matrix-endpoint", "provider": m.provider, "protocol": "rdp", "host": "h:3389",
		"auth_mode": "static", "maximum_connections": -1,
	})["pk"].(string)
	m.second = e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", map[string]any{
		"name": "matrix-second", "provider": m.provider, "protocol": "rdp", "host": "h2:3389",
		"auth_mode": "static", "maximum_connections": -1,
	})["pk"].(string)
}

// viewProvider lets user id view the shared provider, which bodies refer to.
func (m *racMatrix) viewProvider(e *apitest.Env, id int64) {
	e.Grant(id, "authentik_providers_rac.racprovider", strconv.FormatInt(m.provider, 10), "authentik_providers_rac.view_racprovider")
}

func (m *racMatrix) endpointBody(n int) map[string]any {
	return map[string]any{"name": fmt.Sprintf("e%d", n), "provider": m.provider, "protocol": "ssh", "host": "h", "auth_mode": "prompt"}
}

// launchAs issues a connection token for the caller with key on the shared endpoint
// and returns the token's pk.
func (m *racMatrix) launchAs(e *apitest.Env, key string) string {
	e.T.Helper()
	r := e.As(key, "POST", "/api/v3/rac/endpoints/"+m.endpoint+"/launch/", nil)
	if r.Status != http.StatusCreated {
		e.T.Fatalf("launch: %s", r)
	}
	return r.Map(e.T)["connection_token"].(map[string]any)["pk"].(string)
}

// eventOf returns the pk of the model_created event of the object pk.
func eventOf(e *apitest.Env, pk string) string {
	e.T.Helper()
	r := e.MustAdmin(200, "GET", "/api/v3/events/events/?action=model_created&context_model_pk="+pk, nil)
	res := r["results"].([]any)
	if len(res) != 1 {
		e.T.Fatalf("events of %s: %v", pk, r)
	}
	return res[0].(map[string]any)["pk"].(string)
}

// racMatrixResources are applications, outposts, RAC endpoints, connection tokens and
// events as the RBAC matrix sees them.
func racMatrixResources() []apitest.Resource {
	m := &racMatrix{}
	return []apitest.Resource{
		{
			Name: "applications", InvalidPatch: map[string]any{"name": ""}, Model: "authentik_core.application",
			ListPath: "/api/v3/core/applications/", DetailPath: detail("/api/v3/core/applications/"), MissingKey: "no-such-app",
			Setup: m.setup,
			HiddenRef: func(*apitest.Env, string) (any, string, string) {
				return map[string]any{"backchannel_providers": []int64{m.hiddenProvider}}, "backchannel_providers", strconv.FormatInt(m.hiddenProvider, 10)
			},
			Seed: func(e *apitest.Env, n int) (string, string) {
				slug := fmt.Sprintf("a%d", n)
				return pkOf(e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "A", "slug": slug})), slug
			},
			CreateBody: func(e *apitest.Env, n int) any { return map[string]any{"name": "A", "slug": fmt.Sprintf("a%d", n)} },
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"name": fmt.Sprintf("A%d", n), "slug": key, "meta_description": "d"}
			},
		},
		{
			Name: "outposts", InvalidPatch: map[string]any{"name": ""}, Model: "authentik_outposts.outpost",
			ListPath: "/api/v3/outposts/instances/", DetailPath: detail("/api/v3/outposts/instances/"), MissingKey: missingUUID,
			Setup:    m.setup,
			RefGrant: m.viewProvider,
			HiddenRef: func(*apitest.Env, string) (any, string, string) {
				return map[string]any{"providers": []int64{m.hiddenProvider}}, "providers", strconv.FormatInt(m.hiddenProvider, 10)
			},
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := pkOf(e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{
					"name": fmt.Sprintf("o%d", n), "type": "rac", "providers": []int64{m.provider}, "config": map[string]any{}}))
				return pk, pk
			},
			CreateBody: func(e *apitest.Env, n int) any {
				return map[string]any{"name": fmt.Sprintf("o%d", n), "type": "rac", "providers": []int64{m.provider}, "config": map[string]any{}}
			},
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"name": fmt.Sprintf("o%d", n), "type": "rac", "providers": []int64{m.provider}, "config": map[string]any{"k": "v"}}
			},
		},
		{
			Name: "RAC endpoints", InvalidPatch: map[string]any{"name": ""}, Model: "authentik_providers_rac.endpoint",
			ListPath: "/api/v3/rac/endpoints/", DetailPath: detail("/api/v3/rac/endpoints/"), MissingKey: missingUUID,
			// The shared endpoint of setup would be a third object in global lists: the
			// matrix counts exactly what it seeds only for object-level callers.
			Setup:    m.setup,
			RefGrant: m.viewProvider,
			HiddenRef: func(*apitest.Env, string) (any, string, string) {
				return map[string]any{"property_mappings": []string{m.hiddenMapping}}, "property_mappings", m.hiddenMapping
			},
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := pkOf(e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", m.endpointBody(n)))
				return pk, pk
			},
			CreateBody: func(e *apitest.Env, n int) any { return m.endpointBody(n) },
			UpdateBody: func(e *apitest.Env, key string, n int) any { return m.endpointBody(n) },
		},
		{
			Name: "connection tokens", Model: "authentik_providers_rac.connectiontoken", OwnerOrView: true,
			InvalidPatch: map[string]any{"endpoint": "not-a-uuid"},
			ListPath:     "/api/v3/rac/connection_tokens/", DetailPath: detail("/api/v3/rac/connection_tokens/"), MissingKey: missingUUID,
			Skip:  []string{apitest.RCreate},
			Setup: m.setup,
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := m.launchAs(e, apitest.AdminToken)
				return pk, pk
			},
			SeedFor: func(e *apitest.Env, userID int64, n int) (string, string) {
				// Launch as the user: a second key of its own, and view on the shared
				// endpoint (not a connection-token permission, so the matrix's caller
				// kinds stay what they are).
				key := e.TokenFor(userID, fmt.Sprintf("launcher-%d", n))
				e.Grant(userID, "authentik_providers_rac.endpoint", m.endpoint, "authentik_providers_rac.view_endpoint")
				pk := m.launchAs(e, key)
				return pk, pk
			},
			UpdateBody: func(e *apitest.Env, key string, n int) any {
				return map[string]any{"provider": m.provider, "endpoint": m.endpoint}
			},
			// Token retargeting (issue 9 §2): another endpoint of the token's provider,
			// which the caller may view, is still refused to anyone but a superuser.
			RefGrant: func(e *apitest.Env, id int64) {
				e.Grant(id, "authentik_providers_rac.endpoint", m.second, "authentik_providers_rac.view_endpoint")
			},
			Retarget: func(e *apitest.Env, key string) (any, string, string) {
				return map[string]any{"endpoint": m.second}, "endpoint", racd.MsgRetargetToken
			},
		},
		{
			Name: "events", Model: "authentik_events.event",
			ListPath: "/api/v3/events/events/", DetailPath: detail("/api/v3/events/events/"), MissingKey: missingUUID,
			Skip: []string{apitest.RCreate, apitest.RPut, apitest.RPatch, apitest.RUsedBy, apitest.RDelete},
			Seed: func(e *apitest.Env, n int) (string, string) {
				pk := eventOf(e, e.Mapping(fmt.Sprintf("ev%d", n), nil))
				return pk, pk
			},
		},
	}
}

// TestRBACMatrixRAC is TestRBACMatrix for applications, outposts, RAC endpoints,
// connection tokens (owner rules widened by view permissions) and events (read-only).
func TestRBACMatrixRAC(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		for _, r := range racMatrixResources() {
			t.Run(r.Name, func(t *testing.T) { apitest.RunMatrix(t, backend, r) })
		}
	})
}

// TestRBACMatrixLaunch: POST /rac/endpoints/{pbm_uuid}/launch/ needs view on that
// endpoint (globally or on it; superusers always): 403 for a caller that may view no
// endpoint, 201 with view on it, and 404 — as for an unknown endpoint — for an endpoint
// the caller may not see while it views another (issue 9 §2: visibility before
// permission); an invalid body is a 400 only for a caller the endpoint would launch for.
func TestRBACMatrixLaunch(t *testing.T) {
	const view = "authentik_providers_rac.view_endpoint"
	const model = "authentik_providers_rac.endpoint"
	want := map[string][5]int{ // visible, other, missing; invalid body to visible, to other
		apitest.Anonymous:    {403, 403, 403, 403, 403},
		apitest.NoPerms:      {403, 403, 403, 403, 403},
		apitest.GlobalView:   {201, 201, 404, 400, 400},
		apitest.GlobalAdd:    {403, 403, 403, 403, 403},
		apitest.ObjectView:   {201, 404, 404, 400, 404},
		apitest.ObjectChange: {201, 404, 404, 400, 404},
		apitest.RoleInGroup:  {201, 404, 404, 400, 404},
		apitest.RoleDirect:   {201, 404, 404, 400, 404},
		apitest.Superuser:    {201, 201, 404, 400, 400},
	}
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		m := &racMatrix{}
		m.setup(e)
		for ci, caller := range apitest.Callers {
			t.Run(caller, func(t *testing.T) {
				e.T = t
				body := m.endpointBody(ci)
				body["maximum_connections"] = -1
				vis := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", body)["pk"].(string)
				body["name"] = fmt.Sprintf("other-%d", ci)
				other := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", body)["pk"].(string)
				var key string
				switch caller {
				case apitest.Anonymous:
				case apitest.Superuser:
					key = apitest.AdminToken
				default:
					var id int64
					id, key = e.User("launcher-" + strconv.Itoa(ci))
					switch caller {
					case apitest.GlobalView:
						e.Grant(id, "", "", view)
					case apitest.GlobalAdd:
						e.Grant(id, "", "", "authentik_providers_rac.add_endpoint")
					case apitest.ObjectView:
						e.Grant(id, model, vis, view)
					case apitest.ObjectChange:
						e.Grant(id, model, vis, view, "authentik_providers_rac.change_endpoint")
					case apitest.RoleInGroup:
						e.GrantThroughRole(id, fmt.Sprintf("launch-%d", ci), model, vis, view, "authentik_providers_rac.change_endpoint", "authentik_providers_rac.delete_endpoint")
					case apitest.RoleDirect:
						e.GrantThroughDirectRole(id, fmt.Sprintf("launch-%d", ci), model, vis, view, "authentik_providers_rac.change_endpoint", "authentik_providers_rac.delete_endpoint")
					}
				}
				for i, ep := range []string{vis, other, missingUUID, vis, other} {
					var body any
					if i >= 3 {
						body = map[string]any{"settings": "not an object"}
					}
					r := e.As(key, "POST", "/api/v3/rac/endpoints/"+ep+"/launch/", body)
					if r.Status != want[caller][i] {
						t.Errorf("launch %d as %s = %s, want %d", i, caller, r, want[caller][i])
						continue
					}
					if r.Status == 201 {
						ct := r.Map(t)["connection_token"].(map[string]any)
						if ct["endpoint"] != ep {
							t.Errorf("launch as %s: token of %v, want %s", caller, ct["endpoint"], ep)
						}
					}
					if r.Status == 400 && !strings.Contains(string(r.Body), `{"settings":[`) {
						t.Errorf("launch as %s: 400 without the settings error: %s", caller, r.Body)
					}
					if r.Status == 403 && !json403(r) {
						t.Errorf("launch as %s: 403 without detail: %s", caller, r.Body)
					}
				}
			})
		}
	})
}

func json403(r *apitest.Resp) bool {
	s := string(r.Body)
	return s == `{"detail":"You do not have permission to perform this action."}` ||
		s == `{"detail":"Authentication credentials were not provided."}`
}
