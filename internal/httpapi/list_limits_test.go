package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// listPaths are every list route.
var listPaths = []string{
	provPath, flowPath, mappingPath, "/api/v3/events/events/", "/api/v3/core/users/", "/api/v3/core/groups/",
	"/api/v3/rbac/roles/", "/api/v3/core/tokens/", "/api/v3/core/applications/", "/api/v3/outposts/instances/",
	"/api/v3/rac/endpoints/", "/api/v3/rac/connection_tokens/",
}

// TestListQueryBounds pins the bounds on search and ordering on every list, both
// databases: 16 search terms of up to 256 characters and 16 ordering terms pass; one
// more term, or one more character, is a 400 on the parameter. Without them, SQLite
// answered 500 to a few thousand terms (expression tree too deep), to one term over
// 25,000 characters (LIKE pattern too complex) and to a few thousand ordering terms.
func TestListQueryBounds(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := listFixture(t, backend)
		terms := func(n int, term string) string {
			return url.QueryEscape(strings.TrimSpace(strings.Repeat(term+" ", n)))
		}
		long := strings.Repeat("é", 256)
		cases := []struct {
			name, query string
			status      int
			body        string
		}{
			{"16 search terms", "search=" + terms(16, "a"), 200, ""},
			{"17 search terms", "search=" + terms(17, "a"), 400, `{"search":["Ensure this field has no more than 16 terms."]}`},
			{"thousands of search terms", "search=" + terms(5000, "a"), 400, `{"search":["Ensure this field has no more than 16 terms."]}`},
			{"17 terms split on commas", "search=" + strings.Repeat("a,", 17), 400, `{"search":["Ensure this field has no more than 16 terms."]}`},
			{"a term of 256 characters", "search=" + url.QueryEscape(long), 200, ""},
			{"a term of 257 characters", "search=" + url.QueryEscape(long+"x"), 400, `{"search":["Ensure each term has no more than 256 characters."]}`},
			{"a term of 60,000 percent signs", "search=" + strings.Repeat("%25", 60000), 400, `{"search":["Ensure each term has no more than 256 characters."]}`},
			{"a quoted term of 257 characters", "search=" + url.QueryEscape(`"`+long+` x"`), 400, `{"search":["Ensure each term has no more than 256 characters."]}`},
			{"16 ordering terms", "ordering=" + strings.TrimSuffix(strings.Repeat("pk,-pk,", 8), ","), 200, ""},
			{"17 ordering terms", "ordering=" + strings.TrimSuffix(strings.Repeat("pk,", 17), ","), 400, `{"ordering":["Ensure this field has no more than 16 terms."]}`},
			{"blank ordering terms do not count", "ordering=" + strings.Repeat(",", 40) + "pk", 200, ""},
			{"thousands of ordering terms", "ordering=" + strings.Repeat("name,", 20000), 400, `{"ordering":["Ensure this field has no more than 16 terms."]}`},
			{"long unknown ordering term", "ordering=" + strings.Repeat("x", 100000), 200, ""},
		}
		for _, p := range listPaths {
			for _, c := range cases {
				rec := serve(f, "GET", p, c.query, "", nil)
				if rec.Code != c.status || (c.body != "" && rec.Body.String() != c.body) {
					t.Errorf("%s %s: %d %.200s, want %d %s", p, c.name, rec.Code, rec.Body, c.status, c.body)
				}
			}
		}
		// A repeated ordering field is ignored: the first occurrence sets the order.
		once := serve(f, "GET", provPath, "ordering=-name", "", nil).Body.String()
		if twice := serve(f, "GET", provPath, "ordering=-name,name,-name", "", nil).Body.String(); twice != once {
			t.Errorf("repeated ordering terms changed the answer:\n%s\nwant\n%s", twice, once)
		}
	})
}
