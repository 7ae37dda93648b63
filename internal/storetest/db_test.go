package storetest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// outcome records how PostgresURL ended a test, without ending the real one.
type outcome struct {
	testing.TB
	fatal, skip string
}

func (o *outcome) Fatalf(format string, args ...any) {
	o.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (o *outcome) Skipf(format string, args ...any) {
	o.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (o *outcome) Helper() {}

func run(tb testing.TB, fn func(tb testing.TB)) *outcome {
	o := &outcome{TB: tb}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(o)
	}()
	<-done
	return o
}

// TestPostgresURLFailsWhenUnreachable: with RACD_TEST_POSTGRES_URL set, a server that
// cannot be reached fails the test (CI must not pass by skipping); unset, the test
// skips with a message that says how to run it.
func TestPostgresURLFailsWhenUnreachable(t *testing.T) {
	t.Setenv(PostgresEnv, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	o := run(t, func(tb testing.TB) { PostgresURL(tb) })
	if o.fatal == "" || o.skip != "" || !strings.Contains(o.fatal, "unusable") {
		t.Fatalf("unreachable server: fatal %q skip %q, want a failure", o.fatal, o.skip)
	}
	t.Setenv(PostgresEnv, "")
	o = run(t, func(tb testing.TB) { PostgresURL(tb) })
	if o.skip == "" || o.fatal != "" || !strings.Contains(o.skip, PostgresEnv) {
		t.Fatalf("unset: fatal %q skip %q, want a skip naming %s", o.fatal, o.skip, PostgresEnv)
	}
}
