package expr

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// TestEvalMapping pins what a mapping contributes: non-empty static_settings win over
// the expression; otherwise the expression's dict; failures (errors, non-dicts,
// runaways) are errors, which the launch turns into a skipped mapping and a
// configuration_error event. Each evaluation must end within 1.5 s.
func TestEvalMapping(t *testing.T) {
	cases := []struct {
		name, static, expression string
		want                     map[string]any
		err                      string
	}{
		{"static wins over expression", `{"a":"static"}`, `return {"a": "expression"}`, map[string]any{"a": "static"}, ""},
		{"static wins over a broken expression", `{"a":1}`, `fail("never run")`, map[string]any{"a": json.Number("1")}, ""},
		{"empty static uses the expression", `{}`, `return {"a": user["username"]}`, map[string]any{"a": "alice"}, ""},
		{"no static stored", ``, `return {"n": 2}`, map[string]any{"n": json.Number("2")}, ""},
		{"failing expression", `{}`, `return {"a": user["missing"]}`, nil, "missing"},
		{"syntax error", `{}`, `return {`, nil, "line 1"},
		{"empty expression", `{}`, ``, nil, "not a dict"},
		{"runaway loop", `{}`, "while True:\n    pass", nil, "too many steps"},
		{"runaway allocation", `{}`, "s = 'x'\nwhile True:\n    s += s", nil, "too large"},
		{"runaway list", `{}`, `return {"l": list(range(1000000000))}`, nil, "range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := &racd.PropertyMapping{Name: c.name, StaticSettings: json.RawMessage(c.static), Expression: c.expression}
			start := time.Now()
			got, err := EvalMapping(context.Background(), m, vars(), Limits{})
			if d := time.Since(start); d >= 1500*time.Millisecond {
				t.Errorf("took %v", d)
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, c.want)
			}
		})
	}
}
