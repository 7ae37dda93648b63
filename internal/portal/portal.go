// Package portal is racd's pages for people: sign-in (/if/flow/<slug>/, where
// authentik serves its authentication flow), the user's library of remote machines
// (/if/user/), sign-out, and the launch links of RAC endpoints
// (/application/rac/<app>/<endpoint>/). It renders HTML on the server with
// html/template; the shared stylesheet and the pages' styles come from racd's web/
// build, embedded in the binary (package web). Every answer to a person is a page in
// words, never JSON or a stack trace.
package portal

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/websession"
)

//go:embed templates/*.html
var templateFiles embed.FS

// DefaultAuthenticationFlow is the slug of the sign-in page unless configured, as in
// authentik.
const DefaultAuthenticationFlow = "default-authentication-flow"

// Paths of the pages.
const (
	LibraryPath = "/if/user/"
	FlowPrefix  = "/if/flow/"
	// SignOutPath is authentik's path of the default invalidation (sign-out) flow.
	SignOutPath  = "/flows/-/default/invalidation/"
	LaunchPrefix = "/application/rac/"
)

// Config wires a Handler.
type Config struct {
	Store    racd.Store
	Sessions *websession.Manager
	Keys     *keys.Keyring
	// Verifier checks passwords at the same cost whether or not the account exists.
	Verifier *password.Verifier
	// AuthenticationFlow is the slug of the sign-in page (default
	// default-authentication-flow). Other flows with designation authentication serve
	// the same page.
	AuthenticationFlow string
	Logger             *slog.Logger
	Now                func() time.Time
}

// Handler serves the pages.
type Handler struct {
	store    racd.Store
	sessions *websession.Manager
	keys     *keys.Keyring
	verifier *password.Verifier
	flow     string
	log      *slog.Logger
	now      func() time.Time
	pages    map[string]*template.Template
}

// New returns the pages' handler.
func New(cfg Config) *Handler {
	h := &Handler{store: cfg.Store, sessions: cfg.Sessions, keys: cfg.Keys, verifier: cfg.Verifier,
		flow: cfg.AuthenticationFlow, log: cfg.Logger, now: cfg.Now, pages: map[string]*template.Template{}}
	if h.flow == "" {
		h.flow = DefaultAuthenticationFlow
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	for _, name := range []string{"signin", "library", "message", "signout", "confirm"} {
		h.pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	return h
}

var funcs = template.FuncMap{"upper": strings.ToUpper}

// SignInPath is where a signed-out visitor signs in.
func (h *Handler) SignInPath() string { return FlowPrefix + h.flow + "/" }

// Owns reports whether r is for one of the pages: /, /if/flow/…, /if/user/, the
// sign-out path and launch links. The root handler sends those here.
func (h *Handler) Owns(r *http.Request) bool {
	p := r.URL.Path
	return p == "/" || p == LibraryPath || p == SignOutPath || strings.HasPrefix(p, FlowPrefix) || strings.HasPrefix(p, LaunchPrefix)
}

// ServeHTTP routes a page request. Paths it does not know get a 404 page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var err error
	switch {
	case p == "/":
		err = h.root(w, r)
	case strings.HasPrefix(p, FlowPrefix):
		err = h.flowPage(w, r, strings.TrimPrefix(p, FlowPrefix))
	case p == LibraryPath:
		err = h.library(w, r)
	case p == SignOutPath:
		err = h.signOut(w, r)
	case strings.HasPrefix(p, LaunchPrefix):
		err = h.launch(w, r, strings.TrimPrefix(p, LaunchPrefix))
	default:
		err = errPage(http.StatusNotFound, "Not found", "There is no page at this address.")
	}
	if err != nil {
		h.fail(w, r, err)
	}
}

// root sends a signed-in visitor to the library and anyone else to sign-in.
func (h *Handler) root(w http.ResponseWriter, r *http.Request) error {
	s, err := h.session(r, http.MethodGet)
	if err != nil {
		return err
	}
	if s != nil {
		return redirect(w, r, LibraryPath)
	}
	return redirect(w, r, h.SignInPath())
}

// session answers a request by one of methods (others are refused) with its browser
// session, nil when signed out.
func (h *Handler) session(r *http.Request, methods ...string) (*racd.BrowserSession, error) {
	if err := allow(r, methods...); err != nil {
		return nil, err
	}
	return h.sessions.Lookup(r.Context(), r)
}

// layout is the page layout's data for a signed-in session.
func (h *Handler) layout(s *racd.BrowserSession, title string) pageData {
	return pageData{User: displayName(&s.User), CSRF: h.sessions.CSRFToken(s), PageTitle: title}
}

// postedForm reads a posted form (bounded) and reports whether it carries the
// session's CSRF token.
func (h *Handler) postedForm(w http.ResponseWriter, r *http.Request, s *racd.BrowserSession) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	return r.ParseForm() == nil && h.sessions.ValidCSRF(s, r.PostForm.Get(websession.CSRFField))
}

// pageError is a refusal shown as a page.
type pageError struct {
	status  int
	title   string
	message string
	header  http.Header
}

func (e *pageError) Error() string { return e.title + ": " + e.message }

func errPage(status int, title, message string) *pageError {
	return &pageError{status: status, title: title, message: message}
}

// allow refuses methods other than those listed with a 405 page.
func allow(r *http.Request, methods ...string) error {
	for _, m := range methods {
		if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
			return nil
		}
	}
	e := errPage(http.StatusMethodNotAllowed, "Not allowed", "This page cannot be used that way.")
	e.header = http.Header{"Allow": {strings.Join(methods, ", ")}}
	return e
}

// fail shows err as a page: a pageError as it says, anything else as a 500 (or 503 when
// the database is unavailable) whose details go to the log only.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		if errors.Is(err, racd.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
			pe = errPage(http.StatusServiceUnavailable, "Temporarily unavailable", "racd cannot reach its database right now. Try again in a moment.")
			w.Header().Set("Retry-After", "1")
		} else {
			h.log.Error("page failed", "path", r.URL.Path, "err", err)
			pe = errPage(http.StatusInternalServerError, "Something went wrong", "racd could not show this page. Try again; if it keeps happening, tell your administrator.")
		}
	}
	for k, v := range pe.header {
		w.Header()[k] = v
	}
	h.render(w, r, pe.status, "message", &messageData{Title: pe.title, Message: pe.message})
}

// messageData is a page that says one thing.
type messageData struct {
	pageData
	Title   string
	Message string
	// Link, when set, is offered below the message.
	Link, LinkText string
}

// pageData is what every page's layout needs.
type pageData struct {
	// User is the signed-in user's name for the header, "" when signed out.
	User string
	// CSRF is the token the page's forms carry.
	CSRF string
	// Hint is shown under the title (the page's heading).
	PageTitle string
}

// withLayout lets render fill in the layout's fields of any page's data.
type withLayout interface{ layout() *pageData }

func (p *pageData) layout() *pageData { return p }

// render writes a page with racd's security headers: no caching (pages show who is
// signed in), no framing, scripts and styles from racd only.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data withLayout) {
	var buf bytes.Buffer
	if err := h.pages[name].Execute(&buf, data); err != nil {
		h.log.Error("rendering a page failed", "page", name, "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!doctype html><title>Error</title><p>racd could not show this page.</p>")
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// redirect answers 303 See Other to a path of this site.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
