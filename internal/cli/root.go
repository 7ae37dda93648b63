package cli

import (
	"net/http"
	"strings"

	"github.com/racd/racd/internal/web"
)

// rootHandler composes racd's HTTP surface: the API and health checks (/api/, /-/),
// the pages' built assets (/static/dist/), and the pages for people (everything else:
// /, sign-in, the library, sign-out, launch links), which answer unknown paths with a
// page in words.
func rootHandler(api, pages http.Handler) http.Handler {
	assets := web.AssetHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.HasPrefix(p, "/api/"), strings.HasPrefix(p, "/-/"):
			api.ServeHTTP(w, r)
		case strings.HasPrefix(p, web.AssetPrefix):
			assets.ServeHTTP(w, r)
		default:
			pages.ServeHTTP(w, r)
		}
	})
}
