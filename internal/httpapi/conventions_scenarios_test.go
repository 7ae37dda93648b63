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
func baseFixture(t testing.TB, backend string) *fixture {
	f := newFixture(t, backend)
	f.vars["authz"] = f.env.Flow("authz", "authorization")
	f.vars["authn"] = f.env.Flow("authn", "authentication")
	f.vars["pm1"] = f.env.Mapping("pm1", map[string]any{"a": "1"})
	f.vars["pm2"] = f.env.Mapping("pm2", nil)
	p := f.env.Provider(map[string]any{"name": "p1", "authorization_flow": f.vars["authz"]})
	f.vars["p1"] = strconv.FormatInt(int64(p["pk"].(float64)), 10)
	return f
}

// TestConventionScenarios pins SPEC §1: routing, methods, media types, body shapes
// and ids.
func TestConventionScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		f.run(t, []scenario{
			// Routing.
			{name: "list without trailing slash", method: "GET", path: "/api/v3/providers/rac", status: 404, want: bodyNotFound},
			{name: "detail without trailing slash", method: "GET", path: "/api/v3/providers/rac/{p1}", status: 404, want: bodyNotFound},
			{name: "used_by without trailing slash", method: "GET", path: "/api/v3/providers/rac/{p1}/used_by", status: 404, want: bodyNotFound},
			{name: "unknown path", method: "GET", path: "/api/v3/nothing/here/", status: 404, want: bodyNotFound},
			{name: "unknown path without credentials", as: asNone, method: "GET", path: "/api/v3/nothing/", status: 404, want: bodyNotFound},
			{name: "unknown sub-route", method: "GET", path: "/api/v3/providers/rac/{p1}/nothing/", status: 404, want: bodyNotFound},
			{name: "double slash", method: "GET", path: "/api/v3/providers//rac/", status: 404, want: bodyNotFound},
			{name: "root", method: "GET", path: "/", status: 404, want: bodyNotFound},
			// Ids.
			{name: "unknown id", method: "GET", path: provPath + "999999/", status: 404, want: bodyNotFound},
			{name: "non-numeric id", method: "GET", path: provPath + "abc/", status: 404, want: bodyNotFound},
			{name: "negative id", method: "GET", path: provPath + "-1/", status: 404, want: bodyNotFound},
			{name: "huge id", method: "GET", path: provPath + "99999999999999999999999/", status: 404, want: bodyNotFound},
			{name: "float id", method: "GET", path: provPath + "1.0/", status: 404, want: bodyNotFound},
			{name: "NUL in id", method: "GET", path: provPath + "%00/", status: 404, want: bodyNotFound},
			{name: "invalid UTF-8 in id", method: "GET", path: provPath + "%ff/", status: 404, want: bodyNotFound},
			{name: "unknown id on PATCH", method: "PATCH", path: provPath + "999999/", body: `{}`, status: 404, want: bodyNotFound, noWrite: true},
			{name: "unknown id on PUT", method: "PUT", path: provPath + "999999/", body: `{}`, status: 404, want: bodyNotFound, noWrite: true},
			{name: "unknown id on DELETE", method: "DELETE", path: provPath + "999999/", status: 404, want: bodyNotFound, noWrite: true},
			{name: "unknown id on used_by", method: "GET", path: provPath + "999999/used_by/", status: 404, want: bodyNotFound},
			{name: "unknown flow slug", method: "GET", path: "/api/v3/flows/instances/nope/", status: 404, want: bodyNotFound},
			{name: "NUL in flow slug", method: "GET", path: "/api/v3/flows/instances/a%00b/", status: 404, want: bodyNotFound},
			{name: "invalid UTF-8 in flow slug", method: "GET", path: "/api/v3/flows/instances/%ff%fe/", status: 404, want: bodyNotFound},
			{name: "NUL in flow slug on PATCH", method: "PATCH", path: "/api/v3/flows/instances/%00/", body: `{}`, status: 404, want: bodyNotFound, noWrite: true},
			{name: "non-UUID mapping id", method: "GET", path: "/api/v3/propertymappings/rac/nope/", status: 404, want: bodyNotFound},
			{name: "unknown mapping id", method: "GET", path: "/api/v3/propertymappings/rac/00000000-0000-4000-8000-000000000000/", status: 404, want: bodyNotFound},
			// Methods.
			{name: "DELETE on list", method: "DELETE", path: provPath, status: 405, want: `{"detail":"Method \"DELETE\" not allowed."}`},
			{name: "PUT on list", method: "PUT", path: provPath, body: `{}`, status: 405, want: `{"detail":"Method \"PUT\" not allowed."}`, noWrite: true},
			{name: "PATCH on list", method: "PATCH", path: provPath, body: `{}`, status: 405, want: `{"detail":"Method \"PATCH\" not allowed."}`},
			{name: "POST on detail", method: "POST", path: provPath + "{p1}/", body: `{}`, status: 405, want: `{"detail":"Method \"POST\" not allowed."}`, noWrite: true},
			{name: "POST on used_by", method: "POST", path: provPath + "{p1}/used_by/", status: 405, want: `{"detail":"Method \"POST\" not allowed."}`},
			{name: "DELETE on used_by", method: "DELETE", path: provPath + "{p1}/used_by/", status: 405, want: `{"detail":"Method \"DELETE\" not allowed."}`},
			{name: "odd method", method: "FROB", path: provPath, status: 405, want: `{"detail":"Method \"FROB\" not allowed."}`},
			{name: "wrong method without credentials on list", as: asNone, method: "DELETE", path: provPath, status: 403, want: bodyNoCredentials},
			{name: "wrong method without credentials on detail", as: asNone, method: "POST", path: provPath + "{p1}/", status: 403, want: bodyForbidden},
			{name: "wrong method with an unknown key", as: asUnknown, method: "DELETE", path: provPath, status: 403, want: bodyTokenInvalid},
			{name: "wrong method for a caller without permission", as: asNoPerm, method: "DELETE", path: provPath, status: 405, want: `{"detail":"Method \"DELETE\" not allowed."}`},
			// Media types.
			{name: "text/plain", method: "POST", path: provPath, ct: "text/plain", body: `{"name":"x"}`, status: 415,
				want: `{"detail":"Unsupported media type \"text/plain\" in request."}`, noWrite: true},
			{name: "media type with parameters kept verbatim", method: "POST", path: provPath, ct: "text/plain; charset=utf-8", body: `{}`, status: 415,
				want: `{"detail":"Unsupported media type \"text/plain; charset=utf-8\" in request."}`, noWrite: true},
			{name: "form encoding", method: "POST", path: provPath, ct: "application/x-www-form-urlencoded", body: `name=x`, status: 415,
				want: `{"detail":"Unsupported media type \"application/x-www-form-urlencoded\" in request."}`, noWrite: true},
			{name: "no content type with a body", method: "POST", path: provPath, header: map[string]string{"Content-Type": ""}, body: `{}`, status: 415,
				want: `{"detail":"Unsupported media type \"\" in request."}`, noWrite: true},
			{name: "PATCH text/plain", method: "PATCH", path: provPath + "{p1}/", ct: "text/plain", body: `{}`, status: 415,
				want: `{"detail":"Unsupported media type \"text/plain\" in request."}`, noWrite: true},
			{name: "charset allowed", method: "PATCH", path: provPath + "{p1}/", ct: "application/json; charset=utf-8", body: `{"settings":{"c":1}}`, status: 200, subset: `{"settings":{"c":1}}`},
			{name: "media type case-insensitive", method: "PATCH", path: provPath + "{p1}/", ct: "Application/JSON", body: `{"settings":{"c":2}}`, status: 200, subset: `{"settings":{"c":2}}`},
			{name: "media type with a trailing semicolon", method: "PATCH", path: provPath + "{p1}/", ct: "application/json;", body: `{"settings":{"c":3}}`, status: 200, subset: `{"settings":{"c":3}}`},
			{name: "malformed parameters are ignored", method: "PATCH", path: provPath + "{p1}/", ct: "application/json; charset", body: `{"settings":{"c":4}}`, status: 200, subset: `{"settings":{"c":4}}`},
			{name: "wildcard media type", method: "PATCH", path: provPath + "{p1}/", ct: "*/*", body: `{"settings":{"c":5}}`, status: 200, subset: `{"settings":{"c":5}}`},
			{name: "wildcard subtype", method: "PATCH", path: provPath + "{p1}/", ct: "application/*", body: `{"settings":{"c":6}}`, status: 200, subset: `{"settings":{"c":6}}`},
			{name: "application without subtype", method: "PATCH", path: provPath + "{p1}/", ct: "application", body: `{}`, status: 415,
				want: `{"detail":"Unsupported media type \"application\" in request."}`, noWrite: true},
			{name: "json suffix types are not json", method: "PATCH", path: provPath + "{p1}/", ct: "application/merge-patch+json", body: `{}`, status: 415,
				want: `{"detail":"Unsupported media type \"application/merge-patch+json\" in request."}`, noWrite: true},
			{name: "wrong media type with an empty body is {}", method: "PATCH", path: provPath + "{p1}/", header: map[string]string{"Content-Type": "text/plain"}, status: 200, subset: `{"name":"p1"}`},
			{name: "permission comes before the media type", as: asNoPerm, method: "POST", path: provPath, ct: "text/plain", body: `x`, status: 403, want: bodyForbidden, noWrite: true},
			{name: "permission comes before the body", as: asNoPerm, method: "POST", path: provPath, body: `[`, status: 403, want: bodyForbidden, noWrite: true},
			{name: "visibility comes before the body", as: asNoPerm, method: "PATCH", path: provPath + "{p1}/", body: `[`, status: 403, want: bodyForbidden, noWrite: true},
			{name: "existence comes before the body", method: "PATCH", path: provPath + "424242/", body: `[`, status: 404, want: bodyNotFound, noWrite: true},
			// Body shapes.
			{name: "malformed JSON", method: "POST", path: provPath, body: `{"name":`, status: 400, prefix: `{"detail":"JSON parse error - `, noWrite: true},
			{name: "trailing garbage", method: "POST", path: provPath, body: `{} x`, status: 400, prefix: `{"detail":"JSON parse error - `, noWrite: true},
			{name: "two values", method: "POST", path: provPath, body: `{}{}`, status: 400, prefix: `{"detail":"JSON parse error - `, noWrite: true},
			{name: "whitespace body", method: "POST", path: provPath, body: "  \n", status: 400, prefix: `{"detail":"JSON parse error - `, noWrite: true},
			{name: "NaN literal", method: "POST", path: provPath, body: `{"name":NaN}`, status: 400, prefix: `{"detail":"JSON parse error - `, noWrite: true},
			{name: "invalid UTF-8", method: "POST", path: provPath, body: "{\"name\":\"\xff\"}", status: 400, prefix: `{"detail":"JSON parse error - `, noWrite: true},
			{name: "malformed JSON on PATCH", method: "PATCH", path: provPath + "{p1}/", body: `[`, status: 400, prefix: `{"detail":"JSON parse error - `, noWrite: true},
			{name: "array body", method: "POST", path: provPath, body: `[]`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`, noWrite: true},
			{name: "array body on PATCH", method: "PATCH", path: provPath + "{p1}/", body: `[{"name":"x"}]`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`, noWrite: true},
			{name: "string body", method: "POST", path: provPath, body: `"x"`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`, noWrite: true},
			{name: "integer body", method: "POST", path: provPath, body: `1`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}`, noWrite: true},
			{name: "float body", method: "POST", path: provPath, body: `1.5`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}`, noWrite: true},
			{name: "boolean body", method: "POST", path: provPath, body: `true`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}`, noWrite: true},
			{name: "null body", method: "POST", path: provPath, body: `null`, status: 400, want: `{"non_field_errors":["No data provided"]}`, noWrite: true},
			{name: "null body on PATCH", method: "PATCH", path: provPath + "{p1}/", body: ` null `, status: 400, want: `{"non_field_errors":["No data provided"]}`, noWrite: true},
			{name: "empty body is {} on POST", method: "POST", path: provPath, status: 400,
				want: `{"name":["This field is required."],"authorization_flow":["This field is required."]}`, noWrite: true},
			{name: "empty body is {} on PATCH", method: "PATCH", path: provPath + "{p1}/", status: 200, subset: `{"name":"p1"}`},
			{name: "unknown and read-only keys ignored", method: "POST", path: provPath,
				body:   `{"name":"ignored-keys","authorization_flow":"{authz}","pk":999,"component":"x","verbose_name":"y","outpost_set":["z"],"assigned_application_slug":"s","bogus":{"deep":[1]}}`,
				status: 201, subset: `{"name":"ignored-keys","component":"ak-provider-rac-form","verbose_name":"RAC Provider","outpost_set":[],"assigned_application_slug":""}`,
				check: func(t *testing.T, f *fixture, r *apitest.Resp) {
					if r.Map(t)["pk"] == float64(999) {
						t.Error("pk was taken from the body")
					}
				}},
			{name: "duplicate keys: the last wins", method: "POST", path: provPath, body: `{"name":"dup-a","name":"dup-b","authorization_flow":"{authz}"}`, status: 201, subset: `{"name":"dup-b"}`},
			{name: "responses are compact", method: "GET", path: provPath + "{p1}/", status: 200, prefix: `{"pk":{p1},"name":"p1","authentication_flow":null,`},
		})
	})
}

// TestAuthScenarios pins every row of SPEC §1's authentication table.
func TestAuthScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		var rows []scenario
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
				rows = append(rows, scenario{name: rt.kind + ": " + name, as: as, header: header, method: rt.method, path: rt.path,
					body: rt.body, status: 403, want: want, noWrite: true})
			}
			add("no credentials", asNone, nil, noCred)
			add("empty header", asNone, map[string]string{"Authorization": ""}, noCred)
			add("scheme only", asNone, map[string]string{"Authorization": "Bearer"}, noCred)
			add("scheme and space only", asNone, map[string]string{"Authorization": "Bearer "}, noCred)
			add("key without scheme", asNone, map[string]string{"Authorization": apitest.AdminToken}, noCred)
			add("unknown key", asUnknown, nil, bodyTokenInvalid)
			add("expired token", asExpired, nil, bodyTokenInvalid)
			add("recovery token", asRecovery, nil, bodyTokenInvalid)
			add("verification token", asVerify, nil, bodyTokenInvalid)
			add("app_password token", asAppPass, nil, bodyTokenInvalid)
			add("inactive user", asInactive, nil, bodyTokenInvalid)
			add("Basic scheme", asNone, map[string]string{"Authorization": "Basic YWthZG1pbjpwYXNzd29yZA=="}, bodyUnsupported)
			add("Token scheme", asNone, map[string]string{"Authorization": "Token " + apitest.AdminToken}, bodyUnsupported)
			add("scheme and key separated by a tab", asNone, map[string]string{"Authorization": "Bearer\t" + apitest.AdminToken}, noCred)
			add("two spaces", asNone, map[string]string{"Authorization": "Bearer  " + apitest.AdminToken}, bodyTokenInvalid)
			add("no permission", asNoPerm, nil, bodyForbidden)
		}
		for _, scheme := range []string{"bearer", "BEARER", "BeArEr"} {
			rows = append(rows, scenario{name: "scheme " + scheme, as: asNone, header: map[string]string{"Authorization": scheme + " " + apitest.AdminToken},
				method: "GET", path: provPath + "{p1}/", status: 200, subset: `{"name":"p1"}`})
		}
		rows = append(rows,
			scenario{name: "expiring token without an expiry time", as: asNoExpiry, method: "GET", path: provPath + "{p1}/", status: 200, subset: `{"name":"p1"}`},
			scenario{name: "past expiry on a non-expiring token", as: asExpiredNonExpiring, method: "GET", path: provPath + "{p1}/", status: 200, subset: `{"name":"p1"}`},
		)
		f.run(t, rows)
	})
}

// TestPaginationScenarios pins the envelope and the page / page_size rules.
func TestPaginationScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		f.run(t, []scenario{
			{name: "empty list exact", method: "GET", path: provPath, status: 200,
				want: `{"pagination":{"next":0,"previous":0,"count":0,"current":1,"total_pages":1,"start_index":0,"end_index":0},"results":[]}`},
			{name: "empty list page=last", method: "GET", path: provPath + "?page=last", status: 200,
				want: `{"pagination":{"next":0,"previous":0,"count":0,"current":1,"total_pages":1,"start_index":0,"end_index":0},"results":[]}`},
			{name: "empty list page=2", method: "GET", path: provPath + "?page=2", status: 404, want: bodyInvalidPage},
		})
		flow := f.env.Flow("authz", "authorization")
		for i := 1; i <= 5; i++ {
			f.env.Provider(map[string]any{"name": fmt.Sprintf("p%d", i), "authorization_flow": flow})
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
		f.run(t, []scenario{
			{name: "first page", method: "GET", path: provPath + "?page_size=2", status: 200, subset: pag(2, 0, 5, 1, 3, 1, 2)},
			{name: "first page names", method: "GET", path: provPath + "?page_size=2", status: 200, subset: names("p1", "p2")},
			{name: "middle page", method: "GET", path: provPath + "?page_size=2&page=2", status: 200, subset: pag(3, 1, 5, 2, 3, 3, 4)},
			{name: "last page", method: "GET", path: provPath + "?page_size=2&page=3", status: 200, subset: pag(0, 2, 5, 3, 3, 5, 5)},
			{name: "page=last", method: "GET", path: provPath + "?page_size=2&page=last", status: 200, subset: pag(0, 2, 5, 3, 3, 5, 5)},
			{name: "page=last names", method: "GET", path: provPath + "?page_size=2&page=last", status: 200, subset: names("p5")},
			{name: "page=last single page", method: "GET", path: provPath + "?page=last", status: 200, subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{name: "page past the end", method: "GET", path: provPath + "?page_size=2&page=4", status: 404, want: bodyInvalidPage},
			{name: "page far past the end", method: "GET", path: provPath + "?page=99999999999", status: 404, want: bodyInvalidPage},
			{name: "page huge", method: "GET", path: provPath + "?page=999999999999999999999999", status: 404, want: bodyInvalidPage},
			{name: "page=0", method: "GET", path: provPath + "?page=0", status: 404, want: bodyInvalidPage},
			{name: "page negative", method: "GET", path: provPath + "?page=-1", status: 404, want: bodyInvalidPage},
			{name: "page non-numeric", method: "GET", path: provPath + "?page=abc", status: 404, want: bodyInvalidPage},
			{name: "page float", method: "GET", path: provPath + "?page=1.0", status: 404, want: bodyInvalidPage},
			{name: "page empty means 1", method: "GET", path: provPath + "?page_size=2&page=", status: 200, subset: pag(2, 0, 5, 1, 3, 1, 2)},
			{name: "page blank", method: "GET", path: provPath + "?page=%20", status: 404, want: bodyInvalidPage},
			{name: "page last with spaces", method: "GET", path: provPath + "?page=%20last", status: 404, want: bodyInvalidPage},
			{name: "page with semicolon", method: "GET", path: provPath + "?page=1;2", status: 404, want: bodyInvalidPage},
			{name: "bad percent escape in page", method: "GET", path: provPath + "?page=%zz", status: 404, want: bodyInvalidPage},
			{name: "page LAST is not last", method: "GET", path: provPath + "?page=LAST", status: 404, want: bodyInvalidPage},
			{name: "page with spaces", method: "GET", path: provPath + "?page=%201%20", status: 200, subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{name: "page_size default 100", method: "GET", path: provPath, status: 200, subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{name: "page_size 0 means 100", method: "GET", path: provPath + "?page_size=0", status: 200, subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{name: "page_size negative means 100", method: "GET", path: provPath + "?page_size=-3", status: 200, subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{name: "page_size non-numeric means 100", method: "GET", path: provPath + "?page_size=x", status: 200, subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{name: "page_size huge is capped", method: "GET", path: provPath + "?page_size=99999999999999999999", status: 200, subset: pag(0, 0, 5, 1, 1, 1, 5)},
			{name: "page_size with underscores", method: "GET", path: provPath + "?page_size=0_2", status: 200, subset: pag(2, 0, 5, 1, 3, 1, 2)},
			{name: "page_size 1", method: "GET", path: provPath + "?page_size=1&page=5", status: 200, subset: pag(0, 4, 5, 5, 5, 5, 5)},
			{name: "last page_size wins", method: "GET", path: provPath + "?page_size=1&page_size=2", status: 200, subset: pag(2, 0, 5, 1, 3, 1, 2)},
			{name: "last page wins", method: "GET", path: provPath + "?page_size=2&page=1&page=2", status: 200, subset: pag(3, 1, 5, 2, 3, 3, 4)},
		})
	})
}

// TestPageSizeCap creates more than 1000 providers and checks the cap.
func TestPageSizeCap(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1001 providers")
	}
	f := newFixture(t, "sqlite")
	flow := f.env.Flow("authz", "authorization")
	for i := 0; i < 1001; i++ {
		f.exec("INSERT INTO providers (name, authorization_flow) VALUES ($1, $2)", fmt.Sprintf("bulk-%04d", i), flow)
	}
	f.run(t, []scenario{
		{name: "page_size 5000 is 1000", method: "GET", path: provPath + "?page_size=5000", status: 200,
			subset: `{"pagination":{"next":2,"previous":0,"count":1001,"current":1,"total_pages":2,"start_index":1,"end_index":1000}}`},
		{name: "page_size beyond int64 is 1000", method: "GET", path: provPath + "?page_size=99999999999999999999999", status: 200,
			subset: `{"pagination":{"next":2,"previous":0,"count":1001,"current":1,"total_pages":2,"start_index":1,"end_index":1000}}`},
		{name: "default is 100", method: "GET", path: provPath, status: 200,
			subset: `{"pagination":{"next":2,"previous":0,"count":1001,"current":1,"total_pages":11,"start_index":1,"end_index":100}}`},
	})
}

// TestBodyTooLarge: a body over the 4 MiB cap is refused with 413 and writes nothing.
func TestBodyTooLarge(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		before := f.counts()
		big := `{"name":"big","authorization_flow":"` + f.vars["authz"] + `","settings":{"x":"` + strings.Repeat("a", 5<<20) + `"}}`
		for _, c := range []struct{ method, path string }{{"POST", provPath}, {"PATCH", provPath + f.vars["p1"] + "/"}} {
			rec := serve(f, c.method, c.path, "", "application/json", []byte(big))
			if rec.Code != 413 || rec.Body.String() != `{"detail":"Request body too large."}` {
				t.Errorf("%s: %d %s", c.method, rec.Code, rec.Body)
			}
		}
		if after := f.counts(); !reflect.DeepEqual(before, after) {
			t.Errorf("rows changed: %v -> %v", before, after)
		}
	})
}
