package expr

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/racd/racd/internal/racd"
)

// DefaultMaxEvaluations is how many evaluations run at once unless configured.
const DefaultMaxEvaluations = 8

// ErrBusy is the answer of Reserve when no slot frees up within the time bound.
var ErrBusy = errors.New("too many property-mapping evaluations are running")

// overrun is how long past its time limit an evaluation may take before its caller
// stops waiting for it. Cancellation is checked between Starlark steps and the guards
// keep every step short, so an evaluation normally ends within a millisecond of its
// limit; this is the net for a step that does not.
const overrun = 250 * time.Millisecond

// Evaluator runs property-mapping expressions, at most a fixed number at once: each
// evaluation may use tens of MiB and a CPU for its whole time limit, so the number
// running together bounds what a burst of launches can take from the server.
type Evaluator struct {
	slots chan struct{}
	lim   Limits
	run   func(context.Context, *racd.PropertyMapping, Vars, Limits) (map[string]any, error) // EvalMapping; tests replace it
}

// NewEvaluator returns an Evaluator running at most max evaluations at once (max ≤ 0:
// DefaultMaxEvaluations), each within lim.
func NewEvaluator(max int, lim Limits) *Evaluator {
	if max <= 0 {
		max = DefaultMaxEvaluations
	}
	return &Evaluator{slots: make(chan struct{}, max), lim: lim.withDefaults(), run: EvalMapping}
}

// Max is the number of evaluations that may run at once.
func (e *Evaluator) Max() int { return cap(e.slots) }

// Timeout is the time limit of one evaluation.
func (e *Evaluator) Timeout() time.Duration { return e.lim.Timeout }

// Slot is one reserved evaluation slot. Its evaluations run one at a time.
type Slot struct {
	e        *Evaluator
	released bool
	running  chan struct{} // closed when the last evaluation has returned
}

// Reserve waits for a free slot, at most one evaluation time limit (or until ctx
// ends): ErrBusy when none frees up.
func (e *Evaluator) Reserve(ctx context.Context) (*Slot, error) {
	t := time.NewTimer(e.lim.Timeout)
	defer t.Stop()
	select {
	case e.slots <- struct{}{}:
		done := make(chan struct{})
		close(done)
		return &Slot{e: e, running: done}, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ErrBusy
	}
}

// Release frees the slot once its last evaluation has really returned.
func (s *Slot) Release() {
	if s == nil || s.released {
		return
	}
	s.released = true
	running, slots := s.running, s.e.slots
	go func() {
		<-running
		<-slots
	}()
}

// EvalMapping is EvalMapping run in the slot: it returns within the time limit (plus
// a short overrun) even if the evaluation does not, which then keeps the slot until
// it ends.
func (s *Slot) EvalMapping(ctx context.Context, m *racd.PropertyMapping, vars Vars) (map[string]any, error) {
	select {
	case <-s.running:
	default:
		return nil, errors.New("not evaluated: the previous evaluation overran its time limit")
	}
	running := make(chan struct{})
	s.running = running
	type result struct {
		out map[string]any
		err error
	}
	ch := make(chan result, 1)
	go func() {
		out, err := s.e.run(ctx, m, vars, s.e.lim)
		close(running) // first: whoever receives the result may start the next one
		ch <- result{out, err}
	}()
	t := time.NewTimer(s.e.lim.Timeout + overrun)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.out, r.err
	case <-t.C:
		return nil, overBudgetError{fmt.Errorf("time limit exceeded (%v)", s.e.lim.Timeout)}
	}
}
