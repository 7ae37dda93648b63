package httpapi_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// TestNestedAndRelatedVisibility (issue 9 §3), through the API on both databases:
// objects nested in others, and filters and searches on related fields, show and match
// only what the caller could GET. The superuser sees everything.
func TestNestedAndRelatedVisibility(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		pk := func(m map[string]any) string { return fmt.Sprint(m["pk"]) }
		hiddenP := e.Provider(map[string]any{"name": "hidden-provider", "authorization_flow": flow})
		shownP := e.Provider(map[string]any{"name": "shown-provider", "authorization_flow": flow})
		appA := e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "A", "slug": "a", "provider": hiddenP["pk"],
			"backchannel_providers": []any{hiddenP["pk"], shownP["pk"]}})
		e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "hidden-app", "slug": "b", "provider": shownP["pk"]})
		outO := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "o", "type": "rac", "providers": []any{hiddenP["pk"], shownP["pk"]}, "config": map[string]any{}})
		e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "hidden-outpost", "type": "rac", "providers": []any{shownP["pk"]}, "config": map[string]any{}})
		outOnlyHidden := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "o3", "type": "rac", "providers": []any{hiddenP["pk"]}, "config": map[string]any{}})
		endpoint := func(name string, p map[string]any) map[string]any {
			return e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", map[string]any{"name": name, "provider": p["pk"], "protocol": "ssh",
				"host": "h", "auth_mode": "prompt", "maximum_connections": -1})
		}
		epOfHidden, hiddenEp, epOfShown := endpoint("desk", hiddenP), endpoint("hidden-desk", shownP), endpoint("desk3", shownP)
		hiddenUser := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "hidden-user", "name": "H"})
		role := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "shown-role"})
		hiddenRole := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "hidden-role"})
		hiddenGroup := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "hidden-group", "roles": []any{pk(role)}})
		id, key := e.User("caller",
			"authentik_core.view_application@"+pk(appA), "authentik_outposts.view_outpost@"+pk(outO), "authentik_outposts.view_outpost@"+pk(outOnlyHidden),
			"authentik_providers_rac.view_racprovider@"+pk(shownP),
			"authentik_providers_rac.view_endpoint@"+pk(epOfHidden), "authentik_providers_rac.view_endpoint@"+pk(epOfShown),
			"authentik_rbac.view_role@"+pk(role))
		group := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "shown-group", "parent": pk(hiddenGroup),
			"users": []any{id, hiddenUser["pk"]}, "roles": []any{pk(role), pk(hiddenRole)}})
		other := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "other", "name": "O", "groups": []any{pk(group), pk(hiddenGroup)}})
		e.Grant(id, "authentik_core.group", pk(group), "authentik_core.view_group")
		e.Grant(id, "authentik_core.user", pk(other), "authentik_core.view_user")
		// A connection token of an endpoint the caller cannot see, which it may view.
		tok := e.Admin("POST", "/api/v3/rac/endpoints/"+pk(hiddenEp)+"/launch/", nil).Map(t)["connection_token"].(map[string]any)
		e.Grant(id, "authentik_providers_rac.connectiontoken", pk(tok), "authentik_providers_rac.view_connectiontoken")

		get := func(key, path string) map[string]any {
			t.Helper()
			r := e.As(key, "GET", path, nil)
			if r.Status != 200 {
				t.Fatalf("GET %s: %s", path, r)
			}
			return r.Map(t)
		}
		names := func(v any, key string) string {
			var out []string
			for _, x := range v.([]any) {
				out = append(out, fmt.Sprint(x.(map[string]any)[key]))
			}
			sort.Strings(out)
			return strings.Join(out, ",")
		}
		for _, who := range []string{key, apitest.AdminToken} {
			admin := who == apitest.AdminToken
			want := func(caller, superuser string) string {
				if admin {
					return superuser
				}
				return caller
			}
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("as %s: %s = %q, want %q", map[bool]string{true: "superuser", false: "caller"}[admin], what, got, want)
				}
			}
			ep := get(who, "/api/v3/rac/endpoints/"+pk(epOfHidden)+"/")
			po := ep["provider_obj"].(map[string]any)
			check("endpoint's provider_obj name", fmt.Sprint(po["name"]), want("", "hidden-provider"))
			check("endpoint's provider_obj pk", fmt.Sprint(po["pk"]), pk(hiddenP))
			check("endpoint's launch_url", fmt.Sprint(ep["launch_url"]), "/application/rac/a/"+pk(epOfHidden)+"/")
			app := get(who, "/api/v3/core/applications/a/")
			check("application's provider_obj", fmt.Sprint(app["provider_obj"] == nil), want("true", "false"))
			check("application's backchannel_providers_obj", names(app["backchannel_providers_obj"], "name"), want("shown-provider", "hidden-provider,shown-provider"))
			check("application's backchannel_providers", fmt.Sprint(app["backchannel_providers"]), fmt.Sprint([]any{hiddenP["pk"], shownP["pk"]}))
			out := get(who, "/api/v3/outposts/instances/"+pk(outO)+"/")
			check("outpost's providers_obj", names(out["providers_obj"], "name"), want("shown-provider", "hidden-provider,shown-provider"))
			sp := get(who, "/api/v3/providers/rac/"+pk(shownP)+"/")
			check("provider's assigned_application_slug", fmt.Sprint(sp["assigned_application_slug"]), want("", "b"))
			check("provider's assigned_backchannel_application_slug", fmt.Sprint(sp["assigned_backchannel_application_slug"]), "a")
			check("provider's outpost_set", fmt.Sprint(sp["outpost_set"]), want("[Outpost o]", "[Outpost hidden-outpost Outpost o]"))
			g := get(who, "/api/v3/core/groups/"+pk(group)+"/")
			check("group's users_obj", names(g["users_obj"], "username"), want("caller,other", "caller,hidden-user,other"))
			check("group's roles_obj", names(g["roles_obj"], "name"), want("shown-role", "hidden-role,shown-role"))
			check("group's parent_name", fmt.Sprint(g["parent_name"]), want("<nil>", "hidden-group"))
			u := get(who, "/api/v3/core/users/"+pk(other)+"/")
			check("user's groups_obj", names(u["groups_obj"], "name"), want("shown-group", "hidden-group,shown-group"))
			check("user's groups", fmt.Sprint(len(u["groups"].([]any))), "2")
			ct := get(who, "/api/v3/rac/connection_tokens/"+pk(tok)+"/")
			check("connection token's endpoint_obj name", fmt.Sprint(ct["endpoint_obj"].(map[string]any)["name"]), want("", "hidden-desk"))
			check("connection token's endpoint_obj protocol", fmt.Sprint(ct["endpoint_obj"].(map[string]any)["protocol"]), "ssh")
			check("connection token's provider_obj name", fmt.Sprint(ct["provider_obj"].(map[string]any)["name"]), "shown-provider")
			check("connection token's user", fmt.Sprint(ct["user"].(map[string]any)["username"]), want("", "akadmin"))

			// Filters and searches on related fields.
			count := func(path string) string {
				t.Helper()
				return fmt.Sprint(get(who, path)["pagination"].(map[string]any)["count"])
			}
			check("roles?group__name=hidden-group", count("/api/v3/rbac/roles/?group__name=hidden-group"), want("0", "1"))
			check("roles?group__name=shown-group", count("/api/v3/rbac/roles/?group__name=shown-group"), want("1", "2"))
			check("groups?members_by_pk=hidden-user", count(fmt.Sprintf("/api/v3/core/groups/?members_by_pk=%v", hiddenUser["pk"])), want("0", "1"))
			check("groups?members_by_pk=caller", count(fmt.Sprintf("/api/v3/core/groups/?members_by_pk=%d", id)), "1")
			check("outposts?providers_by_pk=hidden", count("/api/v3/outposts/instances/?providers_by_pk="+pk(hiddenP)), want("0", "2"))
			check("outposts?providers_by_pk=shown", count("/api/v3/outposts/instances/?providers_by_pk="+pk(shownP)), want("1", "2"))
			check("outposts?providers__isnull=true", count("/api/v3/outposts/instances/?providers__isnull=true"), want("1", "0"))
			check("providers?application__isnull=true", count("/api/v3/providers/rac/?application__isnull=true"), want("1", "0"))
			check("endpoints?provider=hidden", count("/api/v3/rac/endpoints/?provider="+pk(hiddenP)), want("0", "1"))
			check("endpoints?provider=shown", count("/api/v3/rac/endpoints/?provider="+pk(shownP)), want("1", "2"))
			check("connection tokens?search=hidden-desk", count("/api/v3/rac/connection_tokens/?search=hidden-desk"), want("0", "1"))
			check("connection tokens?endpoint=hidden", count("/api/v3/rac/connection_tokens/?endpoint="+pk(hiddenEp)), want("0", "1"))
			check("connection tokens?search=shown-provider", count("/api/v3/rac/connection_tokens/?search="+url.QueryEscape("shown-provider")), "1")
		}
	})
}
