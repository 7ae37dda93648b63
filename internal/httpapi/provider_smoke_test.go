package httpapi_test

import (
	"testing"

	"github.com/racd/racd/internal/apitest"
)

func TestProviderSmoke(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		pm := e.Mapping("pm1", map[string]any{"a": "1"})
		p := e.Provider(map[string]any{"name": "p1", "authorization_flow": flow, "property_mappings": []string{pm, pm}})
		if got := p["property_mappings"].([]any); len(got) != 1 || got[0] != pm {
			t.Fatalf("property_mappings = %v", got)
		}
		r := e.Admin("GET", "/api/v3/providers/rac/?search=p1&ordering=application__slug", nil)
		if r.Status != 200 {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		used := e.Admin("GET", "/api/v3/propertymappings/rac/"+pm+"/used_by/", nil)
		if used.Status != 200 || string(used.Body) == "[]" {
			t.Fatalf("used_by: %d %s", used.Status, used.Body)
		}
		e.MustAdmin(204, "DELETE", "/api/v3/flows/instances/authz/", nil)
		e.MustAdmin(404, "GET", "/api/v3/providers/rac/1/", nil)
	})
}
