package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

// eventQuery lists the events of one action (the events route is not this file's).
func eventQuery(action string) racd.EventQuery {
	return racd.EventQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1000, Visible: racd.Everything}, Action: &action}
}

// appScenario is one HTTP call and what must come back: the status, and either the exact
// body (Body) or substrings it must contain (Contains).
type appScenario struct {
	name     string
	method   string
	path     string
	body     string
	status   int
	exact    string
	contains []string
}

func runAppScenarios(t *testing.T, e *apitest.Env, cases []appScenario) {
	t.Helper()
	for _, sc := range cases {
		r := e.Admin(sc.method, sc.path, sc.body)
		if r.Status != sc.status {
			t.Errorf("%s: %s %s: status %d, want %d\n%s", sc.name, sc.method, sc.path, r.Status, sc.status, r.Body)
			continue
		}
		if sc.exact != "" && string(r.Body) != sc.exact {
			t.Errorf("%s: body\n got %s\nwant %s", sc.name, r.Body, sc.exact)
		}
		for _, s := range sc.contains {
			if !strings.Contains(string(r.Body), s) {
				t.Errorf("%s: body lacks %s\n%s", sc.name, s, r.Body)
			}
		}
	}
}

// appFixture is a database with a flow, three providers and application app1 that
// has p1 as provider and p2 as backchannel provider.
type appFixture struct {
	e          *apitest.Env
	p1, p2, p3 int64
}

func newAppFixture(t *testing.T, backend string) appFixture {
	e := apitest.New(t, backend)
	flow := e.Flow("authz", "authorization")
	pk := func(m map[string]any) int64 { return int64(m["pk"].(float64)) }
	f := appFixture{e: e}
	f.p1 = pk(e.Provider(map[string]any{"name": "p1", "authorization_flow": flow}))
	f.p2 = pk(e.Provider(map[string]any{"name": "p2", "authorization_flow": flow}))
	f.p3 = pk(e.Provider(map[string]any{"name": "p3", "authorization_flow": flow}))
	e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{
		"name": "App One", "slug": "app1", "provider": f.p1, "backchannel_providers": []int64{f.p2},
	})
	return f
}

func TestApplicationScenarios(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newAppFixture(t, backend)
		const apps = "/api/v3/core/applications/"
		p1, p2, p3 := f.p1, f.p2, f.p3
		long := strings.Repeat("s", 51)
		runAppScenarios(t, f.e, []appScenario{
			{name: "required", method: "POST", path: apps, body: `{}`, status: 400,
				exact: `{"name":["This field is required."],"slug":["This field is required."]}`},
			{name: "blank and bad slug", method: "POST", path: apps, body: `{"name":"  ","slug":"bad slug!"}`, status: 400,
				exact: `{"name":["This field may not be blank."],"slug":["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]}`},
			{name: "slug too long", method: "POST", path: apps, body: `{"name":"x","slug":"` + long + `"}`, status: 400,
				exact: `{"slug":["Ensure this field has no more than 50 characters."]}`},
			{name: "slug taken", method: "POST", path: apps, body: `{"name":"x","slug":"app1"}`, status: 400,
				exact: `{"slug":["Application with this slug already exists."]}`},
			{name: "no such provider", method: "POST", path: apps, body: `{"name":"x","slug":"x","provider":999}`, status: 400,
				exact: `{"provider":["Invalid pk \"999\" - object does not exist."]}`},
			{name: "provider out of range", method: "POST", path: apps, body: `{"name":"x","slug":"x","provider":99999999999999999999999}`, status: 400,
				exact: `{"provider":["Invalid pk \"99999999999999999999999\" - object does not exist."]}`},
			{name: "provider taken", method: "POST", path: apps, body: fmt.Sprintf(`{"name":"x","slug":"x","provider":%d}`, p1), status: 400,
				exact: `{"provider":["Application with this provider already exists."]}`},
			{name: "provider bool", method: "POST", path: apps, body: `{"name":"x","slug":"x","provider":true}`, status: 400,
				exact: `{"provider":["Incorrect type. Expected pk value, received bool."]}`},
			{name: "provider str", method: "POST", path: apps, body: `{"name":"x","slug":"x","provider":"abc"}`, status: 400,
				exact: `{"provider":["Incorrect type. Expected pk value, received str."]}`},
			{name: "provider list", method: "POST", path: apps, body: `{"name":"x","slug":"x","provider":[1]}`, status: 400,
				exact: `{"provider":["Incorrect type. Expected pk value, received list."]}`},
			{name: "provider float", method: "POST", path: apps, body: `{"name":"x","slug":"x","provider":1.5}`, status: 400,
				exact: `{"provider":["Incorrect type. Expected pk value, received float."]}`},
			{name: "backchannel not a list", method: "POST", path: apps, body: `{"name":"x","slug":"x","backchannel_providers":"1"}`, status: 400,
				exact: `{"backchannel_providers":["Expected a list of items but got type \"str\"."]}`},
			{name: "backchannel null", method: "POST", path: apps, body: `{"name":"x","slug":"x","backchannel_providers":null}`, status: 400,
				exact: `{"backchannel_providers":["This field may not be null."]}`},
			{name: "backchannel missing item", method: "POST", path: apps, body: fmt.Sprintf(`{"name":"x","slug":"x","backchannel_providers":[%d,998,999]}`, p3), status: 400,
				exact: `{"backchannel_providers":["Invalid pk \"998\" - object does not exist."]}`},
			{name: "backchannel null item", method: "POST", path: apps, body: `{"name":"x","slug":"x","backchannel_providers":[null]}`, status: 400,
				exact: `{"backchannel_providers":["Invalid pk \"None\" - object does not exist."]}`},
			{name: "backchannel bool item", method: "POST", path: apps, body: `{"name":"x","slug":"x","backchannel_providers":[false]}`, status: 400,
				exact: `{"backchannel_providers":["Incorrect type. Expected pk value, received bool."]}`},
			{name: "bad launch url", method: "POST", path: apps, body: `{"name":"x","slug":"x","meta_launch_url":"not a url"}`, status: 400,
				exact: `{"meta_launch_url":["Enter a valid URL."]}`},
			{name: "relative launch url", method: "POST", path: apps, body: `{"name":"x","slug":"x","meta_launch_url":"/app/"}`, status: 400,
				exact: `{"meta_launch_url":["Enter a valid URL."]}`},
			{name: "bad engine mode", method: "POST", path: apps, body: `{"name":"x","slug":"x","policy_engine_mode":"some"}`, status: 400,
				exact: `{"policy_engine_mode":["\"some\" is not a valid choice."]}`},
			{name: "bad boolean", method: "POST", path: apps, body: `{"name":"x","slug":"x","open_in_new_tab":"maybe"}`, status: 400,
				exact: `{"open_in_new_tab":["Must be a valid boolean."]}`},
			{name: "null text", method: "POST", path: apps, body: `{"name":"x","slug":"x","group":null}`, status: 400,
				exact: `{"group":["This field may not be null."]}`},
			{name: "every error at once, in field order", method: "POST", path: apps,
				body: `{"group":null,"policy_engine_mode":"x","provider":999,"slug":"app1","name":""}`, status: 400,
				exact: `{"name":["This field may not be blank."],"slug":["Application with this slug already exists."],"provider":["Invalid pk \"999\" - object does not exist."],"policy_engine_mode":["\"x\" is not a valid choice."],"group":["This field may not be null."]}`},
			{name: "create with every field", method: "POST", path: apps,
				body:   fmt.Sprintf(`{"name":" Two ","slug":"app2","provider":"%d","backchannel_providers":[%d,%d],"open_in_new_tab":true,"meta_launch_url":"https://%%(username)s.example.com/x","meta_description":"d","meta_publisher":"pub","policy_engine_mode":"all","group":"g"}`, p3, p3, p3),
				status: 201,
				contains: []string{`"name":"Two"`, `"slug":"app2"`, fmt.Sprintf(`"provider":%d,"provider_obj":{"pk":%d,"name":"p3"`, p3, p3),
					fmt.Sprintf(`"backchannel_providers":[%d]`, p3), `"launch_url":"https://akadmin.example.com/x"`, `"open_in_new_tab":true`,
					`"meta_launch_url":"https://%(username)s.example.com/x","meta_icon":"","meta_description":"d","meta_publisher":"pub","policy_engine_mode":"all","group":"g",` +
						`"meta_icon_url":null,"meta_icon_themed_urls":null,"pbm_uuid":"`, `","meta_hide":false}`,
					`"assigned_application_slug":"app2","assigned_application_name":"Two","assigned_backchannel_application_slug":"app2"`}},
			{name: "defaults", method: "POST", path: apps, body: `{"name":"Three","slug":"app3","provider":""}`, status: 201,
				contains: []string{`"provider":null,"provider_obj":null,"backchannel_providers":[],"backchannel_providers_obj":[],"launch_url":null,"open_in_new_tab":false,"meta_launch_url":"","meta_icon":"","meta_description":"","meta_publisher":"","policy_engine_mode":"any","group":"","meta_icon_url":null,"meta_icon_themed_urls":null,"pbm_uuid":"`}},
			{name: "retrieve", method: "GET", path: apps + "app1/", status: 200,
				contains: []string{`"slug":"app1"`, fmt.Sprintf(`"backchannel_providers":[%d],"backchannel_providers_obj":[{"pk":%d,"name":"p2"`, p2, p2)}},
			{name: "unknown slug", method: "GET", path: apps + "nope/", status: 404, exact: `{"detail":"Not found."}`},
			{name: "patch no-op", method: "PATCH", path: apps + "app1/", body: `{}`, status: 200, contains: []string{`"slug":"app1"`}},
			{name: "put requires name and slug", method: "PUT", path: apps + "app1/", body: `{}`, status: 400,
				exact: `{"name":["This field is required."],"slug":["This field is required."]}`},
			{name: "put own provider again", method: "PUT", path: apps + "app1/", body: fmt.Sprintf(`{"name":"App One","slug":"app1","provider":%d}`, p1), status: 200,
				contains: []string{fmt.Sprintf(`"provider":%d`, p1), fmt.Sprintf(`"backchannel_providers":[%d]`, p2)}},
			{name: "patch slug to a taken one", method: "PATCH", path: apps + "app3/", body: `{"slug":"app1"}`, status: 400,
				exact: `{"slug":["Application with this slug already exists."]}`},
			{name: "used_by lists backchannel providers", method: "GET", path: apps + "app1/used_by/", status: 200,
				exact: fmt.Sprintf(`[{"app":"authentik_providers_rac","model_name":"racprovider","pk":"%d","name":"p2","action":"set_null"}]`, p2)},
			{name: "used_by unknown", method: "GET", path: apps + "nope/used_by/", status: 404, exact: `{"detail":"Not found."}`},
			{name: "method not allowed", method: "POST", path: apps + "app1/", body: `{}`, status: 405, exact: `{"detail":"Method \"POST\" not allowed."}`},
		})
	})
}

// TestApplicationBackchannelMoves pins authentik's behaviour: listing a provider as a
// backchannel provider takes it from the application that listed it before.
func TestApplicationBackchannelMoves(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newAppFixture(t, backend)
		e := f.e
		e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "B", "slug": "b", "backchannel_providers": []int64{f.p2, f.p3}})
		a1 := e.MustAdmin(200, "GET", "/api/v3/core/applications/app1/", nil)
		if got := a1["backchannel_providers"].([]any); len(got) != 0 {
			t.Fatalf("app1 still lists %v", got)
		}
		p2 := e.MustAdmin(200, "GET", fmt.Sprintf("/api/v3/providers/rac/%d/", f.p2), nil)
		if p2["assigned_backchannel_application_slug"] != "b" || p2["assigned_backchannel_application_name"] != "B" {
			t.Fatalf("p2 = %v", p2)
		}
		// Clearing the list releases both.
		e.MustAdmin(200, "PATCH", "/api/v3/core/applications/b/", map[string]any{"backchannel_providers": []int64{}})
		p3 := e.MustAdmin(200, "GET", fmt.Sprintf("/api/v3/providers/rac/%d/", f.p3), nil)
		if p3["assigned_backchannel_application_slug"] != "" {
			t.Fatalf("p3 = %v", p3)
		}
		// The update's event carries the diff of the list.
		evs, _, err := e.Store.Events().List(t.Context(), eventQuery("model_updated"))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`"diff":{"backchannel_providers":{"new_value":[],"previous_value":[%d,%d]}}`, f.p2, f.p3)
		if len(evs) == 0 || !strings.Contains(string(evs[0].ContextJSON), want) || !strings.Contains(string(evs[0].ContextJSON), `"model_name":"application"`) {
			t.Errorf("latest model_updated event lacks %s: %s", want, evs[0].ContextJSON)
		}
		created, _, err := e.Store.Events().List(t.Context(), eventQuery("model_created"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(created[0].ContextJSON), fmt.Sprintf(`"backchannel_providers":{"new_value":[%d,%d],"previous_value":null}`, f.p2, f.p3)) {
			t.Errorf("latest model_created event: %s", created[0].ContextJSON)
		}
	})
}

func TestApplicationListing(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newAppFixture(t, backend)
		e := f.e
		for _, a := range []map[string]any{
			{"name": "Zeta", "slug": "zeta", "group": "ops", "meta_publisher": "ACME", "meta_description": "remote desktops"},
			{"name": "Alpha", "slug": "alpha", "group": "dev", "meta_launch_url": "https://alpha.example.com"},
		} {
			e.MustAdmin(201, "POST", "/api/v3/core/applications/", a)
		}
		slugs := func(q string) string {
			m := e.MustAdmin(200, "GET", "/api/v3/core/applications/"+q, nil)
			var out []string
			for _, r := range m["results"].([]any) {
				out = append(out, r.(map[string]any)["slug"].(string))
			}
			return strings.Join(out, ",")
		}
		for q, want := range map[string]string{
			"":                     "alpha,app1,zeta", // name: Alpha, App One, Zeta
			"?ordering=-name":      "zeta,app1,alpha",
			"?ordering=group,slug": "app1,alpha,zeta", // "" < dev < ops
			"?ordering=bogus":      "alpha,app1,zeta",
			"?search=acme":         "zeta",
			"?search=DESKTOP":      "zeta",
			"?search=example.com":  "alpha",
			"?search=app+one":      "app1", "?search=zeta,alpha": "", // every term must match
			"?group=dev":           "alpha",
			"?slug=app1":           "app1",
			"?name=Zeta":           "zeta",
			"?name=zeta":           "",
			"?meta_publisher=ACME": "zeta",
			"?meta_launch_url=https://alpha.example.com": "alpha",
			"?superuser_full_list=true":                  "alpha,app1,zeta",
		} {
			if got := slugs(q); got != want {
				t.Errorf("%s: %q, want %q", q, got, want)
			}
		}
		var page struct {
			Pagination map[string]int `json:"pagination"`
		}
		r := e.Admin("GET", "/api/v3/core/applications/?page_size=2&page=2", nil)
		if err := json.Unmarshal(r.Body, &page); err != nil || page.Pagination["count"] != 3 || page.Pagination["previous"] != 1 {
			t.Errorf("page 2: %s", r.Body)
		}
	})
}

// TestProviderApplicationOrdering: providers order and filter by their application.
func TestProviderApplicationOrdering(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newAppFixture(t, backend)
		e := f.e
		e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "Alpha", "slug": "zz", "provider": f.p3})
		names := func(q string) string {
			m := e.MustAdmin(200, "GET", "/api/v3/providers/rac/"+q, nil)
			var out []string
			for _, r := range m["results"].([]any) {
				out = append(out, r.(map[string]any)["name"].(string))
			}
			return strings.Join(out, ",")
		}
		for q, want := range map[string]string{
			"?ordering=application__name":            "p3,p1,p2", // Alpha, App One, none (NULLs last)
			"?ordering=-application__name":           "p2,p1,p3",
			"?ordering=application__slug":            "p1,p3,p2", // app1, zz, none
			"?ordering=-application__slug,name":      "p2,p3,p1",
			"?application__isnull=true":              "p2",
			"?application__isnull=FALSE":             "p1,p3",
			"?application__isnull=0&search=p3":       "p3",
			"?application__isnull=maybe":             "p1,p2,p3", // not a boolean: no filter
			"?application__isnull=false&page_size=1": "p1",
		} {
			if got := names(q); got != want {
				t.Errorf("%s: %s, want %s", q, got, want)
			}
		}
	})
}

// TestApplicationDeletion: deleting an application keeps its providers and clears
// what they report; deleting its provider keeps the application with provider null.
func TestApplicationDeletion(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newAppFixture(t, backend)
		e := f.e
		e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "Other", "slug": "other", "provider": f.p3})
		e.MustAdmin(204, "DELETE", fmt.Sprintf("/api/v3/providers/rac/%d/", f.p3), nil)
		other := e.MustAdmin(200, "GET", "/api/v3/core/applications/other/", nil)
		if other["provider"] != nil || other["provider_obj"] != nil {
			t.Fatalf("after provider delete: %v", other)
		}
		e.MustAdmin(204, "DELETE", "/api/v3/core/applications/app1/", nil)
		for _, id := range []int64{f.p1, f.p2} {
			p := e.MustAdmin(200, "GET", fmt.Sprintf("/api/v3/providers/rac/%d/", id), nil)
			for _, k := range []string{"assigned_application_slug", "assigned_application_name", "assigned_backchannel_application_slug", "assigned_backchannel_application_name"} {
				if p[k] != "" {
					t.Errorf("provider %d: %s = %v", id, k, p[k])
				}
			}
		}
		e.MustAdmin(404, "GET", "/api/v3/core/applications/app1/", nil)
		evs, _, err := e.Store.Events().List(t.Context(), eventQuery("model_deleted"))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range evs {
			if strings.Contains(string(ev.ContextJSON), `"model_name":"application"`) && strings.Contains(string(ev.ContextJSON), `"name":"App One"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("no model_deleted event for app1")
		}
	})
}

// TestApplicationsHostileInput: bytes no stored text contains (NUL, invalid UTF-8) in
// filters, searches and path parameters never reach the database as they are: the
// answer is an empty list or a 404, never a 500.
func TestApplicationsHostileInput(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newAppFixture(t, backend)
		f.e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "o", "type": "rac", "providers": []int64{f.p1}, "config": map[string]any{}})
		empty := `"count":0,`
		runAppScenarios(t, f.e, []appScenario{
			{name: "search invalid utf-8", method: "GET", path: "/api/v3/core/applications/?search=%ff", status: 200, contains: []string{empty}},
			{name: "filter invalid utf-8", method: "GET", path: "/api/v3/core/applications/?name=%ff", status: 200, contains: []string{empty}},
			{name: "filter NUL", method: "GET", path: "/api/v3/core/applications/?group=%00", status: 200, contains: []string{empty}},
			{name: "filter last value wins", method: "GET", path: "/api/v3/core/applications/?slug=nope&slug=app1", status: 200, contains: []string{`"count":1,`}},
			{name: "slug NUL", method: "GET", path: "/api/v3/core/applications/%00/", status: 404, exact: `{"detail":"Not found."}`},
			{name: "slug invalid utf-8", method: "DELETE", path: "/api/v3/core/applications/%ff/", status: 404, exact: `{"detail":"Not found."}`},
			{name: "outpost filter NUL", method: "GET", path: "/api/v3/outposts/instances/?name__iexact=%00", status: 200, contains: []string{empty}},
			{name: "outpost icontains invalid utf-8", method: "GET", path: "/api/v3/outposts/instances/?name__icontains=%ff", status: 200, contains: []string{empty}},
			{name: "outpost managed invalid utf-8", method: "GET", path: "/api/v3/outposts/instances/?managed__iexact=%ff", status: 200, contains: []string{empty}},
			{name: "outpost search", method: "GET", path: "/api/v3/outposts/instances/?search=%ff%00", status: 200, contains: []string{empty}},
			{name: "outpost uuid NUL", method: "GET", path: "/api/v3/outposts/instances/%00/", status: 404, exact: `{"detail":"Not found."}`},
			{name: "provider name__iexact NUL", method: "GET", path: "/api/v3/providers/rac/?name__iexact=%00", status: 200, contains: []string{empty}},
			{name: "provider search invalid utf-8", method: "GET", path: "/api/v3/providers/rac/?search=%ff", status: 200, contains: []string{empty}},
			{name: "huge provider pk", method: "POST", path: "/api/v3/core/applications/", body: `{"name":"x","slug":"x","provider":1e400}`, status: 400,
				exact: `{"provider":["Incorrect type. Expected pk value, received float."]}`},
			{name: "negative provider pk", method: "POST", path: "/api/v3/core/applications/", body: `{"name":"x","slug":"x","provider":-3}`, status: 400,
				exact: `{"provider":["Invalid pk \"-3\" - object does not exist."]}`},
			{name: "NUL in name", method: "POST", path: "/api/v3/core/applications/", body: `{"name":"a\u0000b","slug":"x"}`, status: 400,
				exact: `{"name":["Null characters are not allowed."]}`},
		})
	})
}

// TestApplicationConcurrentClaims: many clients claiming the same provider (or the
// same outpost name) at once: exactly one wins, every other gets the validation
// message — never a 500 or a conflict.
func TestApplicationConcurrentClaims(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newAppFixture(t, backend)
		const n = 8
		type result struct {
			status int
			body   string
		}
		run := func(path string, body func(i int) string) []result {
			out := make([]result, n)
			done := make(chan int)
			for i := 0; i < n; i++ {
				go func(i int) {
					r := f.e.Admin("POST", path, body(i))
					out[i] = result{r.Status, string(r.Body)}
					done <- i
				}(i)
			}
			for i := 0; i < n; i++ {
				<-done
			}
			return out
		}
		check := func(what string, rs []result, loser string) {
			won := 0
			for _, r := range rs {
				switch {
				case r.status == 201:
					won++
				case r.status == 400 && r.body == loser:
				default:
					t.Errorf("%s: %d %s", what, r.status, r.body)
				}
			}
			if won != 1 {
				t.Errorf("%s: %d winners, want 1", what, won)
			}
		}
		check("provider", run("/api/v3/core/applications/", func(i int) string {
			return fmt.Sprintf(`{"name":"c%d","slug":"c%d","provider":%d}`, i, i, f.p3)
		}), `{"provider":["Application with this provider already exists."]}`)
		check("outpost name", run("/api/v3/outposts/instances/", func(i int) string {
			return fmt.Sprintf(`{"name":"same","type":"rac","providers":[%d],"config":{}}`, f.p1)
		}), `{"name":["Outpost with this name already exists."]}`)
	})
}
