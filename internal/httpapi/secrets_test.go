package httpapi_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

// secretValues are the credentials TestEndpointCredentials writes; none may leave
// racd except to guacd (see the gateway's TestConnectValuesInArgsOrder).
// The marked keys (x-otp) are named so that authentik's key pattern for sensitive
// values (API, TOKEN, KEY, SECRET, PASS, SIGNATURE) does not match them: only the
// secret marking keeps them out of events.
var secretValues = []string{"hunter2-endpoint", "hunter2-provider", "hunter2-mapping", "hunter2-launch", "marked-otp-endpoint",
	"marked-otp-provider", "marked-otp-mapping", "marked-otp-expression"}

// TestEndpointCredentials (issue 9 §2), through the API on both databases: secret
// connection parameters — guacd's credentials and what racd-secret-keys marks — are
// stored sealed, read back only by a caller who may change the object (its own GET),
// and never appear to anyone else, in objects nested in others, in a launch's answer
// or in an audit event.
func TestEndpointCredentials(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		mapping := e.Mapping("m", map[string]any{"sftp-password": "hunter2-mapping", "x-otp": "marked-otp-mapping", "racd-secret-keys": []string{"x-otp"}})
		p := e.Provider(map[string]any{"name": "p", "authorization_flow": flow, "property_mappings": []string{mapping},
			"settings": map[string]any{"gateway-password": "hunter2-provider", "color-depth": 16, "x-otp": "marked-otp-provider", "racd-secret-keys": []string{"x-otp"}}})
		pk := fmt.Sprint(p["pk"])
		// A mapping's expression marks a key of its result secret (the value is built,
		// so that the expression's source, code kept in clear, does not hold it).
		exprMapping := e.MustAdmin(201, "POST", "/api/v3/propertymappings/rac/", map[string]any{"name": "expr", "static_settings": map[string]any{},
			"expression": `return {"x-otp-expr": "marked-otp-" + "expression", "racd-secret-keys": ["x-otp-expr"]}`})["pk"].(string)
		ep := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", map[string]any{"name": "desk", "provider": p["pk"], "protocol": "rdp",
			"host": "10.0.0.5:3389", "auth_mode": "static", "maximum_connections": -1, "property_mappings": []string{exprMapping}, "settings": map[string]any{
				"username": "alice", "password": "hunter2-endpoint", "x-otp": "marked-otp-endpoint", "racd-secret-keys": []string{"x-otp"}}})
		epPath := "/api/v3/rac/endpoints/" + ep["pk"].(string) + "/"
		_, viewer := e.User("viewer", "authentik_providers_rac.view_endpoint", "authentik_providers_rac.view_racprovider",
			"authentik_providers_rac.view_racpropertymapping", "authentik_providers_rac.view_connectiontoken")
		_, changer := e.User("changer", "authentik_providers_rac.view_endpoint", "authentik_providers_rac.change_endpoint@"+ep["pk"].(string))
		leaks := func(what string, body []byte) {
			t.Helper()
			for _, v := range secretValues {
				if i := strings.Index(string(body), v); i >= 0 {
					t.Errorf("%s carries %s: …%s…", what, v, body[max(0, i-200):min(len(body), i+len(v)+50)])
				}
			}
		}
		// Answers of the writes are the writer's own (a superuser may change them).
		if !strings.Contains(fmt.Sprint(ep["settings"]), "hunter2-endpoint") {
			t.Errorf("the create's answer to the superuser: %v", ep["settings"])
		}
		// Readers who may not change the object see the rest of its settings only.
		for _, c := range []struct{ key, path string }{{viewer, epPath}, {viewer, "/api/v3/rac/endpoints/"},
			{viewer, "/api/v3/providers/rac/" + pk + "/"}, {viewer, "/api/v3/propertymappings/rac/" + mapping + "/"},
			{viewer, "/api/v3/providers/rac/"}, {viewer, "/api/v3/propertymappings/rac/"}} {
			r := e.As(c.key, "GET", c.path, nil)
			if r.Status != 200 {
				t.Fatalf("GET %s: %s", c.path, r)
			}
			leaks("GET "+c.path+" as a viewer", r.Body)
		}
		r := e.As(viewer, "GET", epPath, nil)
		if s := string(r.Body); !strings.Contains(s, `"settings":{"racd-secret-keys":["x-otp"],"username":"alice"}`) {
			t.Errorf("a viewer's endpoint settings: %s", s)
		}
		// The object's own GET shows them to whoever may change it.
		for _, c := range []struct {
			key, path, want string
		}{
			{changer, epPath, `"password":"hunter2-endpoint","x-otp":"marked-otp-endpoint"`},
			{apitest.AdminToken, epPath, `"password":"hunter2-endpoint"`},
			{apitest.AdminToken, "/api/v3/providers/rac/" + pk + "/", `"gateway-password":"hunter2-provider"`},
			{apitest.AdminToken, "/api/v3/propertymappings/rac/" + mapping + "/", `"sftp-password":"hunter2-mapping"`},
		} {
			if r := e.As(c.key, "GET", c.path, nil); !strings.Contains(string(r.Body), c.want) {
				t.Errorf("GET %s by a caller who may change it: %s, want %s", c.path, r, c.want)
			}
		}
		// Never nested: the endpoint's provider_obj, even for the superuser.
		var got struct {
			ProviderObj map[string]any `json:"provider_obj"`
		}
		if err := json.Unmarshal(e.Admin("GET", epPath, nil).Body, &got); err != nil || strings.Contains(fmt.Sprint(got.ProviderObj), "hunter2") {
			t.Errorf("provider_obj nested in the endpoint: %v %v", err, got.ProviderObj)
		}
		// A launch's answer (its settings and its connection token's nested objects)
		// and the connection token's own GET carry none, nor its own launch secrets.
		r = e.As(viewer, "POST", epPath+"launch/", map[string]any{"settings": map[string]any{"passphrase": "hunter2-launch", "domain": "CORP"}})
		if r.Status != 201 {
			t.Fatalf("launch: %s", r)
		}
		leaks("the launch's answer", r.Body)
		settings, _ := json.Marshal(r.Map(t)["settings"])
		if !strings.Contains(string(settings), `"domain":"CORP"`) || strings.Contains(string(settings), "racd-secret-keys") ||
			strings.Contains(string(settings), "x-otp") || strings.Contains(string(settings), "password") {
			t.Errorf("the launch's settings: %s", settings)
		}
		token := r.Map(t)["connection_token"].(map[string]any)["pk"].(string)
		for _, key := range []string{viewer, apitest.AdminToken} {
			leaks("GET connection token", e.As(key, "GET", "/api/v3/rac/connection_tokens/"+token+"/", nil).Body)
			leaks("list connection tokens", e.As(key, "GET", "/api/v3/rac/connection_tokens/", nil).Body)
		}
		// A change without settings keeps them; events show names, masked.
		e.MustAdmin(200, "PATCH", epPath, map[string]any{"name": "desk 2"})
		if r := e.As(changer, "GET", epPath, nil); !strings.Contains(string(r.Body), "hunter2-endpoint") {
			t.Errorf("a rename lost the password: %s", r)
		}
		events := e.Admin("GET", "/api/v3/events/events/?page_size=1000", nil)
		leaks("the events", events.Body)
		_, auditor := e.User("auditor", "authentik_events.view_event")
		leaks("the events to an auditor", e.As(auditor, "GET", "/api/v3/events/events/?page_size=1000", nil).Body)
		// Nor in the provider nested in an application or an outpost, nor in used_by,
		// for any reader.
		e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "App", "slug": "app", "provider": p["pk"]})
		out := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "o", "type": "rac", "providers": []any{p["pk"]}, "config": map[string]any{}})
		for _, path := range []string{"/api/v3/core/applications/app/", "/api/v3/core/applications/", "/api/v3/outposts/instances/" + out["pk"].(string) + "/",
			"/api/v3/outposts/instances/", epPath + "used_by/", "/api/v3/providers/rac/" + pk + "/used_by/", "/api/v3/propertymappings/rac/" + mapping + "/used_by/"} {
			r := e.Admin("GET", path, nil)
			if r.Status != 200 {
				t.Fatalf("GET %s: %s", path, r)
			}
			leaks("GET "+path, r.Body)
		}
		for _, ev := range e.Admin("GET", "/api/v3/events/events/?page_size=1000", nil).Map(t)["results"].([]any) {
			path := "/api/v3/events/events/" + ev.(map[string]any)["pk"].(string) + "/"
			leaks("GET "+path, e.As(auditor, "GET", path, nil).Body)
		}
		if !strings.Contains(string(events.Body), racd.MaskedValue) {
			t.Errorf("no masked secret in the events")
		}
		// At rest: sealed.
		for _, v := range secretValues {
			for _, q := range []string{
				"SELECT count(*) FROM endpoints WHERE CAST(settings AS TEXT) LIKE $1 OR secrets LIKE $1",
				"SELECT count(*) FROM providers WHERE CAST(settings AS TEXT) LIKE $1 OR secrets LIKE $1",
				"SELECT count(*) FROM property_mappings WHERE CAST(static_settings AS TEXT) LIKE $1 OR static_secrets LIKE $1",
				"SELECT count(*) FROM connection_tokens WHERE CAST(settings AS TEXT) LIKE $1 OR secrets LIKE $1",
			} {
				if n := e.QueryInt(q, "%"+v+"%"); n != 0 {
					t.Errorf("%s stored in clear: %s", v, q)
				}
			}
		}
	})
}

// TestLaunchTargetSettings (issue 9 §2): a launch's own settings may not choose where
// the connection goes — hostname, port, and guacd 1.5.5's other address-selecting or
// file-writing parameters — unless the caller may change the endpoint: a 400 on
// settings naming each key, and no token. An endpoint the caller cannot see is 404.
func TestLaunchTargetSettings(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p := e.Provider(map[string]any{"name": "p", "authorization_flow": flow})
		body := map[string]any{"name": "desk", "provider": p["pk"], "protocol": "rdp", "host": "10.0.0.5:3389", "auth_mode": "prompt", "maximum_connections": -1}
		ep := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", body)["pk"].(string)
		body["name"] = "hidden"
		hidden := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", body)["pk"].(string)
		_, viewer := e.User("viewer", "authentik_providers_rac.view_endpoint@"+ep)
		_, changer := e.User("changer", "authentik_providers_rac.view_endpoint@"+ep, "authentik_providers_rac.change_endpoint@"+ep)
		launch := func(key, endpoint string, settings map[string]any) *apitest.Resp {
			return e.As(key, "POST", "/api/v3/rac/endpoints/"+endpoint+"/launch/", map[string]any{"settings": settings})
		}
		for _, keys := range [][]string{
			{"hostname"}, {"port"}, {"gateway-hostname", "gateway-port"}, {"sftp-hostname", "sftp-port", "sftp-host-key"},
			{"dest-host", "dest-port"}, {"reverse-connect", "listen-timeout"}, {"wol-send-packet", "wol-mac-addr", "wol-broadcast-addr", "wol-udp-port"},
			{"recording-path", "recording-name", "create-recording-path"}, {"typescript-path", "typescript-name"}, {"drive-path"},
			{"load-balance-info", "preconnection-blob", "preconnection-id"}, {"audio-servername"}, {"host-key", "ignore-cert", "security"},
		} {
			settings := map[string]any{"username": "alice", "password": "pw"}
			var msgs []string
			for _, k := range keys {
				settings[k] = "x"
			}
			sorted := append([]string{}, keys...)
			sort.Strings(sorted)
			for _, k := range sorted {
				msgs = append(msgs, racd.MsgTargetSetting(k))
			}
			want, _ := json.Marshal(map[string][]string{"settings": msgs})
			if r := launch(viewer, ep, settings); r.Status != 400 || string(r.Body) != string(want) {
				t.Errorf("launch with %v: %s, want 400 %s", keys, r, want)
			}
			if r := launch(changer, ep, settings); r.Status != 201 {
				t.Errorf("launch with %v by a caller who may change the endpoint: %s", keys, r)
			}
		}
		if n := e.Admin("GET", "/api/v3/rac/connection_tokens/", nil).Count(); n != 13 {
			t.Errorf("%d tokens: the refused launches issued some", n)
		}
		if r := launch(viewer, ep, map[string]any{"username": "alice", "password": "pw", "domain": "CORP"}); r.Status != 201 {
			t.Errorf("a launch with its own credentials: %s", r)
		}
		if r := launch(viewer, hidden, nil); r.Status != 404 {
			t.Errorf("a launch of an endpoint the caller cannot see: %s", r)
		}
	})
}
