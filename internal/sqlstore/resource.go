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

// newResource serves a resource with its writer, list and usedBy.
func newResource[T object, I racd.Input[T], K, Q any](s *Store, w *writer[T, I], list func(ctx context.Context, s *Store, q Q) ([]T, int, error),
	usedBy func(ctx context.Context, s *Store, key K, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error)) resource[T, I, K, Q] {
	return resource[T, I, K, Q]{s, w, list, usedBy}
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
