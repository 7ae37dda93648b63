package httpapi

import (
	"net/http"
	"strconv"

	"github.com/racd/racd/internal/racd"
)

// object is a domain object the API serves: it names itself, primary key included.
type object interface{ Ref() racd.ObjectRef }

// resource describes one API resource of objects T (written from inputs I, a
// racd.Input[T]; addressed by keys K; listed with queries Q; rendered as wire values
// W). routes turns it into its routes — list, create, retrieve, update, partial
// update, delete and used_by — whose handlers every resource shares, each route with
// the permission it needs. A resource's file holds
// only what is its own: its wire type, its decoding, its list filters and its extra
// rules.
type resource[T object, I any, K comparable, Q any, W any] struct {
	model racd.Model
	path  string // the collection's path, e.g. /api/v3/providers/rac/
	// also lists further collection paths that serve the same routes, with the same
	// handlers and permissions: where newer authentik versions moved a resource, and
	// racd answers at both places.
	also  []string
	param string // the detail path's parameter, e.g. id
	// key parses the path parameter; false is a 404 (no object can have that key).
	// keyIsPK: the key is the primary key, so a permission check needs no read.
	key     func(raw string) (K, bool)
	keyIsPK bool
	// store picks the resource's part of the store.
	store func(racd.Store) racd.Reader[T, K, Q]
	// order lists the terms ?ordering= accepts; query turns a list request's filters
	// into the store's query (f.lq.Visible is the caller's visibility).
	order []string
	query func(f *filters) Q
	// decode reads a request body's fields into an input; nil for a read-only
	// resource. noCreate: objects are made elsewhere (connection tokens).
	decode   func(f *form) I
	noCreate bool
	// wire renders an object as its wire type.
	wire func(c *call, obj T) W
	// prepare applies the resource's own rules to a decoded write (cur is nil on
	// create); protect refuses a change or deletion of cur before the body is read.
	// Either makes the stored object load before a write. nil: none.
	prepare func(s *Server, c *call, in I, cur T) error
	protect func(c *call, cur T) error
	// complete adds to a decoded create or update what the server makes for it (an
	// outpost's service key) without reading the stored object. nil: nothing.
	complete func(s *Server, in I) error
	// rule admits callers besides holders of the model permission; owner returns the
	// user owning an object, for the owner rules.
	rule  rule
	owner func(obj T) int64
	// changesAccess: a write may change what callers may do, so the token cache is
	// dropped after it.
	changesAccess bool
}

// routes returns the resource's routes, in the route table's order: those of path,
// then the same again under each path of also.
func (r *resource[T, I, K, Q, W]) routes() []*route {
	var out []*route
	for _, path := range append([]string{r.path}, r.also...) {
		out = append(out, r.routesAt(path)...)
	}
	return out
}

// routesAt returns the resource's routes under the collection path.
func (r *resource[T, I, K, Q, W]) routesAt(path string) []*route {
	one := path + "{" + r.param + "}/"
	collectionRule := anyone
	if r.rule == byPermission {
		collectionRule = byPermission
	}
	out := []*route{{"GET", path, collection, perm{model: r.model, action: racd.PermView, rule: collectionRule}, r.list}}
	if r.decode != nil && !r.noCreate {
		out = append(out, &route{"POST", path, collection, perm{model: r.model, action: racd.PermAdd, rule: collectionRule}, r.create})
	}
	out = append(out, &route{"GET", one, detail, r.perm(racd.PermView), r.retrieve})
	if r.decode != nil {
		out = append(out,
			&route{"PUT", one, detail, r.perm(racd.PermChange), r.update},
			&route{"PATCH", one, detail, r.perm(racd.PermChange), r.update},
			&route{"DELETE", one, detail, r.perm(racd.PermDelete), r.remove},
			&route{"GET", one + "used_by/", detail, r.perm(racd.PermView), r.usedBy})
	}
	return out
}

// perm is the permission of a detail route for action.
func (r *resource[T, I, K, Q, W]) perm(action string) perm {
	lazy := r.keyIsPK && action != racd.PermView && r.prepare == nil && r.protect == nil
	return perm{model: r.model, action: action, rule: r.rule, object: r, lazy: lazy}
}

// find implements finder.
func (r *resource[T, I, K, Q, W]) find(s *Server, c *call, load bool) (target, error) {
	key, ok := r.key(c.param(r.param))
	if !ok {
		return target{}, errNotFound
	}
	if !load {
		if !r.keyIsPK {
			return target{}, nil
		}
		return target{pk: keyText(key)}, nil
	}
	obj, err := r.store(s.store).Get(c.ctx, key)
	if err != nil {
		return target{}, err
	}
	t := target{pk: obj.Ref().PK, obj: obj}
	if r.owner != nil {
		t.owner = r.owner(obj)
	}
	return t, nil
}

// keyText writes a key as grants hold primary keys.
func keyText(key any) string {
	if n, ok := key.(int64); ok {
		return strconv.FormatInt(n, 10)
	}
	s, _ := key.(string)
	return s
}

// current returns the object the route addresses, reading it unless authorize did.
func (r *resource[T, I, K, Q, W]) current(s *Server, c *call) (T, error) {
	if obj, ok := c.target.obj.(T); ok {
		return obj, nil
	}
	key, _ := r.key(c.param(r.param))
	return r.store(s.store).Get(c.ctx, key)
}

// pathKey is the key of the route's object (authorize has parsed it already).
func (r *resource[T, I, K, Q, W]) pathKey(c *call) K {
	key, _ := r.key(c.param(r.param))
	return key
}

func (r *resource[T, I, K, Q, W]) list(s *Server, c *call) error {
	qv := c.query()
	lq, err := listQuery(qv, r.order)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(r.model.Perm(racd.PermView))
	if !c.p.Superuser {
		lq.Related = c.vis() // filters on related fields match what the caller could GET
	}
	f := &filters{c: c, lq: lq, qv: qv}
	q := r.query(f)
	if err := f.errs.Err(); err != nil {
		return err
	}
	objs, count, err := r.store(s.store).List(c.ctx, q)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, objs, func(obj T) W { return r.wire(c, obj) }))
}

func (r *resource[T, I, K, Q, W]) retrieve(s *Server, c *call) error {
	obj, err := r.current(s, c)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, r.wire(c, obj))
}

// read decodes the body of a write.
func (r *resource[T, I, K, Q, W]) read(c *call, partial bool) (I, error) {
	f, err := readForm(c, partial)
	if err != nil {
		var zero I
		return zero, err
	}
	in := r.decode(f)
	any(in).(racd.Input[T]).DecodeErrors().Merge(&f.errs)
	return in, nil
}

func (r *resource[T, I, K, Q, W]) create(s *Server, c *call) error {
	in, err := r.read(c, false)
	if err != nil {
		return err
	}
	if r.prepare != nil {
		var none T
		if err := r.prepare(s, c, in, none); err != nil {
			return err
		}
	}
	if err := r.completeInput(s, in); err != nil {
		return err
	}
	obj, err := r.store(s.store).(racd.Resource[T, I, K, Q]).Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	r.changed(s)
	return s.writeJSON(c, http.StatusCreated, r.wire(c, obj))
}

func (r *resource[T, I, K, Q, W]) update(s *Server, c *call) error {
	var cur T
	if r.prepare != nil || r.protect != nil {
		var err error
		if cur, err = r.current(s, c); err != nil {
			return err
		}
		if r.protect != nil {
			if err := r.protect(c, cur); err != nil {
				return err
			}
		}
	}
	in, err := r.read(c, c.r.Method == http.MethodPatch)
	if err != nil {
		// A body the parser refuses is answered after visibility: an unknown key is
		// a 404 whatever the body. (Field errors wait in the input until the store
		// has found the object.)
		if _, gerr := r.current(s, c); gerr != nil {
			return gerr
		}
		return err
	}
	if r.prepare != nil {
		if err := r.prepare(s, c, in, cur); err != nil {
			return err
		}
	}
	if err := r.completeInput(s, in); err != nil {
		return err
	}
	obj, err := r.editor(s).Update(c.ctx, r.pathKey(c), in, c.audit())
	if err != nil {
		return err
	}
	r.changed(s)
	return s.writeJSON(c, http.StatusOK, r.wire(c, obj))
}

func (r *resource[T, I, K, Q, W]) remove(s *Server, c *call) error {
	if r.protect != nil {
		cur, err := r.current(s, c)
		if err != nil {
			return err
		}
		if err := r.protect(c, cur); err != nil {
			return err
		}
	}
	if err := r.editor(s).Delete(c.ctx, r.pathKey(c), c.audit()); err != nil {
		return err
	}
	r.changed(s)
	return noContent(c)
}

func (r *resource[T, I, K, Q, W]) usedBy(s *Server, c *call) error {
	used, err := r.editor(s).UsedBy(c.ctx, r.pathKey(c), c.vis())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUsedByJSON(used))
}

// completeInput runs complete, if any.
func (r *resource[T, I, K, Q, W]) completeInput(s *Server, in I) error {
	if r.complete == nil {
		return nil
	}
	return r.complete(s, in)
}

// editor is the store's part of a writable resource.
func (r *resource[T, I, K, Q, W]) editor(s *Server) racd.Editor[T, I, K] {
	return r.store(s.store).(racd.Editor[T, I, K])
}

// changed drops the token cache after a write that may change what callers may do.
func (r *resource[T, I, K, Q, W]) changed(s *Server) {
	if r.changesAccess {
		s.auth.clear()
	}
}

// noContent answers 204 with an empty body.
func noContent(c *call) error {
	c.status = http.StatusNoContent
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// storeOf adapts a Store accessor (racd.Store.Flows) to a resource's store.
func storeOf[T, I, K, Q any](pick func(racd.Store) racd.Resource[T, I, K, Q]) func(racd.Store) racd.Reader[T, K, Q] {
	return func(st racd.Store) racd.Reader[T, K, Q] { return pick(st) }
}
