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
