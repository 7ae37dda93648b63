package racd

import (
	"context"
	"time"
)

// Event actions of sign-in, as authentik names them.
const (
	EventLogin       = "login"
	EventLoginFailed = "login_failed"
	EventLogout      = "logout"
	EventPasswordSet = "password_set"
	// EventAuthorizeApplication is recorded when a launch link issues a connection token.
	EventAuthorizeApplication = "authorize_application"
)

// RACProviderLaunchURL is the launch_url of an application whose provider is a RAC
// provider, as authentik answers it.
const RACProviderLaunchURL = "goauthentik.io://providers/rac/launch"

// PermResetUserPassword lets its holder set a user's password (authentik's custom
// permission on the user model), globally or on one user.
const PermResetUserPassword = "authentik_core.reset_user_password"

// CustomPermissions are the permissions beyond Django's four per model, by the model
// they apply to.
var CustomPermissions = map[string]Model{PermResetUserPassword: UserModel}

// AuthenticatedSessionModel is authentik's model of a signed-in browser session.
var AuthenticatedSessionModel = Model{App: "authentik_core", Name: "authenticatedsession", Verbose: "Authenticated Session", VerbosePlural: "Authenticated Sessions"}

// MaxLoginLength bounds the username or email a sign-in form sends (Django's username
// is at most 150 characters; an email at most 254).
const MaxLoginLength = 254

// MaxPasswordLength bounds a password (bytes). Argon2 takes any length; the bound keeps
// a request from making racd hash megabytes.
const MaxPasswordLength = 4096

// BrowserSession is a signed-in browser: authentik's AuthenticatedSession. The browser
// holds a random session id in a cookie; racd stores only its keyed hash.
type BrowserSession struct {
	UUID          string
	User          User
	Created       time.Time
	LastUsed      time.Time
	Expires       time.Time // absolute end, whatever the activity
	LastIP        string
	LastUserAgent string
}

// Ref returns the reference of s in events.
func (s *BrowserSession) Ref() ObjectRef {
	return AuthenticatedSessionModel.Ref(s.UUID, "Authenticated Session "+s.User.Username)
}

// End returns when s ends without further use: its absolute end, or idle after its
// last use, whichever comes first.
func (s *BrowserSession) End(idle time.Duration) time.Time {
	if e := s.LastUsed.Add(idle); e.Before(s.Expires) {
		return e
	}
	return s.Expires
}

// BrowserSessionQuery is a list of authenticated sessions.
type BrowserSessionQuery struct {
	ListQuery
	// OwnerID limits the list to one user's sessions; 0 lists everyone's.
	OwnerID       int64
	Username      *string
	LastIP        *string
	LastUserAgent *string
	// Live drops sessions that ended: idle since before IdleBefore, or past their end
	// at Now.
	IdleBefore time.Time
	Now        time.Time
}

// ThrottleState is what racd knows of recent sign-in failures under one key.
type ThrottleState struct {
	Failures     int
	BlockedUntil time.Time
}

// SignInStore keeps passwords, browser sessions and sign-in throttling.
type SignInStore interface {
	// PasswordLogin returns the user whose username is login, else the only user whose
	// email is login (case-insensitively), with the user's password hash ("" when the
	// user has none). ErrNotFound when there is no such user.
	PasswordLogin(ctx context.Context, login string) (*User, string, error)
	// SetPassword stores the password hash of user id, records password_set, and ends
	// every browser session of the user but keep ("" ends all), deleting their
	// connection tokens. ErrNotFound for an unknown user.
	SetPassword(ctx context.Context, id int64, hash, keep string, a Audit) error
	// RehashPassword replaces the hash of user id by newHash if it is still oldHash
	// (a stronger hash of the same password, after a sign-in); no event.
	RehashPassword(ctx context.Context, id int64, oldHash, newHash string) error
	// CreateBrowserSession stores s (UUID, User.ID, times, client) under the keyed hash
	// of its cookie id, sets the user's last_login and records login.
	CreateBrowserSession(ctx context.Context, s *BrowserSession, idHash []byte, a Audit) error
	// BrowserSessionByHash returns the session with that id hash and its user (with
	// IsActive and IsSuperuser), or ErrNotFound.
	BrowserSessionByHash(ctx context.Context, idHash []byte) (*BrowserSession, error)
	// GetBrowserSession returns a session by UUID, or ErrNotFound.
	GetBrowserSession(ctx context.Context, uuid string) (*BrowserSession, error)
	// TouchBrowserSession records a use of session uuid at at, from ip and ua.
	TouchBrowserSession(ctx context.Context, uuid string, at time.Time, ip, ua string) error
	// ListBrowserSessions lists sessions as q says.
	ListBrowserSessions(ctx context.Context, q BrowserSessionQuery) ([]*BrowserSession, int, error)
	// EndBrowserSession deletes session uuid and its connection tokens (whose live RAC
	// sessions the gateway then ends), recording action (logout for a sign-out,
	// model_deleted for a revocation) from a. ErrNotFound when it is gone already.
	EndBrowserSession(ctx context.Context, uuid, action string, a Audit) error
	// PurgeBrowserSessions deletes sessions past their end at now, and those idle since
	// before idleBefore that no live remote connection was opened from, with their
	// connection tokens, and returns how many went.
	PurgeBrowserSessions(ctx context.Context, idleBefore, now time.Time) (int64, error)

	// Throttle returns the state of each key (a missing key has no failures).
	Throttle(ctx context.Context, keys []string) ([]ThrottleState, error)
	// RecordFailure counts a failed sign-in under each key at now and sets its block
	// from the count with backoff; counts older than window start again from zero.
	RecordFailure(ctx context.Context, keys []string, now time.Time, window time.Duration, backoff func(failures int) time.Duration) error
	// ClearFailures forgets the failures under key (after a successful sign-in).
	ClearFailures(ctx context.Context, key string) error
}
