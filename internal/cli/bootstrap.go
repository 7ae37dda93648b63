package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
)

// bootstrap creates the superuser akadmin and the API token RACD_BOOTSTRAP_TOKEN names
// when they are missing. An existing token is never overwritten; when its key is no
// longer the configured one, a warning says so (naming neither key), since the
// operator otherwise believes the new key works. A user named akadmin that bootstrap
// did not create is never promoted: a warning says so.
func bootstrap(ctx context.Context, cfg Config, store *sqlstore.Store, ring *keys.Keyring, log *slog.Logger) error {
	if cfg.BootstrapToken == "" {
		return nil
	}
	hash := ring.Hash(cfg.BootstrapToken)
	sealed, err := ring.Seal(cfg.BootstrapToken)
	if err != nil {
		return err
	}
	res, err := store.BootstrapAdmin(ctx, &racd.SealedKey{Hash: hash, Ciphertext: sealed})
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if res.Foreign {
		log.Warn("RACD_BOOTSTRAP_TOKEN ignored: the superuser bootstrap created is gone and the user now named "+racd.BootstrapUsername+
			" is not one bootstrap created, so it is neither promoted nor given the token; rename or delete that user to let bootstrap create "+
			racd.BootstrapUsername+" again, or create a superuser with racd user create --superuser", "user", racd.BootstrapUsername)
		return nil
	}
	if res.CreatedUser {
		log.Info("created bootstrap superuser", "user", racd.BootstrapUsername, "id", res.UserID)
	}
	if res.CreatedToken {
		log.Info("created bootstrap admin token", "user", racd.BootstrapUsername, "identifier", racd.BootstrapTokenIdentifier)
		return nil
	}
	exists, matches, err := store.BootstrapTokenMatches(ctx, hash)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if exists && !matches {
		log.Warn("RACD_BOOTSTRAP_TOKEN does not match the stored bootstrap token, which stays in force; "+
			"to use the new key, delete the token (DELETE /api/v3/core/tokens/"+racd.BootstrapTokenIdentifier+"/) and restart",
			"identifier", racd.BootstrapTokenIdentifier)
	}
	return nil
}
