package expr

import "errors"

// Outcomes of an evaluation, as metrics count them.
const (
	// OutcomeOK: the expression returned a dict.
	OutcomeOK = "ok"
	// OutcomeFailed: it raised an error, did not compile or returned something else.
	OutcomeFailed = "failed"
	// OutcomeOverBudget: it ran out of steps, time or memory (see Limits and guard.go).
	OutcomeOverBudget = "over_budget"
)

// overBudgetError marks an evaluation stopped by a limit; it reads as the error the
// expression's author sees.
type overBudgetError struct{ err error }

func (e overBudgetError) Error() string { return e.err.Error() }
func (e overBudgetError) Unwrap() error { return e.err }

// Outcome classifies what Eval or EvalMapping returned.
func Outcome(err error) string {
	var ob overBudgetError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.As(err, &ob):
		return OutcomeOverBudget
	}
	return OutcomeFailed
}
