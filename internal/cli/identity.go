package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
)

// The operator commands share the database and secret settings of serve.
var operatorSettings = []setting{serveSettings[1], serveSettings[2], serveSettings[3], serveSettings[5], serveSettings[6]}

const userUsage = `Usage: racd user create --username U [--name N] [--superuser] [settings]
       racd user set-password --username U [settings]

Create a user. With --superuser the user joins the superuser group "authentik Admins"
(created when missing). Set a user's password for the sign-in page with set-password:
it is read from the terminal or standard input, never from the command line.
Run 'racd user create --help' or 'racd user set-password --help' for the settings.
`

const userCreateSummary = `Create a user.

Command flags:
  --username U   the user's username (required, unique)
  --name N       display name (default: the username)
  --superuser    make the user a superuser (member of "authentik Admins")`

const tokenUsage = `Usage: racd token create --user U [--identifier I] [--expires 24h|RFC3339|never] [--description D] [settings]

Create an API token for a user and print its key on stdout. The key is shown only
this once (it stays retrievable through view_key by its owner and superusers).
Run 'racd token create --help' for the settings.
`

const tokenCreateSummary = `Create an API token and print its key (once) on stdout.

Command flags:
  --user U         username of the token's owner (required)
  --identifier I   token identifier, letters, digits, - and _ (default: cli-<random>)
  --expires E      lifetime (a Go duration such as 24h or 720h), an RFC 3339 time, or
                   "never" for a token that does not expire (default 24h)
  --description D  free text`

// parseOperator parses settings plus command flags added by addFlags.
func parseOperator(name, summary string, args []string, getenv func(string) string, out io.Writer, addFlags func(fs *flag.FlagSet)) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	resolve := settingFlags(fs, operatorSettings, getenv)
	addFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(out, name, summary, operatorSettings)
			return Config{}, flag.ErrHelp
		}
		return Config{}, fmt.Errorf("%w: %v\nrun '%s --help' for usage", errUsage, err, name)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	res := resolve()
	res["RACD_LISTEN"] = ":0" // not an operator setting: nothing listens
	return toConfig(res)
}

// createArgs returns the arguments after "create", the only subcommand of racd noun;
// false means there is nothing more to do: help was asked for, or err.
func createArgs(args []string, noun, usage string, stdout io.Writer) ([]string, bool, error) {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return nil, false, fmt.Errorf("%w: missing subcommand", errUsage)
		}
		return nil, false, nil
	}
	if args[0] != "create" {
		return nil, false, fmt.Errorf("%w: unknown subcommand %q of racd %s", errUsage, args[0], noun)
	}
	return args[1:], true, nil
}

// cliAudit marks changes made from the command line in their events.
func cliAudit(cmd string) racd.Audit {
	return racd.Audit{Request: racd.RequestInfo{Method: "CLI", Path: cmd, UserAgent: "racd/" + version()}, Superuser: true}
}

func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) > 0 && args[0] == "set-password" {
		return setPasswordCmd(ctx, args[1:], stdin, stdout, stderr, getenv)
	}
	args, ok, err := createArgs(args, "user", userUsage, stdout)
	if !ok {
		return err
	}
	var username, name string
	var superuser bool
	cfg, err := parseOperator("racd user create", userCreateSummary, args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "username")
		fs.StringVar(&name, "name", "", "display name")
		fs.BoolVar(&superuser, "superuser", false, "make the user a superuser")
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(username) == "" {
		return fmt.Errorf("%w: --username is required", errUsage)
	}
	if name == "" {
		name = username
	}
	log := newLogger(stderr, cfg)
	store, _, err := openStore(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	in := &racd.UserInput{Username: racd.Some(username), Name: racd.Some(name)}
	create := store.Users().Create
	if superuser {
		create = store.CreateSuperuser
	}
	u, err := create(ctx, in, cliAudit("racd user create"))
	if err != nil {
		return describeFieldErrors(err)
	}
	kind := "user"
	if superuser {
		kind = "superuser"
	}
	fmt.Fprintf(stdout, "created %s %s (pk %d)\n", kind, u.Username, u.ID)
	return nil
}

func tokenCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	args, ok, err := createArgs(args, "token", tokenUsage, stdout)
	if !ok {
		return err
	}
	var username, identifier, expires, description string
	cfg, err := parseOperator("racd token create", tokenCreateSummary, args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "owner's username")
		fs.StringVar(&identifier, "identifier", "", "token identifier")
		fs.StringVar(&expires, "expires", "24h", "lifetime, RFC 3339 time or never")
		fs.StringVar(&description, "description", "", "description")
	})
	if err != nil {
		return err
	}
	if username == "" {
		return fmt.Errorf("%w: --user is required", errUsage)
	}
	expiring, at, err := parseExpires(expires, time.Now())
	if err != nil {
		return fmt.Errorf("%w: --expires: %v", errUsage, err)
	}
	if identifier == "" {
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		identifier = "cli-" + hex.EncodeToString(b[:])
	}
	store, ring, u, err := openForUser(ctx, cfg, stderr, username)
	if err != nil {
		return err
	}
	defer store.Close()
	key, err := keys.RandomKey(60)
	if err != nil {
		return err
	}
	sealed, err := ring.Seal(key)
	if err != nil {
		return err
	}
	in := &racd.TokenInput{
		Key:        racd.SealedKey{Hash: ring.Hash(key), Ciphertext: sealed},
		Identifier: racd.Some(identifier), Intent: racd.Some(racd.IntentAPI), User: racd.Some(racd.IntRef{ID: u.ID}),
		Description: racd.Some(description), Expiring: racd.Some(expiring), Expires: racd.Some(at),
	}
	t, err := store.Tokens().Create(ctx, in, cliAudit("racd token create"))
	if err != nil {
		return describeFieldErrors(err)
	}
	when := "never"
	if t.Expiring && t.Expires != nil {
		when = t.Expires.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stderr, "created API token %s for %s (expires: %s); the key follows on stdout and is not shown again\n", t.Identifier, u.Username, when)
	fmt.Fprintln(stdout, key)
	return nil
}

// openForUser opens the database of an operator command and finds the user it acts
// on; the caller closes the store.
func openForUser(ctx context.Context, cfg Config, stderr io.Writer, username string) (*sqlstore.Store, *keys.Keyring, *racd.User, error) {
	store, ring, err := openStore(ctx, cfg, newLogger(stderr, cfg), nil)
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := userByUsername(ctx, store, username)
	if errors.Is(err, racd.ErrNotFound) {
		err = fmt.Errorf("no user with username %q", username)
	}
	if err != nil {
		store.Close()
		return nil, nil, nil, err
	}
	return store, ring, u, nil
}

// userByUsername finds a user by username, or ErrNotFound.
func userByUsername(ctx context.Context, store racd.Store, username string) (*racd.User, error) {
	users, _, err := store.Users().List(ctx, racd.UserQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1, Visible: racd.Everything}, Username: &username})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, racd.ErrNotFound
	}
	return users[0], nil
}

// parseExpires reads --expires: "never", a positive Go duration, or an RFC 3339 time
// in the future.
func parseExpires(s string, now time.Time) (bool, *time.Time, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "never") {
		return false, nil, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return false, nil, errors.New("the duration must be positive")
		}
		t := now.Add(d).UTC().Truncate(time.Microsecond)
		return true, &t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return false, nil, fmt.Errorf("%q is neither a duration (24h), an RFC 3339 time nor never", s)
	}
	if !t.After(now) {
		return false, nil, errors.New("the time is in the past")
	}
	t = t.UTC().Truncate(time.Microsecond)
	return true, &t, nil
}

// describeFieldErrors turns validation errors into one readable error.
func describeFieldErrors(err error) error {
	fe, ok := racd.AsFieldErrors(err)
	if !ok {
		return err
	}
	var parts []string
	for _, f := range fe.Fields() {
		parts = append(parts, f+": "+strings.Join(fe.Messages(f), " "))
	}
	return errors.New(strings.Join(parts, "; "))
}
