package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

const (
	flowPath    = "/api/v3/flows/instances/"
	mappingPath = "/api/v3/propertymappings/rac/"
)

// TestFlowScenarios pins the flow surface of SPEC §3.
func TestFlowScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		slug51 := strings.Repeat("s", 51)
		slug50 := strings.Repeat("s", 50)
		const slugMsg = "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
		flow := func(slug, extra string) string {
			b := `{"name":"N ` + slug + `","slug":"` + slug + `","title":"T","designation":"authorization"`
			if extra != "" {
				b += "," + extra
			}
			return b + "}"
		}
		f.run(t, []scenario{
			{name: "create defaults", method: "POST", path: flowPath, body: flow("new-flow", ""), status: 201,
				subset: `{"name":"N new-flow","slug":"new-flow","title":"T","designation":"authorization","policy_engine_mode":"any","compatibility_mode":false,` +
					`"layout":"stacked","denied_action":"message_continue","authentication":"none","stages":[],"policies":[],"export_url":"/api/v3/flows/instances/new-flow/export/"}`,
				check: func(t *testing.T, f *fixture, r *apitest.Resp) {
					m := r.Map(t)
					if m["pk"] != m["policybindingmodel_ptr_id"] || len(m["pk"].(string)) != 36 {
						t.Errorf("pk %v / %v", m["pk"], m["policybindingmodel_ptr_id"])
					}
				}},
			{name: "every field required", method: "POST", path: flowPath, body: `{}`, status: 400, noWrite: true,
				want: `{"name":["This field is required."],"slug":["This field is required."],"title":["This field is required."],"designation":["This field is required."]}`},
			{name: "slug pattern", method: "POST", path: flowPath, body: flow("bad slug!", ""), status: 400, noWrite: true, want: fieldErr("slug", slugMsg)},
			{name: "slug unicode", method: "POST", path: flowPath, body: flow("flöw", ""), status: 400, noWrite: true, want: fieldErr("slug", slugMsg)},
			{name: "slug too long", method: "POST", path: flowPath, body: flow(slug51, ""), status: 400, noWrite: true,
				want: fieldErr("slug", "Ensure this field has no more than 50 characters.")},
			{name: "slug too long and invalid", method: "POST", path: flowPath, body: flow(slug50+".", ""), status: 400, noWrite: true,
				want: `{"slug":["Ensure this field has no more than 50 characters.","` + slugMsg + `"]}`},
			{name: "slug of 50", method: "POST", path: flowPath, body: flow(slug50, ""), status: 201, subset: `{"slug":"` + slug50 + `"}`},
			{name: "slug taken", method: "POST", path: flowPath, body: flow("authz", ""), status: 400, noWrite: true, want: fieldErr("slug", "Flow with this slug already exists.")},
			{name: "name too long", method: "POST", path: flowPath, body: `{"name":"` + longName(501) + `","slug":"long","title":"t","designation":"recovery"}`, status: 400, noWrite: true,
				want: fieldErr("name", "Ensure this field has no more than 500 characters.")},
			{name: "long title", method: "POST", path: flowPath, body: `{"name":"` + longName(500) + `","slug":"long","title":"` + longName(4096) + `","designation":"recovery"}`, status: 201},
			{name: "slug blank", method: "POST", path: flowPath, body: flow(" ", ""), status: 400, noWrite: true, want: fieldErr("slug", msgBlank)},
			{name: "designation bogus", method: "POST", path: flowPath, body: `{"name":"n","slug":"d-bogus","title":"t","designation":"bogus"}`, status: 400, noWrite: true,
				want: fieldErr("designation", `"bogus" is not a valid choice.`)},
			{name: "designation null", method: "POST", path: flowPath, body: `{"name":"n","slug":"d-null","title":"t","designation":null}`, status: 400, noWrite: true,
				want: fieldErr("designation", msgNull)},
			{name: "designation bool", method: "POST", path: flowPath, body: `{"name":"n","slug":"d-bool","title":"t","designation":true}`, status: 400, noWrite: true,
				want: fieldErr("designation", `"True" is not a valid choice.`)},
			{name: "designation float", method: "POST", path: flowPath, body: `{"name":"n","slug":"d-float","title":"t","designation":1e2}`, status: 400, noWrite: true,
				want: fieldErr("designation", `"100.0" is not a valid choice.`)},
			{name: "designation list", method: "POST", path: flowPath, body: `{"name":"n","slug":"d-list","title":"t","designation":["authorization",1,null]}`, status: 400, noWrite: true,
				want: fieldErr("designation", `"['authorization', 1, None]" is not a valid choice.`)},
			{name: "designation object", method: "POST", path: flowPath, body: `{"name":"n","slug":"d-obj","title":"t","designation":{"b":"it's","a":false}}`, status: 400, noWrite: true,
				want: fieldErr("designation", `"{'b': "it's", 'a': False}" is not a valid choice.`)},
			{name: "layout bogus", method: "POST", path: flowPath, body: flow("l-bogus", `"layout":"diagonal"`), status: 400, noWrite: true,
				want: fieldErr("layout", `"diagonal" is not a valid choice.`)},
			{name: "several errors in field order", method: "POST", path: flowPath, body: `{"designation":"x","title":"","slug":"a b","name":null}`, status: 400, noWrite: true,
				want: `{"name":["This field may not be null."],"slug":["` + slugMsg + `"],"title":["This field may not be blank."],"designation":["\"x\" is not a valid choice."]}`},
			{name: "other FlowRequest fields stored", method: "POST", path: flowPath,
				body:   flow("all-fields", `"policy_engine_mode":"all","compatibility_mode":true,"layout":"sidebar_left","denied_action":"continue","authentication":"require_superuser"`),
				status: 201, subset: `{"policy_engine_mode":"all","compatibility_mode":true,"layout":"sidebar_left","denied_action":"continue","authentication":"require_superuser"}`},
			{name: "lookup by slug", method: "GET", path: flowPath + "authz/", status: 200, subset: `{"slug":"authz","pk":"{authz}","designation":"authorization"}`},
			{name: "lookup by UUID is 404", method: "GET", path: flowPath + "{authz}/", status: 404, want: bodyNotFound},
			{name: "slug filter", method: "GET", path: flowPath + "?slug=authn", status: 200,
				subset: `{"pagination":{"count":1},"results":[{"slug":"authn","pk":"{authn}"}]}`},
			{name: "slug filter no match", method: "GET", path: flowPath + "?slug=nope", status: 200, subset: `{"pagination":{"count":0},"results":[]}`},
			{name: "slug filter NUL", method: "GET", path: flowPath + "?slug=%00", status: 200, subset: `{"pagination":{"count":0},"results":[]}`},
			{name: "designation filter invalid", method: "GET", path: flowPath + "?designation=bogus", status: 400,
				want: fieldErr("designation", "Select a valid choice. bogus is not one of the available choices.")},
			{name: "PATCH slug taken", method: "PATCH", path: flowPath + "authn/", body: `{"slug":"authz"}`, status: 400, noWrite: true, want: fieldErr("slug", "Flow with this slug already exists.")},
			{name: "PATCH keeps its own slug", method: "PATCH", path: flowPath + "authn/", body: `{"slug":"authn","title":"New"}`, status: 200, subset: `{"slug":"authn","title":"New"}`},
			{name: "PUT requires every required field", method: "PUT", path: flowPath + "authn/", body: `{"name":"x"}`, status: 400, noWrite: true,
				want: `{"slug":["This field is required."],"title":["This field is required."],"designation":["This field is required."]}`},
			{name: "used_by lists providers", method: "GET", path: flowPath + "authz/used_by/", status: 200,
				want: `[{"app":"authentik_providers_rac","model_name":"racprovider","pk":"{p1}","name":"p1","action":"cascade"}]`},
		})
	})
}

// TestFlowDeletionEffects: deleting an authorization flow deletes its providers;
// deleting an authentication flow sets it to null.
func TestFlowDeletionEffects(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		p2 := f.env.Provider(map[string]any{"name": "p2", "authorization_flow": f.vars["authn"], "authentication_flow": f.vars["authz"]})
		f.vars["p2"] = fmt.Sprint(p2["pk"])
		p3 := f.env.Provider(map[string]any{"name": "p3", "authorization_flow": f.vars["authn"], "authentication_flow": f.vars["authn"], "property_mappings": []string{f.vars["pm1"], f.vars["pm2"]}})
		f.vars["p3"] = fmt.Sprint(p3["pk"])
		f.run(t, []scenario{
			{name: "used_by before", method: "GET", path: flowPath + "authz/used_by/", status: 200,
				want: `[{"app":"authentik_providers_rac","model_name":"racprovider","pk":"{p1}","name":"p1","action":"cascade"},` +
					`{"app":"authentik_providers_rac","model_name":"racprovider","pk":"{p2}","name":"p2","action":"set_null"}]`},
			{name: "mapping used_by", method: "GET", path: mappingPath + "{pm1}/used_by/", status: 200,
				want: `[{"app":"authentik_providers_rac","model_name":"racprovider","pk":"{p3}","name":"p3","action":"cascade_many"}]`},
			{name: "provider used_by lists its mappings", method: "GET", path: provPath + "{p3}/used_by/", status: 200,
				subset: `[{"app":"authentik_core","model_name":"propertymapping","name":"Property Mapping pm1","action":"cascade_many"},` +
					`{"app":"authentik_core","model_name":"propertymapping","name":"Property Mapping pm2","action":"cascade_many"}]`},
			{name: "delete the authorization flow", method: "DELETE", path: flowPath + "authz/", status: 204, wantEmpty: true},
			{name: "its provider is gone", method: "GET", path: provPath + "{p1}/", status: 404, want: bodyNotFound},
			{name: "the other provider lost its authentication flow", method: "GET", path: provPath + "{p2}/", status: 200,
				subset: `{"name":"p2","authentication_flow":null,"authorization_flow":"{authn}"}`},
			{name: "delete a mapping", method: "DELETE", path: mappingPath + "{pm1}/", status: 204, wantEmpty: true},
			{name: "the provider lost the mapping", method: "GET", path: provPath + "{p3}/", status: 200, subset: `{"property_mappings":["{pm2}"]}`},
			{name: "delete the flow used both ways", method: "DELETE", path: flowPath + "authn/", status: 204, wantEmpty: true},
			{name: "p2 is gone", method: "GET", path: provPath + "{p2}/", status: 404, want: bodyNotFound},
			{name: "p3 is gone", method: "GET", path: provPath + "{p3}/", status: 404, want: bodyNotFound},
			{name: "no provider left", method: "GET", path: provPath, status: 200, subset: `{"pagination":{"count":0}}`},
			{name: "mapping links are gone", method: "GET", path: mappingPath + "{pm2}/used_by/", status: 200, want: `[]`},
		})
	})
}

// TestMappingScenarios pins the RAC property-mapping surface of SPEC §3.
func TestMappingScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		const dictMsg = "Value must be a dictionary, and not have any duplicate keys."
		f.run(t, []scenario{
			{name: "object exact", method: "GET", path: mappingPath + "{pm1}/", status: 200,
				want: `{"pk":"{pm1}","managed":null,"name":"pm1","expression":"","component":"ak-property-mapping-rac-form","verbose_name":"RAC Property Mapping",` +
					`"verbose_name_plural":"RAC Property Mappings","meta_model_name":"authentik_providers_rac.racpropertymapping","static_settings":{"a":"1"}}`},
			{name: "required fields", method: "POST", path: mappingPath, body: `{}`, status: 400, noWrite: true,
				want: `{"name":["This field is required."],"static_settings":["This field is required."]}`},
			{name: "static_settings string", method: "POST", path: mappingPath, body: `{"name":"m1","static_settings":"x"}`, status: 400, noWrite: true, want: fieldErr("static_settings", dictMsg)},
			{name: "static_settings list", method: "POST", path: mappingPath, body: `{"name":"m1","static_settings":[]}`, status: 400, noWrite: true, want: fieldErr("static_settings", dictMsg)},
			{name: "static_settings number", method: "POST", path: mappingPath, body: `{"name":"m1","static_settings":1}`, status: 400, noWrite: true, want: fieldErr("static_settings", dictMsg)},
			{name: "static_settings null", method: "POST", path: mappingPath, body: `{"name":"m1","static_settings":null}`, status: 400, noWrite: true, want: fieldErr("static_settings", msgNull)},
			{name: "name taken", method: "POST", path: mappingPath, body: `{"name":"pm1","static_settings":{}}`, status: 400, noWrite: true,
				want: fieldErr("name", "Property Mapping with this name already exists.")},
			{name: "name too long", method: "POST", path: mappingPath, body: `{"name":"` + longName(501) + `","static_settings":{}}`, status: 400, noWrite: true,
				want: fieldErr("name", "Ensure this field has no more than 500 characters.")},
			{name: "managed too long", method: "POST", path: mappingPath, body: `{"name":"m-long","managed":"` + longName(501) + `","static_settings":{}}`, status: 400, noWrite: true,
				want: fieldErr("managed", "Ensure this field has no more than 500 characters.")},
			{name: "name and managed of 500", method: "POST", path: mappingPath, body: `{"name":"` + longName(500) + `","managed":"` + longName(500) + `","static_settings":{}}`, status: 201},
			{name: "name blank", method: "POST", path: mappingPath, body: `{"name":" ","static_settings":{}}`, status: 400, noWrite: true, want: fieldErr("name", msgBlank)},
			{name: "expression syntax error", method: "POST", path: mappingPath, body: `{"name":"m-syntax","static_settings":{},"expression":"return {"}`, status: 400, noWrite: true,
				check: func(t *testing.T, f *fixture, r *apitest.Resp) {
					m := r.Map(t)
					if len(m) != 1 || m["expression"] == nil {
						t.Errorf("want only an expression error: %s", r.Body)
					}
				}},
			{name: "expression valid", method: "POST", path: mappingPath, body: `{"name":"m-expr","static_settings":{},"expression":"return {\"a\": user}"}`, status: 201,
				subset: `{"name":"m-expr","expression":"return {\"a\": user}"}`},
			{name: "managed set", method: "POST", path: mappingPath, body: `{"name":"m-managed","static_settings":{},"managed":"goauthentik.io/x"}`, status: 201, subset: `{"managed":"goauthentik.io/x"}`},
			{name: "managed taken", method: "POST", path: mappingPath, body: `{"name":"m-managed2","static_settings":{},"managed":"goauthentik.io/x"}`, status: 400, noWrite: true,
				want: fieldErr("managed", "Property Mapping with this Managed by authentik already exists.")},
			{name: "managed null twice is fine", method: "POST", path: mappingPath, body: `{"name":"m-null","static_settings":{},"managed":null}`, status: 201, subset: `{"managed":null}`},
			{name: "read-only fields ignored", method: "POST", path: mappingPath,
				body:   `{"name":"m-ro","static_settings":{"k":true},"pk":"00000000-0000-4000-8000-000000000000","component":"x","verbose_name":"x","meta_model_name":"x"}`,
				status: 201, subset: `{"name":"m-ro","component":"ak-property-mapping-rac-form","verbose_name":"RAC Property Mapping","meta_model_name":"authentik_providers_rac.racpropertymapping","static_settings":{"k":true}}`,
				check: func(t *testing.T, f *fixture, r *apitest.Resp) {
					if r.Map(t)["pk"] == "00000000-0000-4000-8000-000000000000" {
						t.Error("pk taken from the body")
					}
				}},
			{name: "PATCH name taken", method: "PATCH", path: mappingPath + "{pm2}/", body: `{"name":"pm1"}`, status: 400, noWrite: true,
				want: fieldErr("name", "Property Mapping with this name already exists.")},
			{name: "PATCH static_settings", method: "PATCH", path: mappingPath + "{pm2}/", body: `{"static_settings":{"b":2}}`, status: 200, subset: `{"static_settings":{"b":2}}`},
			{name: "mapping id in any UUID spelling", method: "GET", path: mappingPath + "{{pm2}}/", status: 200, subset: `{"name":"pm2"}`},
			{name: "list", method: "GET", path: mappingPath + "?ordering=-name", status: 200,
				subset: `{"pagination":{"count":7},"results":[{"name":"` + longName(500) + `"},{"name":"pm2"},{"name":"pm1"},{"name":"m-ro"},{"name":"m-null"},{"name":"m-managed"},{"name":"m-expr"}]}`},
			{name: "list filter by name", method: "GET", path: mappingPath + "?name=pm2", status: 200, subset: `{"pagination":{"count":1},"results":[{"name":"pm2"}]}`},
			{name: "list filter by managed", method: "GET", path: mappingPath + "?managed=goauthentik.io/x&managed=%00", status: 200, subset: `{"pagination":{"count":1},"results":[{"name":"m-managed"}]}`},
		})
	})
}
