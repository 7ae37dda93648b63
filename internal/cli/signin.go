package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
)

// signInSettings are serve's settings for browser sign-in (appended to serveSettings:
// the operator commands pick earlier ones by position).
var signInSettings = []setting{
	{env: "RACD_BOOTSTRAP_PASSWORD", secret: true, help: "at start, when racd creates the superuser akadmin (it does not exist yet), give it this password for the sign-in page; a later start never changes an existing user's password"},
	{flag: "session-idle-timeout", env: "RACD_SESSION_IDLE_TIMEOUT", def: "8h", help: "a browser session not used for this long ends, unless a remote connection opened from it is live (its other connection tokens go with it)"},
	{flag: "session-max-age", env: "RACD_SESSION_MAX_AGE", def: "24h", help: "a browser session ends this long after sign-in, however active (with the remote connections opened from it)"},
	{flag: "authentication-flow", env: "RACD_AUTHENTICATION_FLOW", def: "default-authentication-flow", help: "slug of the sign-in page /if/flow/<slug>/ that / and the library send signed-out visitors to"},
}

// signInConfig reads the sign-in settings into c.
func (c *Config) signInConfig(v map[string]string) []error {
	var errs []error
	c.BootstrapPassword = v["RACD_BOOTSTRAP_PASSWORD"]
	if len(c.BootstrapPassword) > racd.MaxPasswordLength {
		errs = append(errs, fmt.Errorf("RACD_BOOTSTRAP_PASSWORD: longer than %d bytes", racd.MaxPasswordLength))
	}
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{{"RACD_SESSION_IDLE_TIMEOUT", &c.SessionIdleTimeout}, {"RACD_SESSION_MAX_AGE", &c.SessionMaxAge}} {
		s := v[d.env]
		if s == "" {
			s = settingDefault(d.env)
		}
		dur, err := parseDays(s)
		if err != nil || dur <= 0 {
			errs = append(errs, fmt.Errorf("%s %q: want a positive duration such as 30m, 8h or 7d", d.env, s))
		}
		*d.dst = dur
	}
	c.AuthenticationFlow = v["RACD_AUTHENTICATION_FLOW"]
	if c.AuthenticationFlow == "" {
		c.AuthenticationFlow = settingDefault("RACD_AUTHENTICATION_FLOW")
	}
	if _, ok := racd.ValidateSlug(&racd.FieldErrors{}, "slug", c.AuthenticationFlow, 50); !ok {
		errs = append(errs, fmt.Errorf("RACD_AUTHENTICATION_FLOW %q: want a slug (letters, digits, - and _)", c.AuthenticationFlow))
	}
	return errs
}

func settingDefault(env string) string {
	for _, st := range serveSettings {
		if st.env == env {
			return st.def
		}
	}
	return ""
}

// bootstrapPassword gives akadmin RACD_BOOTSTRAP_PASSWORD when racd creates akadmin
// now, as authentik's AUTHENTIK_BOOTSTRAP_PASSWORD does, with the same rules as
// RACD_BOOTSTRAP_TOKEN (store.BootstrapAdmin): akadmin is created only when the user
// bootstrap created before is gone and nobody else is named akadmin. An akadmin that
// exists keeps its password: racd never overwrites one from the environment. It runs
// before the token's bootstrap, which then finds akadmin and adds its token.
func bootstrapPassword(ctx context.Context, cfg Config, store *sqlstore.Store, log *slog.Logger) error {
	if cfg.BootstrapPassword == "" {
		return nil
	}
	hash, err := password.Hash(cfg.BootstrapPassword, password.Default)
	if err != nil {
		return err
	}
	res, err := store.BootstrapAdmin(ctx, nil)
	switch {
	case err != nil:
		return fmt.Errorf("bootstrap: %w", err)
	case res.Foreign:
		log.Warn("RACD_BOOTSTRAP_PASSWORD ignored: the user named "+racd.BootstrapUsername+" is not one bootstrap created; it keeps its password and is not promoted",
			"user", racd.BootstrapUsername)
		return nil
	case !res.CreatedUser:
		log.Info("RACD_BOOTSTRAP_PASSWORD ignored: akadmin exists and keeps its password (change it with racd user set-password)")
		return nil
	}
	log.Info("created bootstrap superuser", "user", racd.BootstrapUsername, "id", res.UserID)
	a := cliAudit("racd serve (RACD_BOOTSTRAP_PASSWORD)")
	if err := store.SetPassword(ctx, res.UserID, hash, "", a); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	log.Info("created bootstrap admin with its password", "user", racd.BootstrapUsername)
	return nil
}

const setPasswordSummary = `Set a user's password for the sign-in page. The password is read from the terminal
(typed twice, not shown) or, when standard input is not a terminal, from its first line;
never from the command line. The user's browser sessions end.

Command flags:
  --username U   the user's username (required)`

// setPasswordCmd is racd user set-password.
func setPasswordCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var username string
	cfg, err := parseOperator("racd user set-password", setPasswordSummary, args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "username")
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(username) == "" {
		return fmt.Errorf("%w: --username is required", errUsage)
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	store, _, u, err := openForUser(ctx, cfg, stderr, username)
	if err != nil {
		return err
	}
	defer store.Close()
	hash, err := password.Hash(pw, password.Default)
	if err != nil {
		return err
	}
	if err := store.SetPassword(ctx, u.ID, hash, "", cliAudit("racd user set-password")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password set for %s\n", u.Username)
	return nil
}

// readPassword reads a new password: from a terminal without echo, asked twice; else
// the first line of in.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "New password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		fmt.Fprint(prompt, "Repeat it: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ; nothing changed")
		}
		return checkPassword(string(a))
	}
	if in == nil {
		return "", errors.New("no password: give it on standard input")
	}
	line, err := bufio.NewReaderSize(io.LimitReader(in, racd.MaxPasswordLength+2), racd.MaxPasswordLength+2).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if err == io.EOF && len(line) > racd.MaxPasswordLength {
		return "", fmt.Errorf("the password is longer than %d bytes", racd.MaxPasswordLength)
	}
	return checkPassword(strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"))
}

func checkPassword(pw string) (string, error) {
	switch {
	case pw == "":
		return "", errors.New("the password is empty; nothing changed")
	case len(pw) > racd.MaxPasswordLength:
		return "", fmt.Errorf("the password is longer than %d bytes", racd.MaxPasswordLength)
	}
	return pw, nil
}
