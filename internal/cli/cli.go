// Package cli is racd's command line: serve, migrate and the operator commands. It
// resolves configuration from flags and RACD_* variables and is the only package that
// wires the store and the API together.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

const usage = `racd serves authentik's RAC (Remote Access Control) management API — RAC providers,
their flows, property mappings, endpoints, applications, outposts and connection tokens —
wire-compatible with authentik 2024.6, as one binary on SQLite or PostgreSQL.

Usage: racd <command> [flags]

Commands:
  serve      run the API server (the default command)
  migrate    apply pending database migrations and exit
  user       create users and set passwords: racd user create --username U [--name N] [--superuser],
             racd user set-password --username U (the password from the terminal or standard input)
  token      create API tokens: racd token create --user U [--identifier I] [--expires 24h|RFC3339|never]
  backup     copy the SQLite database while racd serves, and verify the copy: racd backup --to FILE
  version    print the version, the VCS revision it was built from and the Go version

Run 'racd <command> --help' for a command's settings.
`

// Run executes racd with args (without the program name) and returns the exit code.
// Commands that read standard input find none; RunStdin gives them one.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return RunStdin(ctx, args, nil, stdout, stderr, getenv)
}

// RunStdin is Run with standard input (racd user set-password reads the password
// from it, or from the terminal it is).
func RunStdin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, stdout, stderr, getenv)
	case "migrate":
		err = migrate(ctx, args, stdout, stderr, getenv)
	case "user":
		err = userCmd(ctx, args, stdin, stdout, stderr, getenv)
	case "token":
		err = tokenCmd(ctx, args, stdout, stderr, getenv)
	case "backup":
		err = backupCmd(ctx, args, stdout, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, versionLine())
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "racd: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "racd:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "racd:", err)
		return 1
	}
}

// errUsage marks errors in how racd was invoked (exit code 2).
var errUsage = errors.New("usage")
