package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// providerBody is a create body with a unique name, the fixture's authorization flow and
// the extra members given (without braces, e.g. `"settings":{}`).
func providerBody(name, extra string) string {
	b := `{"name":"` + name + `","authorization_flow":"{authz}"`
	if extra != "" {
		b += "," + extra
	}
	return b + "}"
}

// fieldErr is the body of a single-field error.
func fieldErr(field, msg string) string {
	m, _ := json.Marshal(map[string][]string{field: {msg}})
	return string(m)
}

const (
	msgRequired = "This field is required."
	msgNull     = "This field may not be null."
	msgBlank    = "This field may not be blank."
)

// TestProviderObjectExact pins the response object: every key, its value and the key order.
func TestProviderObjectExact(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		want := `{"pk":{p1},"name":"p1","authentication_flow":null,"authorization_flow":"{authz}","property_mappings":[],"component":"ak-provider-rac-form",` +
			`"assigned_application_slug":"","assigned_application_name":"","assigned_backchannel_application_slug":"","assigned_backchannel_application_name":"",` +
			`"verbose_name":"RAC Provider","verbose_name_plural":"RAC Providers","meta_model_name":"authentik_providers_rac.racprovider","settings":{},` +
			`"outpost_set":[],"connection_expiry":"hours=8","delete_token_on_disconnect":false}`
		f.Run(t, []apitest.Scenario{
			{Name: "retrieve", Method: "GET", Path: provPath + "{p1}/", Status: 200, Want: want},
			{Name: "list", Method: "GET", Path: provPath, Status: 200,
				Want: `{"pagination":{"next":0,"previous":0,"count":1,"current":1,"total_pages":1,"start_index":1,"end_index":1},"results":[` + want + `],"autocomplete":{}}`},
			{Name: "key order", Method: "GET", Path: provPath + "{p1}/", Status: 200, Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
				got := apitest.KeyOrder(t, r.Body)
				wantKeys := []string{"pk", "name", "authentication_flow", "authorization_flow", "property_mappings", "component",
					"assigned_application_slug", "assigned_application_name", "assigned_backchannel_application_slug",
					"assigned_backchannel_application_name", "verbose_name", "verbose_name_plural", "meta_model_name", "settings",
					"outpost_set", "connection_expiry", "delete_token_on_disconnect"}
				if !reflect.DeepEqual(got, wantKeys) {
					t.Errorf("keys %v", got)
				}
			}},
			{Name: "used_by of an unused provider", Method: "GET", Path: provPath + "{p1}/used_by/", Status: 200, Want: `[]`},
			{Name: "full create echoes every field", Method: "POST", Path: provPath,
				Body: `{"name":"full","authentication_flow":"{authn}","authorization_flow":"{authz}","property_mappings":["{pm1}"],` +
					`"settings":{"a":{"b":[1,2.5,"x",null,true]}},"connection_expiry":"minutes=5","delete_token_on_disconnect":true}`,
				Status: 201, Subset: `{"name":"full","authentication_flow":"{authn}","authorization_flow":"{authz}","property_mappings":["{pm1}"],` +
					`"settings":{"a":{"b":[1,2.5,"x",null,true]}},"connection_expiry":"minutes=5","delete_token_on_disconnect":true}`,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					if !strings.Contains(string(r.Body), `"settings":{"a":{"b":[1,2.5,"x",null,true]}}`) {
						t.Errorf("settings not kept verbatim: %s", r.Body)
					}
				}},
		})
	})
}

// TestProviderFieldScenarios pins every request-field rule of SPEC §2.
func TestProviderFieldScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		post := func(name, body string, status int, want string) apitest.Scenario {
			s := apitest.Scenario{Name: name, Method: "POST", Path: provPath, Body: body, Status: status}
			if status == 400 {
				s.Want, s.NoWrite = want, true
			} else {
				s.Subset = want
			}
			return s
		}
		bad := func(name, field, extra, msg string) apitest.Scenario {
			return post(name, providerBody("bad-"+strings.ReplaceAll(name, " ", "-"), extra), 400, fieldErr(field, msg))
		}
		notUUID := func(v string) string { return "“" + v + "” is not a valid UUID." }
		noPK := func(v string) string { return `Invalid pk "` + v + `" - object does not exist.` }
		const missing = "00000000-0000-4000-8000-000000000000"
		badFormat := func(v string) string { return v + " is not in the correct format of 'hours=3;minutes=1'." }
		f.Run(t, []apitest.Scenario{
			// name
			post("name missing", `{"authorization_flow":"{authz}"}`, 400, fieldErr("name", msgRequired)),
			post("name empty", `{"name":"","authorization_flow":"{authz}"}`, 400, fieldErr("name", msgBlank)),
			post("name whitespace", `{"name":" \t\n ","authorization_flow":"{authz}"}`, 400, fieldErr("name", msgBlank)),
			post("name null", `{"name":null,"authorization_flow":"{authz}"}`, 400, fieldErr("name", msgNull)),
			post("name bool", `{"name":true,"authorization_flow":"{authz}"}`, 400, fieldErr("name", "Not a valid string.")),
			post("name list", `{"name":["a"],"authorization_flow":"{authz}"}`, 400, fieldErr("name", "Not a valid string.")),
			post("name object", `{"name":{},"authorization_flow":"{authz}"}`, 400, fieldErr("name", "Not a valid string.")),
			post("name NUL", `{"name":"a\u0000b","authorization_flow":"{authz}"}`, 400, fieldErr("name", "Null characters are not allowed.")),
			post("name lone high surrogate", `{"name":"a\ud800b","authorization_flow":"{authz}"}`, 400, fieldErr("name", "Surrogate characters are not allowed: U+D800.")),
			post("name lone low surrogate", `{"name":"\uDFFF","authorization_flow":"{authz}"}`, 400, fieldErr("name", "Surrogate characters are not allowed: U+DFFF.")),
			post("name NUL and surrogate", `{"name":"\u0000\udc00","authorization_flow":"{authz}"}`, 400,
				`{"name":["Null characters are not allowed.","Surrogate characters are not allowed: U+DC00."]}`),
			post("name surrogate pair", `{"name":"smile \ud83d\ude00","authorization_flow":"{authz}"}`, 201, `{"name":"smile 😀"}`),
			post("name escaped backslash before u", `{"name":"x\\ud800","authorization_flow":"{authz}"}`, 201, `{"name":"x\\ud800"}`),
			post("name trimmed of Python white space", `{"name":"\u001c\u00a0trim-py\u2003\u001f","authorization_flow":"{authz}"}`, 201, `{"name":"trim-py"}`),
			post("name of Python white space only", `{"name":"\u001c\u001d","authorization_flow":"{authz}"}`, 400, fieldErr("name", msgBlank)),
			post("name taken", `{"name":"p1","authorization_flow":"{authz}"}`, 400, fieldErr("name", "provider with this name already exists.")),
			post("name taken after trimming", `{"name":"  p1 ","authorization_flow":"{authz}"}`, 400, fieldErr("name", "provider with this name already exists.")),
			post("name uniqueness is case-sensitive", `{"name":"P1","authorization_flow":"{authz}"}`, 201, `{"name":"P1"}`),
			post("name trimmed", `{"name":"  padded\t","authorization_flow":"{authz}"}`, 201, `{"name":"padded"}`),
			post("name integer", `{"name":12,"authorization_flow":"{authz}"}`, 201, `{"name":"12"}`),
			post("name float", `{"name":1.50,"authorization_flow":"{authz}"}`, 201, `{"name":"1.5"}`),
			post("name of 500 incompressible 4-byte characters", `{"name":"`+longName(500)+`","authorization_flow":"{authz}"}`, 201, `{"name":"`+longName(500)+`"}`),
			post("name of 501 characters", `{"name":"`+longName(501)+`","authorization_flow":"{authz}"}`, 400, fieldErr("name", "Ensure this field has no more than 500 characters.")),
			post("name unicode", `{"name":"Ünïcødé ☃","authorization_flow":"{authz}"}`, 201, `{"name":"Ünïcødé ☃"}`),
			// authorization_flow
			post("authorization_flow missing", `{"name":"af"}`, 400, fieldErr("authorization_flow", msgRequired)),
			bad("authorization_flow null", "authorization_flow", `"authorization_flow":null`, msgNull),
			bad("authorization_flow empty", "authorization_flow", `"authorization_flow":""`, msgNull),
			bad("authorization_flow not a UUID", "authorization_flow", `"authorization_flow":"not-a-uuid"`, notUUID("not-a-uuid")),
			bad("authorization_flow blank string", "authorization_flow", `"authorization_flow":" "`, notUUID(" ")),
			bad("authorization_flow nonexistent", "authorization_flow", `"authorization_flow":"`+missing+`"`, noPK(missing)),
			bad("authorization_flow nonexistent keeps the client's spelling", "authorization_flow", `"authorization_flow":"{`+strings.ToUpper(missing)+`}"`, noPK("{"+strings.ToUpper(missing)+"}")),
			bad("authorization_flow bool", "authorization_flow", `"authorization_flow":true`, "Incorrect type. Expected pk value, received bool."),
			bad("authorization_flow false", "authorization_flow", `"authorization_flow":false`, "Incorrect type. Expected pk value, received bool."),
			bad("authorization_flow integer is a UUID int", "authorization_flow", `"authorization_flow":5`, noPK("5")),
			bad("authorization_flow negative integer", "authorization_flow", `"authorization_flow":-5`, notUUID("-5")),
			bad("authorization_flow float", "authorization_flow", `"authorization_flow":1.5`, notUUID("1.5")),
			bad("authorization_flow object", "authorization_flow", `"authorization_flow":{"a":1}`, notUUID("{'a': 1}")),
			bad("authorization_flow list", "authorization_flow", `"authorization_flow":["x"]`, notUUID("['x']")),
			post("authorization_flow upper case and braces", `{"name":"af-braces","authorization_flow":"{`+"{authz}"+`}"}`, 201, `{"authorization_flow":"{authz}"}`),
			post("authorization_flow any designation", `{"name":"af-authn","authorization_flow":"{authn}"}`, 201, `{"authorization_flow":"{authn}"}`),
			// authentication_flow
			post("authentication_flow null", providerBody("authn-null", `"authentication_flow":null`), 201, `{"authentication_flow":null}`),
			post("authentication_flow empty", providerBody("authn-empty", `"authentication_flow":""`), 201, `{"authentication_flow":null}`),
			post("authentication_flow set", providerBody("authn-set", `"authentication_flow":"{authn}"`), 201, `{"authentication_flow":"{authn}"}`),
			bad("authentication_flow not a UUID", "authentication_flow", `"authentication_flow":"zzz"`, notUUID("zzz")),
			bad("authentication_flow nonexistent", "authentication_flow", `"authentication_flow":"`+missing+`"`, noPK(missing)),
			bad("authentication_flow bool", "authentication_flow", `"authentication_flow":false`, "Incorrect type. Expected pk value, received bool."),
			// property_mappings
			bad("property_mappings string", "property_mappings", `"property_mappings":"{pm1}"`, `Expected a list of items but got type "str".`),
			bad("property_mappings object", "property_mappings", `"property_mappings":{}`, `Expected a list of items but got type "dict".`),
			bad("property_mappings integer", "property_mappings", `"property_mappings":1`, `Expected a list of items but got type "int".`),
			bad("property_mappings float", "property_mappings", `"property_mappings":1.5`, `Expected a list of items but got type "float".`),
			bad("property_mappings bool", "property_mappings", `"property_mappings":true`, `Expected a list of items but got type "bool".`),
			bad("property_mappings null", "property_mappings", `"property_mappings":null`, msgNull),
			bad("property_mappings bad item", "property_mappings", `"property_mappings":["{pm1}","nope"]`, notUUID("nope")),
			bad("property_mappings first bad item", "property_mappings", `"property_mappings":["one","two"]`, notUUID("one")),
			bad("property_mappings nonexistent item", "property_mappings", `"property_mappings":["{pm1}","`+missing+`"]`, noPK(missing)),
			bad("property_mappings nonexistent before malformed", "property_mappings", `"property_mappings":["`+missing+`","nope"]`, noPK(missing)),
			bad("property_mappings malformed before nonexistent", "property_mappings", `"property_mappings":["nope","`+missing+`"]`, notUUID("nope")),
			bad("property_mappings null item", "property_mappings", `"property_mappings":[null]`, noPK("None")),
			bad("property_mappings bool item", "property_mappings", `"property_mappings":[true]`, "Incorrect type. Expected pk value, received bool."),
			bad("property_mappings empty string item", "property_mappings", `"property_mappings":[""]`, notUUID("")),
			post("property_mappings duplicates collapse", providerBody("pm-dup", `"property_mappings":["{pm1}","{pm1}","{pm1}"]`), 201, `{"property_mappings":["{pm1}"]}`),
			post("property_mappings empty", providerBody("pm-empty", `"property_mappings":[]`), 201, `{"property_mappings":[]}`),
			post("property_mappings two", providerBody("pm-two", `"property_mappings":["{pm2}","{pm1}"]`), 201, `{"name":"pm-two"}`),
			// settings
			bad("settings null", "settings", `"settings":null`, msgNull),
			bad("settings string", "settings", `"settings":"{}"`, `Expected a dictionary of items but got type "str".`),
			bad("settings list", "settings", `"settings":[]`, `Expected a dictionary of items but got type "list".`),
			bad("settings integer", "settings", `"settings":1`, `Expected a dictionary of items but got type "int".`),
			bad("settings float", "settings", `"settings":1e3`, `Expected a dictionary of items but got type "float".`),
			bad("settings bool", "settings", `"settings":false`, `Expected a dictionary of items but got type "bool".`),
			post("settings empty", providerBody("settings-empty", `"settings":{}`), 201, `{"settings":{}}`),
			post("settings duplicate keys", providerBody("settings-dup", `"settings":{"a":1,"b":2,"a":3}`), 201, `{"settings":{"a":3,"b":2}}`),
			post("settings with NUL", providerBody("settings-nul", `"settings":{"a\u0000":"b\u0000"}`), 201, `{"settings":{"a\u0000":"b\u0000"}}`),
			bad("settings with a huge number", "settings", `"settings":{"n":[1e999]}`, "Value must be valid JSON."),
			bad("settings with a huge integer", "settings", `"settings":{"n":1`+strings.Repeat("0", 400)+`}`, "Value must be valid JSON."),
			post("settings with big but finite numbers", providerBody("settings-big", `"settings":{"n":1e308,"i":123456789012345678901234567890}`), 201, `{"settings":{"n":1e308,"i":123456789012345678901234567890}}`),
			// connection_expiry
			post("connection_expiry default", providerBody("ce-default", ""), 201, `{"connection_expiry":"hours=8"}`),
			post("connection_expiry trimmed", providerBody("ce-trim", `"connection_expiry":"  minutes=5 "`), 201, `{"connection_expiry":"minutes=5"}`),
			post("connection_expiry zero", providerBody("ce-zero", `"connection_expiry":"hours=0"`), 201, `{"connection_expiry":"hours=0"}`),
			post("connection_expiry zero total", providerBody("ce-zero-total", `"connection_expiry":"hours=1;minutes=-60"`), 201, `{"connection_expiry":"hours=1;minutes=-60"}`),
			post("connection_expiry verbatim", providerBody("ce-verbatim", `"connection_expiry":"Hours=1.5;bogus=3; minutes= 2 "`), 201, `{"connection_expiry":"Hours=1.5;bogus=3; minutes= 2"}`),
			bad("connection_expiry empty", "connection_expiry", `"connection_expiry":""`, msgBlank),
			bad("connection_expiry blank", "connection_expiry", `"connection_expiry":"   "`, msgBlank),
			bad("connection_expiry null", "connection_expiry", `"connection_expiry":null`, msgNull),
			bad("connection_expiry bool", "connection_expiry", `"connection_expiry":true`, "Not a valid string."),
			bad("connection_expiry number", "connection_expiry", `"connection_expiry":5`, badFormat("5")),
			bad("connection_expiry float", "connection_expiry", `"connection_expiry":2.50`, badFormat("2.5")),
			bad("connection_expiry bad format", "connection_expiry", `"connection_expiry":"eight hours"`, badFormat("eight hours")),
			bad("connection_expiry bad format trimmed in message", "connection_expiry", `"connection_expiry":" hours "`, badFormat("hours")),
			bad("connection_expiry two equals", "connection_expiry", `"connection_expiry":"hours=1=2"`, badFormat("hours=1=2")),
			bad("connection_expiry only unknown keys", "connection_expiry", `"connection_expiry":"fortnights=1"`, badFormat("fortnights=1")),
			bad("connection_expiry space in key", "connection_expiry", `"connection_expiry":"hours =1"`, badFormat("hours =1")),
			bad("connection_expiry trailing semicolon", "connection_expiry", `"connection_expiry":"hours=1;"`, badFormat("hours=1;")),
			bad("connection_expiry negative", "connection_expiry", `"connection_expiry":"hours=-1"`, "Duration must not be negative."),
			bad("connection_expiry negative total", "connection_expiry", `"connection_expiry":"hours=1;minutes=-61"`, "Duration must not be negative."),
			bad("connection_expiry too large", "connection_expiry", `"connection_expiry":"weeks=99999999"`, badFormat("weeks=99999999")),
			bad("connection_expiry inf", "connection_expiry", `"connection_expiry":"hours=inf"`, badFormat("hours=inf")),
			bad("connection_expiry nan", "connection_expiry", `"connection_expiry":"hours=nan"`, badFormat("hours=nan")),
			bad("connection_expiry NUL", "connection_expiry", `"connection_expiry":"hours=1\u0000"`, "Null characters are not allowed."),
			// delete_token_on_disconnect
			bad("delete_token_on_disconnect null", "delete_token_on_disconnect", `"delete_token_on_disconnect":null`, msgNull),
			bad("delete_token_on_disconnect maybe", "delete_token_on_disconnect", `"delete_token_on_disconnect":"maybe"`, "Must be a valid boolean."),
			bad("delete_token_on_disconnect 2", "delete_token_on_disconnect", `"delete_token_on_disconnect":2`, "Must be a valid boolean."),
			bad("delete_token_on_disconnect TRUE with space", "delete_token_on_disconnect", `"delete_token_on_disconnect":" true"`, "Must be a valid boolean."),
			bad("delete_token_on_disconnect tRuE", "delete_token_on_disconnect", `"delete_token_on_disconnect":"tRuE"`, "Must be a valid boolean."),
			bad("delete_token_on_disconnect list", "delete_token_on_disconnect", `"delete_token_on_disconnect":[]`, "Must be a valid boolean."),
			bad("delete_token_on_disconnect object", "delete_token_on_disconnect", `"delete_token_on_disconnect":{}`, "Must be a valid boolean."),
			bad("delete_token_on_disconnect empty", "delete_token_on_disconnect", `"delete_token_on_disconnect":""`, "Must be a valid boolean."),
			// Several invalid fields at once, in the serializer's order.
			post("every field invalid", `{"delete_token_on_disconnect":"x","connection_expiry":"x","settings":1,"property_mappings":"x","authorization_flow":"x","authentication_flow":"x","name":""}`, 400,
				`{"name":["This field may not be blank."],"authentication_flow":["“x” is not a valid UUID."],"authorization_flow":["“x” is not a valid UUID."],`+
					`"property_mappings":["Expected a list of items but got type \"str\"."],"settings":["Expected a dictionary of items but got type \"int\"."],`+
					`"connection_expiry":["x is not in the correct format of 'hours=3;minutes=1'."],"delete_token_on_disconnect":["Must be a valid boolean."]}`),
			post("static and reference errors together", `{"connection_expiry":"hours=-1","authorization_flow":"`+missing+`","name":"p1","property_mappings":["`+missing+`"]}`, 400,
				`{"name":["provider with this name already exists."],"authorization_flow":["Invalid pk \"`+missing+`\" - object does not exist."],`+
					`"property_mappings":["Invalid pk \"`+missing+`\" - object does not exist."],"connection_expiry":["Duration must not be negative."]}`),
			post("required fields missing with other errors", `{"settings":[]}`, 400,
				`{"name":["This field is required."],"authorization_flow":["This field is required."],"settings":["Expected a dictionary of items but got type \"list\"."]}`),
		})
		var rows []apitest.Scenario
		for i, v := range []string{`true`, `"true"`, `"True"`, `"TRUE"`, `1`, `1.0`, `"1"`, `"yes"`, `"Yes"`, `"YES"`, `"on"`, `"On"`, `"ON"`, `"t"`, `"T"`, `"y"`, `"Y"`} {
			rows = append(rows, post("delete_token_on_disconnect true "+v, providerBody(fmt.Sprintf("dtod-t%d", i), `"delete_token_on_disconnect":`+v), 201, `{"delete_token_on_disconnect":true}`))
		}
		for i, v := range []string{`false`, `"false"`, `"False"`, `"FALSE"`, `0`, `0.0`, `-0`, `"0"`, `"no"`, `"No"`, `"NO"`, `"off"`, `"Off"`, `"OFF"`, `"f"`, `"F"`, `"n"`, `"N"`} {
			rows = append(rows, post("delete_token_on_disconnect false "+v, providerBody(fmt.Sprintf("dtod-f%d", i), `"delete_token_on_disconnect":`+v), 201, `{"delete_token_on_disconnect":false}`))
		}
		f.Run(t, rows)
	})
}

// TestProviderUpdateScenarios pins PUT and PATCH semantics.
func TestProviderUpdateScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		p := f.Provider(map[string]any{"name": "full", "authorization_flow": f.Vars["authz"], "authentication_flow": f.Vars["authn"],
			"property_mappings": []string{f.Vars["pm1"]}, "settings": map[string]any{"k": "v"}, "connection_expiry": "minutes=3",
			"delete_token_on_disconnect": true})
		f.Vars["full"] = fmt.Sprint(p["pk"])
		full := provPath + "{full}/"
		f.Run(t, []apitest.Scenario{
			{Name: "PUT requires name and authorization_flow", Method: "PUT", Path: full, Body: `{}`, Status: 400, NoWrite: true,
				Want: `{"name":["This field is required."],"authorization_flow":["This field is required."]}`},
			{Name: "PUT requires authorization_flow", Method: "PUT", Path: full, Body: `{"name":"full"}`, Status: 400, NoWrite: true,
				Want: fieldErr("authorization_flow", msgRequired)},
			{Name: "PUT empty body", Method: "PUT", Path: full, Status: 400, NoWrite: true,
				Want: `{"name":["This field is required."],"authorization_flow":["This field is required."]}`},
			{Name: "PUT keeps omitted optional fields", Method: "PUT", Path: full, Body: `{"name":"full2","authorization_flow":"{authz}"}`, Status: 200,
				Subset: `{"name":"full2","authentication_flow":"{authn}","property_mappings":["{pm1}"],"settings":{"k":"v"},"connection_expiry":"minutes=3","delete_token_on_disconnect":true}`},
			{Name: "PUT may keep its own name", Method: "PUT", Path: full, Body: `{"name":"full2","authorization_flow":"{authz}"}`, Status: 200, Subset: `{"name":"full2"}`},
			{Name: "PUT cannot take another's name", Method: "PUT", Path: full, Body: `{"name":"p1","authorization_flow":"{authz}"}`, Status: 400, NoWrite: true,
				Want: fieldErr("name", "provider with this name already exists.")},
			{Name: "PATCH cannot take another's name", Method: "PATCH", Path: full, Body: `{"name":"p1"}`, Status: 400, NoWrite: true,
				Want: fieldErr("name", "provider with this name already exists.")},
			{Name: "PATCH {} is a no-op", Method: "PATCH", Path: full, Body: `{}`, Status: 200,
				Subset: `{"name":"full2","authentication_flow":"{authn}","property_mappings":["{pm1}"],"settings":{"k":"v"},"connection_expiry":"minutes=3","delete_token_on_disconnect":true}`},
			{Name: "PATCH validates only what is sent", Method: "PATCH", Path: full, Body: `{"connection_expiry":"hours=-2"}`, Status: 400, NoWrite: true,
				Want: fieldErr("connection_expiry", "Duration must not be negative.")},
			{Name: "PATCH name null", Method: "PATCH", Path: full, Body: `{"name":null}`, Status: 400, NoWrite: true, Want: fieldErr("name", msgNull)},
			{Name: "PATCH authorization_flow null", Method: "PATCH", Path: full, Body: `{"authorization_flow":null}`, Status: 400, NoWrite: true, Want: fieldErr("authorization_flow", msgNull)},
			{Name: "PATCH authentication_flow null clears it", Method: "PATCH", Path: full, Body: `{"authentication_flow":null}`, Status: 200, Subset: `{"authentication_flow":null,"name":"full2"}`},
			{Name: "PATCH authentication_flow back", Method: "PATCH", Path: full, Body: `{"authentication_flow":"{authn}"}`, Status: 200, Subset: `{"authentication_flow":"{authn}"}`},
			{Name: "PATCH authentication_flow empty clears it", Method: "PATCH", Path: full, Body: `{"authentication_flow":""}`, Status: 200, Subset: `{"authentication_flow":null}`},
			{Name: "PATCH property_mappings replaces", Method: "PATCH", Path: full, Body: `{"property_mappings":["{pm2}"]}`, Status: 200, Subset: `{"property_mappings":["{pm2}"]}`},
			{Name: "PATCH property_mappings [] clears", Method: "PATCH", Path: full, Body: `{"property_mappings":[]}`, Status: 200, Subset: `{"property_mappings":[]}`},
			{Name: "PATCH bad mapping writes nothing", Method: "PATCH", Path: full, Body: `{"name":"renamed","property_mappings":["{pm1}","nope"]}`, Status: 400, NoWrite: true,
				Want: fieldErr("property_mappings", "“nope” is not a valid UUID.")},
			{Name: "PATCH settings replaces", Method: "PATCH", Path: full, Body: `{"settings":{"x":1}}`, Status: 200, Subset: `{"settings":{"x":1}}`},
			{Name: "PATCH delete_token_on_disconnect", Method: "PATCH", Path: full, Body: `{"delete_token_on_disconnect":"off"}`, Status: 200, Subset: `{"delete_token_on_disconnect":false}`},
			{Name: "after the failed PATCH", Method: "GET", Path: full, Status: 200, Subset: `{"name":"full2","property_mappings":[],"settings":{"x":1},"connection_expiry":"minutes=3","delete_token_on_disconnect":false}`},
			{Name: "PUT with every field", Method: "PUT", Path: full,
				Body:   `{"name":"full3","authorization_flow":"{authn}","authentication_flow":null,"property_mappings":["{pm1}","{pm2}"],"settings":{},"connection_expiry":"days=1","delete_token_on_disconnect":"yes"}`,
				Status: 200, Subset: `{"name":"full3","authorization_flow":"{authn}","authentication_flow":null,"settings":{},"connection_expiry":"days=1","delete_token_on_disconnect":true}`,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					got := r.Map(t)["property_mappings"].([]any)
					want := []string{f.Vars["pm1"], f.Vars["pm2"]}
					sort.Strings(want)
					if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
						t.Errorf("property_mappings %v, want %v", got, want)
					}
				}},
			{Name: "DELETE", Method: "DELETE", Path: full, Status: 204, WantEmpty: true},
			{Name: "DELETE twice", Method: "DELETE", Path: full, Status: 404, Want: bodyNotFound, NoWrite: true},
			{Name: "GET after DELETE", Method: "GET", Path: full, Status: 404, Want: bodyNotFound},
		})
	})
}

// longName returns n distinct-looking 4-byte characters (deterministic, and not
// compressible the way a repeated character is).
func longName(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(rune(0x20000 + r.IntN(0xa000)))
	}
	return b.String()
}
