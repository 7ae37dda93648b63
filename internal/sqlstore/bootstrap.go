package sqlstore

import (
	"context"
	"crypto/subtle"
	"database/sql"

	"github.com/racd/racd/internal/racd"
)

// BootstrapTokenMatches reports whether the bootstrap token (identifier
// racd.BootstrapTokenIdentifier) exists and whether its key hash is hash. Bootstrap
// never overwrites the token, so a changed RACD_BOOTSTRAP_TOKEN would otherwise be
// ignored without a word.
func (s *Store) BootstrapTokenMatches(ctx context.Context, hash []byte) (exists, matches bool, err error) {
	var stored []byte
	err = s.read().queryRow(ctx, "SELECT key_hash FROM tokens WHERE identifier = $1", racd.BootstrapTokenIdentifier).Scan(&stored)
	if err == sql.ErrNoRows {
		return false, false, nil
	}
	if err != nil {
		return false, false, classify(err)
	}
	return true, subtle.ConstantTimeCompare(stored, hash) == 1, nil
}

// BootstrapAdmin implements racd.AuthStore. The bootstrap row is locked first, so
// replicas starting together take turns.
func (s *Store) BootstrapAdmin(ctx context.Context, key *racd.SealedKey) (racd.BootstrapResult, error) {
	var res racd.BootstrapResult
	err := s.write(ctx, func(c conn) error {
		res = racd.BootstrapResult{}
		var user sql.NullInt64
		var group sql.NullString
		if err := c.queryRow(ctx, "SELECT b.user_id, CAST(b.group_uuid AS TEXT) FROM bootstrap b WHERE b.id = 1"+s.d.forUpdate("b")).Scan(&user, &group); err != nil {
			return err
		}
		if user.Valid {
			res.UserID = user.Int64
		} else {
			var other int64
			err := c.queryRow(ctx, "SELECT id FROM users WHERE username = $1", racd.BootstrapUsername).Scan(&other)
			if err == nil {
				res.Foreign = true // not ours: never promoted, given no token
				return nil
			}
			if err != sql.ErrNoRows {
				return err
			}
			if err := s.createBootstrapAdmin(ctx, c, group.String, &res); err != nil {
				return err
			}
		}
		if key == nil {
			return nil
		}
		var n int
		if err := c.queryRow(ctx, "SELECT count(*) FROM tokens WHERE identifier = $1 OR key_hash = $2", racd.BootstrapTokenIdentifier, key.Hash).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil // never overwrite an existing token
		}
		if _, err := c.exec(ctx, `INSERT INTO tokens (uuid, identifier, key_hash, key_sealed, intent, user_id, description, expiring, expires)
			VALUES ($1, $2, $3, $4, 'api', $5, $6, FALSE, NULL)`,
			s.newUUID(), racd.BootstrapTokenIdentifier, key.Hash, key.Ciphertext, res.UserID, "Created by RACD_BOOTSTRAP_TOKEN"); err != nil {
			return err
		}
		res.CreatedToken = true
		return nil
	})
	return res, err
}

// createBootstrapAdmin creates akadmin as a member of the bootstrap's superuser group
// (group, when it still exists and still makes superusers, else a new one) and
// records both.
func (s *Store) createBootstrapAdmin(ctx context.Context, c conn, group string, res *racd.BootstrapResult) error {
	if err := c.queryRow(ctx, `INSERT INTO users (uuid, username, name, is_active, path, type, date_joined, last_updated, password_change_date)
		VALUES ($1, $2, $3, TRUE, 'users', 'internal', $4, $4, $4) RETURNING id`,
		s.newUUID(), racd.BootstrapUsername, "authentik Default Admin", micros(s.now())).Scan(&res.UserID); err != nil {
		return err
	}
	if group != "" {
		var ok int
		if err := c.queryRow(ctx, "SELECT count(*) FROM groups WHERE uuid = $1 AND is_superuser", group).Scan(&ok); err != nil {
			return err
		}
		if ok == 0 {
			group = ""
		}
	}
	if group == "" {
		var err error
		if group, err = s.newSuperuserGroup(ctx, c); err != nil {
			return err
		}
	}
	if _, err := c.exec(ctx, "INSERT INTO group_users (group_uuid, user_id) VALUES ($1, $2)", group, res.UserID); err != nil {
		return err
	}
	if _, err := c.exec(ctx, "UPDATE bootstrap SET user_id = $1, group_uuid = $2 WHERE id = 1", res.UserID, group); err != nil {
		return err
	}
	res.CreatedUser = true
	return nil
}

// newSuperuserGroup creates a superuser group named racd.BootstrapGroupName, or, when
// another group has that name, that name followed by the new group's short id.
func (s *Store) newSuperuserGroup(ctx context.Context, c conn) (string, error) {
	id := s.newUUID()
	name := racd.BootstrapGroupName
	var taken int
	if err := c.queryRow(ctx, "SELECT count(*) FROM groups WHERE name = $1", name).Scan(&taken); err != nil {
		return "", err
	}
	if taken > 0 {
		name += " " + id[:8]
	}
	_, err := c.exec(ctx, `INSERT INTO groups (uuid, num_pk, name, is_superuser) VALUES ($1, `+nextGroupNumPK+`, $2, TRUE)`, id, name)
	return id, err
}

// Bootstrap implements racd.AuthStore.
func (s *Store) Bootstrap(ctx context.Context, key racd.SealedKey) (bool, error) {
	res, err := s.BootstrapAdmin(ctx, &key)
	return res.CreatedToken, err
}

// superuserGroup returns the group the operator's superusers join (racd user create
// --superuser): the bootstrap's group while it makes superusers, else the oldest group
// with is_superuser, else a new one. Never a group found by its name, which anyone
// allowed to create or rename groups could take.
func (s *Store) superuserGroup(ctx context.Context, c conn) (string, error) {
	var id string
	err := c.queryRow(ctx, `SELECT CAST(g.uuid AS TEXT) FROM groups g LEFT JOIN bootstrap b ON b.group_uuid = g.uuid
		WHERE g.is_superuser ORDER BY b.id IS NULL, g.num_pk LIMIT 1`).Scan(&id)
	if err == sql.ErrNoRows {
		return s.newSuperuserGroup(ctx, c)
	}
	return id, err
}
