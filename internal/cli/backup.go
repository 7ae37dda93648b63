package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/racd/racd/internal/sqlstore"
)

var backupSettings = []setting{serveSettings[1], serveSettings[3], serveSettings[5], serveSettings[6]}

const backupSummary = `Write a consistent copy of racd's SQLite database to --to FILE while racd serves it
(VACUUM INTO: a snapshot holding every write committed before the backup started), then
verify that the copy opens, passes PRAGMA integrity_check and holds racd's schema. FILE
must not exist; it is written with mode 0600. Token keys in the copy are sealed with the
server secret: keep the secret (RACD_SECRET_KEY, or <database>.secret) with the backup.
Restore: stop racd, put the copy in place of the database file, start racd.
PostgreSQL deployments back up with pg_dump instead.`

func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	to, rest, err := cutFlag(args, "to")
	if err != nil {
		return err
	}
	vals, err := parseConfig("racd backup --to FILE", backupSummary, backupSettings, rest, getenv, stdout)
	if err != nil {
		return err
	}
	if to == "" {
		return fmt.Errorf("%w: racd backup needs --to FILE", errUsage)
	}
	vals["RACD_LISTEN"] = ":0"
	cfg, err := toConfig(vals)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg)
	info, err := sqlstore.BackupSQLite(ctx, cfg.DatabaseURL, to)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s: %d bytes, schema version %d, integrity ok, %s\n",
		info.Source, info.Dest, info.Bytes, info.SchemaVersion, info.Took.Round(1e6))
	secret := cfg.SecretKeyFile
	if secret == "" {
		secret = info.Source + ".secret"
	}
	if _, err := os.Stat(secret); err == nil && getenv("RACD_SECRET_KEY") == "" {
		log.Info("keep the server secret with the backup: token keys in it are sealed with it", "secret_file", secret)
	}
	return nil
}

// cutFlag takes a command's own --name VALUE (or -name VALUE, --name=VALUE) out of
// args, leaving the shared settings to parseConfig.
func cutFlag(args []string, name string) (string, []string, error) {
	var val string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--"+name || a == "-"+name:
			if i+1 >= len(args) {
				return "", nil, fmt.Errorf("%w: %s needs a value", errUsage, a)
			}
			val = args[i+1]
			i++
		case strings.HasPrefix(a, "--"+name+"="):
			val = strings.TrimPrefix(a, "--"+name+"=")
		case strings.HasPrefix(a, "-"+name+"="):
			val = strings.TrimPrefix(a, "-"+name+"=")
		default:
			rest = append(rest, a)
		}
	}
	return val, rest, nil
}
