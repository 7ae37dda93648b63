package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

// listFixture holds providers that differ in every ordering field, an application, a
// backchannel application and an outpost (the last three inserted with SQL: their
// APIs are not this package's).
func listFixture(t testing.TB, backend string) *apitest.Env {
	f := apitest.New(t, backend).AddCallers()
	f.Vars["authz"] = f.Flow("authz", "authorization")
	f.Vars["authz2"] = f.Flow("authz2", "authorization")
	f.Vars["authn"] = f.Flow("authn", "authentication")
	mk := func(name string, extra map[string]any) string {
		body := map[string]any{"name": name, "authorization_flow": f.Vars["authz"]}
		for k, v := range extra {
			body[k] = v
		}
		p := f.Provider(body)
		id := fmt.Sprint(p["pk"])
		f.Vars[name] = id
		return id
	}
	mk("Alpha One", map[string]any{"connection_expiry": "hours=2", "delete_token_on_disconnect": true, "authentication_flow": f.Vars["authn"]})
	mk("alpha two", map[string]any{"connection_expiry": "hours=1", "authorization_flow": f.Vars["authz2"]})
	mk("Beta_50%", map[string]any{"connection_expiry": "hours=2"})
	mk("gamma", map[string]any{"connection_expiry": "days=1", "delete_token_on_disconnect": true})
	mk("delta \"quoted\" one", nil)
	mk("École", nil)
	app1, _ := racd.NewUUID(nil)
	app2, _ := racd.NewUUID(nil)
	f.Exec("INSERT INTO applications (uuid, name, slug, provider_id) VALUES ($1, $2, $3, $4)", app1, "Zeta App", "a-zeta", f.Vars["gamma"])
	f.Exec("INSERT INTO applications (uuid, name, slug, provider_id) VALUES ($1, $2, $3, $4)", app2, "Able App", "z-able", f.Vars["alpha two"])
	f.Exec("UPDATE providers SET backchannel_application = $1 WHERE id = $2", app1, f.Vars["Beta_50%"])
	for _, o := range []string{"zulu", "echo"} {
		ou, _ := racd.NewUUID(nil)
		f.Exec("INSERT INTO outposts (uuid, name, type) VALUES ($1, $2, 'rac')", ou, o)
		f.Exec("INSERT INTO outpost_providers (outpost_uuid, provider_id) VALUES ($1, $2)", ou, f.Vars["gamma"])
		f.Vars["outpost-"+o] = ou
	}
	return f
}

// names returns the result names of a list response.
func names(t *testing.T, r *apitest.Resp) []string {
	t.Helper()
	var page struct {
		Results []struct {
			Name string `json:"name"`
		} `json:"results"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	out := []string{}
	for _, p := range page.Results {
		out = append(out, p.Name)
	}
	return out
}

func wantNames(want ...string) func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
	return func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
		if got := names(t, r); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("names %q, want %q", got, want)
		}
	}
}

func list(name, query string, want ...string) apitest.Scenario {
	return apitest.Scenario{Name: name, Method: "GET", Path: provPath + "?" + query, Status: 200, Check: wantNames(want...)}
}

// TestProviderSearchFilterScenarios pins search, name__iexact and application__isnull.
func TestProviderSearchFilterScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := listFixture(t, backend)
		// Names order by code point (both databases compare bytes).
		all := []string{"Alpha One", "Beta_50%", "alpha two", "delta \"quoted\" one", "gamma", "École"}
		f.Run(t, []apitest.Scenario{
			list("no search", "", all...),
			list("empty search", "search=", all...),
			list("blank search", "search=%20%20", all...),
			list("case-insensitive", "search=ALPHA", "Alpha One", "alpha two"),
			list("substring", "search=lph", "Alpha One", "alpha two"),
			list("AND across whitespace terms", "search=alpha+one", "Alpha One"),
			list("AND across comma terms", "search=alpha,two", "alpha two"),
			list("commas and spaces", "search=,alpha,%20,one,", "Alpha One"),
			list("terms in any order", "search=one%20alpha", "Alpha One"),
			list("quoted phrase", "search=%22alpha%20one%22", "Alpha One"),
			list("quoted phrase in the other order", "search=%22one%20alpha%22"),
			list("single-quoted phrase", "search=%27a%20two%27", "alpha two"),
			// DRF keeps `"alpha o",ne` as one token that does not end in a quote, so it is split
			// on commas and the quotes stay part of the first term.
			list("quoted phrase glued to a comma term", "search=%22alpha%20o%22,ne"),
			list("lone quote matches everything", "search=%22", all...),
			// An unclosed quote is ordinary text: `"` and `two` are two tokens.
			list("unclosed quote does not swallow the rest", "search=%22%20two", "alpha two"),
			list("unclosed single quote", "search=%27alpha%20one"),
			list("escaped quote in a phrase", `search=`+url.QueryEscape(`"\"quoted\""`), "delta \"quoted\" one"),
			list("percent is literal", "search=%25", "Beta_50%"),
			list("underscore is literal", "search=_", "Beta_50%"),
			list("backslash is literal", "search=%5C"),
			list("no match", "search=omega"),
			list("NUL in search matches nothing", "search=a%00"),
			list("invalid UTF-8 in search", "search=%ff"),
			list("last search wins", "search=gamma&search=beta", "Beta_50%"),
			list("name__iexact", "name__iexact=ALPHA%20ONE", "Alpha One"),
			list("name__iexact is exact", "name__iexact=alpha"),
			list("name__iexact folds ASCII only, on both databases", "name__iexact=%C3%89COLE", "École"),
			list("name__iexact does not fold É", "name__iexact=%C3%A9cole"),
			list("search folds ASCII only, on both databases", "search=%C3%89COLE", "École"),
			list("name__iexact empty is no filter", "name__iexact=", all...),
			list("name__iexact NUL", "name__iexact=%00"),
			list("name__iexact invalid UTF-8", "name__iexact=%C3"),
			list("name__iexact with wildcard characters", "name__iexact=beta_50%25", "Beta_50%"),
			list("application__isnull=true", "application__isnull=true", "Alpha One", "Beta_50%", "delta \"quoted\" one", "École"),
			list("application__isnull last value wins", "application__isnull=true&application__isnull=false", "alpha two", "gamma"),
			list("application__isnull=false", "application__isnull=false", "alpha two", "gamma"),
			list("application__isnull=1", "application__isnull=1", "Alpha One", "Beta_50%", "delta \"quoted\" one", "École"),
			list("application__isnull=0", "application__isnull=0", "alpha two", "gamma"),
			list("application__isnull=TRUE", "application__isnull=TRUE", "Alpha One", "Beta_50%", "delta \"quoted\" one", "École"),
			list("application__isnull=False", "application__isnull=False", "alpha two", "gamma"),
			list("application__isnull=yes is ignored", "application__isnull=yes", all...),
			list("application__isnull empty is ignored", "application__isnull=", all...),
			list("application__isnull=2 is ignored", "application__isnull=2", all...),
			list("application__isnull with spaces is ignored", "application__isnull=%20true", all...),
			list("filters combine", "application__isnull=false&search=a", "alpha two", "gamma"),
			{Name: "derived keys", Method: "GET", Path: provPath + "{gamma}/", Status: 200,
				Subset: `{"assigned_application_slug":"a-zeta","assigned_application_name":"Zeta App","assigned_backchannel_application_slug":"","outpost_set":["Outpost echo","Outpost zulu"]}`},
			{Name: "backchannel keys", Method: "GET", Path: provPath + "{Beta_50%}/", Status: 200,
				Subset: `{"assigned_application_slug":"","assigned_backchannel_application_slug":"a-zeta","assigned_backchannel_application_name":"Zeta App","outpost_set":[]}`},
			{Name: "used_by kinds and order", Method: "GET", Path: provPath + "{gamma}/used_by/", Status: 200,
				Want: `[{"app":"authentik_outposts","model_name":"outpost","pk":"{outpost-echo}","name":"Outpost echo","action":"cascade_many"},` +
					`{"app":"authentik_outposts","model_name":"outpost","pk":"{outpost-zulu}","name":"Outpost zulu","action":"cascade_many"}]`},
		})
	})
}

// TestProviderOrderingScenarios checks every ordering term in both directions against
// an independent sort of the whole list, the pk tie-breaker and the fallbacks.
func TestProviderOrderingScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := listFixture(t, backend)
		r := f.Admin("GET", provPath, nil)
		var page struct {
			Results []map[string]any `json:"results"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		appSlug := map[string]string{"gamma": "a-zeta", "alpha two": "z-able"}
		appName := map[string]string{"gamma": "Zeta App", "alpha two": "Able App"}
		// key returns the sort key of a provider for a term; nil sorts last ascending.
		key := func(p map[string]any, term string) any {
			name := p["name"].(string)
			switch term {
			case "pk":
				return p["pk"].(float64)
			case "application__slug":
				if v, ok := appSlug[name]; ok {
					return v
				}
				return nil
			case "application__name":
				if v, ok := appName[name]; ok {
					return v
				}
				return nil
			case "delete_token_on_disconnect":
				if p[term].(bool) {
					return "1"
				}
				return "0"
			}
			return p[term]
		}
		less := func(a, b any) int { // -1, 0, 1 with nil greatest
			switch {
			case a == nil && b == nil:
				return 0
			case a == nil:
				return 1
			case b == nil:
				return -1
			}
			switch av := a.(type) {
			case float64:
				bv := b.(float64)
				if av < bv {
					return -1
				} else if av > bv {
					return 1
				}
				return 0
			}
			return strings.Compare(a.(string), b.(string))
		}
		expected := func(terms ...string) []string {
			ps := append([]map[string]any(nil), page.Results...)
			sort.SliceStable(ps, func(i, j int) bool {
				for _, t := range terms {
					desc := strings.HasPrefix(t, "-")
					t = strings.TrimPrefix(t, "-")
					c := less(key(ps[i], t), key(ps[j], t))
					if desc {
						c = -c
					}
					if c != 0 {
						return c < 0
					}
				}
				return ps[i]["pk"].(float64) < ps[j]["pk"].(float64)
			})
			out := make([]string, len(ps))
			for i, p := range ps {
				out[i] = p["name"].(string)
			}
			return out
		}
		var rows []apitest.Scenario
		for _, term := range []string{"pk", "name", "connection_expiry", "delete_token_on_disconnect", "authorization_flow",
			"authentication_flow", "application__slug", "application__name"} {
			rows = append(rows, list("ordering "+term, "ordering="+term, expected(term)...))
			rows = append(rows, list("ordering -"+term, "ordering=-"+term, expected("-"+term)...))
		}
		rows = append(rows,
			list("default is name", "", expected("name")...),
			list("unknown terms ignored", "ordering=bogus,-connection_expiry,outpost_set__all", expected("-connection_expiry")...),
			list("only unknown terms: default", "ordering=bogus,--name", expected("name")...),
			list("empty ordering: default", "ordering=", expected("name")...),
			list("two terms", "ordering=connection_expiry,-name", expected("connection_expiry", "-name")...),
			list("spaces around terms", "ordering=%20-delete_token_on_disconnect%20,%20name", expected("-delete_token_on_disconnect", "name")...),
			list("ordering with NUL", "ordering=name%00", expected("name")...),
			list("last ordering wins", "ordering=name&ordering=-pk", expected("-pk")...),
		)
		// Pages never overlap or skip, whatever the ordering.
		for _, term := range []string{"connection_expiry", "-delete_token_on_disconnect", "application__slug", "-authentication_flow"} {
			term := term
			rows = append(rows, apitest.Scenario{Name: "paging by " + term, Method: "GET", Path: provPath + "?page_size=2&ordering=" + term, Status: 200,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					var got []string
					for p := 1; p <= 3; p++ {
						got = append(got, names(t, f.Admin("GET", fmt.Sprintf("%s?page_size=2&page=%d&ordering=%s", provPath, p, term), nil))...)
					}
					if want := expected(term); strings.Join(got, "|") != strings.Join(want, "|") {
						t.Errorf("pages %q, want %q", got, want)
					}
				}})
		}
		f.Run(t, rows)
	})
}

// TestProviderDeletionEffects: used_by lists every kind in SPEC order, and deleting
// the provider deletes its endpoints and connection tokens, removes it from outposts
// and leaves its application with provider null. Endpoints and tokens are inserted
// with SQL (their APIs are not this package's).
func TestProviderDeletionEffects(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := listFixture(t, backend)
		pm := f.Mapping("gm", nil)
		f.Vars["gm"] = pm
		f.MustAdmin(200, "PATCH", provPath+f.Vars["gamma"]+"/", map[string]any{"property_mappings": []string{pm}})
		ep, _ := racd.NewUUID(nil)
		ct, _ := racd.NewUUID(nil)
		f.Vars["ep"], f.Vars["ct"] = ep, ct
		f.Exec("INSERT INTO endpoints (uuid, name, provider_id, protocol, host, auth_mode) VALUES ($1, 'e1', $2, 'rdp', 'h:3389', 'static')", ep, f.Vars["gamma"])
		var admin int64
		f.QueryRow("SELECT id FROM users WHERE username = 'akadmin'", nil, &admin)
		f.Exec("INSERT INTO connection_tokens (uuid, token_hash, provider_id, endpoint_uuid, user_id, created) VALUES ($1, $2, $3, $4, $5, 0)",
			ct, []byte("hash-of-a-connection-token"), f.Vars["gamma"], ep, admin)
		f.Run(t, []apitest.Scenario{
			{Name: "used_by lists every kind in order", Method: "GET", Path: provPath + "{gamma}/used_by/", Status: 200,
				Subset: `[{"app":"authentik_providers_rac","model_name":"connectiontoken","pk":"{ct}","action":"cascade"},` +
					`{"app":"authentik_providers_rac","model_name":"endpoint","pk":"{ep}","name":"RAC Endpoint e1","action":"cascade"},` +
					`{"app":"authentik_outposts","model_name":"outpost","pk":"{outpost-echo}","name":"Outpost echo","action":"cascade_many"},` +
					`{"app":"authentik_outposts","model_name":"outpost","pk":"{outpost-zulu}","name":"Outpost zulu","action":"cascade_many"},` +
					`{"app":"authentik_core","model_name":"propertymapping","pk":"{gm}","name":"Property Mapping gm","action":"cascade_many"}]`},
			{Name: "delete", Method: "DELETE", Path: provPath + "{gamma}/", Status: 204, WantEmpty: true,
				Check: func(t *testing.T, f *apitest.Env, r *apitest.Resp) {
					for q, want := range map[string]int{
						"SELECT count(*) FROM endpoints":                                  0,
						"SELECT count(*) FROM connection_tokens":                          0,
						"SELECT count(*) FROM outpost_providers":                          0,
						"SELECT count(*) FROM outposts":                                   2,
						"SELECT count(*) FROM applications WHERE slug = 'a-zeta'":         1,
						"SELECT count(*) FROM applications WHERE provider_id IS NOT NULL": 1,
						"SELECT count(*) FROM property_mappings WHERE name = 'gm'":        1,
					} {
						var n int
						f.QueryRow(q, nil, &n)
						if n != want {
							t.Errorf("%s: %d, want %d", q, n, want)
						}
					}
				}},
			{Name: "the mapping is no longer used", Method: "GET", Path: mappingPath + "{gm}/used_by/", Status: 200, Want: `[]`},
		})
	})
}
