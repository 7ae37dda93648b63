// Package websession is racd's browser sessions: the one place that turns a browser's
// session cookie into a signed-in user, for the API and the pages alike.
//
// A browser that signs in gets a random session id in the cookie authentik_session
// (HttpOnly, SameSite=Lax, Secure over HTTPS); racd stores only the id's keyed hash, in
// the database, so every replica knows every session and a leaked database holds no
// usable cookie. A session ends when it has been idle for IdleTimeout or, whatever the
// activity, MaxAge after sign-in.
//
// Requests authenticated by the cookie are protected against cross-site request
// forgery as authentik's are: unsafe requests must carry the CSRF token in the header
// X-authentik-CSRF (the API) or a form field (the pages). The token is the keyed hash
// of the session's UUID, handed to the page in the cookie authentik_csrf, so it cannot
// be guessed by another site and a cookie planted by a sibling domain matches no
// session.
package websession

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/racd/racd/internal/authz"
	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/realip"
)

// Cookie and header names, as authentik names them.
const (
	CookieName     = "authentik_session"
	CSRFCookieName = "authentik_csrf"
	CSRFHeader     = "X-authentik-CSRF"
	// CSRFField is the form field the pages' forms carry the token in.
	CSRFField = "csrfmiddlewaretoken"
)

// Defaults of Config.
const (
	DefaultIdleTimeout = 8 * time.Hour
	DefaultMaxAge      = 24 * time.Hour
	// touchEvery is how often a session's last use is written: the idle timeout is
	// measured to within this.
	touchEvery = time.Minute
	// maxUserAgent bounds the user agent kept with a session.
	maxUserAgent = 512
)

// Config wires a Manager.
type Config struct {
	Store   racd.Store
	Keys    *keys.Keyring
	Proxies *realip.Proxies
	// IdleTimeout ends a session not used for this long; MaxAge ends it this long
	// after sign-in, whatever the activity.
	IdleTimeout time.Duration
	MaxAge      time.Duration
	Now         func() time.Time
	Logger      *slog.Logger
}

// Manager starts, finds and ends browser sessions.
type Manager struct {
	store   racd.Store
	keys    *keys.Keyring
	proxies *realip.Proxies
	idle    time.Duration
	maxAge  time.Duration
	now     func() time.Time
	log     *slog.Logger
}

// New returns a Manager.
func New(cfg Config) *Manager {
	m := &Manager{store: cfg.Store, keys: cfg.Keys, proxies: cfg.Proxies, idle: cfg.IdleTimeout, maxAge: cfg.MaxAge, now: cfg.Now, log: cfg.Logger}
	if m.idle <= 0 {
		m.idle = DefaultIdleTimeout
	}
	if m.maxAge <= 0 {
		m.maxAge = DefaultMaxAge
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	return m
}

// IdleTimeout returns how long an unused session lives.
func (m *Manager) IdleTimeout() time.Duration { return m.idle }

// Proxies returns the trusted proxies the manager decides Secure cookies and client
// addresses with.
func (m *Manager) Proxies() *realip.Proxies { return m.proxies }

// idHash is the stored form of a session id.
func (m *Manager) idHash(id string) []byte { return m.keys.Hash("session:" + id) }

// Start signs u in: it stores a new session for the browser of r, sets its cookies on
// w and records login (from a).
func (m *Manager) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, u *racd.User, a racd.Audit) (*racd.BrowserSession, error) {
	id, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := m.now().UTC().Truncate(time.Microsecond)
	s := &racd.BrowserSession{User: *u, Created: now, LastUsed: now, Expires: now.Add(m.maxAge),
		LastIP: m.proxies.ClientIP(r), LastUserAgent: truncate(r.UserAgent(), maxUserAgent)}
	if err := m.store.CreateBrowserSession(ctx, s, m.idHash(id), a); err != nil {
		return nil, err
	}
	m.setCookie(w, r, CookieName, id, true)
	m.setCookie(w, r, CSRFCookieName, m.CSRFToken(s), false)
	return s, nil
}

// Lookup returns the live session the browser of r holds, or nil: no cookie, an
// unknown or ended session, or an inactive user. It records the use (at most once a
// minute), which keeps the session from going idle.
func (m *Manager) Lookup(ctx context.Context, r *http.Request) (*racd.BrowserSession, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return nil, nil
	}
	s, err := m.store.BrowserSessionByHash(ctx, m.idHash(c.Value))
	if errors.Is(err, racd.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := m.now()
	if !s.User.IsActive || !now.Before(s.End(m.idle)) {
		return nil, nil
	}
	if now.Sub(s.LastUsed) >= touchEvery {
		ip, ua := m.proxies.ClientIP(r), truncate(r.UserAgent(), maxUserAgent)
		if err := m.store.TouchBrowserSession(ctx, s.UUID, now.UTC(), ip, ua); err != nil {
			// The request goes on; the session only looks idle a little earlier.
			m.log.Warn("recording a browser session's use failed", "err", err)
		} else {
			s.LastUsed, s.LastIP, s.LastUserAgent = now.UTC(), ip, ua
		}
	}
	return s, nil
}

// Principal returns the caller a session stands for: its user with the user's grants.
func (m *Manager) Principal(ctx context.Context, s *racd.BrowserSession) (*authz.Principal, error) {
	var grants []racd.Grant
	if !s.User.IsSuperuser {
		var err error
		if grants, err = m.store.UserGrants(ctx, s.User.ID); err != nil {
			return nil, err
		}
	}
	return authz.NewPrincipal(s.User, grants), nil
}

// End signs the browser of r out of s: the session and its connection tokens are
// deleted (the gateway then ends their live connections on every replica), logout is
// recorded and the cookies are cleared. A session gone already only clears them.
func (m *Manager) End(ctx context.Context, w http.ResponseWriter, r *http.Request, s *racd.BrowserSession, a racd.Audit) error {
	err := m.store.EndBrowserSession(ctx, s.UUID, racd.EventLogout, a)
	if err != nil && !errors.Is(err, racd.ErrNotFound) {
		return err
	}
	m.ClearCookies(w, r)
	return nil
}

// ClearCookies removes the session cookies from the browser of r.
func (m *Manager) ClearCookies(w http.ResponseWriter, r *http.Request) {
	for _, name := range []string{CookieName, CSRFCookieName} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: name == CookieName,
			Secure: m.proxies.Secure(r), SameSite: http.SameSiteLaxMode})
	}
}

// CSRFToken is the token unsafe requests of session s must carry.
func (m *Manager) CSRFToken(s *racd.BrowserSession) string {
	return base64.RawURLEncoding.EncodeToString(m.keys.Hash("csrf:" + s.UUID))
}

// ValidCSRF reports whether token is the CSRF token of s, comparing in constant time.
func (m *Manager) ValidCSRF(s *racd.BrowserSession, token string) bool {
	return token != "" && hmac.Equal([]byte(token), []byte(m.CSRFToken(s)))
}

// FormToken returns the CSRF token a signed-out page's form carries (sign-in): the
// browser's authentik_csrf cookie, set to a new random value when it has none. It
// protects the form against login CSRF (a site signing the visitor in as someone else).
func (m *Manager) FormToken(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(CSRFCookieName); err == nil && len(c.Value) == 43 {
		return c.Value, nil
	}
	v, err := randomToken()
	if err != nil {
		return "", err
	}
	m.setCookie(w, r, CSRFCookieName, v, false)
	return v, nil
}

// ValidFormToken reports whether token matches the browser's authentik_csrf cookie.
func ValidFormToken(r *http.Request, token string) bool {
	c, err := r.Cookie(CSRFCookieName)
	return err == nil && token != "" && c.Value != "" && hmac.Equal([]byte(c.Value), []byte(token))
}

// setCookie sets a cookie for the whole site: Secure when the browser reached racd
// over HTTPS (directly or through a trusted proxy that says so), SameSite=Lax (sent on
// top-level navigation from elsewhere, so launch links work, never on cross-site
// subrequests). The session cookie is HttpOnly; the CSRF cookie is read by pages.
// Neither has an expiry: the browser forgets them when it closes.
func (m *Manager) setCookie(w http.ResponseWriter, r *http.Request, name, value string, httpOnly bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: httpOnly,
		Secure: m.proxies.Secure(r), SameSite: http.SameSiteLaxMode})
}

// randomToken returns 32 random bytes, base64url without padding (43 characters).
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// truncate cuts s to at most n bytes of valid UTF-8 without NULs, which both
// databases store (a client may send anything as its user agent).
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
}
