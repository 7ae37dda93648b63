package httpapi

import (
	"encoding/json"
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
	var errs racd.FieldErrors
	f, err := readForm(c, &errs, false)
	if err != nil {
		return nil, err
	}
	var perms []string
	if raw, ok := f.get("permissions", true); ok {
		switch {
		case isNull(raw):
			errs.Add("permissions", racd.MsgNull)
		case raw[0] != '[':
			errs.Add("permissions", racd.MsgNotAList(pyType(raw)))
		default:
			var items []json.RawMessage
			_ = json.Unmarshal(raw, &items)
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
		}
	}
	modelOpt := f.choice("model", false)
	model := ""
	if modelOpt.Set && !errs.Has("model") {
		if _, ok := racd.ModelByName(modelOpt.V); ok {
			model = modelOpt.V
		} else {
			errs.Add("model", racd.MsgInvalidChoice(modelOpt.V))
		}
	}
	pkOpt, _ := f.str("object_pk", false, false, true)
	if pkOpt.Set && pkOpt.V == "" {
		errs.Add("object_pk", racd.MsgBlank)
	}
	if !errs.Empty() {
		errs.SortBy([]string{"permissions", "model", "object_pk"})
		return nil, &errs
	}
	if modelOpt.Set != pkOpt.Set {
		return nil, racd.FieldError(racd.NonFieldErrors, racd.MsgPermsTogether)
	}
	out := &permissionAssign{}
	for _, p := range perms {
		if model == "" && !strings.Contains(p, ".") {
			return nil, racd.FieldError("permissions", racd.MsgGlobalPermCodename)
		}
		if !strings.Contains(p, ".") {
			p = strings.SplitN(model, ".", 2)[0] + "." + p
		}
		// [racd] authentik answers an unknown codename with a 500; racd with a 400.
		if !authz.ValidPermission(p) {
			return nil, racd.FieldError("permissions", `Permission "`+p+`" does not exist.`)
		}
		if m, _ := authz.PermissionModel(p); model != "" && m.String() != model {
			return nil, racd.FieldError("permissions", `Permission "`+p+`" does not apply to `+model+`.`)
		}
		out.perms = append(out.perms, p)
	}
	if model != "" {
		// [racd] authentik silently grants globally when the object does not exist.
		canonical, ok, err := s.store.ObjectExists(c.ctx, model, pkOpt.V)
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

func assignToUser(s *Server, c *call) error   { return changeUserPerms(s, c, true) }
func unassignToUser(s *Server, c *call) error { return changeUserPerms(s, c, false) }
func assignToRole(s *Server, c *call) error   { return changeRolePerms(s, c, true) }
func unassignToRole(s *Server, c *call) error { return changeRolePerms(s, c, false) }

func changeUserPerms(s *Server, c *call, assign bool) error {
	if !c.p.Superuser {
		return errForbidden
	}
	id, ok := pyInt(c.param("id"))
	if !ok {
		return errNotFound
	}
	if _, err := s.store.Users().Get(c.ctx, id); err != nil {
		return err
	}
	return s.changePerms(c, racd.PermissionHolder{UserID: id}, assign)
}

func changeRolePerms(s *Server, c *call, assign bool) error {
	if !c.p.Superuser {
		return errForbidden
	}
	id, ok := racd.ParseUUID(c.param("uuid"))
	if !ok {
		return errNotFound
	}
	if _, err := s.store.Roles().Get(c.ctx, id); err != nil {
		return err
	}
	return s.changePerms(c, racd.PermissionHolder{RoleUUID: id}, assign)
}

func (s *Server) changePerms(c *call, h racd.PermissionHolder, assign bool) error {
	pa, err := s.decodePermissionAssign(c)
	if err != nil {
		return err
	}
	if assign {
		err = s.store.AssignPermissions(c.ctx, h, pa.perms, pa.objectPK, c.audit())
	} else {
		err = s.store.UnassignPermissions(c.ctx, h, pa.perms, pa.objectPK, c.audit())
	}
	if err != nil {
		return err
	}
	s.auth.clear()
	return noContent(c)
}
