package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

// TestFieldLengths (issue 9 §4): every text field of every resource takes its limit
// (in 4-byte characters where the field allows any, so that a value at the limit
// fits PostgreSQL's index wherever one covers the field) and refuses one character
// more with a 400 on that field, on both databases; a JSON object field takes 64 KiB
// and refuses a byte more. Nothing is written by a refused change, and a list or read
// afterwards is not a 500.
func TestFieldLengths(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p := e.Provider(map[string]any{"name": "p", "authorization_flow": flow})
		pk := p["pk"]
		mapping := e.Mapping("m", nil)
		e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "app", "slug": "app"})
		outpost := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "o", "type": "rac", "providers": []any{pk}, "config": map[string]any{}})
		ep := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", map[string]any{"name": "ep", "provider": pk, "protocol": "rdp", "host": "h", "auth_mode": "static"})
		user := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "u", "name": "u"})
		group := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "g"})
		role := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "r"})
		e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "tok", "intent": "api"})

		wide := func(n int) string { return strings.Repeat("\U0001F600", n) } // 4 bytes each
		ascii := func(n int) string { return strings.Repeat("a", n) }
		type field struct {
			name  string
			limit int
			value func(n int) string // a valid value of n characters
		}
		text := func(name string, limit int) field { return field{name, limit, wide} }
		slug := func(name string, limit int) field { return field{name, limit, ascii} }
		resources := []struct {
			path   string
			fields []field
		}{
			{fmt.Sprintf("/api/v3/providers/rac/%v/", pk), []field{text("name", 500),
				{"connection_expiry", 500, func(n int) string { return "hours=" + strings.Repeat("0", n-7) + "1" }}}},
			{"/api/v3/flows/instances/authz/", []field{text("name", 500), text("title", 4096)}},
			{"/api/v3/propertymappings/rac/" + mapping + "/", []field{text("name", 500), text("managed", 500)}},
			{"/api/v3/core/applications/app/", []field{text("name", 500), text("meta_description", 4096), text("meta_publisher", 500),
				text("group", 150), {"meta_launch_url", 2048, func(n int) string { return "https://a.example/" + ascii(n-18) }}}},
			{"/api/v3/outposts/instances/" + outpost["pk"].(string) + "/", []field{text("name", 500), text("managed", 500)}},
			{"/api/v3/rac/endpoints/" + ep["pk"].(string) + "/", []field{text("name", 500), text("host", 500)}},
			{fmt.Sprintf("/api/v3/core/users/%v/", user["pk"]), []field{slug("username", 150), text("name", 4096), text("path", 500),
				{"email", 254, func(n int) string { return ascii(n-10) + "@a.example" }}}},
			{"/api/v3/core/groups/" + group["pk"].(string) + "/", []field{text("name", 80)}},
			{"/api/v3/rbac/roles/" + role["pk"].(string) + "/", []field{text("name", 150)}},
			{"/api/v3/core/tokens/tok/", []field{text("description", 4096), text("managed", 500)}},
		}
		for _, r := range resources {
			for _, f := range r.fields {
				before := e.MustAdmin(200, "GET", r.path, nil)[f.name]
				res := e.Admin("PATCH", r.path, map[string]any{f.name: f.value(f.limit + 1)})
				want := fmt.Sprintf(`{%q:[%q]}`, f.name, racd.MsgMaxLength(f.limit))
				if res.Status != 400 || string(res.Body) != want {
					t.Errorf("PATCH %s %s of %d characters: %s, want 400 %s", r.path, f.name, f.limit+1, res, want)
				}
				if after := e.MustAdmin(200, "GET", r.path, nil)[f.name]; after != before {
					t.Errorf("%s %s changed by a refused PATCH", r.path, f.name)
				}
				if res := e.Admin("PATCH", r.path, map[string]any{f.name: f.value(f.limit)}); res.Status != 200 {
					t.Errorf("PATCH %s %s of %d characters: %s, want 200", r.path, f.name, f.limit, res)
				}
				// Back to a short value, so that the next field's long value fits the
				// row of a composite index (an application's group and name).
				if f.name != "email" && f.name != "meta_launch_url" && f.name != "connection_expiry" && f.name != "username" {
					e.MustAdmin(200, "PATCH", r.path, map[string]any{f.name: f.value(1)})
				}
			}
		}
		// Slugs and identifiers keep their own (authentik's) limits.
		for _, c := range []struct{ path, field string }{
			{"/api/v3/flows/instances/authz/", "slug"}, {"/api/v3/core/applications/app/", "slug"},
		} {
			res := e.Admin("PATCH", c.path, map[string]any{c.field: ascii(51)})
			if res.Status != 400 || !strings.Contains(string(res.Body), racd.MsgMaxLength(50)) {
				t.Errorf("PATCH %s %s of 51: %s", c.path, c.field, res)
			}
		}
		if res := e.Admin("POST", "/api/v3/core/tokens/", map[string]any{"identifier": ascii(256)}); res.Status != 400 || !strings.Contains(string(res.Body), racd.MsgMaxLength(255)) {
			t.Errorf("token identifier of 256: %s", res)
		}

		// JSON object fields: 64 KiB as JSON, a byte more refused.
		jsonAt := func(size int) map[string]any {
			// {"k":"…"} is 8 bytes around the value.
			return map[string]any{"k": ascii(size - 8)}
		}
		for _, c := range []struct{ path, field string }{
			{fmt.Sprintf("/api/v3/providers/rac/%v/", pk), "settings"},
			{"/api/v3/propertymappings/rac/" + mapping + "/", "static_settings"},
			{"/api/v3/outposts/instances/" + outpost["pk"].(string) + "/", "config"},
			{"/api/v3/rac/endpoints/" + ep["pk"].(string) + "/", "settings"},
			{fmt.Sprintf("/api/v3/core/users/%v/", user["pk"]), "attributes"},
			{"/api/v3/core/groups/" + group["pk"].(string) + "/", "attributes"},
		} {
			res := e.Admin("PATCH", c.path, map[string]any{c.field: jsonAt(racd.MaxJSONBytes + 1)})
			want := fmt.Sprintf(`{%q:["Ensure this value is no larger than 64 KiB as JSON."]}`, c.field)
			if res.Status != 400 || string(res.Body) != want {
				t.Errorf("PATCH %s %s of 64 KiB + 1: %s", c.path, c.field, res)
			}
			if res := e.Admin("PATCH", c.path, map[string]any{c.field: jsonAt(racd.MaxJSONBytes)}); res.Status != 200 {
				t.Errorf("PATCH %s %s of 64 KiB: %s", c.path, c.field, res)
			}
		}

		// A create over a limit writes nothing.
		res := e.Admin("POST", "/api/v3/rac/endpoints/", map[string]any{"name": wide(501), "provider": pk, "protocol": "rdp", "host": "h", "auth_mode": "static"})
		if res.Status != 400 || string(res.Body) != `{"name":["`+racd.MsgMaxLength(500)+`"]}` {
			t.Errorf("POST endpoint with a long name: %s", res)
		}
		if n := e.Admin("GET", "/api/v3/rac/endpoints/", nil).Count(); n != 1 {
			t.Errorf("%d endpoints after a refused create, want 1", n)
		}
	})
}
