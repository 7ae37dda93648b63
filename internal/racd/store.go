package racd

import "context"

// Store is everything racd persists. sqlstore implements it on SQLite and PostgreSQL;
// storetest holds the conformance suite both must pass.
//
// Every resource has the same contract (Resource): objects read by key and listed a
// page at a time, created and changed from decoded inputs that the store validates in
// its write transaction (references and uniqueness included; invalid input is a
// *FieldErrors), deleted with whatever depends on them, and asked what depends on
// them. Every change records an audit event with its diff in the same transaction.
type Store interface {
	// Providers: deleting one deletes its endpoints and connection tokens and removes
	// it from outposts; its application stays, with provider null.
	Providers() Resource[*Provider, *ProviderInput, int64, ProviderQuery]
	// Flows are addressed by slug. Deleting one deletes the providers it authorizes
	// and clears it where providers use it for authentication.
	Flows() Resource[*Flow, *FlowInput, string, FlowQuery]
	PropertyMappings() Resource[*PropertyMapping, *PropertyMappingInput, string, PropertyMappingQuery]
	// Applications are addressed by slug. Deleting one leaves its provider and its
	// backchannel providers.
	Applications() Resource[*Application, *ApplicationInput, string, ApplicationQuery]
	Outposts() Resource[*Outpost, *OutpostInput, string, OutpostQuery]
	// Endpoints: deleting one deletes its connection tokens.
	Endpoints() Resource[*Endpoint, *EndpointInput, string, EndpointQuery]
	ConnectionTokens() ConnectionTokenStore
	Users() Resource[*User, *UserInput, int64, UserQuery]
	Groups() Resource[*Group, *GroupInput, string, GroupQuery]
	Roles() Resource[*Role, *RoleInput, string, RoleQuery]
	// Tokens are addressed by identifier; a new token's input carries its sealed key.
	Tokens() Resource[*Token, *TokenInput, string, TokenQuery]
	Events() EventStore
	IdentityStore
	AuthStore
	GrantStore
	GatewayStore
	SignInStore
	Ping(ctx context.Context) error
	Close() error
}

// Reader reads the objects of one resource: T objects addressed by keys of type K,
// listed with queries Q.
type Reader[T, K, Q any] interface {
	// Get returns the object, or ErrNotFound.
	Get(ctx context.Context, key K) (T, error)
	// List returns one page of objects and the total count, in a fixed number of
	// queries whatever the page size.
	List(ctx context.Context, q Q) ([]T, int, error)
}

// Editor changes the stored objects of one resource from inputs I.
type Editor[T, I, K any] interface {
	// Update applies in to the stored object inside one transaction.
	Update(ctx context.Context, key K, in I, a Audit) (T, error)
	// Delete deletes the object and what depends on it.
	Delete(ctx context.Context, key K, a Audit) error
	// UsedBy lists what depends on the object, each kind filtered by what vis lets
	// through.
	UsedBy(ctx context.Context, key K, vis func(perm string) Visibility) ([]UsedBy, error)
}

// Resource is the storage contract of one resource.
type Resource[T, I, K, Q any] interface {
	Reader[T, K, Q]
	Editor[T, I, K]
	// Create validates in and stores a new object.
	Create(ctx context.Context, in I, a Audit) (T, error)
}

// ConnectionTokenStore keeps connection tokens, which launches create. Expired tokens
// are never returned.
type ConnectionTokenStore interface {
	Reader[*ConnectionToken, string, ConnectionTokenQuery]
	Editor[*ConnectionToken, *ConnectionTokenInput, string]
	// Launch issues a token for req inside one write transaction that counts the
	// endpoint's live tokens first: at maximum_connections it returns a *FieldErrors
	// with MsgConnLimit under non_field_errors.
	Launch(ctx context.Context, req LaunchRequest, a Audit) (*Launch, error)
}

// EventStore reads recorded events.
type EventStore interface {
	Reader[*Event, string, EventQuery]
	// Record stores an event outside any model change (e.g. configuration_error).
	Record(ctx context.Context, e *Event) error
}

// Membership says whether a user joins or leaves a group.
type Membership bool

// The two changes of a membership.
const (
	Join  Membership = true
	Leave Membership = false
)

// IdentityStore holds what the identity resources do beyond Resource.
type IdentityStore interface {
	// CreateSuperuser creates a user that is a member of a superuser group (the
	// operator CLI's --superuser).
	CreateSuperuser(ctx context.Context, in *UserInput, a Audit) (*User, error)
	// SetGroupMember makes the user join or leave the group; ErrNotFound when the user
	// does not exist.
	SetGroupMember(ctx context.Context, group string, userID int64, m Membership, a Audit) error
	// SetRoleHolder gives the role to the user directly (Join) or takes it back
	// (Leave), as authentik 2025.12's rbac/roles/{uuid}/add_user/ does; ErrNotFound
	// when the role or the user does not exist. It records an update of the user.
	SetRoleHolder(ctx context.Context, role string, userID int64, m Membership, a Audit) error
	// TokenKey returns the sealed key of a token and records a secret_view event.
	TokenKey(ctx context.Context, identifier string, a Audit) ([]byte, error)
	// AssignPermissions grants perms (full codenames) to h, on objectPK ("" = globally);
	// UnassignPermissions revokes them. ErrNotFound when the holder does not exist.
	AssignPermissions(ctx context.Context, h PermissionHolder, perms []string, objectPK string, a Audit) error
	UnassignPermissions(ctx context.Context, h PermissionHolder, perms []string, objectPK string, a Audit) error
	// ObjectExists reports whether the object of model ("app.model") with primary key
	// pk exists, and returns the key in the canonical form grants store.
	ObjectExists(ctx context.Context, model, pk string) (canonical string, ok bool, err error)
}
