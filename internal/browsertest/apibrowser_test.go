package browsertest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/web"
)

// apiWithBrowser serves e's API with the API browser's page and assets in front, as
// racd's root handler composes them.
func apiWithBrowser(e *apitest.Env) http.Handler {
	page, assets := web.APIBrowser(), web.AssetHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == web.APIBrowserPath && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			page.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, web.AssetPrefix):
			assets.ServeHTTP(w, r)
		default:
			e.API.ServeHTTP(w, r)
		}
	})
}

// TestAPIBrowser opens /api/v3/ in Chromium: the RAC provider operations are listed
// under their tag with their parameters and body; a list runs with a token typed into
// the page and shows racd's answer; a create sends the body edited in the page; without
// a token the answer is racd's refusal.
func TestAPIBrowser(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testAPIBrowser(t, backend) })
	}
}

func testAPIBrowser(t *testing.T, backend string) {
	e := apitest.New(t, backend)
	e.Server.Config.Handler = apiWithBrowser(e)
	flow := e.Flow("browser-authz", "authorization")
	e.Provider(map[string]any{"name": "Seen in the browser", "authorization_flow": flow})

	ctx := newTab(t, 60*time.Second)
	do(t, ctx, "opening the API browser",
		chromedp.Navigate(e.URL+"/api/v3/"),
		chromedp.WaitVisible(chromedp.CSS(`section[data-tag="providers"] details[data-operation="providers_rac_list"]`)))
	title := get(t, ctx, chromedp.Text(chromedp.ID("title")))
	count := get(t, ctx, chromedp.Text(chromedp.ID("count")))
	providerOps := get(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('section[data-tag="providers"] details.operation')).map(d => d.dataset.operation)`))
	elsewhere := get(t, ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('section:not([data-tag="providers"]) code.path')).filter(c => c.textContent.startsWith('/api/v3/providers/')).length`))
	if title != "racd 2024.6" || !strings.Contains(count, "operations in") {
		t.Fatalf("header: %q %q", title, count)
	}
	want := []string{"providers_rac_list", "providers_rac_create", "providers_rac_retrieve", "providers_rac_update",
		"providers_rac_partial_update", "providers_rac_destroy", "providers_rac_used_by_list"}
	if !slices.Equal(providerOps, want) || elsewhere != 0 {
		t.Fatalf("providers group lists %v (and %d provider paths elsewhere), want %v", providerOps, elsewhere, want)
	}

	// The list: open it, see its parameters, type the token, filter by search, send.
	const list = `details[data-operation="providers_rac_list"]`
	do(t, ctx, "running the list",
		chromedp.Click(chromedp.CSS(list+` summary`)),
		chromedp.WaitVisible(chromedp.CSS(list+` button.send`)),
		chromedp.SendKeys(chromedp.ID("token"), apitest.AdminToken),
		chromedp.SendKeys(chromedp.CSS(list+` input[name="param-query-search"]`), "browser"),
		chromedp.Click(chromedp.CSS(list+` button.send`)),
		chromedp.WaitVisible(chromedp.CSS(list+` .answer .status`)))
	params := get(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('`+list+` table.params label')).map(l => l.textContent)`))
	listStatus := get(t, ctx, chromedp.AttributeValue(chromedp.CSS(list+` .answer .status`), "data-status")).Value
	listed := get(t, ctx, chromedp.Text(chromedp.CSS(list+` .answer pre.response`)))
	for _, p := range []string{"search", "ordering", "page", "page_size"} {
		if !slices.Contains(params, p) {
			t.Errorf("list parameters %v lack %s", params, p)
		}
	}
	if listStatus != "200" || !strings.Contains(listed, `"name": "Seen in the browser"`) || !strings.Contains(listed, `"count": 1`) {
		t.Fatalf("list answered %s:\n%s", listStatus, listed)
	}
	shot := screenshot(t, ctx, "apibrowser-list-"+backend)
	do(t, ctx, "scrolling to the top", chromedp.ScrollIntoView(chromedp.ID("title")))
	screenshotView(t, ctx, "apibrowser-top-"+backend)

	// A create: the body editor starts from the schema; replace it and send.
	const create = `details[data-operation="providers_rac_create"]`
	do(t, ctx, "opening the create", chromedp.Click(chromedp.CSS(create+` summary`)), chromedp.WaitVisible(chromedp.CSS(create+` textarea`)))
	skeleton := get(t, ctx, chromedp.Value(chromedp.CSS(create+` textarea`)))
	do(t, ctx, "running the create",
		chromedp.SetValue(chromedp.CSS(create+` textarea`), `{"name":"Made in the browser","authorization_flow":"`+flow+`"}`),
		chromedp.Click(chromedp.CSS(create+` button.send`)),
		chromedp.WaitVisible(chromedp.CSS(create+` .answer .status`)))
	createStatus := get(t, ctx, chromedp.AttributeValue(chromedp.CSS(create+` .answer .status`), "data-status")).Value
	created := get(t, ctx, chromedp.Text(chromedp.CSS(create+` .answer pre.response`)))
	if !strings.Contains(skeleton, `"authorization_flow"`) || strings.Contains(skeleton, `"pk"`) {
		t.Errorf("body skeleton %s: want the writable fields of RACProviderRequest", skeleton)
	}
	if createStatus != "201" || !strings.Contains(created, `"name": "Made in the browser"`) {
		t.Fatalf("create answered %s:\n%s", createStatus, created)
	}
	if got := e.MustAdmin(200, "GET", "/api/v3/providers/rac/?search=Made", nil); got["pagination"].(map[string]any)["count"].(float64) != 1 {
		t.Fatalf("the browser's create is not in the database: %v", got)
	}

	// Without the token, the request goes with the session (none here): racd refuses.
	// (Clearing an input by keystrokes is flaky in headless Chromium: set it as a
	// person's edit would end, with the input event the page listens to.)
	if v := get(t, ctx, chromedp.Evaluate[string](`(() => { const i = document.getElementById("token"); i.value = ""; i.dispatchEvent(new Event("input")); return i.value + "|" + document.getElementById("auth-mode").textContent })()`)); !strings.HasPrefix(v, "|No token") {
		t.Fatalf("clearing the token: %q", v)
	}
	do(t, ctx, "running without a token",
		chromedp.Click(chromedp.CSS(list+` button.send`)),
		chromedp.WaitVisible(chromedp.CSS(list+` .answer .status[data-status="403"]`)))
	refusal := get(t, ctx, chromedp.Text(chromedp.CSS(list+` .answer pre.response`)))
	if !strings.Contains(refusal, "Authentication credentials were not provided.") {
		t.Fatalf("without a token: %s", refusal)
	}
	t.Logf("%s; providers group %v; list 200 with the token, create 201, 403 without; screenshot %s", count, providerOps, shot)
}
