package expr

import (
	"context"
	"testing"
	"time"
)

// TestOutcome: each way an evaluation ends is classified for the metrics, and a limit
// is told apart from an error in the expression.
func TestOutcome(t *testing.T) {
	cases := []struct {
		name, src string
		lim       Limits
		want      string
	}{
		{"ok", `return {"a": 1}`, Limits{}, OutcomeOK},
		{"raises", `return {"a": 1 // 0}`, Limits{}, OutcomeFailed},
		{"not a dict", `return [1]`, Limits{}, OutcomeFailed},
		{"steps", "x = 0\nwhile True:\n    x += 1", Limits{Steps: 10000}, OutcomeOverBudget},
		{"time", "x = 0\nwhile True:\n    x += 1", Limits{Steps: 1 << 62, Timeout: 50 * time.Millisecond}, OutcomeOverBudget},
		{"memory", "s = 'x'\nfor i in range(40):\n    s = s + s\nreturn {}", Limits{}, OutcomeOverBudget},
	}
	for _, c := range cases {
		prog, err := Compile(c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, err = prog.Eval(context.Background(), Vars{}, c.lim)
		if got := Outcome(err); got != c.want {
			t.Errorf("%s: %s (%v), want %s", c.name, got, err, c.want)
		}
	}
	if _, err := Compile("return {"); Outcome(err) != OutcomeFailed {
		t.Error("a compile error is not failed")
	}
}
