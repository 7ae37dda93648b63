package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// saveOutpostAccount follows every write of an outpost (outpostWriter.saved). As in
// authentik, the outpost acts through a service account of its own: the user
// o.ServiceAccountUsername() (internal_service_account, no password) and its
// non-expiring API token o.TokenIdentifier(), whose key the API made (o.ServiceKey).
// Both are made when missing (on create, and on the first write of an outpost that
// predates them), each with its model_created event; the account's name follows the
// outpost's; and its grants, view on the outpost and on each of its providers, are
// rewritten when it is new or the providers changed.
func saveOutpostAccount(s *Store, ctx context.Context, c conn, o *racd.Outpost, created bool, changed func(string) bool, a racd.Audit) error {
	u, err := s.outpostAccount(ctx, c, o)
	if errors.Is(err, errForeignAccount) {
		return nil
	}
	if err != nil {
		return err
	}
	fresh := false
	switch {
	case u == nil && o.ServiceKey == nil:
		return nil // nothing to make the token with: a write that did not come through the API
	case u == nil:
		if u, err = s.createOutpostAccount(ctx, c, o, a); err != nil {
			return err
		}
		fresh = true
	case u.Name != o.ServiceAccountName():
		before := userWriter.diff(u)
		u.Name = o.ServiceAccountName()
		if _, err := c.exec(ctx, "UPDATE users SET name = $1 WHERE id = $2", u.Name, u.ID); err != nil {
			return err
		}
		if err := s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, u.Ref(), racd.Diff(before, userWriter.diff(u))); err != nil {
			return err
		}
	}
	if o.ServiceKey != nil {
		if err := s.ensureOutpostToken(ctx, c, o, u, a); err != nil {
			return err
		}
	}
	if !fresh && !created && !changed("providers") {
		return nil
	}
	if _, err := c.exec(ctx, "DELETE FROM user_permissions WHERE user_id = $1", u.ID); err != nil {
		return err
	}
	b := &qb{d: s.d}
	id := b.arg(u.ID)
	rows := []string{"(" + id + ", " + b.arg(racd.OutpostModel.Perm(racd.PermView)) + ", " + b.arg(o.UUID) + ")"}
	for _, p := range o.Providers {
		rows = append(rows, "("+id+", "+b.arg(racd.ProviderModel.Perm(racd.PermView))+", "+b.arg(strconv.FormatInt(p, 10))+")")
	}
	_, err = c.exec(ctx, "INSERT INTO user_permissions (user_id, permission, object_pk) VALUES "+strings.Join(rows, ", "), b.args...)
	return err
}

// outpostAccount returns the outpost's service account, or nil when it has none.
// The account is found by its name, which a holder of change_user can give any user;
// racd never makes an outpost's account a superuser, so a superuser of that name is
// not the outpost's (errForeignAccount): an outpost's writes and its deletion never
// rename, regrant or delete a superuser (issue 9 §1).
func (s *Store) outpostAccount(ctx context.Context, c conn, o *racd.Outpost) (*racd.User, error) {
	u, err := get(ctx, s, c, userTable, "username", o.ServiceAccountUsername(), true)
	if errors.Is(err, racd.ErrNotFound) || errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err == nil && u.IsSuperuser {
		return nil, errForeignAccount
	}
	return u, err
}

// errForeignAccount: the user named as an outpost's service account is a superuser,
// hence not the outpost's; its writes leave the user alone.
var errForeignAccount = errors.New("sqlstore: the outpost's service account name belongs to a superuser")

// createOutpostAccount inserts the service account.
func (s *Store) createOutpostAccount(ctx context.Context, c conn, o *racd.Outpost, a racd.Audit) (*racd.User, error) {
	u := racd.NewUser()
	u.UUID = s.newUUID()
	u.Username = o.ServiceAccountUsername()
	u.Name = o.ServiceAccountName()
	u.Path = racd.OutpostUserPath
	u.Type = racd.UserTypeInternalServiceAccount
	err := c.queryRow(ctx, `INSERT INTO users (uuid, username, name, is_active, path, type, attributes, date_joined, last_updated, password_change_date)
		VALUES ($1, $2, $3, TRUE, $4, $5, $6, $7, $7, $7) RETURNING id`,
		u.UUID, u.Username, u.Name, u.Path, u.Type, string(u.Attributes), micros(s.now())).Scan(&u.ID)
	if err != nil {
		return nil, err
	}
	return u, s.recordModelEvent(ctx, c, racd.EventModelCreated, a, u.Ref(), racd.Diff(nil, userWriter.diff(u)))
}

// ensureOutpostToken creates the account's API token unless a token of that
// identifier exists (it is never taken over from another owner).
func (s *Store) ensureOutpostToken(ctx context.Context, c conn, o *racd.Outpost, u *racd.User, a racd.Audit) error {
	var n int
	if err := c.queryRow(ctx, "SELECT count(*) FROM tokens WHERE identifier = $1 OR managed = $2", o.TokenIdentifier(), o.TokenManaged()).Scan(&n); err != nil || n > 0 {
		return err
	}
	t := &racd.Token{UUID: s.newUUID(), Managed: o.TokenManaged(), Identifier: o.TokenIdentifier(), Intent: racd.IntentAPI,
		UserID: u.ID, Description: o.TokenDescription(), Expiring: false}
	if _, err := c.exec(ctx, `INSERT INTO tokens (uuid, identifier, key_hash, key_sealed, intent, user_id, description, expiring, expires, managed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, NULL, $8)`,
		t.UUID, t.Identifier, o.ServiceKey.Hash, o.ServiceKey.Ciphertext, t.Intent, t.UserID, t.Description, t.Managed); err != nil {
		return err
	}
	return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, t.Ref(), racd.Diff(nil, tokenWriter.diff(t)))
}

// removeOutpostAccount runs before an outpost is deleted (outpostWriter.removing): its
// service account goes, and with it the account's tokens and grants, each deletion
// recorded as deleting them through the API would be.
func removeOutpostAccount(s *Store, ctx context.Context, c conn, o *racd.Outpost, a racd.Audit) error {
	u, err := s.outpostAccount(ctx, c, o)
	if errors.Is(err, errForeignAccount) {
		return nil
	}
	if err != nil || u == nil {
		return err
	}
	if err := tokenWriter.deleteWhere(ctx, s, c, "t.user_id = $1", []any{u.ID}, a); err != nil {
		return err
	}
	return userWriter.deleteRow(ctx, s, c, u, a)
}
