package sqlstore

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

// resource serves one racd.Resource: reads and writes go through the resource's
// writer (and its table); list applies the resource's own filters; usedBy lists its
// dependents (nil: nothing depends on it, once it is found).
type resource[T object, I racd.Input[T], K, Q any] struct {
	s      *Store
	w      *writer[T, I]
	list   func(ctx context.Context, s *Store, q Q) ([]T, int, error)
	usedBy func(ctx context.Context, s *Store, key K, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error)
}

// Get implements racd.Reader.
func (r resource[T, I, K, Q]) Get(ctx context.Context, key K) (T, error) {
	return get(ctx, r.s, r.s.read(), r.w.t, r.w.key, key, false)
}

// List implements racd.Reader.
func (r resource[T, I, K, Q]) List(ctx context.Context, q Q) ([]T, int, error) {
	return r.list(ctx, r.s, q)
}

// Create implements racd.Resource.
func (r resource[T, I, K, Q]) Create(ctx context.Context, in I, a racd.Audit) (T, error) {
	return create(ctx, r.s, r.w, in, a)
}

// Update implements racd.Editor.
func (r resource[T, I, K, Q]) Update(ctx context.Context, key K, in I, a racd.Audit) (T, error) {
	return update(ctx, r.s, r.w, key, in, a)
}

// Delete implements racd.Editor.
func (r resource[T, I, K, Q]) Delete(ctx context.Context, key K, a racd.Audit) error {
	return remove(ctx, r.s, r.w, key, a)
}

// UsedBy implements racd.Editor.
func (r resource[T, I, K, Q]) UsedBy(ctx context.Context, key K, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	if r.usedBy != nil {
		return r.usedBy(ctx, r.s, key, vis)
	}
	if _, err := r.s.pkOf(ctx, r.s.read(), &r.w.t.place, r.w.key, key); err != nil {
		return nil, err
	}
	return []racd.UsedBy{}, nil
}

// Providers implements racd.Store.
func (s *Store) Providers() racd.Resource[*racd.Provider, *racd.ProviderInput, int64, racd.ProviderQuery] {
	return resource[*racd.Provider, *racd.ProviderInput, int64, racd.ProviderQuery]{s, providerWriter, listProviders, providerUsedBy}
}

// Flows implements racd.Store.
func (s *Store) Flows() racd.Resource[*racd.Flow, *racd.FlowInput, string, racd.FlowQuery] {
	return resource[*racd.Flow, *racd.FlowInput, string, racd.FlowQuery]{s, flowWriter, listFlows, flowUsedBy}
}

// PropertyMappings implements racd.Store.
func (s *Store) PropertyMappings() racd.Resource[*racd.PropertyMapping, *racd.PropertyMappingInput, string, racd.PropertyMappingQuery] {
	return resource[*racd.PropertyMapping, *racd.PropertyMappingInput, string, racd.PropertyMappingQuery]{s, mappingWriter, listPropertyMappings, propertyMappingUsedBy}
}

// Applications implements racd.Store.
func (s *Store) Applications() racd.Resource[*racd.Application, *racd.ApplicationInput, string, racd.ApplicationQuery] {
	return resource[*racd.Application, *racd.ApplicationInput, string, racd.ApplicationQuery]{s, applicationWriter, listApplications, applicationUsedBy}
}

// Outposts implements racd.Store. Nothing racd keeps depends on an outpost (its
// providers are a many-to-many relation that simply loses the link).
func (s *Store) Outposts() racd.Resource[*racd.Outpost, *racd.OutpostInput, string, racd.OutpostQuery] {
	return resource[*racd.Outpost, *racd.OutpostInput, string, racd.OutpostQuery]{s, outpostWriter, listOutposts, nil}
}

// Endpoints implements racd.Store.
func (s *Store) Endpoints() racd.Resource[*racd.Endpoint, *racd.EndpointInput, string, racd.EndpointQuery] {
	return resource[*racd.Endpoint, *racd.EndpointInput, string, racd.EndpointQuery]{s, endpointWriter, listEndpoints, endpointUsedBy}
}

// connectionTokens is racd.ConnectionTokenStore: a resource that launches create.
type connectionTokens struct {
	resource[*racd.ConnectionToken, *racd.ConnectionTokenInput, string, racd.ConnectionTokenQuery]
}

// ConnectionTokens implements racd.Store. Nothing depends on a connection token.
func (s *Store) ConnectionTokens() racd.ConnectionTokenStore {
	return connectionTokens{resource[*racd.ConnectionToken, *racd.ConnectionTokenInput, string, racd.ConnectionTokenQuery]{s, connTokenWriter, listConnectionTokens, nil}}
}

// Users implements racd.Store.
func (s *Store) Users() racd.Resource[*racd.User, *racd.UserInput, int64, racd.UserQuery] {
	return resource[*racd.User, *racd.UserInput, int64, racd.UserQuery]{s, userWriter, listUsers, userUsedBy}
}

// Groups implements racd.Store.
func (s *Store) Groups() racd.Resource[*racd.Group, *racd.GroupInput, string, racd.GroupQuery] {
	return resource[*racd.Group, *racd.GroupInput, string, racd.GroupQuery]{s, groupWriter, listGroups, groupUsedBy}
}

// Roles implements racd.Store. Deleting a role removes its grants and group links,
// which authentik does not report as dependents.
func (s *Store) Roles() racd.Resource[*racd.Role, *racd.RoleInput, string, racd.RoleQuery] {
	return resource[*racd.Role, *racd.RoleInput, string, racd.RoleQuery]{s, roleWriter, listRoles, nil}
}

// Tokens implements racd.Store. Nothing depends on a token.
func (s *Store) Tokens() racd.Resource[*racd.Token, *racd.TokenInput, string, racd.TokenQuery] {
	return resource[*racd.Token, *racd.TokenInput, string, racd.TokenQuery]{s, tokenWriter, listTokens, nil}
}

// events is racd.EventStore.
type events struct{ s *Store }

// Events implements racd.Store.
func (s *Store) Events() racd.EventStore { return events{s} }
