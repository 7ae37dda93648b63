package sqlstore

import (
	"context"
	"database/sql"

	"github.com/racd/racd/internal/racd"
)

// superuserExpr is true when user u.id belongs to a group with is_superuser, directly
// or through any of its ancestors.
var superuserExpr = "EXISTS (SELECT 1 FROM groups sx WHERE sx.is_superuser AND sx.uuid IN (" + userGroupsSQL("u.id") + "))"

// CredentialByHash implements racd.AuthStore: one indexed lookup by keyed hash.
func (s *Store) CredentialByHash(ctx context.Context, hash []byte) (*racd.Credential, error) {
	var cr racd.Credential
	u := &cr.User
	err := s.read().queryRow(ctx, `SELECT CAST(t.uuid AS TEXT), t.identifier, t.intent, t.key_hash, t.expiring, t.expires,
		u.id, CAST(u.uuid AS TEXT), u.username, u.name, u.email, u.is_active, `+superuserExpr+`
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.key_hash = $1`, hash).Scan(
		&cr.TokenUUID, &cr.Identifier, &cr.Intent, &cr.KeyHash, &cr.Expiring, microsInto{&cr.Expires},
		&u.ID, &u.UUID, &u.Username, &u.Name, &u.Email, &u.IsActive, &u.IsSuperuser)
	if err != nil {
		return nil, classify(err)
	}
	return &cr, nil
}

// UserGrants implements racd.GrantStore: the user's direct grants and those of every
// role it holds.
func (s *Store) UserGrants(ctx context.Context, userID int64) ([]racd.Grant, error) {
	q := `SELECT permission, object_pk FROM user_permissions WHERE user_id = $1
		UNION
		SELECT rp.permission, rp.object_pk FROM role_permissions rp WHERE rp.role_uuid IN (` + userRolesSQL("$1") + `)`
	var out []racd.Grant
	err := queryEach(ctx, s.read(), q, []any{userID}, func(rows *sql.Rows) error {
		var g racd.Grant
		if err := rows.Scan(&g.Permission, &g.ObjectPK); err != nil {
			return err
		}
		out = append(out, g)
		return nil
	})
	return out, classify(err)
}

// HeldRoles implements racd.GrantStore.
func (s *Store) HeldRoles(ctx context.Context, userID int64) ([]racd.Role, error) {
	q := roleTable.selectSQL(s.d) + "r.uuid IN (" + userRolesSQL("$1") + ") ORDER BY r.name, r.uuid"
	out := []racd.Role{}
	err := queryEach(ctx, s.read(), q, []any{userID}, func(rows *sql.Rows) error {
		r, err := roleTable.scan(rows)
		if err == nil {
			out = append(out, *r)
		}
		return err
	})
	return out, classify(err)
}
