package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// racFixture is a flow, a provider and a property mapping to build endpoints on.
type racFixture struct {
	*apitest.Env
	providerID int64
	mapping    string
}

func newRACFixture(t *testing.T, backend string) *racFixture {
	e := apitest.New(t, backend)
	flow := e.Flow("authz", "authorization")
	pm := e.Mapping("pm1", map[string]any{"a": "1"})
	p := e.Provider(map[string]any{"name": "prov", "authorization_flow": flow})
	return &racFixture{Env: e, providerID: int64(p["pk"].(float64)), mapping: pm}
}

func (f *racFixture) endpoint(fields map[string]any) map[string]any {
	f.T.Helper()
	body := map[string]any{"name": "ep", "provider": f.providerID, "protocol": "rdp", "host": "desk:3389", "auth_mode": "prompt"}
	for k, v := range fields {
		body[k] = v
	}
	return f.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", body)
}

func TestEndpointValidation(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		prov := fmt.Sprint(f.providerID)
		valid := `"name":"e","provider":` + prov + `,"protocol":"rdp","host":"h","auth_mode":"static"`
		cases := []struct {
			name, body string
			status     int
			want       string
		}{
			{"empty", `{}`, 400, `{"name":["This field is required."],"provider":["This field is required."],"protocol":["This field is required."],"host":["This field is required."],"auth_mode":["This field is required."]}`},
			{"nulls", `{"name":null,"provider":null,"protocol":null,"host":null,"settings":null,"property_mappings":null,"auth_mode":null,"maximum_connections":null}`, 400,
				`{"name":["This field may not be null."],"provider":["This field may not be null."],"protocol":["This field may not be null."],"host":["This field may not be null."],"settings":["This field may not be null."],"property_mappings":["This field may not be null."],"auth_mode":["This field may not be null."],"maximum_connections":["This field may not be null."]}`},
			{"blank and bad choices", `{"name":" ","provider":` + prov + `,"protocol":"telnet","host":" ","auth_mode":"none"}`, 400,
				`{"name":["This field may not be blank."],"protocol":["\"telnet\" is not a valid choice."],"host":["This field may not be blank."],"auth_mode":["\"none\" is not a valid choice."]}`},
			{"unknown provider", `{"name":"e","provider":999,"protocol":"rdp","host":"h","auth_mode":"static"}`, 400, `{"provider":["Invalid pk \"999\" - object does not exist."]}`},
			{"provider as text", `{"name":"e","provider":"abc","protocol":"rdp","host":"h","auth_mode":"static"}`, 400, `{"provider":["Incorrect type. Expected pk value, received str."]}`},
			{"provider as bool", `{"name":"e","provider":true,"protocol":"rdp","host":"h","auth_mode":"static"}`, 400, `{"provider":["Incorrect type. Expected pk value, received bool."]}`},
			{"provider as float", `{"name":"e","provider":1.5,"protocol":"rdp","host":"h","auth_mode":"static"}`, 400, `{"provider":["Incorrect type. Expected pk value, received float."]}`},
			{"provider huge", `{"name":"e","provider":99999999999999999999,"protocol":"rdp","host":"h","auth_mode":"static"}`, 400, `{"provider":["Invalid pk \"99999999999999999999\" - object does not exist."]}`},
			{"provider as numeric text", `{` + strings.Replace(valid, `"provider":`+prov, `"provider":"`+prov+`"`, 1) + `}`, 201, ""},
			{"bad host", `{"name":"e","provider":` + prov + `,"protocol":"rdp","host":"h:99999","auth_mode":"static"}`, 400,
				`{"host":["Enter a valid host: a name or address, optionally followed by :port (IPv6 as [address]:port)."]}`},
			{"bad bracketed host", `{"name":"e","provider":` + prov + `,"protocol":"rdp","host":"[10.0.0.1]:1","auth_mode":"static"}`, 400,
				`{"host":["Enter a valid host: a name or address, optionally followed by :port (IPv6 as [address]:port)."]}`},
			{"ipv6 host", `{` + strings.Replace(valid, `"host":"h"`, `"host":"[2001:db8::1]:3389"`, 1) + `}`, 201, ""},
			{"bare ipv6 host", `{` + strings.Replace(valid, `"host":"h"`, `"host":"2001:db8::1"`, 1) + `}`, 201, ""},
			{"settings not a dict", `{` + valid + `,"settings":[1]}`, 400, `{"settings":["Expected a dictionary of items but got type \"list\"."]}`},
			{"mappings not a list", `{` + valid + `,"property_mappings":"x"}`, 400, `{"property_mappings":["Expected a list of items but got type \"str\"."]}`},
			{"mapping not a uuid", `{` + valid + `,"property_mappings":["nope"]}`, 400, `{"property_mappings":["“nope” is not a valid UUID."]}`},
			{"mapping unknown", `{` + valid + `,"property_mappings":["00000000-0000-4000-8000-000000000000"]}`, 400, `{"property_mappings":["Invalid pk \"00000000-0000-4000-8000-000000000000\" - object does not exist."]}`},
			{"max too large", `{` + valid + `,"maximum_connections":2147483648}`, 400, `{"maximum_connections":["Ensure this value is less than or equal to 2147483647."]}`},
			{"max too small", `{` + valid + `,"maximum_connections":-2147483649}`, 400, `{"maximum_connections":["Ensure this value is greater than or equal to -2147483648."]}`},
			{"max not int", `{` + valid + `,"maximum_connections":"x"}`, 400, `{"maximum_connections":["A valid integer is required."]}`},
			{"NUL in name", `{` + strings.Replace(valid, `"name":"e"`, `"name":"a\u0000b"`, 1) + `}`, 400, `{"name":["Null characters are not allowed."]}`},
			{"array body", `[]`, 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		}
		for _, c := range cases {
			r := f.Admin("POST", "/api/v3/rac/endpoints/", c.body)
			if r.Status != c.status || (c.want != "" && string(r.Body) != c.want) {
				t.Errorf("%s: %d %s\nwant %d %s", c.name, r.Status, r.Body, c.status, c.want)
			}
		}
		// Invalid input wrote nothing but the three 201 cases.
		if n := f.QueryInt("SELECT count(*) FROM endpoints"); n != 3 {
			t.Errorf("endpoints stored: %d, want 3", n)
		}
	})
}

func TestEndpointCRUD(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		e := f.endpoint(map[string]any{"name": "desk", "property_mappings": []string{f.mapping, f.mapping}, "settings": map[string]any{"x": 1}})
		id := e["pk"].(string)
		if e["maximum_connections"] != float64(1) || e["launch_url"] != nil || e["auth_mode"] != "prompt" {
			t.Errorf("defaults: %v", e)
		}
		if pm := e["property_mappings"].([]any); len(pm) != 1 {
			t.Errorf("mappings: %v", pm)
		}
		if po := e["provider_obj"].(map[string]any); po["name"] != "prov" || po["component"] != "ak-provider-rac-form" {
			t.Errorf("provider_obj: %v", po)
		}
		// Key order follows the schema.
		r := f.Admin("GET", "/api/v3/rac/endpoints/"+id+"/", nil)
		if !strings.HasPrefix(string(r.Body), `{"pk":"`+id+`","name":"desk","provider":`) || !strings.Contains(string(r.Body), `"auth_mode":"prompt","launch_url":null,"maximum_connections":1}`) {
			t.Errorf("retrieve: %s", r.Body)
		}
		// launch_url appears once the provider has an application.
		f.Exec("INSERT INTO applications (uuid, name, slug, provider_id) VALUES ($1, 'App', 'app-slug', $2)", racTestUUID(t), f.providerID)
		got := f.MustAdmin(200, "GET", "/api/v3/rac/endpoints/"+id+"/", nil)
		if got["launch_url"] != "/application/rac/app-slug/"+id+"/" {
			t.Errorf("launch_url: %v", got["launch_url"])
		}
		f.MustAdmin(200, "PATCH", "/api/v3/rac/endpoints/"+id+"/", map[string]any{"maximum_connections": -1, "host": "[2001:db8::1]:3389"})
		put := f.MustAdmin(200, "PUT", "/api/v3/rac/endpoints/"+id+"/", map[string]any{"name": "desk2", "provider": f.providerID, "protocol": "vnc", "host": "h", "auth_mode": "static"})
		if put["maximum_connections"] != float64(-1) || put["protocol"] != "vnc" || len(put["property_mappings"].([]any)) != 1 {
			t.Errorf("PUT keeps unsent fields: %v", put)
		}
		r = f.Admin("PUT", "/api/v3/rac/endpoints/"+id+"/", map[string]any{"name": "x"})
		if r.Status != 400 || string(r.Body) != `{"provider":["This field is required."],"protocol":["This field is required."],"host":["This field is required."],"auth_mode":["This field is required."]}` {
			t.Errorf("PUT missing: %d %s", r.Status, r.Body)
		}
		f.endpoint(map[string]any{"name": "alpha", "protocol": "ssh"})
		f.endpoint(map[string]any{"name": "alpha", "protocol": "rdp"})
		list := f.MustAdmin(200, "GET", "/api/v3/rac/endpoints/", nil)
		var names []string
		for _, x := range list["results"].([]any) {
			m := x.(map[string]any)
			names = append(names, m["name"].(string)+"/"+m["protocol"].(string))
		}
		if strings.Join(names, ",") != "alpha/rdp,alpha/ssh,desk2/vnc" {
			t.Errorf("default ordering: %v", names)
		}
		for q, want := range map[string]float64{"search=ssh": 1, "search=alp": 2, "name=alpha": 2, "name=alp": 0, "provider=" + fmt.Sprint(f.providerID): 3, "provider=999": 0, "search=desk2%20vnc": 1} {
			if n := f.MustAdmin(200, "GET", "/api/v3/rac/endpoints/?"+q, nil)["pagination"].(map[string]any)["count"]; n != want {
				t.Errorf("%s: count %v, want %v", q, n, want)
			}
		}
		if r := f.Admin("GET", "/api/v3/rac/endpoints/?provider=x", nil); r.Status != 400 || string(r.Body) != `{"provider":["Enter a number."]}` {
			t.Errorf("provider filter: %d %s", r.Status, r.Body)
		}
		used := f.Admin("GET", "/api/v3/rac/endpoints/"+id+"/used_by/", nil)
		if used.Status != 200 || !strings.Contains(string(used.Body), `"model_name":"propertymapping"`) {
			t.Errorf("used_by: %d %s", used.Status, used.Body)
		}
		f.MustAdmin(201, "POST", "/api/v3/rac/endpoints/"+id+"/launch/", nil)
		f.MustAdmin(204, "DELETE", "/api/v3/rac/endpoints/"+id+"/", nil)
		f.MustAdmin(404, "GET", "/api/v3/rac/endpoints/"+id+"/", nil)
		if n := f.QueryInt("SELECT count(*) FROM connection_tokens"); n != 0 {
			t.Errorf("tokens left after endpoint delete: %d", n)
		}
		if n := f.QueryInt("SELECT count(*) FROM events WHERE model_name = 'endpoint'"); n != 6 {
			t.Errorf("endpoint events: %d, want 6", n)
		}
		for _, p := range []string{"nope", "00000000-0000-4000-8000-000000000000"} {
			f.MustAdmin(404, "GET", "/api/v3/rac/endpoints/"+p+"/", nil)
			f.MustAdmin(404, "POST", "/api/v3/rac/endpoints/"+p+"/launch/", nil)
		}
	})
}

// TestEndpointListQueries checks that listing endpoints costs the same number of
// queries for one endpoint and for many on several providers.
func TestEndpointListQueries(t *testing.T) {
	f := newRACFixture(t, "sqlite")
	f.endpoint(map[string]any{"name": "one"})
	count := func() int64 {
		before := f.Store.Queries()
		f.MustAdmin(200, "GET", "/api/v3/rac/endpoints/", nil)
		return f.Store.Queries() - before
	}
	one := count()
	flow := f.Flow("authz2", "authorization")
	for i := 0; i < 5; i++ {
		p := f.Provider(map[string]any{"name": fmt.Sprintf("p%d", i), "authorization_flow": flow})
		f.endpoint(map[string]any{"name": fmt.Sprintf("e%d", i), "provider": p["pk"]})
	}
	if many := count(); many != one {
		t.Errorf("queries: %d for one endpoint, %d for six", one, many)
	}
}

func TestEndpointPermissions(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		e1 := f.endpoint(map[string]any{"name": "one"})["pk"].(string)
		e2 := f.endpoint(map[string]any{"name": "two"})["pk"].(string)
		_, none := f.User("none")
		_, viewer := f.User("viewer", "authentik_providers_rac.view_endpoint@"+e1)
		_, global := f.User("global", "authentik_providers_rac.view_endpoint")
		cases := []struct {
			who, key, method, path string
			status                 int
		}{
			{"none", none, "GET", "/api/v3/rac/endpoints/", 403},
			{"none", none, "GET", "/api/v3/rac/endpoints/" + e1 + "/", 403},
			{"none", none, "POST", "/api/v3/rac/endpoints/" + e1 + "/launch/", 403},
			{"none", none, "POST", "/api/v3/rac/endpoints/", 403},
			{"viewer", viewer, "GET", "/api/v3/rac/endpoints/" + e1 + "/", 200},
			{"viewer", viewer, "GET", "/api/v3/rac/endpoints/" + e2 + "/", 404},
			{"viewer", viewer, "PATCH", "/api/v3/rac/endpoints/" + e1 + "/", 403},
			{"viewer", viewer, "DELETE", "/api/v3/rac/endpoints/" + e1 + "/", 403},
			{"viewer", viewer, "POST", "/api/v3/rac/endpoints/" + e1 + "/launch/", 201},
			{"viewer", viewer, "POST", "/api/v3/rac/endpoints/" + e2 + "/launch/", 404}, // not visible: as missing
			{"viewer", viewer, "POST", "/api/v3/rac/endpoints/00000000-0000-4000-8000-000000000000/launch/", 404},
			{"global", global, "POST", "/api/v3/rac/endpoints/" + e2 + "/launch/", 201},
			{"anonymous", "", "POST", "/api/v3/rac/endpoints/" + e2 + "/launch/", 403},
		}
		for _, c := range cases {
			r := f.As(c.key, c.method, c.path, "")
			if r.Status != c.status {
				t.Errorf("%s %s %s: %d %s, want %d", c.who, c.method, c.path, r.Status, r.Body, c.status)
			}
		}
		list := f.As(viewer, "GET", "/api/v3/rac/endpoints/", "")
		var page struct {
			Results []struct{ PK string } `json:"results"`
		}
		_ = json.Unmarshal(list.Body, &page)
		if len(page.Results) != 1 || page.Results[0].PK != e1 {
			t.Errorf("viewer list: %s", list.Body)
		}
		// Deleting the endpoint drops the grants on it.
		f.MustAdmin(204, "DELETE", "/api/v3/rac/endpoints/"+e1+"/", nil)
		if n := f.QueryInt("SELECT count(*) FROM user_permissions WHERE object_pk = $1", e1); n != 0 {
			t.Errorf("grants left on a deleted endpoint: %d", n)
		}
	})
}

// TestRACNo500 throws odd values at every writable field of endpoints, launch and
// connection tokens: the answer is never a 5xx.
func TestRACNo500(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		e := f.endpoint(map[string]any{"maximum_connections": -1})["pk"].(string)
		_, l := f.launch(apitest.AdminToken, e, "")
		tok := l.ConnectionToken["pk"].(string)
		values := []string{`null`, `""`, `"\u0000"`, `true`, `1e400`, `-1e400`, `99999999999999999999999`, `-0`, `1.0`, `[]`, `[null]`, `["\u0000"]`,
			`{}`, `{"a":{"b":[1,{"c":"\u0000"}]}}`, `"` + strings.Repeat("x", 10000) + `"`, `"[::1]:0"`, `"[::1"`, `"::1]"`, `" h "`, `"h:3389 "`}
		fields := []string{"name", "provider", "protocol", "host", "settings", "property_mappings", "auth_mode", "maximum_connections"}
		for _, v := range values {
			for _, fld := range fields {
				body := `{"` + fld + `":` + v + `}`
				for _, req := range [][2]string{
					{"POST", "/api/v3/rac/endpoints/"},
					{"PATCH", "/api/v3/rac/endpoints/" + e + "/"},
					{"PUT", "/api/v3/rac/endpoints/" + e + "/"},
				} {
					if r := f.Admin(req[0], req[1], body); r.Status >= 500 {
						t.Errorf("%s %s %s: %d %s", req[0], req[1], body, r.Status, r.Body)
					}
				}
			}
			for _, fld := range []string{"provider", "endpoint", "pk"} {
				if r := f.Admin("PATCH", "/api/v3/rac/connection_tokens/"+tok+"/", `{"`+fld+`":`+v+`}`); r.Status >= 500 {
					t.Errorf("token PATCH %s=%s: %d %s", fld, v, r.Status, r.Body)
				}
			}
			if r := f.Admin("POST", "/api/v3/rac/endpoints/"+e+"/launch/", `{"settings":`+v+`}`); r.Status >= 500 {
				t.Errorf("launch settings=%s: %d %s", v, r.Status, r.Body)
			}
		}
		for _, p := range []string{"%00", "x'--", strings.Repeat("9", 40), "-1", "00000000-0000-0000-0000-000000000000"} {
			for _, path := range []string{"/api/v3/rac/endpoints/" + p + "/", "/api/v3/rac/connection_tokens/" + p + "/", "/api/v3/rac/endpoints/?search=" + p + "&provider=" + p + "&ordering=" + p} {
				if r := f.Admin("GET", path, nil); r.Status >= 500 {
					t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
				}
			}
		}
	})
}
