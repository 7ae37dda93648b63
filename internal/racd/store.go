package racd

import "context"

// Store is everything racd persists. sqlstore implements it on SQLite and PostgreSQL;
// storetest holds the conformance suite both must pass.
type Store interface {
	ProviderStore
	FlowStore
	PropertyMappingStore
	ApplicationStore
	OutpostStore
	EndpointStore
	ConnectionTokenStore
	AuthStore
	GrantStore
	IdentityStore
	EventStore
	SignInStore
	Ping(ctx context.Context) error
	Close() error
}
