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
		f.Run(t, []apitest.Scenario{
			{Name: "create defaults", Method: "POST", Path: flowPath, Body: flow("new-flow", ""), Status: 201,
				Subset: `{"name":"N new-flow","slug":"new-flow","title":"T","designation":"authorization","policy_engine_mode":"any","compatibility_mode":false,` +
					`"layout":"stacked","denied_action":"message_continue","authentication":"none","stages":[],"policies":[],"export_url":"/api/v3/flows/instances/new-flow/export/"}`,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					m := r.Map(t)
					if m["pk"] != m["policybindingmodel_ptr_id"] || len(m["pk"].(string)) != 36 {
						t.Errorf("pk %v / %v", m["pk"], m["policybindingmodel_ptr_id"])
					}
				}},
			{Name: "every field required", Method: "POST", Path: flowPath, Body: `{}`, Status: 400, NoWrite: true,
				Want: `{"name":["This field is required."],"slug":["This field is required."],"title":["This field is required."],"designation":["This field is required."]}`},
			{Name: "slug pattern", Method: "POST", Path: flowPath, Body: flow("bad slug!", ""), Status: 400, NoWrite: true, Want: fieldErr("slug", slugMsg)},
			{Name: "slug unicode", Method: "POST", Path: flowPath, Body: flow("flöw", ""), Status: 400, NoWrite: true, Want: fieldErr("slug", slugMsg)},
			{Name: "slug too long", Method: "POST", Path: flowPath, Body: flow(slug51, ""), Status: 400, NoWrite: true,
				Want: fieldErr("slug", "Ensure this field has no more than 50 characters.")},
			{Name: "slug too long and invalid", Method: "POST", Path: flowPath, Body: flow(slug50+".", ""), Status: 400, NoWrite: true,
				Want: `{"slug":["Ensure this field has no more than 50 characters.","` + slugMsg + `"]}`},
			{Name: "slug of 50", Method: "POST", Path: flowPath, Body: flow(slug50, ""), Status: 201, Subset: `{"slug":"` + slug50 + `"}`},
			{Name: "slug taken", Method: "POST", Path: flowPath, Body: flow("authz", ""), Status: 400, NoWrite: true, Want: fieldErr("slug", "Flow with this slug already exists.")},
			{Name: "name too long", Method: "POST", Path: flowPath, Body: `{"name":"` + longName(501) + `","slug":"long","title":"t","designation":"recovery"}`, Status: 400, NoWrite: true,
				Want: fieldErr("name", "Ensure this field has no more than 500 characters.")},
			{Name: "long title", Method: "POST", Path: flowPath, Body: `{"name":"` + longName(500) + `","slug":"long","title":"` + longName(4096) + `","designation":"recovery"}`, Status: 201},
			{Name: "slug blank", Method: "POST", Path: flowPath, Body: flow(" ", ""), Status: 400, NoWrite: true, Want: fieldErr("slug", msgBlank)},
			{Name: "designation bogus", Method: "POST", Path: flowPath, Body: `{"name":"n","slug":"d-bogus","title":"t","designation":"bogus"}`, Status: 400, NoWrite: true,
				Want: fieldErr("designation", `"bogus" is not a valid choice.`)},
			{Name: "designation null", Method: "POST", Path: flowPath, Body: `{"name":"n","slug":"d-null","title":"t","designation":null}`, Status: 400, NoWrite: true,
				Want: fieldErr("designation", msgNull)},
			{Name: "designation bool", Method: "POST", Path: flowPath, Body: `{"name":"n","slug":"d-bool","title":"t","designation":true}`, Status: 400, NoWrite: true,
				Want: fieldErr("designation", `"True" is not a valid choice.`)},
			{Name: "designation float", Method: "POST", Path: flowPath, Body: `{"name":"n","slug":"d-float","title":"t","designation":1e2}`, Status: 400, NoWrite: true,
				Want: fieldErr("designation", `"100.0" is not a valid choice.`)},
			{Name: "designation list", Method: "POST", Path: flowPath, Body: `{"name":"n","slug":"d-list","title":"t","designation":["authorization",1,null]}`, Status: 400, NoWrite: true,
				Want: fieldErr("designation", `"['authorization', 1, None]" is not a valid choice.`)},
			{Name: "designation object", Method: "POST", Path: flowPath, Body: `{"name":"n","slug":"d-obj","title":"t","designation":{"b":"it's","a":false}}`, Status: 400, NoWrite: true,
				Want: fieldErr("designation", `"{'b': "it's", 'a': False}" is not a valid choice.`)},
			{Name: "layout bogus", Method: "POST", Path: flowPath, Body: flow("l-bogus", `"layout":"diagonal"`), Status: 400, NoWrite: true,
				Want: fieldErr("layout", `"diagonal" is not a valid choice.`)},
			{Name: "several errors in field order", Method: "POST", Path: flowPath, Body: `{"designation":"x","title":"","slug":"a b","name":null}`, Status: 400, NoWrite: true,
				Want: `{"name":["This field may not be null."],"slug":["` + slugMsg + `"],"title":["This field may not be blank."],"designation":["\"x\" is not a valid choice."]}`},
			{Name: "other FlowRequest fields stored", Method: "POST", Path: flowPath,
				Body:   flow("all-fields", `"policy_engine_mode":"all","compatibility_mode":true,"layout":"sidebar_left","denied_action":"continue","authentication":"require_superuser"`),
				Status: 201, Subset: `{"policy_engine_mode":"all","compatibility_mode":true,"layout":"sidebar_left","denied_action":"continue","authentication":"require_superuser"}`},
			{Name: "lookup by slug", Method: "GET", Path: flowPath + "authz/", Status: 200, Subset: `{"slug":"authz","pk":"{authz}","designation":"authorization"}`},
			{Name: "lookup by UUID is 404", Method: "GET", Path: flowPath + "{authz}/", Status: 404, Want: bodyNotFound},
			{Name: "slug filter", Method: "GET", Path: flowPath + "?slug=authn", Status: 200,
				Subset: `{"pagination":{"count":1},"results":[{"slug":"authn","pk":"{authn}"}]}`},
			{Name: "slug filter no match", Method: "GET", Path: flowPath + "?slug=nope", Status: 200, Subset: `{"pagination":{"count":0},"results":[]}`},
			{Name: "slug filter NUL", Method: "GET", Path: flowPath + "?slug=%00", Status: 200, Subset: `{"pagination":{"count":0},"results":[]}`},
			{Name: "designation filter invalid", Method: "GET", Path: flowPath + "?designation=bogus", Status: 400,
				Want: fieldErr("designation", "Select a valid choice. bogus is not one of the available choices.")},
			{Name: "PATCH slug taken", Method: "PATCH", Path: flowPath + "authn/", Body: `{"slug":"authz"}`, Status: 400, NoWrite: true, Want: fieldErr("slug", "Flow with this slug already exists.")},
			{Name: "PATCH keeps its own slug", Method: "PATCH", Path: flowPath + "authn/", Body: `{"slug":"authn","title":"New"}`, Status: 200, Subset: `{"slug":"authn","title":"New"}`},
			{Name: "PUT requires every required field", Method: "PUT", Path: flowPath + "authn/", Body: `{"name":"x"}`, Status: 400, NoWrite: true,
				Want: `{"slug":["This field is required."],"title":["This field is required."],"designation":["This field is required."]}`},
			{Name: "used_by lists providers", Method: "GET", Path: flowPath + "authz/used_by/", Status: 200,
				Want: `[{"app":"authentik_providers_rac","model_name":"racprovider","pk":"{p1}","name":"p1","action":"cascade"}]`},
		})
	})
}

// TestFlowDeletionEffects: deleting an authorization flow deletes its providers;
// deleting an authentication flow sets it to null.
func TestFlowDeletionEffects(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		p2 := f.Provider(map[string]any{"name": "p2", "authorization_flow": f.Vars["authn"], "authentication_flow": f.Vars["authz"]})
		f.Vars["p2"] = fmt.Sprint(p2["pk"])
		p3 := f.Provider(map[string]any{"name": "p3", "authorization_flow": f.Vars["authn"], "authentication_flow": f.Vars["authn"], "property_mappings": []string{f.Vars["pm1"], f.Vars["pm2"]}})
		f.Vars["p3"] = fmt.Sprint(p3["pk"])
		f.Run(t, []apitest.Scenario{
			{Name: "used_by before", Method: "GET", Path: flowPath + "authz/used_by/", Status: 200,
				Want: `[{"app":"authentik_providers_rac","model_name":"racprovider","pk":"{p1}","name":"p1","action":"cascade"},` +
					`{"app":"authentik_providers_rac","model_name":"racprovider","pk":"{p2}","name":"p2","action":"set_null"}]`},
			{Name: "mapping used_by", Method: "GET", Path: mappingPath + "{pm1}/used_by/", Status: 200,
				Want: `[{"app":"authentik_providers_rac","model_name":"racprovider","pk":"{p3}","name":"p3","action":"cascade_many"}]`},
			{Name: "provider used_by lists its mappings", Method: "GET", Path: provPath + "{p3}/used_by/", Status: 200,
				Subset: `[{"app":"authentik_core","model_name":"propertymapping","name":"Property Mapping pm1","action":"cascade_many"},` +
					`{"app":"authentik_core","model_name":"propertymapping","name":"Property Mapping pm2","action":"cascade_many"}]`},
			{Name: "delete the authorization flow", Method: "DELETE", Path: flowPath + "authz/", Status: 204, WantEmpty: true},
			{Name: "its provider is gone", Method: "GET", Path: provPath + "{p1}/", Status: 404, Want: bodyNotFound},
			{Name: "the other provider lost its authentication flow", Method: "GET", Path: provPath + "{p2}/", Status: 200,
				Subset: `{"name":"p2","authentication_flow":null,"authorization_flow":"{authn}"}`},
			{Name: "delete a mapping", Method: "DELETE", Path: mappingPath + "{pm1}/", Status: 204, WantEmpty: true},
			{Name: "the provider lost the mapping", Method: "GET", Path: provPath + "{p3}/", Status: 200, Subset: `{"property_mappings":["{pm2}"]}`},
			{Name: "delete the flow used both ways", Method: "DELETE", Path: flowPath + "authn/", Status: 204, WantEmpty: true},
			{Name: "p2 is gone", Method: "GET", Path: provPath + "{p2}/", Status: 404, Want: bodyNotFound},
			{Name: "p3 is gone", Method: "GET", Path: provPath + "{p3}/", Status: 404, Want: bodyNotFound},
			{Name: "no provider left", Method: "GET", Path: provPath, Status: 200, Subset: `{"pagination":{"count":0}}`},
			{Name: "mapping links are gone", Method: "GET", Path: mappingPath + "{pm2}/used_by/", Status: 200, Want: `[]`},
		})
	})
}

// TestMappingScenarios pins the RAC property-mapping surface of SPEC §3.
func TestMappingScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := baseFixture(t, backend)
		const dictMsg = "Value must be a dictionary, and not have any duplicate keys."
		f.Run(t, []apitest.Scenario{
			{Name: "object exact", Method: "GET", Path: mappingPath + "{pm1}/", Status: 200,
				Want: `{"pk":"{pm1}","managed":null,"name":"pm1","expression":"","component":"ak-property-mapping-rac-form","verbose_name":"RAC Property Mapping",` +
					`"verbose_name_plural":"RAC Property Mappings","meta_model_name":"authentik_providers_rac.racpropertymapping","static_settings":{"a":"1"}}`},
			{Name: "required fields", Method: "POST", Path: mappingPath, Body: `{}`, Status: 400, NoWrite: true,
				Want: `{"name":["This field is required."],"static_settings":["This field is required."]}`},
			{Name: "static_settings string", Method: "POST", Path: mappingPath, Body: `{"name":"m1","static_settings":"x"}`, Status: 400, NoWrite: true, Want: fieldErr("static_settings", dictMsg)},
			{Name: "static_settings list", Method: "POST", Path: mappingPath, Body: `{"name":"m1","static_settings":[]}`, Status: 400, NoWrite: true, Want: fieldErr("static_settings", dictMsg)},
			{Name: "static_settings number", Method: "POST", Path: mappingPath, Body: `{"name":"m1","static_settings":1}`, Status: 400, NoWrite: true, Want: fieldErr("static_settings", dictMsg)},
			{Name: "static_settings null", Method: "POST", Path: mappingPath, Body: `{"name":"m1","static_settings":null}`, Status: 400, NoWrite: true, Want: fieldErr("static_settings", msgNull)},
			{Name: "name taken", Method: "POST", Path: mappingPath, Body: `{"name":"pm1","static_settings":{}}`, Status: 400, NoWrite: true,
				Want: fieldErr("name", "Property Mapping with this name already exists.")},
			{Name: "name too long", Method: "POST", Path: mappingPath, Body: `{"name":"` + longName(501) + `","static_settings":{}}`, Status: 400, NoWrite: true,
				Want: fieldErr("name", "Ensure this field has no more than 500 characters.")},
			{Name: "managed too long", Method: "POST", Path: mappingPath, Body: `{"name":"m-long","managed":"` + longName(501) + `","static_settings":{}}`, Status: 400, NoWrite: true,
				Want: fieldErr("managed", "Ensure this field has no more than 500 characters.")},
			{Name: "name and managed of 500", Method: "POST", Path: mappingPath, Body: `{"name":"` + longName(500) + `","managed":"` + longName(500) + `","static_settings":{}}`, Status: 201},
			{Name: "name blank", Method: "POST", Path: mappingPath, Body: `{"name":" ","static_settings":{}}`, Status: 400, NoWrite: true, Want: fieldErr("name", msgBlank)},
			{Name: "expression syntax error", Method: "POST", Path: mappingPath, Body: `{"name":"m-syntax","static_settings":{},"expression":"return {"}`, Status: 400, NoWrite: true,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					m := r.Map(t)
					if len(m) != 1 || m["expression"] == nil {
						t.Errorf("want only an expression error: %s", r.Body)
					}
				}},
			{Name: "expression valid", Method: "POST", Path: mappingPath, Body: `{"name":"m-expr","static_settings":{},"expression":"return {\"a\": user}"}`, Status: 201,
				Subset: `{"name":"m-expr","expression":"return {\"a\": user}"}`},
			{Name: "managed set", Method: "POST", Path: mappingPath, Body: `{"name":"m-managed","static_settings":{},"managed":"goauthentik.io/x"}`, Status: 201, Subset: `{"managed":"goauthentik.io/x"}`},
			{Name: "managed taken", Method: "POST", Path: mappingPath, Body: `{"name":"m-managed2","static_settings":{},"managed":"goauthentik.io/x"}`, Status: 400, NoWrite: true,
				Want: fieldErr("managed", "Property Mapping with this Managed by authentik already exists.")},
			{Name: "managed null twice is fine", Method: "POST", Path: mappingPath, Body: `{"name":"m-null","static_settings":{},"managed":null}`, Status: 201, Subset: `{"managed":null}`},
			{Name: "read-only fields ignored", Method: "POST", Path: mappingPath,
				Body:   `{"name":"m-ro","static_settings":{"k":true},"pk":"00000000-0000-4000-8000-000000000000","component":"x","verbose_name":"x","meta_model_name":"x"}`,
				Status: 201, Subset: `{"name":"m-ro","component":"ak-property-mapping-rac-form","verbose_name":"RAC Property Mapping","meta_model_name":"authentik_providers_rac.racpropertymapping","static_settings":{"k":true}}`,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					if r.Map(t)["pk"] == "00000000-0000-4000-8000-000000000000" {
						t.Error("pk taken from the body")
					}
				}},
			{Name: "PATCH name taken", Method: "PATCH", Path: mappingPath + "{pm2}/", Body: `{"name":"pm1"}`, Status: 400, NoWrite: true,
				Want: fieldErr("name", "Property Mapping with this name already exists.")},
			{Name: "PATCH static_settings", Method: "PATCH", Path: mappingPath + "{pm2}/", Body: `{"static_settings":{"b":2}}`, Status: 200, Subset: `{"static_settings":{"b":2}}`},
			{Name: "mapping id in any UUID spelling", Method: "GET", Path: mappingPath + "{{pm2}}/", Status: 200, Subset: `{"name":"pm2"}`},
			{Name: "list", Method: "GET", Path: mappingPath + "?ordering=-name", Status: 200,
				Subset: `{"pagination":{"count":7},"results":[{"name":"` + longName(500) + `"},{"name":"pm2"},{"name":"pm1"},{"name":"m-ro"},{"name":"m-null"},{"name":"m-managed"},{"name":"m-expr"}]}`},
			{Name: "list filter by name", Method: "GET", Path: mappingPath + "?name=pm2", Status: 200, Subset: `{"pagination":{"count":1},"results":[{"name":"pm2"}]}`},
			{Name: "list filter by managed", Method: "GET", Path: mappingPath + "?managed=goauthentik.io/x&managed=%00", Status: 200, Subset: `{"pagination":{"count":1},"results":[{"name":"m-managed"}]}`},
		})
	})
}
