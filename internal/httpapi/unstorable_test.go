package httpapi_test

import (
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// TestUnstorableStringsInURLs: NUL bytes and invalid UTF-8 in filters and path ids,
// which PostgreSQL cannot even compare, match nothing on both databases: an empty
// list or a 404, never a 500.
func TestUnstorableStringsInURLs(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		e.Provider(map[string]any{"name": "p", "authorization_flow": flow})
		e.Mapping("m", nil)
		const empty = `{"pagination":{"next":0,"previous":0,"count":0,"current":1,"total_pages":1,"start_index":0,"end_index":0},"results":[],"autocomplete":{}}`
		const notFound = `{"detail":"Not found."}`
		for _, c := range []struct{ path, want string }{
			{"/api/v3/providers/rac/?search=p%ff", empty},
			{"/api/v3/providers/rac/?name__iexact=%00", empty},
			{"/api/v3/providers/rac/?name__iexact=p%ff%fe", empty},
			{"/api/v3/flows/instances/?slug=authz%00", empty},
			{"/api/v3/flows/instances/?search=%c3", empty},
			{"/api/v3/propertymappings/rac/?name=m%00", empty},
			{"/api/v3/propertymappings/rac/?managed=%ff", empty},
			{"/api/v3/flows/instances/authz%ff/", notFound},
			{"/api/v3/flows/instances/a%00b/", notFound},
			{"/api/v3/flows/instances/a%00b/used_by/", notFound},
			{"/api/v3/propertymappings/rac/%00/", notFound},
		} {
			r := e.Admin("GET", c.path, nil)
			if r.Status >= 500 || string(r.Body) != c.want {
				t.Errorf("GET %s: %d %s, want %s", c.path, r.Status, r.Body, c.want)
			}
		}
		for _, m := range []string{"PATCH", "DELETE"} {
			if r := e.Admin(m, "/api/v3/flows/instances/a%00b/", "{}"); r.Status != 404 {
				t.Errorf("%s of a NUL slug: %d %s", m, r.Status, r.Body)
			}
		}
		// The valid rows are still found.
		if r := e.Admin("GET", "/api/v3/providers/rac/?name__iexact=P", nil); r.Status != 200 || len(r.Body) < 100 {
			t.Errorf("valid filter: %d %s", r.Status, r.Body)
		}
	})
}
