package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// Tests of what authentik's clients from 2024.8 on read and write on property
// mappings, flows, applications and providers (README, "Clients"), on both databases.

// TestMappingsAtBothPaths: the RAC property mappings answer at 2024.6's path and at
// 2024.8's /propertymappings/provider/rac/ alike: one resource, the same objects and
// answers (the RBAC matrix runs at both).
func TestMappingsAtBothPaths(t *testing.T) {
	const old, newer = "/api/v3/propertymappings/rac/", "/api/v3/propertymappings/provider/rac/"
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		m := e.MustAdmin(201, "POST", newer, map[string]any{"name": "m1", "static_settings": map[string]any{"a": "b"}})
		pk := m["pk"].(string)
		a, b := e.Admin("GET", old+pk+"/", nil), e.Admin("GET", newer+pk+"/", nil)
		if a.Status != 200 || string(a.Body) != string(b.Body) {
			t.Fatalf("retrieve at both paths:\n%s\n%s", a, b)
		}
		e.MustAdmin(200, "PATCH", old+pk+"/", map[string]any{"expression": "return {}"})
		if got := e.MustAdmin(200, "GET", newer+pk+"/", nil)["expression"]; got != "return {}" {
			t.Errorf("a change at one path, read at the other: %v", got)
		}
		la, lb := e.Admin("GET", old+"?name=m1", nil), e.Admin("GET", newer+"?name=m1", nil)
		if la.Count() != 1 || string(la.Body) != string(lb.Body) {
			t.Errorf("lists differ:\n%s\n%s", la, lb)
		}
		if r := e.Admin("GET", newer+pk+"/used_by/", nil); r.Status != 200 || string(r.Body) != "[]" {
			t.Errorf("used_by: %s", r)
		}
		e.MustAdmin(204, "DELETE", newer+pk+"/", nil)
		if r := e.Admin("GET", old+pk+"/", nil); r.Status != 404 {
			t.Errorf("deleted at one path, still at the other: %s", r)
		}
		if r := e.Admin("POST", newer, map[string]any{"name": ""}); r.Status != 400 {
			t.Errorf("validation at the new path: %s", r)
		}
	})
}

// TestFlowBackgroundAndNewerEnums: a flow's background is writable (authentik
// 2025.12) and read back with its URL and themed variants; newer layout and
// authentication values are accepted and stored but answered as the 2024.6 value
// they fall back to, which an old client may send back without changing the stored
// one.
func TestFlowBackgroundAndNewerEnums(t *testing.T) {
	const flows = "/api/v3/flows/instances/"
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		f := e.MustAdmin(201, "POST", flows, map[string]any{"name": "F", "slug": "f", "title": "T", "designation": "authorization",
			"background": " https://assets.example.com/bg-%(theme)s.png ", "layout": "sidebar_left_frame_background", "authentication": "require_token"})
		want := map[string]any{"background": "https://assets.example.com/bg-%(theme)s.png", "background_url": "https://assets.example.com/bg-%(theme)s.png",
			"background_themed_urls": map[string]any{"light": "https://assets.example.com/bg-light.png", "dark": "https://assets.example.com/bg-dark.png"},
			"layout":                 "sidebar_left", "authentication": "none"}
		for k, v := range want {
			if fmt.Sprint(f[k]) != fmt.Sprint(v) {
				t.Errorf("%s = %v, want %v", k, f[k], v)
			}
		}
		stored := func() (layout, auth string) {
			t.Helper()
			e.QueryRow("SELECT layout, authentication FROM flows WHERE slug = 'f'", nil, &layout, &auth)
			return
		}
		if l, a := stored(); l != "sidebar_left_frame_background" || a != "require_token" {
			t.Fatalf("stored %s %s", l, a)
		}
		// An old client's read-modify-write sends back what it was shown: kept.
		put := map[string]any{"name": "F", "slug": "f", "title": "T2", "designation": "authorization", "layout": "sidebar_left", "authentication": "none"}
		e.MustAdmin(200, "PUT", flows+"f/", put)
		if l, a := stored(); l != "sidebar_left_frame_background" || a != "require_token" {
			t.Errorf("after an old client's PUT: stored %s %s", l, a)
		}
		// Another value replaces it.
		put["layout"], put["authentication"] = "stacked", "require_superuser"
		g := e.MustAdmin(200, "PUT", flows+"f/", put)
		if l, a := stored(); l != "stacked" || a != "require_superuser" || g["layout"] != "stacked" || g["authentication"] != "require_superuser" {
			t.Errorf("after a change: stored %s %s, answered %v %v", l, a, g["layout"], g["authentication"])
		}
		e.MustAdmin(200, "PATCH", flows+"f/", map[string]any{"layout": "sidebar_right_frame_background", "authentication": "require_redirect"})
		if l, a := stored(); l != "sidebar_right_frame_background" || a != "require_redirect" {
			t.Errorf("newer values by PATCH: stored %s %s", l, a)
		}
		// Back to the default background.
		h := e.MustAdmin(200, "PATCH", flows+"f/", map[string]any{"background": ""})
		if h["background"] != "/static/dist/assets/images/flow_background.jpg" || h["background_url"] != h["background"] || h["background_themed_urls"] != nil || h["layout"] != "sidebar_right" {
			t.Errorf("default background: %v %v %v %v", h["background"], h["background_url"], h["background_themed_urls"], h["layout"])
		}
		long := make([]byte, 2049)
		for i := range long {
			long[i] = 'a'
		}
		runSteps(t, e, []step{
			{"unknown layout", adm, "PATCH", flows + "f/", `{"layout":"sideways"}`, 400, `{"layout":["\"sideways\" is not a valid choice."]}`, ""},
			{"unknown authentication", adm, "PATCH", flows + "f/", `{"authentication":"require_luck"}`, 400, `{"authentication":["\"require_luck\" is not a valid choice."]}`, ""},
			{"background with a space", adm, "PATCH", flows + "f/", `{"background":"a b.png"}`, 400, `{"background":["Enter a valid URL or path."]}`, ""},
			{"background too long", adm, "PATCH", flows + "f/", `{"background":"` + string(long) + `"}`, 400, `{"background":["Ensure this field has no more than 2048 characters."]}`, ""},
			{"background not a string", adm, "PATCH", flows + "f/", `{"background":{}}`, 400, `{"background":["Not a valid string."]}`, ""},
		})
		// Events of newer versions' actions are accepted as filters.
		for _, q := range []string{"?action=export_ready", "?actions=review_initiated&actions=access_request_denied"} {
			if r := e.Admin("GET", "/api/v3/events/events/"+q, nil); r.Status != 200 || r.Count() != 0 {
				t.Errorf("events%s: %s", q, r)
			}
		}
		if r := e.Admin("GET", "/api/v3/events/events/?actions=model_created&actions=export_ready", nil); r.Count() != 1 {
			t.Errorf("events?actions=model_created: %d", r.Count())
		}
	})
}

// TestApplicationIconHideAndLaunchFilter: an application's icon and meta_hide are
// writable (authentik 2025.12, 2026.8) and read back with the icon's URLs and
// pbm_uuid; without an icon meta_icon is "" and its URLs null; only_with_launch_url
// keeps the applications with a launch URL; a nested provider carries
// invalidation_flow "" while the RAC provider itself does not.
func TestApplicationIconHideAndLaunchFilter(t *testing.T) {
	const apps = "/api/v3/core/applications/"
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p := e.Provider(map[string]any{"name": "p", "authorization_flow": flow})
		a := e.MustAdmin(201, "POST", apps, map[string]any{"name": "A", "slug": "a", "provider": p["pk"],
			"meta_icon": "/media/icon-%(theme)s.svg", "meta_hide": true})
		want := map[string]any{"meta_icon": "/media/icon-%(theme)s.svg", "meta_icon_url": "/media/icon-%(theme)s.svg",
			"meta_icon_themed_urls": map[string]any{"light": "/media/icon-light.svg", "dark": "/media/icon-dark.svg"},
			"meta_hide":             true, "pbm_uuid": a["pk"]}
		for k, v := range want {
			if fmt.Sprint(a[k]) != fmt.Sprint(v) {
				t.Errorf("%s = %v, want %v", k, a[k], v)
			}
		}
		if po := a["provider_obj"].(map[string]any); po["invalidation_flow"] != "" {
			t.Errorf("nested provider's invalidation_flow = %v", po["invalidation_flow"])
		}
		if _, has := e.MustAdmin(200, "GET", "/api/v3/providers/rac/"+pkOf(p)+"/", nil)["invalidation_flow"]; has {
			t.Error("the RAC provider itself has invalidation_flow (its schema never gained it)")
		}
		b := e.MustAdmin(200, "PATCH", apps+"a/", map[string]any{"meta_icon": "", "meta_hide": false})
		if b["meta_icon"] != "" || b["meta_icon_url"] != nil || b["meta_icon_themed_urls"] != nil || b["meta_hide"] != false {
			t.Errorf("cleared icon: %v %v %v %v", b["meta_icon"], b["meta_icon_url"], b["meta_icon_themed_urls"], b["meta_hide"])
		}
		e.MustAdmin(201, "POST", apps, map[string]any{"name": "No launch", "slug": "none"})
		e.MustAdmin(201, "POST", apps, map[string]any{"name": "Own launch", "slug": "own", "meta_launch_url": "https://x.example.com/"})
		for q, want := range map[string]int{"": 3, "?only_with_launch_url=true": 2, "?only_with_launch_url=TRUE": 2, "?only_with_launch_url=false": 3} {
			if r := e.Admin("GET", apps+q, nil); r.Count() != want {
				t.Errorf("applications%s: %d, want %d", q, r.Count(), want)
			}
		}
		runSteps(t, e, []step{
			{"icon with a control character", adm, "PATCH", apps + "a/", `{"meta_icon":"a\tb"}`, 400, `{"meta_icon":["Enter a valid URL or path."]}`, ""},
			{"meta_hide not a boolean", adm, "PATCH", apps + "a/", `{"meta_hide":"maybe"}`, 400, `{"meta_hide":["Must be a valid boolean."]}`, ""},
		})
	})
}

// TestAnswersKeep2024Keys: every answer newer clients read more from keeps 2024.6's
// keys first, in 2024.6's order, and adds the new ones after them (lists: pagination,
// results, then autocomplete).
func TestAnswersKeep2024Keys(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p := e.Provider(map[string]any{"name": "p", "authorization_flow": flow})
		e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "A", "slug": "a", "provider": p["pk"]})
		u := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "ann", "name": "Ann"})
		keys := func(path string, at ...string) []string {
			t.Helper()
			r := e.Admin("GET", path, nil)
			raw := json.RawMessage(r.Body)
			for _, k := range at {
				var m map[string]json.RawMessage
				if json.Unmarshal(raw, &m) != nil {
					var l []json.RawMessage
					if json.Unmarshal(raw, &l) != nil || len(l) == 0 {
						t.Fatalf("%s: no %s in %s", path, k, r)
					}
					raw = l[0]
					continue
				}
				raw = m[k]
			}
			return apitest.KeyOrder(t, raw)
		}
		wantPrefix(t, "page", keys("/api/v3/flows/instances/"), []string{"pagination", "results"}, "autocomplete")
		wantPrefix(t, "user", keys("/api/v3/core/users/"+pkOf(u)+"/"), []string{"pk", "username", "name", "is_active", "last_login",
			"is_superuser", "groups", "groups_obj", "email", "avatar", "attributes", "uid", "path", "type", "uuid"},
			"date_joined", "password_change_date", "last_updated", "roles", "roles_obj")
		wantPrefix(t, "flow", keys("/api/v3/flows/instances/authz/"), []string{"pk", "policybindingmodel_ptr_id", "name", "slug", "title",
			"designation", "background", "stages", "policies", "cache_count", "policy_engine_mode", "compatibility_mode", "export_url",
			"layout", "denied_action", "authentication"}, "background_url", "background_themed_urls")
		wantPrefix(t, "application", keys("/api/v3/core/applications/a/"), []string{"pk", "name", "slug", "provider", "provider_obj",
			"backchannel_providers", "backchannel_providers_obj", "launch_url", "open_in_new_tab", "meta_launch_url", "meta_icon",
			"meta_description", "meta_publisher", "policy_engine_mode", "group"}, "meta_icon_url", "meta_icon_themed_urls", "pbm_uuid", "meta_hide")
		base := []string{"pk", "name", "authentication_flow", "authorization_flow", "property_mappings", "component", "assigned_application_slug",
			"assigned_application_name", "assigned_backchannel_application_slug", "assigned_backchannel_application_name", "verbose_name",
			"verbose_name_plural", "meta_model_name"}
		wantPrefix(t, "nested provider", keys("/api/v3/core/applications/a/", "provider_obj"), base, "invalidation_flow")
		wantPrefix(t, "RAC provider", keys("/api/v3/providers/rac/"+pkOf(p)+"/"), append(base, "settings", "outpost_set",
			"connection_expiry", "delete_token_on_disconnect"))
	})
}
