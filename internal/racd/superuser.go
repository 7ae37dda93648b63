package racd

import (
	"errors"
	"time"
)

// Nobody becomes a superuser who was not made one by a superuser (SECURITY.md). The
// stores hold these rules for every write, whichever route or command makes it; the
// actor is Audit.Superuser.
//
//   - Only superusers change group memberships (a group's users, a user's groups,
//     add_user/remove_user), a group's parent, roles or superuser flag, or change,
//     rename or delete a group that makes its members superusers (is_superuser on it
//     or on one of its ancestors), or change or delete a superuser's account.
//   - No write leaves the instance without an active superuser when it had one.
//   - A group's parents never form a cycle.
//   - Only superusers create a token with the bootstrap token's identifier or rename a
//     token to it, set a token's managed key, or give a token to another user. Tokens
//     other actors write always expire, within TokenPolicy.MaxLifetime.

// ErrForbidden refuses a write the actor may not make at all (403), before any
// validation of its fields is reported.
var ErrForbidden = errors.New("forbidden")

// Messages of the superuser rules.
const (
	// MsgLastSuperuser refuses a change that would leave no active superuser.
	MsgLastSuperuser = "This change would leave no active superuser: make another user a superuser first."
	// MsgGroupCycle refuses a parent that is the group itself or one of its descendants.
	MsgGroupCycle = "Cannot set a group's own descendant as its parent: parents may not form a cycle."
	// MsgReservedIdentifier refuses the bootstrap token's identifier to non-superusers.
	MsgReservedIdentifier = "This identifier is reserved for the bootstrap token."
	// MsgManagedBySuperusers refuses managed to non-superusers.
	MsgManagedBySuperusers = "Only superusers may set managed."
	// MsgRetargetToken refuses a connection token's new provider or endpoint to a
	// non-superuser: where a connection goes is decided at launch.
	MsgRetargetToken = "Only superusers may change a connection token's provider or endpoint."
	// MsgTokenEndpointProvider refuses a connection token whose endpoint is not its
	// provider's.
	MsgTokenEndpointProvider = "The endpoint does not belong to the connection token's provider."
)

// MsgSetSuperuser is authentik's message for a caller who may not set is_superuser.
func MsgSetSuperuser(v bool) string {
	if v {
		return "User does not have permission to set superuser status to True."
	}
	return "User does not have permission to set superuser status to False."
}

// MsgTokenTooLong refuses an expiry past the longest lifetime of a non-superuser's
// token.
func MsgTokenTooLong(latest time.Time, max time.Duration) string {
	return "Ensure this value is no later than " + latest.UTC().Format(time.RFC3339) +
		": tokens of users who are not superusers live at most " + FormatLifetime(max) + "."
}

// Token lifetimes of non-superusers.
const (
	// DefaultTokenMaxLifetime is RACD_TOKEN_MAX_LIFETIME's default.
	DefaultTokenMaxLifetime = 90 * 24 * time.Hour
)

// TokenPolicy bounds the tokens written by actors who are not superusers: they always
// expire, DefaultTokenLifetime after the write when no expiry is given (or null), and
// never later than MaxLifetime after it.
type TokenPolicy struct {
	MaxLifetime time.Duration // 0 means DefaultTokenMaxLifetime
}

// Max is the longest lifetime the policy allows.
func (p TokenPolicy) Max() time.Duration {
	if p.MaxLifetime <= 0 {
		return DefaultTokenMaxLifetime
	}
	return p.MaxLifetime
}

// Apply makes t (after its input applied) follow the policy at now for an actor who
// is not a superuser: expiring always, an expiry when none was given, and none later
// than the maximum (a 400 on expires when one was sent).
func (p TokenPolicy) Apply(t *Token, expiresSent bool, now time.Time, errs *FieldErrors) {
	max := p.Max()
	latest := now.Add(max).UTC().Truncate(time.Microsecond)
	t.Expiring = true
	if t.Expires == nil {
		d := DefaultTokenLifetime
		if d > max {
			d = max
		}
		exp := now.Add(d).UTC().Truncate(time.Microsecond)
		t.Expires = &exp
		return
	}
	if expiresSent && t.Expires.After(latest) && !errs.Has("expires") {
		errs.Add("expires", MsgTokenTooLong(latest, max))
	}
}

// FormatLifetime writes a duration in days when it is a whole number of days,
// otherwise as Go does ("36h0m0s").
func FormatLifetime(d time.Duration) string {
	day := 24 * time.Hour
	if d >= day && d%day == 0 {
		n := int64(d / day)
		if n == 1 {
			return "1 day"
		}
		return itoa(n) + " days"
	}
	return d.String()
}
