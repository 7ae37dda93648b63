package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// changePermissions grants (assign) or revokes perms of h on objectPK ("" globally)
// and records it as an update of the holder. Only superusers change grants
// (racd.ErrForbidden for anyone else), whichever route or command asks: grants decide
// what everyone may do.
func (s *Store) changePermissions(ctx context.Context, h racd.PermissionHolder, perms []string, objectPK string, assign bool, a racd.Audit) error {
	if !a.Superuser {
		return racd.ErrForbidden
	}
	table, col, holder, key := "user_permissions", "user_id", userTable, any(h.UserID)
	if h.RoleUUID != "" {
		table, col, holder, key = "role_permissions", "role_uuid", nil, h.RoleUUID
	}
	return s.write(ctx, func(c conn) error {
		var ref racd.ObjectRef
		if holder != nil {
			u, err := get(ctx, s, c, userTable, "id", key, true)
			if err != nil {
				return err
			}
			ref = u.Ref()
		} else {
			r, err := get(ctx, s, c, roleTable, "uuid", key, true)
			if err != nil {
				return err
			}
			ref = r.Ref()
		}
		q := "DELETE FROM " + table + " WHERE " + col + " = $1 AND permission = $2 AND object_pk = $3"
		if assign {
			q = "INSERT INTO " + table + " (" + col + ", permission, object_pk) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
		}
		for _, p := range perms {
			if _, err := c.exec(ctx, q, key, p, objectPK); err != nil {
				return err
			}
		}
		grant := map[string]any{"permissions": perms, "object_pk": objectPK}
		diff := []racd.Change{{Field: "unassigned_permissions", Previous: grant, New: nil}}
		if assign {
			diff = []racd.Change{{Field: "assigned_permissions", Previous: nil, New: grant}}
		}
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, ref, diff)
	})
}

// AssignPermissions implements racd.IdentityStore.
func (s *Store) AssignPermissions(ctx context.Context, h racd.PermissionHolder, perms []string, objectPK string, a racd.Audit) error {
	return s.changePermissions(ctx, h, perms, objectPK, true, a)
}

// UnassignPermissions implements racd.IdentityStore.
func (s *Store) UnassignPermissions(ctx context.Context, h racd.PermissionHolder, perms []string, objectPK string, a racd.Audit) error {
	return s.changePermissions(ctx, h, perms, objectPK, false, a)
}

// ObjectExists implements racd.IdentityStore.
func (s *Store) ObjectExists(ctx context.Context, model, pk string) (string, bool, error) {
	m, ok := racd.ModelByName(model)
	if !ok {
		return "", false, nil
	}
	canonical, ok := canonicalPK(m, pk)
	if !ok {
		return "", false, nil
	}
	p := placeOf(m)
	_, err := s.pkOf(ctx, s.read(), p, p.pk, pkArg(m, canonical))
	if err == racd.ErrNotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return canonical, true, nil
}

// canonicalPK writes pk the way grants store keys of m, or reports that it is not one.
func canonicalPK(m racd.Model, pk string) (string, bool) {
	if m.IntPK {
		n, err := strconv.ParseInt(strings.TrimSpace(pk), 10, 64)
		return strconv.FormatInt(n, 10), err == nil
	}
	return racd.ParseUUID(pk)
}
