package racd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Token intents. Only api tokens authenticate API requests.
const (
	IntentVerification = "verification"
	IntentAPI          = "api"
	IntentRecovery     = "recovery"
	IntentAppPassword  = "app_password"
)

// BootstrapUsername and BootstrapTokenIdentifier name what RACD_BOOTSTRAP_TOKEN creates.
const (
	BootstrapUsername        = "akadmin"
	BootstrapTokenIdentifier = "racd-bootstrap-token"
	BootstrapGroupName       = "authentik Admins"
)

// User is an authentik user, as far as racd needs one.
type User struct {
	ID          int64
	UUID        string
	Username    string
	Name        string
	Email       string
	IsActive    bool
	IsSuperuser bool // derived: member of a group with is_superuser
	Path        string
	Type        string
	Attributes  []byte
	LastLogin   *time.Time
	DateJoined  time.Time
	Groups      []UserGroup // the groups the user is a direct member of, by name
	// LastUpdated is when the user's row last changed (created, updated, a new
	// password); PasswordChangeDate when its password last changed (its creation
	// until then).
	LastUpdated        time.Time
	PasswordChangeDate time.Time
	// Roles are the roles given to the user directly (authentik 2025.12), as UUIDs,
	// sorted; RoleObjs the same roles by name. The roles of the user's groups count
	// as well, but are not listed here.
	Roles    []string
	RoleObjs []Role
}

// Actor returns the user as events name the one who acted.
func (u *User) Actor() UserRef { return UserRef{ID: u.ID, Username: u.Username, Email: u.Email} }

// UID is the opaque user id authentik shows wherever a user appears (uid): the hex
// SHA-256 of "<pk>-<install id>", so one user has one uid everywhere and another
// installation's uid for the same pk differs.
func UID(pk int64, installID string) string {
	h := sha256.Sum256([]byte(strconv.FormatInt(pk, 10) + "-" + installID))
	return hex.EncodeToString(h[:])
}

// Credential is what authenticating a request needs from a stored API token.
type Credential struct {
	TokenUUID  string
	Identifier string
	Intent     string
	KeyHash    []byte
	Expiring   bool
	Expires    *time.Time
	User       User
}

// Live reports whether the credential may authenticate at now.
func (c *Credential) Live(now time.Time) bool {
	if c.Intent != IntentAPI || !c.User.IsActive {
		return false
	}
	return !c.Expiring || c.Expires == nil || now.Before(*c.Expires)
}

// SealedKey is a token key as racd stores it: the keyed hash it is found by and the
// ciphertext view_key decrypts.
type SealedKey struct {
	Hash       []byte
	Ciphertext []byte
}

// AuthStore resolves credentials and creates the bootstrap administrator.
type AuthStore interface {
	// CredentialByHash returns the token whose key has this keyed hash, with its user.
	CredentialByHash(ctx context.Context, hash []byte) (*Credential, error)
	// BootstrapAdmin makes sure the superuser akadmin that bootstrap creates exists
	// and, with key, that the non-expiring api token racd-bootstrap-token exists for it
	// (an existing token is kept). It creates akadmin, with a superuser group of its
	// own, only when the user it created before is gone and no user is named akadmin;
	// it never promotes an existing user and never changes memberships otherwise.
	BootstrapAdmin(ctx context.Context, key *SealedKey) (BootstrapResult, error)
	// Bootstrap is BootstrapAdmin with a key; it reports whether it created the token.
	Bootstrap(ctx context.Context, key SealedKey) (bool, error)
}

// BootstrapResult says what a bootstrap found and did.
type BootstrapResult struct {
	// UserID is the bootstrap's superuser (0 when Foreign).
	UserID       int64
	CreatedUser  bool
	CreatedToken bool
	// Foreign: the user bootstrap created is gone and a user it did not create is
	// named akadmin; bootstrap leaves it alone (no promotion, no token).
	Foreign bool
}

// Grant is one permission held by a user, directly or through a role: global when
// ObjectPK is "".
type Grant struct {
	Permission string // full codename: app_label.codename
	ObjectPK   string
}

// GrantID names one grant of a holder as permission assign answers do (authentik
// 2024.8's PermissionAssignResult.id): the codename, and ":<object pk>" for a grant
// on one object. racd keeps grants as rows without numbers of their own, so the name
// is the grant itself, the same whenever the same grant is assigned again.
func GrantID(permission, objectPK string) string {
	if objectPK == "" {
		return permission
	}
	return permission + ":" + objectPK
}

// GrantStore reads the permissions a user holds.
type GrantStore interface {
	// UserGrants returns the user's own grants and those of every role it holds
	// (HeldRoles).
	UserGrants(ctx context.Context, userID int64) ([]Grant, error)
	// HeldRoles returns every role the user holds, by name: those given to it
	// directly and those of its groups and of their ancestors.
	HeldRoles(ctx context.Context, userID int64) ([]Role, error)
}
