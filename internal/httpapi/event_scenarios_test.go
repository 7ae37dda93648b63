package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// findEvent returns the only stored event with action on the model (app, model_name,
// pk as the context stores it); it fails unless there is exactly one.
func findEvent(t *testing.T, f *fixture, action, app, model string, pk any) storedEvent {
	t.Helper()
	var found []storedEvent
	for _, e := range f.events(t) {
		m, _ := e.Context["model"].(map[string]any)
		if e.Action == action && m["app"] == app && m["model_name"] == model && fmt.Sprint(m["pk"]) == fmt.Sprint(pk) {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s events for %s.%s %v", len(found), action, app, model, pk)
	}
	return found[0]
}

// eventCheck asserts the last change recorded exactly one event of action on the
// object with the given diff (as JSON), made by akadmin through method path.
func eventCheck(action, app, model, pkVar, name, method, path, diff string) func(t *testing.T, f *fixture, r *apitest.Resp) {
	return func(t *testing.T, f *fixture, r *apitest.Resp) {
		t.Helper()
		var pk any = f.vars[pkVar]
		if pkVar == "" {
			pk = r.Map(t)["pk"]
		}
		if n, ok := pk.(float64); ok {
			pk = fmt.Sprint(n)
		}
		evs := f.events(t)
		var matching []storedEvent
		for _, e := range evs {
			m, _ := e.Context["model"].(map[string]any)
			if e.Action == action && m["app"] == app && m["model_name"] == model && fmt.Sprint(m["pk"]) == pk {
				matching = append(matching, e)
			}
		}
		if len(matching) == 0 {
			t.Fatalf("no %s event for %s.%s %v", action, app, model, pk)
		}
		e := matching[0] // newest first
		if e.App != "authentik.events.models" {
			t.Errorf("app %q", e.App)
		}
		if e.User["username"] != "akadmin" || e.User["pk"] == nil {
			t.Errorf("user %v", e.User)
		}
		if m := e.Context["model"].(map[string]any); m["name"] != name {
			t.Errorf("model name %v, want %q", m["name"], name)
		}
		req, _ := e.Context["http_request"].(map[string]any)
		if req["method"] != method || req["path"] != f.expand(path) || req["user_agent"] != "scenario-agent/1.0" {
			t.Errorf("http_request %v", req)
		}
		if msg := jsonSubset(t, f.expand(diff), mustJSON(t, e.Context["diff"])); msg != "" {
			t.Errorf("diff: %s\n%v", msg, e.Context["diff"])
		}
		if got := e.Context["diff"].(map[string]any); len(got) != len(mustMap(t, f.expand(diff))) {
			t.Errorf("diff has %d fields, want exactly %s: %v", len(got), diff, got)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustMap(t *testing.T, s string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return m
}

// TestEventScenarios checks that every change through the API stores its event with
// action, user, model, request and field diff, and that refused requests store none.
func TestEventScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		ua := map[string]string{"User-Agent": "scenario-agent/1.0"}
		const prov, rac = "authentik_providers_rac", "racprovider"
		f.run(t, []scenario{
			{name: "create provider", header: ua, method: "POST", path: provPath, body: `{"name":"ev","authorization_flow":"{authz}","settings":{"x":[1]}}`, status: 201,
				check: func(t *testing.T, f *fixture, r *apitest.Resp) {
					f.vars["ev"] = fmt.Sprint(r.Map(t)["pk"])
					eventCheck("model_created", prov, rac, "ev", "ev", "POST", provPath,
						`{"name":{"previous_value":null,"new_value":"ev"},"authentication_flow":{"previous_value":null,"new_value":null},`+
							`"authorization_flow":{"previous_value":null,"new_value":"{authz}"},"property_mappings":{"previous_value":null,"new_value":[]},`+
							`"settings":{"previous_value":null,"new_value":{"x":[1]}},"connection_expiry":{"previous_value":null,"new_value":"hours=8"},`+
							`"delete_token_on_disconnect":{"previous_value":null,"new_value":false}}`)(t, f, r)
				}},
			{name: "patch provider", header: ua, method: "PATCH", path: provPath + "{ev}/", body: `{"name":"ev2","property_mappings":["{pm1}"],"connection_expiry":"hours=8"}`, status: 200,
				check: eventCheck("model_updated", prov, rac, "ev", "ev2", "PATCH", provPath+"{ev}/",
					`{"name":{"previous_value":"ev","new_value":"ev2"},"property_mappings":{"previous_value":[],"new_value":["{pm1}"]}}`)},
			{name: "patch {} records an empty diff", header: ua, method: "PATCH", path: provPath + "{ev}/", body: `{}`, status: 200,
				check: func(t *testing.T, f *fixture, r *apitest.Resp) {
					n := 0
					for _, e := range f.events(t) {
						if e.Action == "model_updated" && fmt.Sprint(e.Context["model"].(map[string]any)["pk"]) == f.vars["ev"] {
							n++
							if n == 1 && len(e.Context["diff"].(map[string]any)) != 0 {
								t.Errorf("diff %v", e.Context["diff"])
							}
						}
					}
					if n != 2 {
						t.Errorf("%d update events, want 2", n)
					}
				}},
			{name: "refused patch records nothing", header: ua, method: "PATCH", path: provPath + "{ev}/", body: `{"name":""}`, status: 400, noWrite: true, want: fieldErr("name", msgBlank)},
			{name: "refused create records nothing", header: ua, method: "POST", path: provPath, body: `{"name":"x"}`, status: 400, noWrite: true},
			{name: "forbidden create records nothing", as: asNoPerm, method: "POST", path: provPath, body: providerBody("np", ""), status: 403, noWrite: true, want: bodyForbidden},
			{name: "put provider", header: ua, method: "PUT", path: provPath + "{ev}/", body: `{"name":"ev2","authorization_flow":"{authn}","delete_token_on_disconnect":true}`, status: 200,
				check: eventCheck("model_updated", prov, rac, "ev", "ev2", "PUT", provPath+"{ev}/",
					`{"authorization_flow":{"previous_value":"{authz}","new_value":"{authn}"},"delete_token_on_disconnect":{"previous_value":false,"new_value":true}}`)},
			{name: "delete provider", header: ua, method: "DELETE", path: provPath + "{ev}/", status: 204, wantEmpty: true,
				check: eventCheck("model_deleted", prov, rac, "ev", "ev2", "DELETE", provPath+"{ev}/",
					`{"name":{"previous_value":"ev2","new_value":null},"authorization_flow":{"previous_value":"{authn}","new_value":null},`+
						`"authentication_flow":{"previous_value":null,"new_value":null},"property_mappings":{"previous_value":["{pm1}"],"new_value":null},`+
						`"settings":{"previous_value":{"x":[1]},"new_value":null},"connection_expiry":{"previous_value":"hours=8","new_value":null},`+
						`"delete_token_on_disconnect":{"previous_value":true,"new_value":null}}`)},
			{name: "create flow", header: ua, method: "POST", path: flowPath, body: `{"name":"EvF","slug":"evf","title":"T","designation":"recovery"}`, status: 201,
				check: func(t *testing.T, f *fixture, r *apitest.Resp) {
					f.vars["evf"] = r.Map(t)["pk"].(string)
					eventCheck("model_created", "authentik_flows", "flow", "evf", "Flow EvF (evf)", "POST", flowPath,
						`{"name":{"new_value":"EvF"},"slug":{"new_value":"evf"},"title":{"new_value":"T"},"designation":{"new_value":"recovery"},`+
							`"policy_engine_mode":{"new_value":"any"},"compatibility_mode":{"new_value":false},"layout":{"new_value":"stacked"},`+
							`"denied_action":{"new_value":"message_continue"},"authentication":{"new_value":"none"}}`)(t, f, r)
				}},
			{name: "patch flow", header: ua, method: "PATCH", path: flowPath + "evf/", body: `{"title":"T2"}`, status: 200,
				check: eventCheck("model_updated", "authentik_flows", "flow", "evf", "Flow EvF (evf)", "PATCH", flowPath+"evf/", `{"title":{"previous_value":"T","new_value":"T2"}}`)},
			{name: "create mapping", header: ua, method: "POST", path: mappingPath, body: `{"name":"evm","static_settings":{"a":1}}`, status: 201,
				check: func(t *testing.T, f *fixture, r *apitest.Resp) {
					f.vars["evm"] = r.Map(t)["pk"].(string)
					eventCheck("model_created", prov, "racpropertymapping", "evm", "Property Mapping evm", "POST", mappingPath,
						`{"managed":{"new_value":null},"name":{"new_value":"evm"},"expression":{"new_value":""},"static_settings":{"new_value":{"a":1}}}`)(t, f, r)
				}},
			{name: "patch mapping", header: ua, method: "PATCH", path: mappingPath + "{evm}/", body: `{"static_settings":{"a":2}}`, status: 200,
				check: eventCheck("model_updated", prov, "racpropertymapping", "evm", "Property Mapping evm", "PATCH", mappingPath+"{evm}/",
					`{"static_settings":{"previous_value":{"a":1},"new_value":{"a":2}}}`)},
			{name: "delete mapping", header: ua, method: "DELETE", path: mappingPath + "{evm}/", status: 204, wantEmpty: true,
				check: eventCheck("model_deleted", prov, "racpropertymapping", "evm", "Property Mapping evm", "DELETE", mappingPath+"{evm}/",
					`{"managed":{"previous_value":null,"new_value":null},"name":{"previous_value":"evm","new_value":null},"expression":{"previous_value":"","new_value":null},"static_settings":{"previous_value":{"a":2},"new_value":null}}`)},
			{name: "delete a flow deletes its providers with events", header: ua, method: "DELETE", path: flowPath + "authz/", status: 204, wantEmpty: true,
				check: func(t *testing.T, f *fixture, r *apitest.Resp) {
					eventCheck("model_deleted", "authentik_flows", "flow", "authz", "Flow Flow authz (authz)", "DELETE", flowPath+"authz/",
						`{"name":{"previous_value":"Flow authz","new_value":null},"slug":{"previous_value":"authz","new_value":null},"title":{"previous_value":"Title authz","new_value":null},`+
							`"designation":{"previous_value":"authorization","new_value":null},"policy_engine_mode":{"previous_value":"any","new_value":null},`+
							`"compatibility_mode":{"previous_value":false,"new_value":null},"layout":{"previous_value":"stacked","new_value":null},`+
							`"denied_action":{"previous_value":"message_continue","new_value":null},"authentication":{"previous_value":"none","new_value":null}}`)(t, f, r)
					e := findEvent(t, f, "model_deleted", prov, rac, f.vars["p1"])
					if req := e.Context["http_request"].(map[string]any); req["path"] != flowPath+"authz/" {
						t.Errorf("cascaded delete's request %v", req)
					}
				}},
		})
	})
}
