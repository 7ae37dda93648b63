package expr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/racd/racd/internal/racd"
)

// Limits bound one evaluation. The zero value means the defaults.
type Limits struct {
	// Steps bounds Starlark computation steps (default 200000).
	Steps uint64
	// Timeout bounds wall-clock time (default 1s).
	Timeout time.Duration
}

const (
	defaultSteps   = 200000
	defaultTimeout = time.Second
)

// Vars are the values an expression sees, as JSON-like Go values (nil, bool, string,
// json.Number, int, int64, float64, []any, map[string]any). Each is bound as a
// read-only dict whose keys are also attributes (user["email"] and user.email); a nil
// one binds None, except Request, which then binds {"user": user, "http_request": None}
// as authentik's request object has the user.
type Vars struct {
	User     map[string]any
	Provider map[string]any
	Endpoint map[string]any
	Request  map[string]any // nil: None
}

// Eval runs the program with vars bound and returns the dict it returns, converted to
// JSON-like Go values (ints as json.Number). It fails when the expression fails,
// returns anything but a dict (with string keys), exceeds the step limit, runs past
// the timeout or ctx, or builds values beyond the guards' limits.
func (p *Program) Eval(ctx context.Context, vars Vars, lim Limits) (map[string]any, error) {
	out, err := p.eval(ctx, vars, lim.withDefaults())
	if err != nil {
		return nil, shorten(err)
	}
	return out, nil
}

// withDefaults fills in the zero fields.
func (lim Limits) withDefaults() Limits {
	if lim.Steps == 0 {
		lim.Steps = defaultSteps
	}
	if lim.Timeout <= 0 {
		lim.Timeout = defaultTimeout
	}
	return lim
}

// maxErrorBytes bounds an evaluation's error message, which may quote values and is
// recorded in a configuration_error event.
const maxErrorBytes = 1 << 10

// shorten cuts a long error message.
func shorten(err error) error {
	msg := err.Error()
	if len(msg) <= maxErrorBytes {
		return err
	}
	cut := maxErrorBytes
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	short := errors.New(msg[:cut] + "…")
	if Outcome(err) == OutcomeOverBudget {
		return overBudgetError{short}
	}
	return short
}

func (p *Program) eval(ctx context.Context, vars Vars, lim Limits) (map[string]any, error) {
	thread := &starlark.Thread{Name: "property-mapping", Print: func(*starlark.Thread, string) {}}
	thread.SetMaxExecutionSteps(lim.Steps)
	alloc := &budget{left: maxAllocBytes}
	thread.SetLocal(budgetKey, alloc)
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { thread.Cancel("time limit exceeded") })
	defer stop()

	predeclared := starlark.StringDict{}
	for k, v := range p.guards {
		predeclared[k] = v
	}
	for name, v := range map[string]map[string]any{"user": vars.User, "provider": vars.Provider, "endpoint": vars.Endpoint, "request": vars.Request} {
		if v == nil {
			predeclared[name] = starlark.None
			continue
		}
		sv, err := toStarlark(v)
		if err != nil {
			return nil, fmt.Errorf("binding %s: %w", name, err)
		}
		predeclared[name] = newRecord(sv.(*starlark.Dict))
	}
	if vars.Request == nil {
		// As in authentik, request is there even without an HTTP request, and
		// request.user is the user.
		d := starlark.NewDict(2)
		_ = d.SetKey(starlark.String("user"), predeclared["user"])
		_ = d.SetKey(starlark.String("http_request"), starlark.None)
		predeclared["request"] = newRecord(d)
	}
	globals, err := p.prog.Init(thread, predeclared)
	if err != nil {
		over := ctx.Err() != nil || thread.ExecutionSteps() >= lim.Steps || alloc.left < 0 ||
			errors.Is(err, errTooLarge) || errors.Is(err, errRecursion)
		var ee *starlark.EvalError
		if errors.As(err, &ee) {
			err = errors.New(ee.Msg)
		}
		if over {
			err = overBudgetError{err}
		}
		return nil, err
	}
	res, ok := globals["result"].(*starlark.Dict)
	if !ok {
		t := "None"
		if v := globals["result"]; v != nil {
			t = v.Type()
		}
		return nil, fmt.Errorf("expression returned %s, not a dict", t)
	}
	conv := converter{left: racd.MaxMappingResultBytes}
	out, err := conv.convert(res, 0)
	if errors.Is(err, errResultTooLarge) {
		return nil, overBudgetError{err}
	}
	if err != nil {
		return nil, err
	}
	return out.(map[string]any), nil
}

// toStarlark converts a JSON-like Go value.
func toStarlark(v any) (starlark.Value, error) {
	switch x := v.(type) {
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(x), nil
	case string:
		return starlark.String(x), nil
	case int:
		return starlark.MakeInt(x), nil
	case int64:
		return starlark.MakeInt64(x), nil
	case float64:
		return starlark.Float(x), nil
	case json.Number:
		if i, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return starlark.MakeInt64(i), nil
		}
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			return nil, err
		}
		return starlark.Float(f), nil
	case []any:
		elems := make([]starlark.Value, len(x))
		for i, e := range x {
			sv, err := toStarlark(e)
			if err != nil {
				return nil, err
			}
			elems[i] = sv
		}
		return starlark.NewList(elems), nil
	case []string:
		elems := make([]starlark.Value, len(x))
		for i, e := range x {
			elems[i] = starlark.String(e)
		}
		return starlark.NewList(elems), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(x))
		for _, k := range keys {
			sv, err := toStarlark(x[k])
			if err != nil {
				return nil, err
			}
			if err := d.SetKey(starlark.String(k), sv); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	return nil, fmt.Errorf("cannot bind %T", v)
}

// errResultTooLarge is the failure of a result over racd.MaxMappingResultBytes.
var errResultTooLarge = fmt.Errorf("result larger than %d KiB", racd.MaxMappingResultBytes>>10)

// converter converts a result value to JSON-like Go values, counting what the result
// takes as JSON: parts a value shares are counted (and copied) as often as they occur,
// so without the bound a small value could expand to gigabytes.
type converter struct{ left int64 }

// take counts n bytes of the result.
func (c *converter) take(n int) error {
	if c.left -= int64(n); c.left < 0 {
		return errResultTooLarge
	}
	return nil
}

func (c *converter) convert(v starlark.Value, depth int) (any, error) {
	if depth > 32 {
		return nil, errors.New("result nested too deeply")
	}
	switch x := v.(type) {
	case starlark.NoneType:
		return nil, c.take(4)
	case starlark.Bool:
		return bool(x), c.take(5)
	case starlark.String:
		return string(x), c.take(len(x) + 2)
	case starlark.Int:
		s := x.String()
		return json.Number(s), c.take(len(s))
	case starlark.Float:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("result holds a non-finite number")
		}
		return f, c.take(24)
	case *starlark.List:
		return c.list(x.Len(), x.Index, depth)
	case starlark.Tuple:
		return c.list(len(x), func(i int) starlark.Value { return x[i] }, depth)
	case *record:
		return c.convert(x.d, depth)
	case *starlark.Dict:
		if err := c.take(2 + x.Len()); err != nil {
			return nil, err
		}
		out := make(map[string]any, x.Len())
		for _, it := range x.Items() {
			k, ok := it[0].(starlark.String)
			if !ok {
				return nil, fmt.Errorf("result has a key of type %s; keys must be strings", it[0].Type())
			}
			if err := c.take(len(k) + 3); err != nil {
				return nil, err
			}
			e, err := c.convert(it[1], depth+1)
			if err != nil {
				return nil, err
			}
			out[string(k)] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("result holds a value of type %s", v.Type())
}

func (c *converter) list(n int, index func(int) starlark.Value, depth int) (any, error) {
	if err := c.take(2 + n); err != nil {
		return nil, err
	}
	out := make([]any, n)
	for i := range out {
		e, err := c.convert(index(i), depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// EvalMapping returns the settings a RAC property mapping contributes: its
// static_settings when they are a non-empty object, else the dict its expression
// returns. An error means the mapping is skipped (and reported by the caller).
func EvalMapping(ctx context.Context, m *racd.PropertyMapping, vars Vars, lim Limits) (map[string]any, error) {
	// Its secret parameters count: the store opened them for the connection.
	full := racd.JoinSettings(m.StaticSettings, m.StaticSecrets.Plain)
	if static := racd.DecodeObject(full); len(static) > 0 {
		if len(full) > racd.MaxMappingResultBytes {
			return nil, errResultTooLarge
		}
		return static, nil
	}
	prog, err := Compile(m.Expression)
	if err != nil {
		return nil, err
	}
	return prog.Eval(ctx, vars, lim)
}
