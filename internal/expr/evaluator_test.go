package expr

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// TestEvaluatorSlots pins the bound on evaluations running at once: a reservation
// past it waits at most one evaluation time limit and then fails with ErrBusy, and a
// released slot serves the next one.
func TestEvaluatorSlots(t *testing.T) {
	e := NewEvaluator(2, Limits{Timeout: 200 * time.Millisecond})
	ctx := context.Background()
	a, err := e.Reserve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Reserve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := e.Reserve(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("third reservation: %v, want ErrBusy", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Fatalf("third reservation gave up after %v, want about 200ms", d)
	}
	a.Release()
	c, err := e.Reserve(ctx)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	b.Release()
	c.Release()
	c.Release() // releasing twice frees one slot only
	var held atomic.Int32
	var peak atomic.Int32
	var wg sync.WaitGroup
	e.run = func(context.Context, *racd.PropertyMapping, Vars, Limits) (map[string]any, error) {
		n := held.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		held.Add(-1)
		return map[string]any{}, nil
	}
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := e.Reserve(ctx)
			if err != nil {
				return
			}
			defer s.Release()
			_, _ = s.EvalMapping(ctx, &racd.PropertyMapping{}, Vars{})
		}()
	}
	wg.Wait()
	if p := peak.Load(); p != 2 {
		t.Fatalf("%d evaluations ran at once, want 2", p)
	}
}

// TestEvaluatorOverrun pins the net under the guards: an evaluation that does not
// stop at its time limit is answered with an error shortly after it, and keeps its
// slot until it really ends, so runaways never exceed the bound.
func TestEvaluatorOverrun(t *testing.T) {
	e := NewEvaluator(1, Limits{Timeout: 100 * time.Millisecond})
	finished := make(chan struct{})
	e.run = func(context.Context, *racd.PropertyMapping, Vars, Limits) (map[string]any, error) {
		time.Sleep(3 * time.Second) // ignores its context, as a step that never yields would
		close(finished)
		return map[string]any{}, nil
	}
	ctx := context.Background()
	s, err := e.Reserve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.EvalMapping(ctx, &racd.PropertyMapping{}, Vars{})
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("answered after %v", d)
	}
	if err == nil || !strings.Contains(err.Error(), "time limit exceeded") {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.EvalMapping(ctx, &racd.PropertyMapping{}, Vars{}); err == nil || !strings.Contains(err.Error(), "overran") {
		t.Fatalf("second evaluation in an overrun slot: %v", err)
	}
	s.Release()
	if _, err := e.Reserve(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("slot freed while its evaluation still runs: %v", err)
	}
	<-finished
	deadline := time.Now().Add(time.Second)
	for {
		s, err := e.Reserve(ctx)
		if err == nil {
			s.Release()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("slot never freed after its evaluation ended")
		}
	}
}

// TestEvaluatorSequence pins that a slot's evaluations follow each other: one that
// ended is never taken for one still running (the slot's record of it is updated
// before its result is handed back).
func TestEvaluatorSequence(t *testing.T) {
	e := NewEvaluator(1, Limits{})
	e.run = func(context.Context, *racd.PropertyMapping, Vars, Limits) (map[string]any, error) {
		return map[string]any{}, nil
	}
	s, err := e.Reserve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	for i := 0; i < 20000; i++ {
		if _, err := s.EvalMapping(context.Background(), &racd.PropertyMapping{}, Vars{}); err != nil {
			t.Fatalf("evaluation %d: %v", i, err)
		}
	}
}
