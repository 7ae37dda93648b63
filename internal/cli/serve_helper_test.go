package cli_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/racd/racd/internal/cli"
)

// served is `racd serve` running in-process for a test.
type served struct {
	Addr   string
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan int
	code   int
	exited bool
}

var listeningRE = regexp.MustCompile(`msg="racd listening" addr=(\S+)`)

// startServe runs serve with vars until it listens; it is stopped when the test ends
// if the test did not stop it.
func startServe(t *testing.T, vars map[string]string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{logs: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	var out syncBuffer
	go func() { s.done <- cli.Run(ctx, []string{"serve"}, &out, s.logs, env(vars)) }()
	t.Cleanup(func() { s.Stop() })
	deadline := time.After(30 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(s.logs.String()); m != nil {
			s.Addr = m[1]
			return s
		}
		select {
		case code := <-s.done:
			t.Fatalf("serve exited %d:\n%s", code, s.logs.String())
		case <-deadline:
			t.Fatalf("serve did not listen:\n%s", s.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop cancels serve's context (as SIGTERM does) and returns its exit code.
func (s *served) Stop() int {
	if !s.exited {
		s.cancel()
		s.code = <-s.done
		s.exited = true
	}
	return s.code
}

// Logs returns what serve logged so far.
func (s *served) Logs() string { return s.logs.String() }

// serveOnce runs serve until it listens, stops it and returns its log.
func serveOnce(t *testing.T, vars map[string]string) string {
	t.Helper()
	s := startServe(t, vars)
	if code := s.Stop(); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, s.Logs())
	}
	return s.Logs()
}
