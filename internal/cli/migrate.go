package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/racd/racd/internal/sqlstore"
)

var migrateSettings = []setting{serveSettings[1], serveSettings[5], serveSettings[6]}

const migrateSummary = `Apply pending database migrations and exit. On PostgreSQL, replicas that migrate at the
same time take turns under an advisory lock, so each migration runs once.`

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	vals, err := parseConfig("racd migrate", migrateSummary, migrateSettings, args, getenv, stdout)
	if err != nil {
		return err
	}
	vals["RACD_LISTEN"] = ":0"
	cfg, err := toConfig(vals)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg)
	store, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{Logger: log})
	if err != nil {
		return err
	}
	defer store.Close()
	applied, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	st, err := store.Status(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		fmt.Fprintf(stdout, "applied %04d_%s\n", m.Version, m.Name)
	}
	fmt.Fprintf(stdout, "schema at version %d (%s)\n", st.Current, store.Dialect())
	log.Debug("migrate done", "applied", len(applied))
	return nil
}
