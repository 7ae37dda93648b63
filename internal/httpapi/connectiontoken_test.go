package httpapi_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

var racSecretRE = regexp.MustCompile(`^[A-Za-z0-9]{60}$`)

type launchResp struct {
	Token           string            `json:"token"`
	Expires         *string           `json:"expires"`
	Settings        map[string]string `json:"settings"`
	ConnectionToken map[string]any    `json:"connection_token"`
}

func (f *racFixture) launch(key, endpoint, body string) (*apitest.Resp, launchResp) {
	f.T.Helper()
	r := f.As(key, "POST", "/api/v3/rac/endpoints/"+endpoint+"/launch/", body)
	var l launchResp
	if r.Status == 201 {
		if err := json.Unmarshal(r.Body, &l); err != nil {
			f.T.Fatalf("launch body: %v %s", err, r.Body)
		}
	}
	return r, l
}

func TestLaunchSettings(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		mk := func(name, expression string, static map[string]any) string {
			if static == nil {
				static = map[string]any{}
			}
			return f.MustAdmin(201, "POST", "/api/v3/propertymappings/rac/", map[string]any{"name": name, "expression": expression, "static_settings": static})["pk"].(string)
		}
		// Provider mappings apply by name (a before b), then the endpoint's.
		pb := mk("b-provider", "return {'order': 'b', 'who': request.user.username, 'ep': endpoint.name}", nil)
		pa := mk("a-provider", "", map[string]any{"order": "a", "static": true})
		staticWins := mk("c-static-wins", "return {'static': 'from expression'}", map[string]any{"from": "static"})
		broken := mk("d-broken", "return {'x': user['nope']}", nil)
		runaway := mk("e-runaway", "s = 'ab'\nwhile True:\n    s = s + s", nil)
		ep := mk("endpoint-mapping", "return {'order': 'endpoint', 'n': 5, 'nested': {'k': provider['name']}}", nil)
		f.MustAdmin(200, "PATCH", "/api/v3/providers/rac/"+racItoa(f.providerID)+"/", map[string]any{
			"property_mappings": []string{pb, pa, staticWins, broken, runaway},
			"settings":          map[string]any{"port": "1", "p": "provider", "l": "provider", "enable-wallpaper": false},
		})
		e := f.endpoint(map[string]any{"name": "desk", "host": "[2001:db8::1]:3389", "property_mappings": []string{ep},
			"settings": map[string]any{"p": "endpoint", "l": "endpoint"}})["pk"].(string)
		start := time.Now()
		r, l := f.launch(apitest.AdminToken, e, `{"settings":{"l":"launch","drive-path":"/etc"}}`)
		if r.Status != 201 {
			t.Fatalf("launch: %d %s", r.Status, r.Body)
		}
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("launch with a runaway mapping took %v", d)
		}
		if !racSecretRE.MatchString(l.Token) {
			t.Errorf("token %q", l.Token)
		}
		want := map[string]string{
			"hostname": "2001:db8::1", "port": "1", "client-name": "racd", "p": "endpoint", "l": "launch",
			"enable-wallpaper": "false", "order": "endpoint", "static": "true", "from": "static", "who": "akadmin", "ep": "desk",
			"n": "5", "nested": `{"k":"prov"}`, "drive-path": "/tmp/connection/" + l.Token, "create-drive-path": "true",
		}
		if len(l.Settings) != len(want) {
			t.Errorf("settings %v\nwant %v", l.Settings, want)
		}
		for k, v := range want {
			if l.Settings[k] != v {
				t.Errorf("settings[%q] = %q, want %q", k, l.Settings[k], v)
			}
		}
		// Two failing mappings, two configuration_error events with authentik's message.
		if n := f.QueryInt("SELECT count(*) FROM events WHERE action = 'configuration_error'"); n != 2 {
			t.Errorf("configuration_error events: %d, want 2", n)
		}
		for _, name := range []string{"d-broken", "e-runaway"} {
			if n := f.QueryInt("SELECT count(*) FROM events WHERE action = 'configuration_error' AND CAST(context AS TEXT) LIKE $1",
				"%Failed to evaluate property-mapping: '"+name+"'%"); n != 1 {
				t.Errorf("event for %s: %d", name, n)
			}
		}
		// The secret is stored only as a keyed hash.
		if n := f.QueryInt("SELECT count(*) FROM connection_tokens WHERE token_hash = $1", f.Keys.Hash(l.Token)); n != 1 {
			t.Errorf("token hash rows: %d", n)
		}
		if strings.Contains(string(f.MustAdminRaw("GET", "/api/v3/rac/connection_tokens/")), l.Token) {
			t.Error("secret listed")
		}
	})
}

func (f *racFixture) MustAdminRaw(method, path string) []byte {
	f.T.Helper()
	r := f.Admin(method, path, nil)
	if r.Status != 200 {
		f.T.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	return r.Body
}

func racItoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestLaunchBodyAndExpiry(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		e := f.endpoint(map[string]any{"maximum_connections": -1})["pk"].(string)
		for body, want := range map[string]string{
			`{"settings":[1]}`:   `{"settings":["Expected a dictionary of items but got type \"list\"."]}`,
			`{"settings":null}`:  `{"settings":["This field may not be null."]}`,
			`{"settings":"x"}`:   `{"settings":["Expected a dictionary of items but got type \"str\"."]}`,
			`[1]`:                `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`,
			`{"settings":{"a":1`: "",
		} {
			r, _ := f.launch(apitest.AdminToken, e, body)
			if r.Status != 400 || (want != "" && string(r.Body) != want) {
				t.Errorf("%s: %d %s", body, r.Status, r.Body)
			}
		}
		if n := f.QueryInt("SELECT count(*) FROM connection_tokens"); n != 0 {
			t.Errorf("invalid launches stored %d tokens", n)
		}
		before := time.Now().UTC()
		r, l := f.launch(apitest.AdminToken, e, "")
		if r.Status != 201 || l.Expires == nil {
			t.Fatalf("launch: %d %s", r.Status, r.Body)
		}
		exp, err := time.Parse(time.RFC3339Nano, *l.Expires)
		if err != nil || !strings.HasSuffix(*l.Expires, "Z") {
			t.Fatalf("expires %q: %v", *l.Expires, err)
		}
		if d := exp.Sub(before); d < 8*time.Hour-time.Minute || d > 8*time.Hour+time.Minute {
			t.Errorf("expires in %v, want 8h (hours=8 default)", d)
		}
		f.MustAdmin(200, "PATCH", "/api/v3/providers/rac/"+racItoa(f.providerID)+"/", map[string]any{"connection_expiry": "hours=0"})
		r, l = f.launch(apitest.AdminToken, e, `{}`)
		if r.Status != 201 || l.Expires != nil || !strings.Contains(string(r.Body), `"expires":null`) {
			t.Fatalf("hours=0: %d %s", r.Status, r.Body)
		}
		ct := l.ConnectionToken
		if ct["endpoint"] != e || ct["provider"] != float64(f.providerID) || ct["user"].(map[string]any)["username"] != "akadmin" {
			t.Errorf("connection_token: %v", ct)
		}
	})
}

func TestLaunchLimitConcurrent(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		e := f.endpoint(map[string]any{"maximum_connections": 2})["pk"].(string)
		const n = 8
		statuses := make([]int, n)
		bodies := make([]string, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := f.As(apitest.AdminToken, "POST", "/api/v3/rac/endpoints/"+e+"/launch/", "")
				statuses[i], bodies[i] = r.Status, string(r.Body)
			}(i)
		}
		wg.Wait()
		created := 0
		for i, s := range statuses {
			switch {
			case s == 201:
				created++
			case s == 400 && bodies[i] == `{"non_field_errors":["Maximum connection limit reached."]}`:
			default:
				t.Errorf("launch %d: %d %s", i, s, bodies[i])
			}
		}
		if created != 2 {
			t.Errorf("%d launches succeeded on a limit-2 endpoint", created)
		}
		zero := f.endpoint(map[string]any{"name": "closed", "maximum_connections": 0})["pk"].(string)
		if r, _ := f.launch(apitest.AdminToken, zero, ""); r.Status != 400 {
			t.Errorf("limit 0: %d %s", r.Status, r.Body)
		}
	})
}

func TestConnectionTokenVisibility(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		e := f.endpoint(map[string]any{"maximum_connections": -1})["pk"].(string)
		grant := "authentik_providers_rac.view_endpoint@" + e
		aliceID, alice := f.User("alice", grant)
		_, bob := f.User("bob", grant)
		_, auditor := f.User("auditor", "authentik_providers_rac.view_connectiontoken")
		_, revoker := f.User("revoker", "authentik_providers_rac.view_connectiontoken", "authentik_providers_rac.delete_connectiontoken")
		_, la := f.launch(alice, e, "")
		_, lb := f.launch(bob, e, "")
		_, ladm := f.launch(apitest.AdminToken, e, "")
		aTok, bTok := la.ConnectionToken["pk"].(string), lb.ConnectionToken["pk"].(string)
		if u := la.ConnectionToken["user"].(map[string]any); u["pk"] != float64(aliceID) || u["username"] != "alice" || len(u["uid"].(string)) != 64 {
			t.Errorf("user: %v", u)
		}
		path := func(id string) string { return "/api/v3/rac/connection_tokens/" + id + "/" }
		cases := []struct {
			who, key, method, path string
			status                 int
		}{
			{"alice", alice, "GET", path(aTok), 200},
			{"alice", alice, "GET", path(aTok) + "used_by/", 200},
			{"alice", alice, "GET", path(bTok), 404},
			{"alice", alice, "DELETE", path(bTok), 404},
			{"alice", alice, "PATCH", path(bTok), 404},
			{"bob", bob, "GET", path(aTok), 404},
			{"auditor", auditor, "GET", path(aTok), 200},
			{"auditor", auditor, "DELETE", path(aTok), 403},
			{"admin", apitest.AdminToken, "GET", path(aTok), 200},
			{"alice", alice, "GET", path("nope"), 404},
			{"alice", alice, "POST", "/api/v3/rac/connection_tokens/", 405},
			{"anonymous", "", "GET", "/api/v3/rac/connection_tokens/", 403},
			{"anonymous", "", "GET", path(aTok), 403},
			{"revoker", revoker, "DELETE", path(ladm.ConnectionToken["pk"].(string)), 204},
		}
		for _, c := range cases {
			r := f.As(c.key, c.method, c.path, "")
			if r.Status != c.status {
				t.Errorf("%s %s %s: %d %s, want %d", c.who, c.method, c.path, r.Status, r.Body, c.status)
			}
		}
		count := func(key string) float64 {
			r := f.As(key, "GET", "/api/v3/rac/connection_tokens/", "")
			var page struct {
				Pagination struct{ Count float64 } `json:"pagination"`
			}
			if r.Status != 200 || json.Unmarshal(r.Body, &page) != nil {
				t.Fatalf("list: %d %s", r.Status, r.Body)
			}
			return page.Pagination.Count
		}
		for who, want := range map[string]float64{alice: 1, bob: 1, auditor: 2, apitest.AdminToken: 2} {
			if got := count(who); got != want {
				t.Errorf("%s sees %v tokens, want %v", who, got, want)
			}
		}
		r := f.As(apitest.AdminToken, "GET", "/api/v3/rac/connection_tokens/?session__user="+racItoa(aliceID)+"&search=desk%20prov&endpoint="+e, "")
		if r.Status != 200 || !strings.Contains(string(r.Body), `"count":0`) {
			// "desk" is not the endpoint's name ("ep"): nothing matches.
			t.Errorf("filtered list: %d %s", r.Status, r.Body)
		}
		r = f.As(apitest.AdminToken, "GET", "/api/v3/rac/connection_tokens/?session__user="+racItoa(aliceID)+"&search=ep%20prov", "")
		if !strings.Contains(string(r.Body), `"count":1`) {
			t.Errorf("search: %s", r.Body)
		}
		// The owner may not move its token (issue 9 §2); a superuser's PATCH validates
		// references.
		r = f.As(alice, "PATCH", path(aTok), `{"endpoint":"00000000-0000-4000-8000-000000000000","provider":999}`)
		if r.Status != 400 || string(r.Body) != `{"provider":["Only superusers may change a connection token's provider or endpoint."],"endpoint":["Only superusers may change a connection token's provider or endpoint."]}` {
			t.Errorf("patch: %d %s", r.Status, r.Body)
		}
		r = f.As(apitest.AdminToken, "PATCH", path(aTok), `{"endpoint":"00000000-0000-4000-8000-000000000000","provider":999}`)
		if r.Status != 400 || string(r.Body) != `{"provider":["Invalid pk \"999\" - object does not exist."],"endpoint":["Invalid pk \"00000000-0000-4000-8000-000000000000\" - object does not exist."]}` {
			t.Errorf("patch: %d %s", r.Status, r.Body)
		}
		if r := f.As(alice, "PUT", path(aTok), `{}`); r.Status != 400 || string(r.Body) != `{"endpoint":["This field is required."]}` {
			t.Errorf("put: %d %s", r.Status, r.Body)
		}
		if r := f.As(alice, "PUT", path(aTok), `{"endpoint":"`+e+`"}`); r.Status != 200 {
			t.Errorf("put: %d %s", r.Status, r.Body)
		}
		// The owner revokes its own token.
		if r := f.As(alice, "DELETE", path(aTok), ""); r.Status != 204 {
			t.Errorf("revoke: %d %s", r.Status, r.Body)
		}
		if r := f.As(alice, "GET", path(aTok), ""); r.Status != 404 {
			t.Errorf("after revoke: %d", r.Status)
		}
		// Expired tokens are neither listed nor returned, then purged.
		f.Exec("UPDATE connection_tokens SET expires = 1")
		if got := count(apitest.AdminToken); got != 0 {
			t.Errorf("expired tokens listed: %v", got)
		}
		if r := f.As(bob, "GET", path(bTok), ""); r.Status != 404 {
			t.Errorf("expired token retrieved: %d", r.Status)
		}
		if n, err := f.Store.PurgeExpired(t.Context()); err != nil || n < 1 {
			t.Errorf("purge: %d %v", n, err)
		}
		if n := f.QueryInt("SELECT count(*) FROM connection_tokens"); n != 0 {
			t.Errorf("left after purge: %d", n)
		}
	})
}

// TestConnectionTokenListQueries checks that listing tokens costs the same number of
// queries for one token and for several on different providers and endpoints.
func TestConnectionTokenListQueries(t *testing.T) {
	f := newRACFixture(t, "sqlite")
	e := f.endpoint(map[string]any{"maximum_connections": -1})["pk"].(string)
	f.launch(apitest.AdminToken, e, "")
	count := func() int64 {
		before := f.Store.Queries()
		f.MustAdmin(200, "GET", "/api/v3/rac/connection_tokens/", nil)
		return f.Store.Queries() - before
	}
	one := count()
	flow := f.Flow("authz2", "authorization")
	for i := 0; i < 4; i++ {
		p := f.Provider(map[string]any{"name": "p" + racItoa(int64(i)), "authorization_flow": flow})
		ep := f.endpoint(map[string]any{"name": "e" + racItoa(int64(i)), "provider": p["pk"]})["pk"].(string)
		f.launch(apitest.AdminToken, ep, "")
	}
	if many := count(); many != one {
		t.Errorf("queries: %d for one token, %d for five", one, many)
	}
	for q, want := range map[string]string{
		"endpoint=zzz":                        `{"endpoint":["Enter a valid UUID."]}`,
		"provider=x":                          `{"provider":["Enter a number."]}`,
		"session__user=1.5":                   `{"session__user":["Enter a number."]}`,
		"provider=99999999999999999999999":    "",
		"search=%00&ordering=-provider__name": "",
	} {
		r := f.Admin("GET", "/api/v3/rac/connection_tokens/?"+q, nil)
		if want == "" && r.Status != 200 || want != "" && (r.Status != 400 || string(r.Body) != want) {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}

// TestConnectionTokenRetarget (issue 9 §2), through the API on both databases: only a
// superuser moves a connection token, and then every launch rule holds — the endpoint
// must be the token's provider's, and have room under its maximum_connections (the
// token itself not counted); a non-superuser's move is refused alike whether the
// endpoint is visible, hidden or missing, and changes nothing.
func TestConnectionTokenRetarget(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		flow := f.Flow("authz2", "authorization")
		other := int64(f.Provider(map[string]any{"name": "other", "authorization_flow": flow})["pk"].(float64))
		ep := f.endpoint(map[string]any{"name": "a", "maximum_connections": -1})["pk"].(string)
		roomy := f.endpoint(map[string]any{"name": "roomy", "maximum_connections": -1})["pk"].(string)
		full := f.endpoint(map[string]any{"name": "full", "maximum_connections": 1})["pk"].(string)
		hidden := f.endpoint(map[string]any{"name": "hidden", "maximum_connections": -1})["pk"].(string)
		elsewhere := f.endpoint(map[string]any{"name": "elsewhere", "provider": other, "maximum_connections": -1})["pk"].(string)
		_, alice := f.User("alice", "authentik_providers_rac.view_endpoint@"+ep, "authentik_providers_rac.view_endpoint@"+roomy,
			"authentik_providers_rac.view_racprovider", "authentik_providers_rac.change_connectiontoken")
		_, l := f.launch(alice, ep, "")
		tok := "/api/v3/rac/connection_tokens/" + l.ConnectionToken["pk"].(string) + "/"
		f.launch(apitest.AdminToken, full, "")
		retarget := func(field string) string {
			return `{"` + field + `":["` + racd.MsgRetargetToken + `"]}`
		}
		for _, c := range []struct {
			name, key, body string
			status          int
			want            string
		}{
			{"owner to a visible endpoint", alice, `{"endpoint":"` + roomy + `"}`, 400, retarget("endpoint")},
			{"owner to a hidden endpoint", alice, `{"endpoint":"` + hidden + `"}`, 400, retarget("endpoint")},
			{"owner to a missing endpoint", alice, `{"endpoint":"` + missingUUID + `"}`, 400, retarget("endpoint")},
			{"owner to another provider", alice, fmt.Sprintf(`{"provider":%d}`, other), 400, retarget("provider")},
			{"owner, unchanged", alice, fmt.Sprintf(`{"provider":%d,"endpoint":"%s"}`, f.providerID, ep), 200, ""},
			{"superuser to another provider's endpoint", apitest.AdminToken, `{"endpoint":"` + elsewhere + `"}`, 400,
				`{"endpoint":["` + racd.MsgTokenEndpointProvider + `"]}`},
			{"superuser to another provider", apitest.AdminToken, fmt.Sprintf(`{"provider":%d}`, other), 400,
				`{"provider":["` + racd.MsgTokenEndpointProvider + `"]}`},
			{"superuser to a full endpoint", apitest.AdminToken, `{"endpoint":"` + full + `"}`, 400,
				`{"non_field_errors":["` + racd.MsgConnLimit + `"]}`},
		} {
			if r := f.As(c.key, "PATCH", tok, c.body); r.Status != c.status || c.want != "" && string(r.Body) != c.want {
				t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.want)
			}
		}
		if r := f.As(alice, "GET", tok, ""); !strings.Contains(string(r.Body), `"endpoint":"`+ep+`"`) {
			t.Errorf("the refused moves changed the token: %s", r.Body)
		}
		// Allowed moves: to another endpoint of its provider with room, and with both
		// fields to another provider's endpoint.
		if r := f.As(apitest.AdminToken, "PATCH", tok, `{"endpoint":"`+roomy+`"}`); r.Status != 200 || !strings.Contains(string(r.Body), `"endpoint":"`+roomy+`"`) {
			t.Errorf("superuser to an endpoint with room: %d %s", r.Status, r.Body)
		}
		if r := f.As(apitest.AdminToken, "PATCH", tok, fmt.Sprintf(`{"provider":%d,"endpoint":"%s"}`, other, elsewhere)); r.Status != 200 ||
			!strings.Contains(string(r.Body), `"endpoint":"`+elsewhere+`"`) {
			t.Errorf("superuser to another provider's endpoint with both fields: %d %s", r.Status, r.Body)
		}
	})
}
