package cli

import (
	"net/http"
	"strings"

	"github.com/racd/racd/internal/portal"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/web"
)

// part is one line of the root handler's table: requests it matches go to handler.
type part struct {
	what    string
	matches func(r *http.Request) bool
	handler http.Handler
}

// prefix matches the requests whose path starts with p.
func prefix(p string) func(r *http.Request) bool {
	return func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, p) }
}

// rootHandler composes what racd serves on its listener. The first part that matches
// a request serves it; the API takes everything else (including /-/health/). Paths are
// compared as sent, never cleaned or redirected, so the API answers every path of its
// own namespace exactly as before. sessions serves the session pages, gateway their
// WebSockets; either may be nil (no gateway). pages are the pages for people.
func rootHandler(api, sessions, gateway http.Handler, pages *portal.Handler) http.Handler {
	parts := []part{
		{"API browser (exactly /api/v3/, GET and HEAD)", func(r *http.Request) bool {
			return r.URL.Path == web.APIBrowserPath && (r.Method == http.MethodGet || r.Method == http.MethodHead)
		}, web.APIBrowser()},
		{"pages' built assets", prefix(web.AssetPrefix), web.AssetHandler()},
		{"session pages (/if/rac/<token>/)", prefix(racd.SessionPagePrefix), sessions},
		{"session WebSockets (/ws/rac/<token>/)", prefix(racd.SessionWebSocketPrefix), gateway},
		{"pages for people (/, sign-in, library, sign-out, launch links)", pages.Owns, pages},
		{"API", func(*http.Request) bool { return true }, api},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range parts {
			if p.handler != nil && p.matches(r) {
				p.handler.ServeHTTP(w, r)
				return
			}
		}
	})
}
