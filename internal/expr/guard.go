package expr

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Starlark has one allocation check of its own: s * n and l * n fail with "excessive
// repeat" past 1<<30 bytes or elements, which still lets one step allocate 16 GiB
// (a list of 1<<30 Values). Nothing else is bounded: s + s doubles a string per step,
// list(range(10**9)) preallocates sixteen gigabytes inside one builtin call (which
// neither the step limit nor Cancel interrupts, as both are checked between
// instructions), "".join, str.replace, str.format and repr can build values far
// larger than their inputs in one call, int("9" * 10**6) runs for seconds, and a
// loop that keeps copies (l.append(s.upper())) grows memory at copy speed until the
// time limit.
//
// Values can also share parts: x = [x, x] forty times costs forty small steps but is
// a value of 2**40 leaves, and one step that walks all of it (str, print, fail, ==,
// in, sorted, hashing a tuple, converting the result) runs for hours and is not
// interrupted. And with recursion allowed (as in Python), Starlark lets a function
// nest 100,000 calls deep, about 100 MiB of Go stack per evaluation.
//
// racd therefore rewrites the syntax tree before compiling it (rewrite.go), so that
// no single step does more than about maxValueBytes of work or allocation:
//   - the operators that can grow a value (+ * % | <<, and their augmented forms)
//     become calls of a guard that computes the result's size first;
//   - comparisons and membership tests go through a guard that refuses to compare
//     two values that are both larger than maxValueBytes (counting shared parts as
//     often as they occur);
//   - every method call x.m(...) (and every method taken as a value, x.m or
//     getattr(x, "m")) goes through a guard that checks the growing and searching
//     methods (join, replace, format, extend, split, index, remove...) before the
//     call and charges every result after it;
//   - slices are charged (list slices copy), tuples are bounded when built;
//   - every function and lambda starts with a check of the call depth (maxCallDepth);
//   - range, list, tuple, sorted, min, max, set, dict, enumerate, zip, reversed, str,
//     repr, bytes, int, print and fail are replaced by checked versions.
//
// Each guard refuses a value over maxValueBytes and charges what it builds to a
// per-evaluation budget (maxAllocBytes). What the guards do not see grows by a small
// bounded amount per step, and steps and time are bounded. The result is converted
// with its own bound (maxResultBytes).
const (
	// maxValueBytes bounds one string, or one list/tuple/dict at 16 bytes per element.
	maxValueBytes = 1 << 20
	// maxAllocBytes bounds what the guards build in one evaluation.
	maxAllocBytes = 16 << 20
	// maxRange bounds len(range(...)).
	maxRange = 1 << 16
	// maxIntBits bounds integers built by guarded arithmetic.
	maxIntBits = 1 << 14
	// maxCallDepth bounds the Starlark call stack (every function, lambda and
	// built-in call counts): a function recursing about 197 calls deep fails with
	// Python's message, and the Go stack an evaluation uses stays near 1 MiB.
	maxCallDepth = 200
	// maxMessageBytes bounds what fail() may print.
	maxMessageBytes = 4 << 10

	opFunc      = "__racd_op__"
	compareFunc = "__racd_compare__"
	methodFunc  = "__racd_method__"
	boundFunc   = "__racd_bound__"
	chargeFunc  = "__racd_charge__"
	tupleFunc   = "__racd_tuple__"
	enterFunc   = "__racd_enter__"
	// maxIntDigits bounds int("...") as Python 3.11 does (int_max_str_digits).
	maxIntDigits = 4300
	budgetKey    = "racd.budget"
)

// errTooLarge is the failure of a guarded operation.
var errTooLarge = errors.New("value too large")

// errRecursion is the failure of a call past maxCallDepth (Python's message).
var errRecursion = errors.New("maximum recursion depth exceeded")

// budget is what the guards may still build in one evaluation.
type budget struct{ left int64 }

func charge(thread *starlark.Thread, n int64) error {
	if n > maxValueBytes {
		return errTooLarge
	}
	b, _ := thread.Local(budgetKey).(*budget)
	if b == nil {
		return nil
	}
	b.left -= n
	if b.left < 0 {
		return fmt.Errorf("allocation budget exhausted")
	}
	return nil
}

// bounded refuses v when its size, counting shared parts as often as they occur, is
// over maxValueBytes, and charges only its own elements: v shares the rest.
func bounded(thread *starlark.Thread, v starlark.Value) error {
	if sizeOf(v, maxValueBytes) > maxValueBytes {
		return errTooLarge
	}
	return charge(thread, 16*int64(max(starlark.Len(v), 0)))
}

// sizeOf estimates the bytes v occupies (and at least what its repr needs), giving up
// at limit.
func sizeOf(v starlark.Value, limit int64) int64 {
	var n int64
	var walk func(v starlark.Value, depth int)
	walk = func(v starlark.Value, depth int) {
		if n > limit {
			return
		}
		if depth > 64 {
			n = limit + 1
			return
		}
		switch x := v.(type) {
		case starlark.String:
			n += int64(len(x)) + 2
		case starlark.Bytes:
			n += int64(len(x)) + 3
		case starlark.Int:
			n += int64(x.BigInt().BitLen()/3) + 2
		case *starlark.List:
			n += 16 * int64(x.Len())
			for i := 0; i < x.Len() && n <= limit; i++ {
				walk(x.Index(i), depth+1)
			}
		case starlark.Tuple:
			n += 16 * int64(len(x))
			for _, e := range x {
				if n > limit {
					return
				}
				walk(e, depth+1)
			}
		case *starlark.Dict:
			n += 32 * int64(x.Len())
			for _, it := range x.Items() {
				if n > limit {
					return
				}
				walk(it[0], depth+1)
				walk(it[1], depth+1)
			}
		case *starlark.Set:
			n += 16 * int64(x.Len())
			iter := x.Iterate()
			var e starlark.Value
			for n <= limit && iter.Next(&e) {
				walk(e, depth+1)
			}
			iter.Done()
		case *record:
			walk(x.d, depth)
		default:
			n += 16
		}
	}
	walk(v, 0)
	return n
}

// guardedOp applies a growing binary operator after checking the result's size.
func guardedOp(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 3 || len(kwargs) != 0 {
		return nil, errors.New("internal: bad guarded operation")
	}
	opName, _ := starlark.AsString(args[0])
	x, y := args[1], args[2]
	inPlace := strings.HasSuffix(opName, "=")
	op := map[string]syntax.Token{"+": syntax.PLUS, "*": syntax.STAR, "%": syntax.PERCENT, "|": syntax.PIPE, "<<": syntax.LTLT}[strings.TrimSuffix(opName, "=")]
	if err := checkOp(thread, op, x, y); err != nil {
		return nil, err
	}
	if l, ok := x.(*starlark.List); ok && inPlace && op == syntax.PLUS {
		// As in Starlark, list += iterable extends the list in place.
		iter := starlark.Iterate(y)
		if iter == nil {
			return nil, fmt.Errorf("unsupported binary op: list + %s", y.Type())
		}
		defer iter.Done()
		var e starlark.Value
		for iter.Next(&e) {
			if err := l.Append(e); err != nil {
				return nil, err
			}
		}
		return l, nil
	}
	return starlark.Binary(op, x, y)
}

// checkOp charges the size of x op y, refusing results over the limits.
func checkOp(thread *starlark.Thread, op syntax.Token, x, y starlark.Value) error {
	var n int64
	switch op {
	case syntax.PLUS, syntax.PIPE:
		if xi, ok := x.(starlark.Int); ok {
			if yi, ok := y.(starlark.Int); ok {
				if max(xi.BigInt().BitLen(), yi.BigInt().BitLen()) > maxIntBits {
					return errTooLarge
				}
				return nil
			}
		}
		n = sizeOf(x, maxValueBytes) + sizeOf(y, maxValueBytes)
	case syntax.STAR:
		xi, xInt := x.(starlark.Int)
		yi, yInt := y.(starlark.Int)
		switch {
		case xInt && yInt:
			if xi.BigInt().BitLen()+yi.BigInt().BitLen() > maxIntBits {
				return errTooLarge
			}
			return nil
		case yInt:
			n = repeatSize(x, yi)
		case xInt:
			n = repeatSize(y, xi)
		default:
			return nil // floats and errors: no growth
		}
	case syntax.LTLT:
		xi, xInt := x.(starlark.Int)
		yi, yInt := y.(starlark.Int)
		if xInt && yInt {
			shift, ok := yi.Int64()
			if ok && shift > 0 && int64(xi.BigInt().BitLen())+shift > maxIntBits {
				return errTooLarge
			}
		}
		return nil
	case syntax.PERCENT:
		if _, ok := x.(starlark.String); !ok {
			return nil // arithmetic
		}
		n = sizeOf(x, maxValueBytes) + sizeOf(y, maxValueBytes)
		if s, _ := starlark.AsString(x); strings.Count(s, "%") > 0 {
			n += int64(strings.Count(s, "%")) * 64 // padding and number formatting
		}
	}
	return charge(thread, n)
}

// repeatSize is the size of seq * k, or more than maxValueBytes when it would be too large.
func repeatSize(seq starlark.Value, k starlark.Int) int64 {
	count, ok := k.Int64()
	if !ok || count > maxValueBytes {
		return maxValueBytes + 1
	}
	if count <= 0 {
		return 0
	}
	unit := sizeOf(seq, maxValueBytes)
	if s, ok := seq.(starlark.String); ok {
		unit = int64(len(s))
	}
	if unit > 0 && count > (maxValueBytes+1)/unit+1 {
		return maxValueBytes + 1
	}
	return unit * count
}

// guardedMethods are the growing methods guardedMethod charges before the call.
var guardedMethods = map[string]bool{"join": true, "replace": true, "format": true, "extend": true, "split": true, "rsplit": true, "splitlines": true}

// guardedMethod calls x.name(args...) after checking the growth of join, replace,
// format and extend.
func guardedMethod(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 2 {
		return nil, errors.New("internal: bad guarded method call")
	}
	recv := args[0]
	name, _ := starlark.AsString(args[1])
	rest := args[2:]
	var n int64
	switch name {
	case "join":
		if _, ok := recv.(starlark.String); ok && len(rest) == 1 {
			sep := int64(len(recv.(starlark.String)))
			if iter := starlark.Iterate(rest[0]); iter != nil {
				count := int64(0)
				var e starlark.Value
				for iter.Next(&e) && n <= maxValueBytes {
					n += sizeOf(e, maxValueBytes) + sep
					count++
				}
				iter.Done()
			}
		}
	case "replace":
		if s, ok := recv.(starlark.String); ok && len(rest) >= 2 {
			old, _ := starlark.AsString(rest[0])
			nw, _ := starlark.AsString(rest[1])
			k := int64(strings.Count(string(s), old))
			if old == "" {
				k = int64(len(s)) + 1
			}
			n = int64(len(s)) + k*int64(len(nw))
		}
	case "format":
		if s, ok := recv.(starlark.String); ok {
			n = int64(len(s))
			k := int64(strings.Count(string(s), "{")) + 1
			for _, a := range rest {
				n += k * sizeOf(a, maxValueBytes)
			}
			for _, kv := range kwargs {
				n += k * sizeOf(kv[1], maxValueBytes)
			}
		}
	case "extend":
		if l, ok := recv.(*starlark.List); ok && len(rest) == 1 {
			n = 16 * int64(l.Len()+max(starlark.Len(rest[0]), 0))
		}
	case "index", "remove":
		if len(rest) >= 1 {
			if err := checkSearch(rest[0], recv); err != nil {
				return nil, err
			}
		}
	case "split", "rsplit", "splitlines":
		// At most one part per character: a list of string headers.
		if s, ok := recv.(starlark.String); ok {
			n = 32 * (int64(len(s)) + 1)
		}
	}
	if err := charge(thread, n); err != nil {
		return nil, err
	}
	ha, ok := recv.(starlark.HasAttrs)
	if !ok {
		return nil, fmt.Errorf("%s has no .%s field or method", recv.Type(), name)
	}
	m, err := ha.Attr(name)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%s has no .%s field or method", recv.Type(), name)
	}
	res, err := starlark.Call(thread, m, rest, kwargs)
	if err != nil {
		return nil, err
	}
	if guardedMethods[name] {
		return res, nil // charged before the call
	}
	// Copies (upper, split, items, ...) are at most a small multiple of their
	// receiver, which the limits already bound: charge them after the fact.
	return res, charge(thread, sizeOf(res, maxValueBytes))
}

// guardedAttr returns x.name as a builtin that calls the method through the guard
// (for x.join and getattr(x, "join") used as values).
func guardedAttr(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 || len(kwargs) != 0 {
		return nil, errors.New("internal: bad guarded attribute")
	}
	recv, name := args[0], args[1]
	n, _ := starlark.AsString(name)
	ha, ok := recv.(starlark.HasAttrs)
	if !ok {
		return nil, fmt.Errorf("%s has no .%s field or method", recv.Type(), n)
	}
	v, err := ha.Attr(n)
	if err == nil && v == nil {
		err = fmt.Errorf("%s has no .%s field or method", recv.Type(), n)
	}
	if err != nil {
		return nil, err
	}
	if _, method := v.(*starlark.Builtin); !method {
		return v, nil // a field (a record's key): an existing value
	}
	return starlark.NewBuiltin(n, func(thread *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		return guardedMethod(thread, b, append(starlark.Tuple{recv, name}, a...), kw)
	}), nil
}

// guardedEnter starts every function and lambda: it bounds the call depth, and the
// size of *args (a tuple, built from the arguments without a tuple display).
func guardedEnter(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if thread.CallStackDepth() > maxCallDepth {
		return nil, errRecursion
	}
	for _, a := range args {
		if err := bounded(thread, a); err != nil {
			return nil, err
		}
	}
	return starlark.True, nil
}

// guardedTuple checks a tuple display's value.
func guardedTuple(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 || len(kwargs) != 0 {
		return nil, errors.New("internal: bad guarded tuple")
	}
	return args[0], bounded(thread, args[0])
}

// guardedCompare applies a comparison or membership test, refusing those that would
// walk more than about maxValueBytes: comparing two values stops at their first
// difference, so one of them must be small; x in a list or tuple compares x with
// every element.
func guardedCompare(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 3 || len(kwargs) != 0 {
		return nil, errors.New("internal: bad guarded comparison")
	}
	opName, _ := starlark.AsString(args[0])
	x, y := args[1], args[2]
	op := map[string]syntax.Token{"==": syntax.EQL, "!=": syntax.NEQ, "<": syntax.LT, "<=": syntax.LE,
		">": syntax.GT, ">=": syntax.GE, "in": syntax.IN, "not in": syntax.NOT_IN}[opName]
	if op == syntax.IN || op == syntax.NOT_IN {
		if err := checkSearch(x, y); err != nil {
			return nil, err
		}
		return starlark.Binary(op, x, y)
	}
	if sizeOf(x, maxValueBytes) > maxValueBytes && sizeOf(y, maxValueBytes) > maxValueBytes {
		return nil, errTooLarge
	}
	ok, err := starlark.Compare(op, x, y)
	if err != nil {
		return nil, err
	}
	return starlark.Bool(ok), nil
}

// checkSearch refuses x in seq (and seq.index(x), seq.remove(x)) when seq is a list or
// tuple that is large while x is large enough that comparing it with every element
// would walk more than maxValueBytes.
func checkSearch(x, seq starlark.Value) error {
	switch seq.(type) {
	case *starlark.List, starlark.Tuple:
	default:
		return nil // dicts and sets hash x (bounded: tuples are), strings search text
	}
	if sizeOf(seq, maxValueBytes) <= maxValueBytes {
		return nil
	}
	if sizeOf(x, maxValueBytes)*int64(starlark.Len(seq)) <= maxValueBytes {
		return nil
	}
	return errTooLarge
}
