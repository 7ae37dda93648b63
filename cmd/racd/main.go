// Command racd serves authentik's RAC management API. See 'racd --help'.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/racd/racd/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.RunStdin(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
