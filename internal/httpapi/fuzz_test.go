package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/storetest"
)

// serve runs one request through the handler in-process (no network), as the
// superuser.
func serve(f *apitest.Env, method, path, rawQuery, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	req.URL.Path = path
	req.URL.RawQuery = rawQuery
	req.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	f.API.ServeHTTP(rec, req)
	return rec
}

// FuzzProviderBody sends arbitrary bytes as POST, PUT and PATCH bodies of providers
// on SQLite: the answer is never a 500, a 400 writes nothing, and what a 200/201
// returns is what a GET returns afterwards.
func FuzzProviderBody(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `[]`, `null`, `"x"`, `1`, `{"name":`, `{"name":"fz","authorization_flow":"AUTHZ"}`,
		`{"name":"fz2","authorization_flow":"AUTHZ","authentication_flow":"AUTHN","property_mappings":["PM1","PM1"],"settings":{"a":{"b":[1,2.5,null]}},"connection_expiry":"minutes=5","delete_token_on_disconnect":"yes"}`,
		`{"name":" ","authorization_flow":"nope","property_mappings":[null],"settings":[],"connection_expiry":"hours=-1","delete_token_on_disconnect":2}`,
		`{"name":"a\u0000b","settings":{"\u0000":"\ud800"},"connection_expiry":"hours=1\u0000"}`,
		`{"settings":{"n":1e999},"connection_expiry":1e308,"name":1.5e300}`,
		`{"authorization_flow":340282366920938463463374607431768211455,"property_mappings":[5,-1,1.5,{"a":[]}]}`,
		`{"name":"p1"}`, `{"connection_expiry":"weeks=1e20;weeks=1"}`, `{"property_mappings":"PM1"}`,
		`{"name":"dup","name":"dup2","settings":{"a":1,"a":2}}`, "\xff\xfe", `{"name":"` + strings.Repeat("x", 300) + `"}`,
		strings.Repeat("[", 5000), `{"settings":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200) + `}`,
	} {
		for _, method := range []uint8{0, 1, 2} {
			f.Add([]byte(seed), method, uint8(0))
		}
	}
	f.Add([]byte(`{}`), uint8(0), uint8(1))
	f.Add([]byte(`{}`), uint8(2), uint8(2))
	fx := baseFixture(f, "sqlite")
	ids := strings.NewReplacer("AUTHZ", fx.Vars["authz"], "AUTHN", fx.Vars["authn"], "PM1", fx.Vars["pm1"], "PM2", fx.Vars["pm2"])
	f.Fuzz(func(t *testing.T, body []byte, method, ctype uint8) {
		fx.T = t
		body = []byte(ids.Replace(string(body)))
		m, path := "POST", provPath
		switch method % 3 {
		case 1:
			m, path = "PATCH", provPath+fx.Vars["p1"]+"/"
		case 2:
			m, path = "PUT", provPath+fx.Vars["p1"]+"/"
		}
		ct := []string{"application/json", "text/plain", "application/json; charset=utf-8", ""}[ctype%4]
		before := fx.Counts()
		start := time.Now()
		rec := serve(fx, m, path, "", ct, body)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%s %q: took %v", m, body, d)
		}
		switch rec.Code {
		case 200, 201:
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s %q: invalid JSON %s", m, body, rec.Body)
			}
			var obj map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil {
				t.Fatalf("%s %q: %v: %s", m, body, err, rec.Body)
			}
			id := provPath + jsonString(obj["pk"]) + "/"
			again := serve(fx, "GET", id, "", "", nil)
			if again.Code != 200 || !bytes.Equal(again.Body.Bytes(), rec.Body.Bytes()) {
				t.Fatalf("%s %q: answered %s\nGET answers %d %s", m, body, rec.Body, again.Code, again.Body)
			}
			if rec.Code == 201 {
				// Keep the database small and the name free for the next input.
				if del := serve(fx, "DELETE", id, "", "", nil); del.Code != 204 {
					t.Fatalf("delete: %d %s", del.Code, del.Body)
				}
			}
		case 400:
			if after := fx.Counts(); !reflect.DeepEqual(before, after) {
				t.Fatalf("%s %q: 400 %s but rows changed: %v -> %v", m, body, rec.Body, before, after)
			}
			var v map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || len(v) == 0 {
				t.Fatalf("%s %q: 400 body %s", m, body, rec.Body)
			}
		case 413, 415:
		default:
			t.Fatalf("%s %q (%s): status %d %s", m, body, ct, rec.Code, rec.Body)
		}
	})
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzSearchAndOrdering sends arbitrary query strings to every list, and arbitrary
// path segments to the providers', flows' and mappings' detail routes, on SQLite and
// (when configured) PostgreSQL: never a 500.
func FuzzSearchAndOrdering(f *testing.F) {
	for _, s := range []string{
		"", "search=alpha", "search=%22a%20b%22,c", "search='x'", "search=%00", "search=%ff%fe", "search=%", "search=%zz",
		"ordering=-name,pk,bogus", "ordering=application__slug,-application__name", "ordering=outpost_set__all", "ordering=--pk",
		"page=last&page_size=1", "page=0", "page=-1", "page=abc", "page=99999999999999999999", "page_size=0", "page_size=1e3",
		"name__iexact=%00", "name__iexact=%C3%28", "application__isnull=TRUE", "slug=%00", "designation=bogus", "flow_uuid=x",
		"managed=%00&managed=x", "name=%ff", "search=a;b&ordering=name;pk", "&&&=&=", "search=\\", "search=_%25",
		"search=" + strings.Repeat("a+", 3000), "search=" + strings.Repeat("%25", 30000), "ordering=" + strings.Repeat("name,", 3000),
		"search=" + strings.Repeat("%22a+", 20), "username=%00&action=x&client_ip=%ff&context_model_pk=1", "user=abc&intent=api&identifier=%00",
		"provider=x&endpoint=y&session__user=-1", "is_superuser=maybe&members_by_username=%00", "providers__isnull=1&type=rac",
	} {
		f.Add(s, "x")
	}
	f.Add("", "%00")
	f.Add("", "%ff")
	f.Add("", "a/used_by")
	f.Add("", "{00000000-0000-4000-8000-000000000000}")
	var fixtures []*apitest.Env
	fixtures = append(fixtures, listFixture(f, "sqlite"))
	if os.Getenv(storetest.PostgresEnv) != "" {
		fixtures = append(fixtures, listFixture(f, "postgres"))
	}
	lists := listPaths
	details := []string{provPath, flowPath, mappingPath}
	f.Fuzz(func(t *testing.T, rawQuery, segment string) {
		for _, fx := range fixtures {
			fx.T = t
			for _, p := range lists {
				rec := serve(fx, "GET", p, rawQuery, "", nil)
				switch rec.Code {
				case 200, 400, 404:
				default:
					t.Fatalf("%s GET %s?%s: %d %s", fx.Backend, p, rawQuery, rec.Code, rec.Body)
				}
				if !json.Valid(rec.Body.Bytes()) {
					t.Fatalf("%s GET %s?%s: invalid JSON %s", fx.Backend, p, rawQuery, rec.Body)
				}
			}
			for _, p := range details {
				for _, method := range []string{"GET", "DELETE"} {
					if method == "DELETE" && !strings.Contains(segment, "/") {
						continue // deleting would remove the fixture's objects
					}
					path := p + segment + "/"
					if _, err := url.ParseRequestURI("http://x" + path); err != nil {
						path = p + url.PathEscape(segment) + "/"
					}
					rec := serve(fx, method, path, rawQuery, "", nil)
					if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
						t.Fatalf("%s %s %q: %d %s", fx.Backend, method, path, rec.Code, rec.Body)
					}
				}
			}
		}
	})
}

// FuzzRelatedBodies sends arbitrary bytes as flow and property-mapping bodies (the
// mapping's expression goes through the Starlark compiler) on SQLite: never a 500,
// and a 400 writes nothing.
func FuzzRelatedBodies(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"name":"m","static_settings":{}}`, `{"name":"m","static_settings":{},"expression":"return {\"a\": user}"}`,
		`{"name":"m","static_settings":{},"expression":"return {"}`, `{"name":"m","static_settings":{},"expression":"def f(:\n\treturn"}`,
		`{"name":"m","static_settings":{},"expression":"while True:\n  pass"}`, `{"name":"m","static_settings":{},"expression":"\u0000"}`,
		`{"name":"m","static_settings":{},"managed":"x"}`, `{"name":"pm1","static_settings":[]}`,
		`{"name":"f","slug":"f","title":"t","designation":"recovery"}`, `{"name":"f","slug":"a b","title":"","designation":["x"]}`,
		`{"name":"f","slug":"f2","title":"t","designation":"authorization","layout":1,"compatibility_mode":"yes","policy_engine_mode":null}`,
	} {
		for _, target := range []uint8{0, 1, 2, 3} {
			f.Add([]byte(seed), target)
		}
	}
	fx := baseFixture(f, "sqlite")
	f.Fuzz(func(t *testing.T, body []byte, target uint8) {
		fx.T = t
		m, path := "POST", mappingPath
		switch target % 4 {
		case 1:
			m, path = "PATCH", mappingPath+fx.Vars["pm2"]+"/"
		case 2:
			m, path = "POST", flowPath
		case 3:
			m, path = "PATCH", flowPath+"authn/"
		}
		before := fx.Counts()
		rec := serve(fx, m, path, "", "application/json", body)
		switch rec.Code {
		case 200, 201:
			var obj map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil {
				t.Fatalf("%s %s %q: %v: %s", m, path, body, err, rec.Body)
			}
			if rec.Code == 201 {
				id := jsonString(obj["pk"])
				if path == flowPath {
					id = obj["slug"].(string)
				}
				id = strings.Trim(id, `"`)
				if del := serve(fx, "DELETE", path+url.PathEscape(id)+"/", "", "", nil); del.Code != 204 {
					t.Fatalf("delete %s: %d %s", id, del.Code, del.Body)
				}
			}
			if target%4 == 3 && obj["slug"] != "authn" {
				// Keep the flow reachable for the next input.
				if r := serve(fx, "PATCH", flowPath+url.PathEscape(obj["slug"].(string))+"/", "", "application/json", []byte(`{"slug":"authn"}`)); r.Code != 200 {
					t.Fatalf("restore slug: %d %s", r.Code, r.Body)
				}
			}
		case 400:
			if after := fx.Counts(); !reflect.DeepEqual(before, after) {
				t.Fatalf("%s %s %q: 400 %s but rows changed: %v -> %v", m, path, body, rec.Body, before, after)
			}
		case 415:
		default:
			t.Fatalf("%s %s %q: status %d %s", m, path, body, rec.Code, rec.Body)
		}
	})
}

// FuzzAuthorizationHeader sends arbitrary Authorization headers: never a 500, and only
// "<bearer in any case> <the admin key>" authenticates.
func FuzzAuthorizationHeader(f *testing.F) {
	for _, h := range []string{"", "Bearer", "Bearer ", "Bearer  x", "bearer " + apitest.AdminToken, "Basic abc", "Token x",
		"Bearer " + apitest.AdminToken + " ", "BEARER " + apitest.AdminToken, "Bearer\t" + apitest.AdminToken, "\x00", "Bearer \xff"} {
		f.Add(h)
	}
	fx := baseFixture(f, "sqlite")
	f.Fuzz(func(t *testing.T, h string) {
		fx.T = t
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = provPath
		req.Header["Authorization"] = []string{h}
		rec := httptest.NewRecorder()
		fx.API.ServeHTTP(rec, req)
		// authentik strips the value (Python white space) before splitting it.
		v := strings.TrimFunc(h, func(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) })
		scheme, key, _ := strings.Cut(v, " ")
		valid := strings.EqualFold(scheme, "bearer") && key == apitest.AdminToken
		switch {
		case rec.Code == 200 && !valid:
			t.Fatalf("%q authenticated", h)
		case rec.Code != 200 && valid:
			t.Fatalf("%q refused: %d %s", h, rec.Code, rec.Body)
		case rec.Code != 200 && rec.Code != 403:
			t.Fatalf("%q: %d %s", h, rec.Code, rec.Body)
		}
	})
}
