package cli

import (
	"net/http"
	"strings"
)

// route sends requests whose path starts with prefix to handler.
type route struct {
	prefix  string
	handler http.Handler
}

// rootHandler is racd's whole HTTP surface: the first route whose prefix the path
// starts with serves it, and the API (authentik's /api/v3/…, /-/health/…, and its
// 404s for anything else) serves the rest. Paths are matched as sent, without
// cleaning, so every handler sees what the client asked for.
//
// The table today:
//
//	/static/dist/  built page assets (web.AssetHandler)
//	/if/rac/       session pages (web.SessionPage)
//	/ws/rac/       session WebSockets (gateway)
//	(else)         the API (httpapi)
func rootHandler(api http.Handler, routes ...route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rt := range routes {
			if strings.HasPrefix(r.URL.Path, rt.prefix) {
				rt.handler.ServeHTTP(w, r)
				return
			}
		}
		api.ServeHTTP(w, r)
	})
}
