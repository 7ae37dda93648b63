package web

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
)

// SessionPrefix is where session pages are served: /if/rac/<token>/.
const SessionPrefix = "/if/rac/"

// OpenFunc authorizes the browser of r for the connection token with secret (the
// first browser to open a token claims it, and may get cookies on w) and returns the
// page's title, the endpoint's name. An error with a HTTPStatus and a PageMessage is a
// refusal shown to the person; any other error is the server's.
type OpenFunc func(w http.ResponseWriter, r *http.Request, secret string) (title string, err error)

// refusal is what OpenFunc's refusals offer.
type refusal interface {
	HTTPStatus() int
	PageMessage() string
}

// pages are the session page and the refusal page, which share their head.
var pages = template.Must(template.New("").Parse(`{{define "head"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1{{if .Tunnel}}, viewport-fit=cover{{end}}">
<title>{{.Title}}</title>
<link rel="stylesheet" href="/static/dist/base.css">
<link rel="stylesheet" href="/static/dist/rac.css">
</head>
{{end}}{{define "session"}}{{template "head" .}}<body class="rac">
<main id="display" aria-label="Remote screen of {{.Title}}" tabindex="0"></main>
<nav id="toolbar" aria-label="Session">
  <span id="title">{{.Title}}</span>
  <button type="button" id="fullscreen" class="secondary" title="Fullscreen">Fullscreen</button>
  <button type="button" id="cad" class="secondary" title="Send Ctrl+Alt+Del">Ctrl+Alt+Del</button>
  <button type="button" id="disconnect" class="secondary" title="Disconnect">Disconnect</button>
</nav>
<div id="overlay" role="status" aria-live="polite">
  <div class="card">
    <p id="status">Connecting…</p>
    <p id="detail"></p>
    <button type="button" id="retry" hidden>Reconnect</button>
  </div>
</div>
<div id="prompt" hidden>
  <form id="credentials" class="card" role="dialog" aria-modal="true" aria-labelledby="prompt-title" aria-describedby="prompt-help" autocomplete="off" novalidate>
    <h1 id="prompt-title">Sign in to {{.Title}}</h1>
    <p id="prompt-help">The remote machine asks for these. They are sent to it and nowhere else, and nothing is saved.</p>
    <div id="prompt-fields"></div>
    <div class="actions">
      <button type="submit" id="prompt-submit">Connect</button>
      <button type="button" id="prompt-cancel" class="secondary">Cancel</button>
    </div>
  </form>
</div>
<noscript><p class="card">This page needs JavaScript to show the remote screen.</p></noscript>
<script src="/static/dist/rac.js" data-tunnel="{{.Tunnel}}"></script>
</body>
</html>
{{end}}{{define "refusal"}}{{template "head" .}}<body class="refusal">
<main class="card">
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
</main>
</body>
</html>
{{end}}`))

// SessionPage serves /if/rac/<token>/: the page that shows a remote session. It is
// embedded and needs nothing from outside racd; the page's script connects to
// /ws/rac/<token>/ with the window's size. The token is the URL's secret: the page
// sends no referrer and is never cached.
func SessionPage(open OpenFunc, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "+
			"connect-src 'self'; media-src 'self' blob:; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			page(w, http.StatusMethodNotAllowed, "refusal", "Not allowed", "This page can only be opened.")
			return
		}
		secret, ok := strings.CutPrefix(r.URL.Path, SessionPrefix)
		secret, slash := strings.CutSuffix(secret, "/")
		if !ok || !slash || !validSecret(secret) {
			page(w, http.StatusNotFound, "refusal", "Connection not found", "This connection link is not valid.")
			return
		}
		title, err := open(w, r, secret)
		if err != nil {
			var rf refusal
			if errors.As(err, &rf) {
				page(w, rf.HTTPStatus(), "refusal", "Cannot open this connection", rf.PageMessage())
				return
			}
			log.Error("opening a session page failed", "err", err)
			page(w, http.StatusServiceUnavailable, "refusal", "Try again", "The server could not open this connection right now; reload the page in a moment.")
			return
		}
		page(w, http.StatusOK, "session", title, "", "/ws/rac/"+secret+"/")
	})
}

// validSecret accepts what a connection token's secret can be (letters and digits).
func validSecret(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func page(w http.ResponseWriter, status int, name, title, message string, tunnel ...string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	data := map[string]string{"Title": title, "Message": message}
	if len(tunnel) > 0 {
		data["Tunnel"] = tunnel[0]
	}
	_ = pages.ExecuteTemplate(w, name, data)
}
