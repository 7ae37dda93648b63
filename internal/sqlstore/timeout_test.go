package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/storetest"
)

// TestPostgresStatementTimeout pins the backstop under statement cancellation: with
// Options.StatementTimeout every connection has that statement_timeout, a statement
// running past it is cut (and is a 503-class error, not a 500), and migrating, which
// may wait for another replica and run long statements, lifts it on its connection
// only for as long as it migrates. JIT is off: its compilation cannot be interrupted.
func TestPostgresStatementTimeout(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, storetest.PostgresURL(t), Options{StatementTimeout: 200 * time.Millisecond, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := s.read().queryRow(ctx, "SHOW statement_timeout").Scan(&v); err != nil || v != "200ms" {
		t.Fatalf("statement_timeout after migrating = %q, %v; want 200ms", v, err)
	}
	if err := s.read().queryRow(ctx, "SHOW jit").Scan(&v); err != nil || v != "off" {
		t.Fatalf("jit = %q, %v; want off", v, err)
	}
	start := time.Now()
	var x any
	err = classify(s.read().queryRow(ctx, "SELECT pg_sleep(5)").Scan(&x))
	if !errors.Is(err, racd.ErrUnavailable) || time.Since(start) > 2*time.Second {
		t.Fatalf("a statement past the timeout: %v after %v", err, time.Since(start))
	}
}
