package portal

import (
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/websession"
)

// Messages of the sign-in page. One message covers an unknown user, a wrong password
// and an inactive user, so the page tells nobody which accounts exist.
const (
	msgSignInFailed = "Incorrect username or password."
	msgMissing      = "Enter your username and your password."
	msgTooLong      = "The username or password is too long."
	msgFormExpired  = "This sign-in form has expired. Reload the page and try again."
)

// Throttling of failed sign-ins, per account name and per client address, shared by
// the replicas through the database. The first failures are free; after that each
// failure doubles the wait before the next try (1 s, 2 s, 4 s … at most 15 minutes).
// An address gets more free failures than an account, since many people may share it.
const (
	accountFreeFailures = 5
	addressFreeFailures = 20
	maxBackoff          = 15 * time.Minute
	// failureWindow: failures this much older than the last one are forgotten.
	failureWindow = time.Hour
	maxFormBytes  = 16 << 10
)

// backoff returns the wait after the n-th failure under a key with free failures.
func backoff(free int) func(n int) time.Duration {
	return func(n int) time.Duration {
		if n < free {
			return 0
		}
		exp := n - free
		if exp > 20 {
			return maxBackoff
		}
		return min(time.Duration(math.Pow(2, float64(exp)))*time.Second, maxBackoff)
	}
}

// signInData is the sign-in page.
type signInData struct {
	pageData
	Action   string
	Next     string
	Username string
	Error    string
}

// flowPage serves /if/flow/<slug>/: the sign-in page for the configured slug and for
// any flow with designation authentication.
func (h *Handler) flowPage(w http.ResponseWriter, r *http.Request, rest string) error {
	slug, tail, _ := strings.Cut(rest, "/")
	if slug == "" || tail != "" || !strings.HasSuffix(rest, "/") {
		return errPage(http.StatusNotFound, "Not found", "There is no page at this address.")
	}
	title := "Sign in"
	if f, err := h.store.Flows().Get(r.Context(), slug); err == nil && f.Designation == "authentication" {
		if f.Title != "" {
			title = f.Title
		}
	} else if slug != h.flow {
		if err != nil && !errors.Is(err, racd.ErrNotFound) {
			return err
		}
		return errPage(http.StatusNotFound, "Not found", "There is no sign-in page at this address.")
	}
	if err := allow(r, http.MethodGet, http.MethodPost); err != nil {
		return err
	}
	next := safeNext(r.URL.Query().Get("next"))
	if r.Method == http.MethodPost {
		return h.signIn(w, r, title)
	}
	s, err := h.sessions.Lookup(r.Context(), r)
	if err != nil {
		return err
	}
	if s != nil {
		return redirect(w, r, next)
	}
	return h.showSignIn(w, r, http.StatusOK, title, next, "", "")
}

func (h *Handler) showSignIn(w http.ResponseWriter, r *http.Request, status int, title, next, username, msg string) error {
	token, err := h.sessions.FormToken(w, r)
	if err != nil {
		return err
	}
	d := &signInData{pageData: pageData{CSRF: token, PageTitle: title}, Action: r.URL.Path, Next: next, Username: username, Error: msg}
	h.render(w, r, status, "signin", d)
	return nil
}

// signIn checks a submitted username (or email) and password. Every failure costs one
// Argon2id verification, whether or not the account exists, and answers the same.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, title string) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return errPage(http.StatusBadRequest, "Sign-in failed", "The sign-in form could not be read. Reload the page and try again.")
	}
	next := safeNext(r.PostForm.Get("next"))
	login := strings.TrimSpace(r.PostForm.Get("username"))
	pw := r.PostForm.Get("password")
	if !websession.ValidFormToken(r, r.PostForm.Get(websession.CSRFField)) {
		return h.showSignIn(w, r, http.StatusForbidden, title, next, login, msgFormExpired)
	}
	switch {
	case login == "" || pw == "":
		return h.showSignIn(w, r, http.StatusBadRequest, title, next, login, msgMissing)
	case len(login) > racd.MaxLoginLength || len(pw) > racd.MaxPasswordLength || !utf8.ValidString(login):
		return h.showSignIn(w, r, http.StatusBadRequest, title, next, "", msgTooLong)
	}
	ctx := r.Context()
	ip := h.sessions.Proxies().ClientIP(r)
	keys := []string{h.throttleKey("account", strings.ToLower(login)), h.throttleKey("address", ip)}
	states, err := h.store.Throttle(ctx, keys)
	if err != nil {
		return err
	}
	now := h.now()
	var wait time.Duration
	for _, st := range states {
		wait = max(wait, st.BlockedUntil.Sub(now))
	}
	if wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return h.showSignIn(w, r, http.StatusTooManyRequests, title, next, login,
			"Too many failed sign-in attempts. Wait "+strconv.Itoa(secs)+" "+plural(secs, "second")+" and try again.")
	}
	u, hash, err := h.store.PasswordLogin(ctx, login)
	if err != nil && !errors.Is(err, racd.ErrNotFound) {
		return err
	}
	if u == nil {
		hash = ""
	}
	ok := h.verifier.Check(hash, pw)
	a := audit(r, h.sessions)
	if !ok || !u.IsActive {
		if err := h.store.RecordFailure(ctx, keys[:1], now, failureWindow, backoff(accountFreeFailures)); err != nil {
			return err
		}
		if err := h.store.RecordFailure(ctx, keys[1:], now, failureWindow, backoff(addressFreeFailures)); err != nil {
			return err
		}
		ev := &racd.Event{Action: racd.EventLoginFailed, Request: a.Request, ClientIP: a.Request.ClientIP,
			Extra: map[string]any{"credentials": map[string]any{"username": login}}}
		if err := h.store.Events().Record(ctx, ev); err != nil {
			return err
		}
		return h.showSignIn(w, r, http.StatusOK, title, next, login, msgSignInFailed)
	}
	if password.NeedsRehash(hash, h.verifier.Params()) {
		if nh, err := password.Hash(pw, h.verifier.Params()); err == nil {
			if err := h.store.RehashPassword(ctx, u.ID, hash, nh); err != nil {
				h.log.Warn("storing a stronger password hash failed", "user", u.Username, "err", err)
			}
		}
	}
	if err := h.store.ClearFailures(ctx, keys[0]); err != nil {
		return err
	}
	a.User = u.Actor()
	if _, err := h.sessions.Start(ctx, w, r, u, a); err != nil {
		return err
	}
	return redirect(w, r, next)
}

// throttleKey is the stored key of a throttling subject: a keyed hash, so the table
// holds no account names or addresses (a mistyped password in the username field
// included).
func (h *Handler) throttleKey(kind, subject string) string {
	return kind + ":" + hex.EncodeToString(h.keys.Hash("throttle:"+kind+":"+subject))
}

// signOutData is the sign-out confirmation page.
type signOutData struct{ pageData }

// signOut ends the browser's session: POST (from the library's button or the
// confirmation page) signs out; GET, where authentik's sign-out link points, asks
// first, so a link on another site cannot sign anyone out.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) error {
	s, err := h.session(r, http.MethodGet, http.MethodPost)
	if err != nil {
		return err
	}
	if s == nil {
		h.sessions.ClearCookies(w, r)
		return redirect(w, r, h.SignInPath())
	}
	if r.Method == http.MethodGet {
		h.render(w, r, http.StatusOK, "signout", &signOutData{h.layout(s, "Sign out")})
		return nil
	}
	if !h.postedForm(w, r, s) {
		return errPage(http.StatusForbidden, "Not signed out", "This sign-out form has expired. Go back, reload the page and try again.")
	}
	a := audit(r, h.sessions)
	a.User = s.User.Actor()
	if err := h.sessions.End(r.Context(), w, r, s, a); err != nil {
		return err
	}
	return redirect(w, r, h.SignInPath())
}

// audit describes a page request for the events it records.
func audit(r *http.Request, m *websession.Manager) racd.Audit {
	return racd.Audit{Request: racd.RequestInfo{Method: r.Method, Path: r.URL.Path, UserAgent: strings.ToValidUTF8(r.UserAgent(), ""),
		ClientIP: m.Proxies().ClientIP(r), RequestID: r.Header.Get("X-Request-Id")}}
}

// safeNext returns where to send the browser after sign-in: next when it is a path of
// this site, else the library. Anything that a browser could read as another site is
// refused: a scheme or host, "//" or "/\" at the start (also percent-encoded), any
// backslash, dot segments, and control characters (which browsers strip, turning
// "/\t/x" into "//x").
func safeNext(next string) string {
	const def = LibraryPath
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.ContainsAny(next, "\\") {
		return def
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return def
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return def
	}
	dec, err := url.PathUnescape(u.EscapedPath())
	if err != nil || strings.HasPrefix(dec, "//") || strings.ContainsAny(dec, "\\") {
		return def
	}
	for _, seg := range strings.Split(dec, "/") {
		if seg == "." || seg == ".." {
			return def // a browser resolves dot segments; no page of racd needs them
		}
	}
	for _, c := range dec {
		if c < 0x20 || c == 0x7f {
			return def
		}
	}
	return next
}

// SignInURL is the sign-in page that returns to next afterwards.
func (h *Handler) SignInURL(next string) string {
	return h.SignInPath() + "?next=" + url.QueryEscape(safeNext(next))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func displayName(u *racd.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Username
}
