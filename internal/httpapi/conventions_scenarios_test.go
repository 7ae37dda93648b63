package httpapi_test

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

const provPath = "/api/v3/providers/rac/"

// Exact bodies of SPEC §1.
const (
	bodyNotFound      = `{"detail":"Not found."}`
	bodyNoCredentials = `{"detail":"Authentication credentials were not provided."}`
	bodyForbidden     = `{"detail":"You do not have permission to perform this action."}`
	bodyTokenInvalid  = `{"detail":"Token invalid/expired"}`
	bodyUnsupported   = `{"detail":"Unsupported authentication type"}`
	bodyInvalidPage   = `{"detail":"Invalid page."}`
)

// baseFixture adds two flows, two mappings and one provider: {authz} {authn} {pm1}
// {pm2} {p1}.
func baseFixture(t testing.TB, backend string) *apitest.Env {
	f := apitest.New(t, backend).AddCallers()
	f.Vars["authz"] = f.Flow("authz", "authorization")
	f.Vars["authn"] = f.Flow("authn", "authentication")
	f.Vars["pm1"] = f.Mapping("pm1", map[string]any{"a": "1"})
	f.Vars["pm2"] = f.Mapping("pm2", nil)
	p := f.Provider(map[string]any{"name": "p1", "authorization_flow": f.Vars["authz"]})
	f.Vars["p1"] = strconv.FormatInt(int64(p["pk"].(float64)), 10)
	return f
}

// TestConventionScenarios pins SPEC §1: routing, methods, media types, body shapes
// and ids.
func TestConventionScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		f.Run(t, []apitest.Scenario{
			// Routing.
			{Name: "list without trailing slash", Method: "GET", Path: "/api/v3/providers/rac", Status: 404, Want: bodyNotFound},
			{Name: "detail without trailing slash", Method: "GET", Path: "/api/v3/providers/rac/{p1}", Status: 404, Want: bodyNotFound},
			{Name: "used_by without trailing slash", Method: "GET", Path: "/api/v3/providers/rac/{p1}/used_by", Status: 404, Want: bodyNotFound},
			{Name: "unknown path", Method: "GET", Path: "/api/v3/nothing/here/", Status: 404, Want: bodyNotFound},
			{Name: "unknown path without credentials", As: apitest.AsNone, Method: "GET", Path: "/api/v3/nothing/", Status: 404, Want: bodyNotFound},
			{Name: "unknown sub-route", Method: "GET", Path: "/api/v3/providers/rac/{p1}/nothing/", Status: 404, Want: bodyNotFound},
			{Name: "double slash", Method: "GET", Path: "/api/v3/providers//rac/", Status: 404, Want: bodyNotFound},
			{Name: "root", Method: "GET", Path: "/", Status: 404, Want: bodyNotFound},
			// Ids.
			{Name: "unknown id", Method: "GET", Path: provPath + "999999/", Status: 404, Want: bodyNotFound},
			{Name: "non-numeric id", Method: "GET", Path: provPath + "abc/", Status: 404, Want: bodyNotFound},
			{Name: "negative id", Method: "GET", Path: provPath + "-1/", Status: 404, Want: bodyNotFound},
			{Name: "huge id", Method: "GET", Path: provPath + "99999999999999999999999/", Status: 404, Want: bodyNotFound},
			{Name: "float id", Method: "GET", Path: provPath + "1.0/", Status: 404, Want: bodyNotFound},
			{Name: "NUL in id", Method: "GET", Path: provPath + "%00/", Status: 404, Want: bodyNotFound},
			{Name: "invalid UTF-8 in id", Method: "GET", Path: provPath + "%ff/", Status: 404, Want: bodyNotFound},
			{Name: "unknown id on PATCH", Method: "PATCH", Path: provPath + "999999/", Body: `{}`, Status: 404, Want: bodyNotFound, NoWrite: true},
			{Name: "unknown id on PUT", Method: "PUT", Path: provPath + "999999/", Body: `{}`, Status: 404, Want: bodyNotFound, NoWrite: true},
			{Name: "unknown id on DELETE", Method: "DELETE", Path: provPath + "999999/", Status: 404, Want: bodyNotFound, NoWrite: true},
			{Name: "unknown id on used_by", Method: "GET", Path: provPath + "999999/used_by/", Status: 404, Want: bodyNotFound},
			{Name: "unknown flow slug", Method: "GET", Path: "/api/v3/flows/instances/nope/", Status: 404, Want: bodyNotFound},
			{Name: "NUL in flow slug", Method: "GET", Path: "/api/v3/flows/instances/a%00b/", Status: 404, Want: bodyNotFound},
			{Name: "invalid UTF-8 in flow slug", Method: "GET", Path: "/api/v3/flows/instances/%ff%fe/", Status: 404, Want: bodyNotFound},
			{Name: "NUL in flow slug on PATCH", Method: "PATCH", Path: "/api/v3/flows/instances/%00/", Body: `{}`, Status: 404, Want: bodyNotFound, NoWrite: true},
			{Name: "non-UUID mapping id", Method: "GET", Path: "/api/v3/propertymappings/rac/nope/", Status: 404, Want: bodyNotFound},
			{Name: "unknown mapping id", Method: "GET", Path: "/api/v3/propertymappings/rac/00000000-0000-4000-8000-000000000000/", Status: 404, Want: bodyNotFound},
			// Methods.
			{Name: "DELETE on list", Method: "DELETE", Path: provPath, Status: 405, Want: `{"detail":"Method \"DELETE\" not allowed."}`},
			{Name: "PUT on list", Method: "PUT", Path: provPath, Body: `{}`, Status: 405, Want: `{"detail":"Method \"PUT\" not allowed."}`, NoWrite: true},
			{Name: "PATCH on list", Method: "PATCH", Path: provPath, Body: `{}`, Status: 405, Want: `{"detail":"Method \"PATCH\" not allowed."}`},
			{Name: "POST on detail", Method: "POST", Path: provPath + "{p1}/", Body: `{}`, Status: 405, Want: `{"detail":"Method \"POST\" not allowed."}`, NoWrite: true},
			{Name: "POST on used_by", Method: "POST", Path: provPath + "{p1}/used_by/", Status: 405, Want: `{"detail":"Method \"POST\" not allowed."}`},
			{Name: "DELETE on used_by", Method: "DELETE", Path: provPath + "{p1}/used_by/", Status: 405, Want: `{"detail":"Method \"DELETE\" not allowed."}`},
			{Name: "odd method", Method: "FROB", Path: provPath, Status: 405, Want: `{"detail":"Method \"FROB\" not allowed."}`},
			{Name: "wrong method without credentials on list", As: apitest.AsNone, Method: "DELETE", Path: provPath, Status: 403, Want: bodyNoCredentials},
			{Name: "wrong method without credentials on detail", As: apitest.AsNone, Method: "POST", Path: provPath + "{p1}/", Status: 403, Want: bodyForbidden},
			{Name: "wrong method with an unknown key", As: apitest.AsUnknown, Method: "DELETE", Path: provPath, Status: 403, Want: bodyTokenInvalid},
			{Name: "wrong method for a caller without permission", As: apitest.AsNoPerm, Method: "DELETE", Path: provPath, Status: 405, Want: `{"detail":"Method \"DELETE\" not allowed."}`},
			// Media types.
			{Name: "text/plain", Method: "POST", Path: provPath, CT: "text/plain", Body: `{"name":"x"}`, Status: 415,
				Want: `{"detail":"Unsupported media type \"text/plain\" in request."}`, NoWrite: true},
			{Name: "media type with parameters kept verbatim", Method: "POST", Path: provPath, CT: "text/plain; charset=utf-8", Body: `{}`, Status: 415,
				Want: `{"detail":"Unsupported media type \"text/plain; charset=utf-8\" in request."}`, NoWrite: true},
			{Name: "form encoding", Method: "POST", Path: provPath, CT: "application/x-www-form-urlencoded", Body: `name=x`, Status: 415,
				Want: `{"detail":"Unsupported media type \"application/x-www-form-urlencoded\" in request."}`, NoWrite: true},
			{Name: "no content type with a body", Method: "POST", Path: provPath, Header: map[string]string{"Content-Type": ""}, Body: `{}`, Status: 415,
				Want: `{"detail":"Unsupported media type \"\" in request."}`, NoWrite: true},
			{Name: "PATCH text/plain", Method: "PATCH", Path: provPath + "{p1}/", CT: "text/plain", Body: `{}`, Status: 415,
				Want: `{"detail":"Unsupported media type \"text/plain\" in request."}`, NoWrite: true},
			{Name: "charset allowed", Method: "PATCH", Path: provPath + "{p1}/", CT: "application/json; charset=utf-8", Body: `{"settings":{"c":1}}`, Status: 200, Subset: `{"settings":{"c":1}}`},
			{Name: "media type case-insensitive", Method: "PATCH", Path: provPath + "{p1}/", CT: "Application/JSON", Body: `{"settings":{"c":2}}`, Status: 200, Subset: `{"settings":{"c":2}}`},
			{Name: "media type with a trailing semicolon", Method: "PATCH", Path: provPath + "{p1}/", CT: "application/json;", Body: `{"settings":{"c":3}}`, Status: 200, Subset: `{"settings":{"c":3}}`},
			{Name: "malformed parameters are ignored", Method: "PATCH", Path: provPath + "{p1}/", CT: "application/json; charset", Body: `{"settings":{"c":4}}`, Status: 200, Subset: `{"settings":{"c":4}}`},
			{Name: "wildcard media type", Method: "PATCH", Path: provPath + "{p1}/", CT: "*/*", Body: `{"settings":{"c":5}}`, Status: 200, Subset: `{"settings":{"c":5}}`},
			{Name: "wildcard subtype", Method: "PATCH", Path: provPath + "{p1}/", CT: "application/*", Body: `{"settings":{"c":6}}`, Status: 200, Subset: `{"settings":{"c":6}}`},
			{Name: "application without subtype", Method: "PATCH", Path: provPath + "{p1}/", CT: "application", Body: `{}`, Status: 415,
				Want: `{"detail":"Unsupported media type \"application\" in request."}`, NoWrite: true},
			{Name: "json suffix types are not json", Method: "PATCH", Path: provPath + "{p1}/", CT: "application/merge-patch+json", Body: `{}`, Status: 415,
				Want: `{"detail":"Unsupported media type \"application/merge-patch+json\" in request."}`, NoWrite: true},
			{Name: "wrong media type with an empty body is {}", Method: "PATCH", Path: provPath + "{p1}/", Header: map[string]string{"Content-Type": "text/plain"}, Status: 200, Subset: `{"name":"p1"}`},
			{Name: "permission comes before the media type", As: apitest.AsNoPerm, Method: "POST", Path: provPath, CT: "text/plain", Body: `x`, Status: 403, Want: bodyForbidden, NoWrite: true},
			{Name: "permission comes before the body", As: apitest.AsNoPerm, Method: "POST", Path: provPath, Body: `[`, Status: 403, Want: bodyForbidden, NoWrite: true},
			{Name: "visibility comes before the body", As: apitest.AsNoPerm, Method: "PATCH", Path: provPath + "{p1}/", Body: `[`, Status: 403, Want: bodyForbidden, NoWrite: true},
			{Name: "existence comes before the body", Method: "PATCH", Path: provPath + "424242/", Body: `[`, Status: 404, Want: bodyNotFound, NoWrite: true},
			// Body shapes.
			{Name: "malformed JSON", Method: "POST", Path: provPath, Body: `{"name":`, Status: 400, Prefix: `{"detail":"JSON parse error - `, NoWrite: true},
			{Name: "trailing garbage", Method: "POST", Path: provPath, Body: `{} x`, Status: 400, Prefix: `{"detail":"JSON parse error - `, NoWrite: true},
			{Name: "two values", Method: "POST", Path: provPath, Body: `{}{}`, Status: 400, Prefix: `{"detail":"JSON parse error - `, NoWrite: true},
			{Name: "whitespace body", Method: "POST", Path: provPath, Body: "  \n", Status: 400, Prefix: `{"detail":"JSON parse error - `, NoWrite: true},
			{Name: "NaN literal", Method: "POST", Path: provPath, Body: `{"name":NaN}`, Status: 400, Prefix: `{"detail":"JSON parse error - `, NoWrite: true},
			{Name: "invalid UTF-8", Method: "POST", Path: provPath, Body: "{\"name\":\"\xff\"}", Status: 400, Prefix: `{"detail":"JSON parse error - `, NoWrite: true},
			{Name: "malformed JSON on PATCH", Method: "PATCH", Path: provPath + "{p1}/", Body: `[`, Status: 400, Prefix: `{"detail":"JSON parse error - `, NoWrite: true},
			{Name: "array body", Method: "POST", Path: provPath, Body: `[]`, Status: 400, Want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`, NoWrite: true},
			{Name: "array body on PATCH", Method: "PATCH", Path: provPath + "{p1}/", Body: `[{"name":"x"}]`, Status: 400, Want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`, NoWrite: true},
			{Name: "string body", Method: "POST", Path: provPath, Body: `"x"`, Status: 400, Want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`, NoWrite: true},
			{Name: "integer body", Method: "POST", Path: provPath, Body: `1`, Status: 400, Want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}`, NoWrite: true},
			{Name: "float body", Method: "POST", Path: provPath, Body: `1.5`, Status: 400, Want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}`, NoWrite: true},
			{Name: "boolean body", Method: "POST", Path: provPath, Body: `true`, Status: 400, Want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}`, NoWrite: true},
			{Name: "null body", Method: "POST", Path: provPath, Body: `null`, Status: 400, Want: `{"non_field_errors":["No data provided"]}`, NoWrite: true},
			{Name: "null body on PATCH", Method: "PATCH", Path: provPath + "{p1}/", Body: ` null `, Status: 400, Want: `{"non_field_errors":["No data provided"]}`, NoWrite: true},
			{Name: "empty body is {} on POST", Method: "POST", Path: provPath, Status: 400,
				Want: `{"name":["This field is required."],"authorization_flow":["This field is required."]}`, NoWrite: true},
			{Name: "empty body is {} on PATCH", Method: "PATCH", Path: provPath + "{p1}/", Status: 200, Subset: `{"name":"p1"}`},
			{Name: "unknown and read-only keys ignored", Method: "POST", Path: provPath,
				Body:   `{"name":"ignored-keys","authorization_flow":"{authz}","pk":999,"component":"x","verbose_name":"y","outpost_set":["z"],"assigned_application_slug":"s","bogus":{"deep":[1]}}`,
				Status: 201, Subset: `{"name":"ignored-keys","component":"ak-provider-rac-form","verbose_name":"RAC Provider","outpost_set":[],"assigned_application_slug":""}`,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					if r.Map(t)["pk"] == float64(999) {
						t.Error("pk was taken from the body")
					}
				}},
			{Name: "duplicate keys: the last wins", Method: "POST", Path: provPath, Body: `{"name":"dup-a","name":"dup-b","authorization_flow":"{authz}"}`, Status: 201, Subset: `{"name":"dup-b"}`},
			{Name: "responses are compact", Method: "GET", Path: provPath + "{p1}/", Status: 200, Prefix: `{"pk":{p1},"name":"p1","authentication_flow":null,`},
		})
	})
}

// TestAuthScenarios pins every row of SPEC §1's authentication table.
func TestAuthScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		var rows []apitest.Scenario
		routes := []struct {
			kind, method, path, body string
		}{
			{"list", "GET", provPath, ""},
			{"create", "POST", provPath, `{"name":"auth-x","authorization_flow":"{authz}"}`},
			{"retrieve", "GET", provPath + "{p1}/", ""},
			{"update", "PUT", provPath + "{p1}/", `{"name":"auth-y","authorization_flow":"{authz}"}`},
			{"patch", "PATCH", provPath + "{p1}/", `{"name":"auth-z"}`},
			{"delete", "DELETE", provPath + "{p1}/", ""},
			{"used_by", "GET", provPath + "{p1}/used_by/", ""},
			{"retrieve unknown id", "GET", provPath + "999999/", ""},
			{"flow list", "GET", "/api/v3/flows/instances/", ""},
			{"flow retrieve", "GET", "/api/v3/flows/instances/authz/", ""},
			{"mapping list", "GET", "/api/v3/propertymappings/rac/", ""},
			{"mapping retrieve", "GET", "/api/v3/propertymappings/rac/{pm1}/", ""},
		}
		for _, rt := range routes {
			noCred := bodyForbidden
			if rt.kind == "list" || rt.kind == "create" || rt.kind == "flow list" || rt.kind == "mapping list" {
				noCred = bodyNoCredentials
			}
			add := func(name, as string, header map[string]string, want string) {
				rows = append(rows, apitest.Scenario{Name: rt.kind + ": " + name, As: as, Header: header, Method: rt.method, Path: rt.path,
					Body: rt.body, Status: 403, Want: want, NoWrite: true})
			}
			add("no credentials", apitest.AsNone, nil, noCred)
			add("empty header", apitest.AsNone, map[string]string{"Authorization": ""}, noCred)
			add("scheme only", apitest.AsNone, map[string]string{"Authorization": "Bearer"}, noCred)
			add("scheme and space only", apitest.AsNone, map[string]string{"Authorization": "Bearer "}, noCred)
			add("key without scheme", apitest.AsNone, map[string]string{"Authorization": apitest.AdminToken}, noCred)
			add("unknown key", apitest.AsUnknown, nil, bodyTokenInvalid)
			add("expired token", apitest.AsExpired, nil, bodyTokenInvalid)
			add("recovery token", apitest.AsRecovery, nil, bodyTokenInvalid)
			add("verification token", apitest.AsVerify, nil, bodyTokenInvalid)
			add("app_password token", apitest.AsAppPass, nil, bodyTokenInvalid)
			add("inactive user", apitest.AsInactive, nil, bodyTokenInvalid)
			add("Basic scheme", apitest.AsNone, map[string]string{"Authorization": "Basic YWthZG1pbjpwYXNzd29yZA=="}, bodyUnsupported)
			add("Token scheme", apitest.AsNone, map[string]string{"Authorization": "Token " + apitest.AdminToken}, bodyUnsupported)
			add("scheme and key separated by a tab", apitest.AsNone, map[string]string{"Authorization": "Bearer\t" + apitest.AdminToken}, noCred)
			add("two spaces", apitest.AsNone, map[string]string{"Authorization": "Bearer  " + apitest.AdminToken}, bodyTokenInvalid)
			add("no permission", apitest.AsNoPerm, nil, bodyForbidden)
		}
		for _, scheme := range []string{"bearer", "BEARER", "BeArEr"} {
			rows = append(rows, apitest.Scenario{Name: "scheme " + scheme, As: apitest.AsNone, Header: map[string]string{"Authorization": scheme + " " + apitest.AdminToken},
				Method: "GET", Path: provPath + "{p1}/", Status: 200, Subset: `{"name":"p1"}`})
		}
		rows = append(rows,
			apitest.Scenario{Name: "expiring token without an expiry time", As: apitest.AsNoExpiry, Method: "GET", Path: provPath + "{p1}/", Status: 200, Subset: `{"name":"p1"}`},
			apitest.Scenario{Name: "past expiry on a non-expiring token", As: apitest.AsExpiredNonExpiring, Method: "GET", Path: provPath + "{p1}/", Status: 200, Subset: `{"name":"p1"}`},
		)
		f.Run(t, rows)
	})
}

// TestPaginationScenarios pins the envelope and the page / page_size rules.
func TestPaginationScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := apitest.New(t, backend).AddCallers()
		f.Run(t, []apitest.Scenario{
			{Name: "empty list exact", Method: "GET", Path: provPath, Status: 200,
				Want: `{"pagination":{"next":0,"previous":0,"count":0,"current":1,"total_pages":1,"start_index":0,"end_index":0},"results":[],"autocomplete":{}}`},
			{Name: "empty list page=last", Method: "GET", Path: provPath + "?page=last", Status: 200,
				Want: `{"pagination":{"next":0,"previous":0,"count":0,"current":1,"total_pages":1,"start_index":0,"end_index":0},"results":[],"autocomplete":{}}`},
			{Name: "empty list page=2", Method: "GET", Path: provPath + "?page=2", Status: 404, Want: bodyInvalidPage},
		})
		flow := f.Flow("authz", "authorization")
		for i := 1; i <= 5; i++ {
			f.Provider(map[string]any{"name": fmt.Sprintf("p%d", i), "authorization_flow": flow})
		}
		pag := func(next, prev, count, cur, total, start, end int) string {
			return fmt.Sprintf(`{"pagination":{"next":%d,"previous":%d,"count":%d,"current":%d,"total_pages":%d,"start_index":%d,"end_index":%d}}`,
				next, prev, count, cur, total, start, end)
		}
		names := func(ns ...string) string {
			s := `{"results":[`
			for i, n := range ns {
				if i > 0 {
					s += ","
				}
				s += `{"name":"` + n + `"}`
			}
			return s + "]}"
		}
		f.Run(t, []apitest.Scenario{
			{Name: "first page", Method: "GET", Path: provPath + "?page_size=2", Status: 200, Subset: pag(2, 0, 5, 1, 3, 1, 2)},
			{Name: "first page names", Method: "GET", Path: provPath + "?page_size=2", Status: 200, Subset: names("p1", "p2")},
			{Name: "middle page", Method: "GET", Path: provPath + "?page_size=2&page=2", Status: 200, Subset: pag(3, 1, 5, 2, 3, 3, 4)},
			{Name: "last page", Method: "GET", Path: provPath + "?page_size=2&page=3", Status: 200, Subset: pag(0, 2, 5, 3, 3, 5, 5)},
			{Name: "page=last", Method: "GET", Path: provPath + "?page_size=2&page=last", Status: 200, Subset: pag(0, 2, 5, 3, 3, 5, 5)},
			{Name: "page=last names", Method: "GET", Path: provPath + "?page_size=2&page=last", Status: 200, Subset: names("p5")},
			{Name: "page=last single page", Method: "GET", Path: provPath + "?page=last", Status: 200, Subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{Name: "page past the end", Method: "GET", Path: provPath + "?page_size=2&page=4", Status: 404, Want: bodyInvalidPage},
			{Name: "page far past the end", Method: "GET", Path: provPath + "?page=99999999999", Status: 404, Want: bodyInvalidPage},
			{Name: "page huge", Method: "GET", Path: provPath + "?page=999999999999999999999999", Status: 404, Want: bodyInvalidPage},
			{Name: "page=0", Method: "GET", Path: provPath + "?page=0", Status: 404, Want: bodyInvalidPage},
			{Name: "page negative", Method: "GET", Path: provPath + "?page=-1", Status: 404, Want: bodyInvalidPage},
			{Name: "page non-numeric", Method: "GET", Path: provPath + "?page=abc", Status: 404, Want: bodyInvalidPage},
			{Name: "page float", Method: "GET", Path: provPath + "?page=1.0", Status: 404, Want: bodyInvalidPage},
			{Name: "page empty means 1", Method: "GET", Path: provPath + "?page_size=2&page=", Status: 200, Subset: pag(2, 0, 5, 1, 3, 1, 2)},
			{Name: "page blank", Method: "GET", Path: provPath + "?page=%20", Status: 404, Want: bodyInvalidPage},
			{Name: "page last with spaces", Method: "GET", Path: provPath + "?page=%20last", Status: 404, Want: bodyInvalidPage},
			{Name: "page with semicolon", Method: "GET", Path: provPath + "?page=1;2", Status: 404, Want: bodyInvalidPage},
			{Name: "bad percent escape in page", Method: "GET", Path: provPath + "?page=%zz", Status: 404, Want: bodyInvalidPage},
			{Name: "page LAST is not last", Method: "GET", Path: provPath + "?page=LAST", Status: 404, Want: bodyInvalidPage},
			{Name: "page with spaces", Method: "GET", Path: provPath + "?page=%201%20", Status: 200, Subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{Name: "page_size default 100", Method: "GET", Path: provPath, Status: 200, Subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{Name: "page_size 0 means 100", Method: "GET", Path: provPath + "?page_size=0", Status: 200, Subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{Name: "page_size negative means 100", Method: "GET", Path: provPath + "?page_size=-3", Status: 200, Subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{Name: "page_size non-numeric means 100", Method: "GET", Path: provPath + "?page_size=x", Status: 200, Subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{Name: "page_size huge is capped", Method: "GET", Path: provPath + "?page_size=99999999999999999999", Status: 200, Subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{Name: "page_size with underscores", Method: "GET", Path: provPath + "?page_size=0_2", Status: 200, Subset: pag(2, 0, 5, 1, 3, 1, 2)},
			{Name: "page_size 1", Method: "GET", Path: provPath + "?page_size=1&page=5", Status: 200, Subset: pag(0, 4, 5, 5, 5, 5, 5)},
			{Name: "last page_size wins", Method: "GET", Path: provPath + "?page_size=1&page_size=2", Status: 200, Subset: pag(2, 0, 5, 1, 3, 1, 2)},
			{Name: "last page wins", Method: "GET", Path: provPath + "?page_size=2&page=1&page=2", Status: 200, Subset: pag(3, 1, 5, 2, 3, 3, 4)},
		})
	})
}

// TestPageSizeCap creates more than 1000 providers and checks the cap.
func TestPageSizeCap(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1001 providers")
	}
	f := apitest.New(t, "sqlite").AddCallers()
	flow := f.Flow("authz", "authorization")
	for i := 0; i < 1001; i++ {
		f.Exec("INSERT INTO providers (name, authorization_flow) VALUES ($1, $2)", fmt.Sprintf("bulk-%04d", i), flow)
	}
	f.Run(t, []apitest.Scenario{
		{Name: "page_size 5000 is 1000", Method: "GET", Path: provPath + "?page_size=5000", Status: 200,
			Subset: `{"pagination":{"next":2,"previous":0,"count":1001,"current":1,"total_pages":2,"start_index":1,"end_index":1000}}`},
		{Name: "page_size beyond int64 is 1000", Method: "GET", Path: provPath + "?page_size=99999999999999999999999", Status: 200,
			Subset: `{"pagination":{"next":2,"previous":0,"count":1001,"current":1,"total_pages":2,"start_index":1,"end_index":1000}}`},
		{Name: "default is 100", Method: "GET", Path: provPath, Status: 200,
			Subset: `{"pagination":{"next":2,"previous":0,"count":1001,"current":1,"total_pages":11,"start_index":1,"end_index":100}}`},
	})
}

// TestBodyTooLarge: a body over the 4 MiB cap is refused with 413 and writes nothing.
func TestBodyTooLarge(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		before := f.Counts()
		big := `{"name":"big","authorization_flow":"` + f.Vars["authz"] + `","settings":{"x":"` + strings.Repeat("a", 5<<20) + `"}}`
		for _, c := range []struct{ method, path string }{{"POST", provPath}, {"PATCH", provPath + f.Vars["p1"] + "/"}} {
			rec := serve(f, c.method, c.path, "", "application/json", []byte(big))
			if rec.Code != 413 || rec.Body.String() != `{"detail":"Request body too large."}` {
				t.Errorf("%s: %d %s", c.method, rec.Code, rec.Body)
			}
		}
		if after := f.Counts(); !reflect.DeepEqual(before, after) {
			t.Errorf("rows changed: %v -> %v", before, after)
		}
	})
}
