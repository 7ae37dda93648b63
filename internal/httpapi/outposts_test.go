package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

func TestOutpostScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newAppFixture(t, backend)
		e := f.e
		const ops = "/api/v3/outposts/instances/"
		o1 := e.MustAdmin(201, "POST", ops, map[string]any{"name": "edge", "type": "rac", "providers": []int64{f.p1}, "config": map[string]any{}, "managed": "m1"})
		o1ID := o1["pk"].(string)
		one := ops + o1ID + "/"
		runAppScenarios(t, e, []appScenario{
			{name: "required", method: "POST", path: ops, body: `{}`, status: 400,
				exact: `{"name":["This field is required."],"type":["This field is required."],"providers":["This field is required."],"config":["This field is required."]}`},
			{name: "empty providers", method: "POST", path: ops, body: `{"name":"x","type":"rac","providers":[],"config":{}}`, status: 400,
				exact: `{"providers":["This list may not be empty."]}`},
			{name: "missing provider", method: "POST", path: ops, body: `{"name":"x","type":"rac","providers":[999],"config":{}}`, status: 400,
				exact: `{"providers":["Invalid pk \"999\" - object does not exist."]}`},
			{name: "providers not a list", method: "POST", path: ops, body: `{"name":"x","type":"rac","providers":1,"config":{}}`, status: 400,
				exact: `{"providers":["Expected a list of items but got type \"int\"."]}`},
			{name: "provider item of wrong type", method: "POST", path: ops, body: `{"name":"x","type":"rac","providers":["one"],"config":{}}`, status: 400,
				exact: `{"providers":["Incorrect type. Expected pk value, received str."]}`},
			{name: "proxy outpost with a RAC provider", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"proxy","providers":[%d],"config":{}}`, f.p1), status: 400,
				exact: `{"providers":["Outpost type proxy can't be used with RACProvider providers."]}`},
			{name: "ldap outpost with a RAC provider", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"ldap","providers":[%d],"config":{}}`, f.p1), status: 400,
				exact: `{"providers":["Outpost type ldap can't be used with RACProvider providers."]}`},
			{name: "missing provider reported before the type rule", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"proxy","providers":[%d,999],"config":{}}`, f.p1), status: 400,
				exact: `{"providers":["Invalid pk \"999\" - object does not exist."]}`},
			{name: "bad type", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"vpn","providers":[%d],"config":{}}`, f.p1), status: 400,
				exact: `{"type":["\"vpn\" is not a valid choice."]}`},
			{name: "config not a dict", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"rac","providers":[%d],"config":[]}`, f.p1), status: 400,
				exact: `{"config":["Value must be a dictionary, and not have any duplicate keys."]}`},
			{name: "config null", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"rac","providers":[%d],"config":null}`, f.p1), status: 400,
				exact: `{"config":["This field may not be null."]}`},
			{name: "refresh_interval of wrong type", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"rac","providers":[%d],"config":{"refresh_interval":5}}`, f.p1), status: 400,
				exact: `{"config":["Failed to validate config: wrong value type for field \"refresh_interval\" - should be \"str\" instead of value \"5\" of type \"int\""]}`},
			{name: "refresh_interval not a duration", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"rac","providers":[%d],"config":{"refresh_interval":"often"}}`, f.p1), status: 400,
				exact: `{"config":["Failed to validate config: refresh_interval: often is not in the correct format of 'hours=3;minutes=1'."]}`},
			{name: "service connection that does not exist", method: "POST", path: ops,
				body: fmt.Sprintf(`{"name":"x","type":"rac","providers":[%d],"config":{},"service_connection":"3fa85f64-5717-4562-b3fc-2c963f66afa6"}`, f.p1), status: 400,
				exact: `{"service_connection":["Invalid pk \"3fa85f64-5717-4562-b3fc-2c963f66afa6\" - object does not exist."]}`},
			{name: "service connection not a uuid", method: "POST", path: ops,
				body: fmt.Sprintf(`{"name":"x","type":"rac","providers":[%d],"config":{},"service_connection":"docker"}`, f.p1), status: 400,
				exact: `{"service_connection":["“docker” is not a valid UUID."]}`},
			{name: "name taken", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"edge","type":"rac","providers":[%d],"config":{}}`, f.p2), status: 400,
				exact: `{"name":["Outpost with this name already exists."]}`},
			{name: "managed taken", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"rac","providers":[%d],"config":{},"managed":"m1"}`, f.p2), status: 400,
				exact: `{"managed":["Outpost with this Managed by authentik already exists."]}`},
			{name: "managed blank", method: "POST", path: ops, body: fmt.Sprintf(`{"name":"x","type":"rac","providers":[%d],"config":{},"managed":""}`, f.p2), status: 400,
				exact: `{"managed":["This field may not be blank."]}`},
			{name: "every error at once, in field order", method: "POST", path: ops,
				body: `{"managed":"m1","config":7,"providers":[],"type":"rac","name":"edge"}`, status: 400,
				exact: `{"name":["Outpost with this name already exists."],"providers":["This list may not be empty."],"config":["Value must be a dictionary, and not have any duplicate keys."],"managed":["Outpost with this Managed by authentik already exists."]}`},
			{name: "create", method: "POST", path: ops,
				body:   fmt.Sprintf(`{"name":"second","type":"rac","providers":[%d,%d,%d],"config":{"refresh_interval":"hours=1","x":[1]},"service_connection":null,"managed":null}`, f.p2, f.p1, f.p2),
				status: 201,
				contains: []string{fmt.Sprintf(`"name":"second","type":"rac","providers":[%d,%d],"providers_obj":[{"pk":%d,"name":"p1"`, f.p1, f.p2, f.p1),
					`"service_connection":null,"service_connection_obj":null,"refresh_interval_s":3600,"token_identifier":"ak-outpost-`,
					`"config":{"refresh_interval":"hours=1","x":[1]},"managed":null}`}},
			{name: "retrieve", method: "GET", path: one, status: 200,
				contains: []string{`"pk":"` + o1ID + `"`, `"refresh_interval_s":300`, `"token_identifier":"ak-outpost-` + o1ID + `-api"`, `"managed":"m1"`}},
			{name: "retrieve by upper-case uuid", method: "GET", path: ops + strings.ToUpper(o1ID) + "/", status: 200},
			{name: "not a uuid", method: "GET", path: ops + "edge/", status: 404, exact: `{"detail":"Not found."}`},
			{name: "unknown uuid", method: "GET", path: ops + "3fa85f64-5717-4562-b3fc-2c963f66afa6/", status: 404, exact: `{"detail":"Not found."}`},
			{name: "default settings", method: "GET", path: ops + "default_settings/", status: 200,
				contains: []string{`{"config":{`, `"authentik_host":"http://127.0.0.1:`, `"refresh_interval":"minutes=5"`, `"log_level":"info"`, `"object_naming_template":"ak-outpost-%(name)s"`, `"kubernetes_replicas":1`}},
			{name: "default settings is GET only", method: "POST", path: ops + "default_settings/", body: `{}`, status: 405},
			{name: "patch type alone", method: "PATCH", path: one, body: `{"type":"radius"}`, status: 400,
				exact: `{"providers":["Outpost type radius can't be used with RACProvider providers."]}`},
			{name: "patch no-op", method: "PATCH", path: one, body: `{}`, status: 200},
			{name: "put requires", method: "PUT", path: one, body: `{}`, status: 400,
				exact: `{"name":["This field is required."],"type":["This field is required."],"providers":["This field is required."],"config":["This field is required."]}`},
			{name: "put keeps own name", method: "PUT", path: one, body: fmt.Sprintf(`{"name":"edge","type":"rac","providers":[%d],"config":{"refresh_interval":"minutes=1"}}`, f.p3), status: 200,
				contains: []string{fmt.Sprintf(`"providers":[%d]`, f.p3), `"refresh_interval_s":60`, `"managed":"m1"`}},
			{name: "patch managed to null", method: "PATCH", path: one, body: `{"managed":null}`, status: 200, contains: []string{`"managed":null}`}},
			{name: "used_by", method: "GET", path: one + "used_by/", status: 200, exact: `[]`},
			{name: "filter name__iexact", method: "GET", path: ops + "?name__iexact=EDGE", status: 200, contains: []string{`"count":1,`, `"name":"edge"`}},
			{name: "filter name__icontains", method: "GET", path: ops + "?name__icontains=ECO", status: 200, contains: []string{`"count":1,`, `"name":"second"`}},
			{name: "filter providers_by_pk", method: "GET", path: ops + fmt.Sprintf("?providers_by_pk=%d", f.p3), status: 200, contains: []string{`"count":1,`, `"name":"edge"`}},
			{name: "filter providers_by_pk not a number", method: "GET", path: ops + "?providers_by_pk=abc", status: 400,
				exact: `{"providers_by_pk":["“abc” is not a valid value."]}`},
			{name: "filter service connection name", method: "GET", path: ops + "?service_connection__name__iexact=docker", status: 200, contains: []string{`"count":0,`}},
			{name: "search provider name", method: "GET", path: ops + "?search=p2", status: 200, contains: []string{`"count":1,`, `"name":"second"`}},
			{name: "ordering", method: "GET", path: ops + "?ordering=-name", status: 200, contains: []string{`"results":[{"pk":`, `"name":"second"`}},
		})
	})
}

// TestOutpostKeptWithoutProviders pins what happens when an outpost's last provider is
// deleted: as in authentik, the outpost stays, with an empty provider list, and can
// still be patched; setting an empty list explicitly stays refused.
func TestOutpostKeptWithoutProviders(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newAppFixture(t, backend)
		e := f.e
		o := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "solo", "type": "rac", "providers": []int64{f.p3}, "config": map[string]any{}})
		path := "/api/v3/outposts/instances/" + o["pk"].(string) + "/"
		used := e.Admin("GET", fmt.Sprintf("/api/v3/providers/rac/%d/used_by/", f.p3), nil)
		if want := `[{"app":"authentik_outposts","model_name":"outpost","pk":"` + o["pk"].(string) + `","name":"Outpost solo","action":"cascade_many"}]`; string(used.Body) != want {
			t.Fatalf("used_by = %s, want %s", used.Body, want)
		}
		e.MustAdmin(204, "DELETE", fmt.Sprintf("/api/v3/providers/rac/%d/", f.p3), nil)
		got := e.MustAdmin(200, "GET", path, nil)
		if ps := got["providers"].([]any); len(ps) != 0 {
			t.Fatalf("providers = %v", ps)
		}
		e.MustAdmin(200, "PATCH", path, map[string]any{"name": "solo2"})
		upd, _, err := e.Store.Events().List(t.Context(), eventQuery("model_updated"))
		if err != nil {
			t.Fatal(err)
		}
		if len(upd) == 0 || !strings.Contains(string(upd[0].ContextJSON), `"diff":{"name":{"new_value":"solo2","previous_value":"solo"}}`) {
			t.Errorf("model_updated event: %v", upd)
		}
		r := e.Admin("PATCH", path, map[string]any{"providers": []int64{}})
		if r.Status != 400 || string(r.Body) != `{"providers":["This list may not be empty."]}` {
			t.Fatalf("PATCH providers []: %d %s", r.Status, r.Body)
		}
		list := e.MustAdmin(200, "GET", "/api/v3/outposts/instances/?providers__isnull=true", nil)
		if list["pagination"].(map[string]any)["count"].(float64) != 1 {
			t.Fatalf("providers__isnull=true: %v", list)
		}
		e.MustAdmin(204, "DELETE", path, nil)
		e.MustAdmin(404, "GET", path, nil)
		evs, _, err := e.Store.Events().List(t.Context(), eventQuery("model_deleted"))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range evs {
			if strings.Contains(string(ev.ContextJSON), `"name":"Outpost solo2"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("no model_deleted event for the outpost")
		}
	})
}

// TestEmbeddedOutpost: authentik's embedded outpost may hold no provider and keeps its name.
func TestEmbeddedOutpost(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := newAppFixture(t, backend).e
		o := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{
			"name": "authentik Embedded Outpost", "type": "proxy", "providers": []int64{}, "config": map[string]any{},
			"managed": "goauthentik.io/outposts/embedded",
		})
		r := e.Admin("PATCH", "/api/v3/outposts/instances/"+o["pk"].(string)+"/", map[string]any{"name": "renamed"})
		if r.Status != 400 || string(r.Body) != `{"name":["Embedded outpost's name cannot be changed"]}` {
			t.Fatalf("rename: %d %s", r.Status, r.Body)
		}
	})
}
