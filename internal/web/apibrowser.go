package web

import (
	"net/http"
	"strconv"
)

// APIBrowserPath is where the API browser is served: exactly /api/v3/, as authentik
// serves its own; every path below it is the API.
const APIBrowserPath = "/api/v3/"

// apiBrowserPage is the browser's HTML shell; apibrowser.js builds the page from the
// schema. Nothing inline: the Content-Security-Policy allows this origin's files only.
const apiBrowserPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>racd API browser</title>
<link rel="stylesheet" href="` + AssetPrefix + `base.css">
<link rel="stylesheet" href="` + AssetPrefix + `apibrowser.css">
<script defer src="` + AssetPrefix + `apibrowser.js"></script>
</head>
<body>
<header class="top">
  <div>
    <h1 id="title">racd API</h1>
    <p class="muted" id="count">Loading the API description…</p>
  </div>
  <div>
    <label for="token">API token</label>
    <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="Bearer token (kept in this page only)">
    <p class="muted small" id="auth-mode"></p>
  </div>
</header>
<main>
  <label for="filter">Filter operations</label>
  <input id="filter" type="search" placeholder="e.g. providers/rac or PATCH" autocomplete="off">
  <div id="api"><p class="muted">Loading…</p></div>
  <noscript><p>The API browser needs JavaScript. The description itself is at <a href="/api/v3/schema/">/api/v3/schema/</a>.</p></noscript>
</main>
</body>
</html>
`

// APIBrowser serves the API browser's page: an interactive list of racd's operations
// from its OpenAPI document, which can send requests with a token or the signed-in
// session. It works offline: its script and styles are the embedded build output.
func APIBrowser() http.Handler {
	body := []byte(apiBrowserPage)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "+
			"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}
