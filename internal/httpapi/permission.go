package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/racd/racd/internal/authz"
	"github.com/racd/racd/internal/racd"
)

// Permission assignment. authentik lets holders of assign_user_permissions /
// assign_role_permissions (and the unassign ones) change grants; racd lets superusers
// only: a grant is a grant of power, and racd has no separate delegation model.

// permissionAssign is a decoded PermissionAssignRequest.
type permissionAssign struct {
	perms    []string
	objectPK string
}

// decodePermissionAssign reads and validates a PermissionAssignRequest: every
// permission must be a codename racd knows, of the given model when one is given, and
// an object-level grant must name an existing object.
func (s *Server) decodePermissionAssign(c *call) (*permissionAssign, error) {
	f, err := readForm(c, false)
	if err != nil {
		return nil, err
	}
	errs := &f.errs
	var perms []string
	items, _ := f.items("permissions", required)
	for _, it := range items {
		var p string
		if it[0] != '"' || json.Unmarshal(it, &p) != nil || strings.ContainsRune(p, 0) {
			errs.Add("permissions", racd.MsgNotString)
			break
		}
		if strings.TrimSpace(p) == "" {
			errs.Add("permissions", racd.MsgBlank)
			break
		}
		perms = append(perms, strings.TrimSpace(p))
	}
	modelOpt := f.choice("model", 0)
	var model racd.Model
	if modelOpt.Set && !errs.Has("model") {
		var ok bool
		if model, ok = racd.ModelByName(modelOpt.V); !ok {
			errs.Add("model", racd.MsgInvalidChoice(modelOpt.V))
		}
	}
	pkOpt := f.text("object_pk", trim|notBlank)
	if !errs.Empty() {
		errs.SortBy([]string{"permissions", "model", "object_pk"})
		return nil, errs
	}
	if modelOpt.Set != pkOpt.Set {
		return nil, racd.FieldError(racd.NonFieldErrors, racd.MsgPermsTogether)
	}
	out := &permissionAssign{}
	global := model.Name == ""
	for _, p := range perms {
		if global && !strings.Contains(p, ".") {
			return nil, racd.FieldError("permissions", racd.MsgGlobalPermCodename)
		}
		if !strings.Contains(p, ".") {
			p = model.App + "." + p
		}
		// [racd] authentik answers an unknown codename with a 500; racd with a 400.
		if !authz.ValidPermission(p) {
			return nil, racd.FieldError("permissions", `Permission "`+p+`" does not exist.`)
		}
		if m, _ := authz.PermissionModel(p); !global && m.String() != model.String() {
			return nil, racd.FieldError("permissions", `Permission "`+p+`" does not apply to `+model.String()+`.`)
		}
		out.perms = append(out.perms, p)
	}
	if !global {
		// [racd] authentik silently grants globally when the object does not exist.
		canonical, ok, err := s.store.ObjectExists(c.ctx, model.String(), pkOpt.V)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, racd.FieldError("object_pk", racd.MsgDoesNotExist(pkOpt.V))
		}
		out.objectPK = canonical
	}
	return out, nil
}

// grantChange is the store's AssignPermissions or UnassignPermissions.
type grantChange func(st racd.Store, ctx context.Context, h racd.PermissionHolder, perms []string, objectPK string, a racd.Audit) error

// userHolder and roleHolder find the holder a permission route names: a user by id,
// a role by UUID.
var (
	userHolder = holder(users, func(id int64) racd.PermissionHolder { return racd.PermissionHolder{UserID: id} })
	roleHolder = holder(roles, func(id string) racd.PermissionHolder { return racd.PermissionHolder{RoleUUID: id} })
)

// holder finds a holder through its resource: the route's key must name a stored object.
func holder[T object, I any, K comparable, Q any, W any](r *resource[T, I, K, Q, W], of func(K) racd.PermissionHolder) func(s *Server, c *call) (racd.PermissionHolder, error) {
	return func(s *Server, c *call) (racd.PermissionHolder, error) {
		key, ok := r.key(c.param(r.param))
		if !ok {
			return racd.PermissionHolder{}, errNotFound
		}
		_, err := r.store(s.store).Get(c.ctx, key)
		return of(key), err
	}
}

// changePermissions answers assign/ (assign: true) and unassign/ of a holder. Its
// routes admit superusers only. unassign/ answers 204. assign/ answers 200 with one
// {"id"} per permission assigned, as authentik does from 2024.8: 2024.6 answered 204
// (its clients ignore the body), and newer clients fail on an empty one. It is the one
// place racd's answer departs from authentik 2024.6's document.
func changePermissions(change grantChange, assign bool, holder func(s *Server, c *call) (racd.PermissionHolder, error)) func(s *Server, c *call) error {
	return func(s *Server, c *call) error {
		h, err := holder(s, c)
		if err != nil {
			return err
		}
		pa, err := s.decodePermissionAssign(c)
		if err != nil {
			return err
		}
		if err := change(s.store, c.ctx, h, pa.perms, pa.objectPK, c.audit()); err != nil {
			return err
		}
		s.auth.clear()
		if !assign {
			return noContent(c)
		}
		out := make([]assignResultJSON, len(pa.perms))
		for i, p := range pa.perms {
			out[i] = assignResultJSON{ID: racd.GrantID(p, pa.objectPK)}
		}
		return s.writeJSON(c, http.StatusOK, out)
	}
}

// assignResultJSON is authentik's PermissionAssignResult.
type assignResultJSON struct {
	ID string `json:"id"`
}
