package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// findEvent returns the only stored event with action on the model (app, model_name,
// pk as the context stores it); it fails unless there is exactly one.
func findEvent(t *testing.T, f *apitest.Env, action, app, model string, pk any) apitest.StoredEvent {
	t.Helper()
	var found []apitest.StoredEvent
	for _, e := range f.Events(t) {
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
func eventCheck(action, app, model, pkVar, name, method, path, diff string) func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
	return func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
		t.Helper()
		var pk any = f.Vars[pkVar]
		if pkVar == "" {
			pk = r.Map(t)["pk"]
		}
		if n, ok := pk.(float64); ok {
			pk = fmt.Sprint(n)
		}
		evs := f.Events(t)
		var matching []apitest.StoredEvent
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
		if req["method"] != method || req["path"] != f.Expand(path) || req["user_agent"] != "scenario-agent/1.0" {
			t.Errorf("http_request %v", req)
		}
		if msg := apitest.JSONSubset(t, f.Expand(diff), mustJSON(t, e.Context["diff"])); msg != "" {
			t.Errorf("diff: %s\n%v", msg, e.Context["diff"])
		}
		if got := e.Context["diff"].(map[string]any); len(got) != len(mustMap(t, f.Expand(diff))) {
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
		f.Run(t, []apitest.Scenario{
			{Name: "create provider", Header: ua, Method: "POST", Path: provPath, Body: `{"name":"ev","authorization_flow":"{authz}","settings":{"x":[1]}}`, Status: 201,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					f.Vars["ev"] = fmt.Sprint(r.Map(t)["pk"])
					eventCheck("model_created", prov, rac, "ev", "ev", "POST", provPath,
						`{"name":{"previous_value":null,"new_value":"ev"},"authentication_flow":{"previous_value":null,"new_value":null},`+
							`"authorization_flow":{"previous_value":null,"new_value":"{authz}"},"property_mappings":{"previous_value":null,"new_value":[]},`+
							`"settings":{"previous_value":null,"new_value":{"x":[1]}},"connection_expiry":{"previous_value":null,"new_value":"hours=8"},`+
							`"delete_token_on_disconnect":{"previous_value":null,"new_value":false}}`)(t, f, r)
				}},
			{Name: "patch provider", Header: ua, Method: "PATCH", Path: provPath + "{ev}/", Body: `{"name":"ev2","property_mappings":["{pm1}"],"connection_expiry":"hours=8"}`, Status: 200,
				Check: eventCheck("model_updated", prov, rac, "ev", "ev2", "PATCH", provPath+"{ev}/",
					`{"name":{"previous_value":"ev","new_value":"ev2"},"property_mappings":{"previous_value":[],"new_value":["{pm1}"]}}`)},
			{Name: "patch {} records an empty diff", Header: ua, Method: "PATCH", Path: provPath + "{ev}/", Body: `{}`, Status: 200,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					n := 0
					for _, e := range f.Events(t) {
						if e.Action == "model_updated" && fmt.Sprint(e.Context["model"].(map[string]any)["pk"]) == f.Vars["ev"] {
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
			{Name: "refused patch records nothing", Header: ua, Method: "PATCH", Path: provPath + "{ev}/", Body: `{"name":""}`, Status: 400, NoWrite: true, Want: fieldErr("name", msgBlank)},
			{Name: "refused create records nothing", Header: ua, Method: "POST", Path: provPath, Body: `{"name":"x"}`, Status: 400, NoWrite: true},
			{Name: "forbidden create records nothing", As: apitest.AsNoPerm, Method: "POST", Path: provPath, Body: providerBody("np", ""), Status: 403, NoWrite: true, Want: bodyForbidden},
			{Name: "put provider", Header: ua, Method: "PUT", Path: provPath + "{ev}/", Body: `{"name":"ev2","authorization_flow":"{authn}","delete_token_on_disconnect":true}`, Status: 200,
				Check: eventCheck("model_updated", prov, rac, "ev", "ev2", "PUT", provPath+"{ev}/",
					`{"authorization_flow":{"previous_value":"{authz}","new_value":"{authn}"},"delete_token_on_disconnect":{"previous_value":false,"new_value":true}}`)},
			{Name: "delete provider", Header: ua, Method: "DELETE", Path: provPath + "{ev}/", Status: 204, WantEmpty: true,
				Check: eventCheck("model_deleted", prov, rac, "ev", "ev2", "DELETE", provPath+"{ev}/",
					`{"name":{"previous_value":"ev2","new_value":null},"authorization_flow":{"previous_value":"{authn}","new_value":null},`+
						`"authentication_flow":{"previous_value":null,"new_value":null},"property_mappings":{"previous_value":["{pm1}"],"new_value":null},`+
						`"settings":{"previous_value":{"x":[1]},"new_value":null},"connection_expiry":{"previous_value":"hours=8","new_value":null},`+
						`"delete_token_on_disconnect":{"previous_value":true,"new_value":null}}`)},
			{Name: "create flow", Header: ua, Method: "POST", Path: flowPath, Body: `{"name":"EvF","slug":"evf","title":"T","designation":"recovery"}`, Status: 201,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					f.Vars["evf"] = r.Map(t)["pk"].(string)
					eventCheck("model_created", "authentik_flows", "flow", "evf", "Flow EvF (evf)", "POST", flowPath,
						`{"name":{"new_value":"EvF"},"slug":{"new_value":"evf"},"title":{"new_value":"T"},"designation":{"new_value":"recovery"},`+
							`"policy_engine_mode":{"new_value":"any"},"compatibility_mode":{"new_value":false},"layout":{"new_value":"stacked"},`+
							`"denied_action":{"new_value":"message_continue"},"authentication":{"new_value":"none"},"background":{"new_value":""}}`)(t, f, r)
				}},
			{Name: "patch flow", Header: ua, Method: "PATCH", Path: flowPath + "evf/", Body: `{"title":"T2"}`, Status: 200,
				Check: eventCheck("model_updated", "authentik_flows", "flow", "evf", "Flow EvF (evf)", "PATCH", flowPath+"evf/", `{"title":{"previous_value":"T","new_value":"T2"}}`)},
			{Name: "create mapping", Header: ua, Method: "POST", Path: mappingPath, Body: `{"name":"evm","static_settings":{"a":1}}`, Status: 201,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					f.Vars["evm"] = r.Map(t)["pk"].(string)
					eventCheck("model_created", prov, "racpropertymapping", "evm", "Property Mapping evm", "POST", mappingPath,
						`{"managed":{"new_value":null},"name":{"new_value":"evm"},"expression":{"new_value":""},"static_settings":{"new_value":{"a":1}}}`)(t, f, r)
				}},
			{Name: "patch mapping", Header: ua, Method: "PATCH", Path: mappingPath + "{evm}/", Body: `{"static_settings":{"a":2}}`, Status: 200,
				Check: eventCheck("model_updated", prov, "racpropertymapping", "evm", "Property Mapping evm", "PATCH", mappingPath+"{evm}/",
					`{"static_settings":{"previous_value":{"a":1},"new_value":{"a":2}}}`)},
			{Name: "delete mapping", Header: ua, Method: "DELETE", Path: mappingPath + "{evm}/", Status: 204, WantEmpty: true,
				Check: eventCheck("model_deleted", prov, "racpropertymapping", "evm", "Property Mapping evm", "DELETE", mappingPath+"{evm}/",
					`{"managed":{"previous_value":null,"new_value":null},"name":{"previous_value":"evm","new_value":null},"expression":{"previous_value":"","new_value":null},"static_settings":{"previous_value":{"a":2},"new_value":null}}`)},
			{Name: "delete a flow deletes its providers with events", Header: ua, Method: "DELETE", Path: flowPath + "authz/", Status: 204, WantEmpty: true,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					eventCheck("model_deleted", "authentik_flows", "flow", "authz", "Flow Flow authz (authz)", "DELETE", flowPath+"authz/",
						`{"name":{"previous_value":"Flow authz","new_value":null},"slug":{"previous_value":"authz","new_value":null},"title":{"previous_value":"Title authz","new_value":null},`+
							`"designation":{"previous_value":"authorization","new_value":null},"policy_engine_mode":{"previous_value":"any","new_value":null},`+
							`"compatibility_mode":{"previous_value":false,"new_value":null},"layout":{"previous_value":"stacked","new_value":null},`+
							`"denied_action":{"previous_value":"message_continue","new_value":null},"authentication":{"previous_value":"none","new_value":null},`+
							`"background":{"previous_value":"","new_value":null}}`)(t, f, r)
					e := findEvent(t, f, "model_deleted", prov, rac, f.Vars["p1"])
					if req := e.Context["http_request"].(map[string]any); req["path"] != flowPath+"authz/" {
						t.Errorf("cascaded delete's request %v", req)
					}
				}},
		})
	})
}
