package expr

import (
	"errors"
	"fmt"

	"go.starlark.net/starlark"
)

// guardedBuiltins are the guards the rewritten program calls, and checked versions of
// the universe's built-ins that build, format or compare values in one call.
func guardedBuiltins() starlark.StringDict {
	d := starlark.StringDict{
		opFunc:      starlark.NewBuiltin(opFunc, guardedOp),
		methodFunc:  starlark.NewBuiltin(methodFunc, guardedMethod),
		boundFunc:   starlark.NewBuiltin(boundFunc, guardedAttr),
		compareFunc: starlark.NewBuiltin(compareFunc, guardedCompare),
		tupleFunc:   starlark.NewBuiltin(tupleFunc, guardedTuple),
		enterFunc:   starlark.NewBuiltin(enterFunc, guardedEnter),
	}
	d[chargeFunc] = starlark.NewBuiltin(chargeFunc, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) != 1 {
			return nil, errors.New("internal: bad charge")
		}
		return args[0], charge(thread, sizeOf(args[0], maxValueBytes))
	})
	intFn := starlark.Universe["int"]
	d["int"] = starlark.NewBuiltin("int", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 {
			if s, ok := args[0].(starlark.String); ok && len(s) > maxIntDigits {
				return nil, fmt.Errorf("int: string longer than %d digits", maxIntDigits)
			}
		}
		return starlark.Call(thread, intFn, args, kwargs)
	})
	getattr := starlark.Universe["getattr"]
	d["getattr"] = starlark.NewBuiltin("getattr", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) >= 2 {
			if _, ok := starlark.AsString(args[1]); ok {
				if v, err := guardedAttr(thread, b, args[:2], nil); err == nil {
					return v, nil
				}
				// Missing: the original reports it or returns the default.
			}
		}
		return starlark.Call(thread, getattr, args, kwargs)
	})
	d["range"] = starlark.NewBuiltin("range", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		r, err := starlark.Call(thread, starlark.Universe["range"], args, kwargs)
		if err != nil {
			return nil, err
		}
		if starlark.Len(r) > maxRange {
			return nil, fmt.Errorf("range: more than %d elements", maxRange)
		}
		return r, nil
	})
	for _, name := range []string{"list", "tuple", "set", "dict", "enumerate", "zip", "reversed"} {
		orig := starlark.Universe[name]
		d[name] = starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := charge(thread, lengths(args)); err != nil {
				return nil, err
			}
			res, err := starlark.Call(thread, orig, args, kwargs)
			if err != nil {
				return nil, err
			}
			switch name {
			case "tuple", "enumerate", "zip":
				// Tuples (or lists of them) sharing the arguments' elements.
				return res, bounded(thread, res)
			}
			return res, nil
		})
	}
	for _, name := range []string{"sorted", "min", "max"} {
		orig := starlark.Universe[name]
		d[name] = starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			// Sorting compares each element with a few others: bound what they hold
			// in all, and what the key function returns in all.
			if sizes(args, maxValueBytes) > maxValueBytes {
				return nil, errTooLarge
			}
			if err := charge(thread, lengths(args)); err != nil {
				return nil, err
			}
			return starlark.Call(thread, orig, args, boundKey(kwargs))
		})
	}
	d["print"] = starlark.NewBuiltin("print", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.None, nil // output goes nowhere: do not format it
	})
	fail := starlark.Universe["fail"]
	d["fail"] = starlark.NewBuiltin("fail", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		n := sizes(args, maxMessageBytes)
		for _, kv := range kwargs {
			n += sizeOf(kv[1], maxMessageBytes)
		}
		if n > maxMessageBytes {
			return nil, fmt.Errorf("fail: message longer than %d bytes", maxMessageBytes)
		}
		return starlark.Call(thread, fail, args, kwargs)
	})
	for _, name := range []string{"bytes", "str", "repr"} {
		orig := starlark.Universe[name]
		d[name] = starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := charge(thread, sizes(args, maxValueBytes)); err != nil {
				return nil, err
			}
			return starlark.Call(thread, orig, args, kwargs)
		})
	}
	return d
}

// sizes is what args hold in all, each counted up to limit.
func sizes(args starlark.Tuple, limit int64) int64 {
	var n int64
	for _, a := range args {
		n += sizeOf(a, limit)
	}
	return n
}

// lengths is what a shallow copy of args costs.
func lengths(args starlark.Tuple) int64 {
	var n int64
	for _, a := range args {
		n += 32 * int64(max(starlark.Len(a), 0))
	}
	return n
}

// boundKey wraps the key= function of sorted, min and max so that the keys it returns,
// which are compared with each other, hold at most maxValueBytes in all.
func boundKey(kwargs []starlark.Tuple) []starlark.Tuple {
	out := make([]starlark.Tuple, len(kwargs))
	for i, kv := range kwargs {
		out[i] = kv
		if name, _ := starlark.AsString(kv[0]); name != "key" || kv[1] == starlark.None {
			continue
		}
		fn, total := kv[1], int64(0)
		out[i] = starlark.Tuple{kv[0], starlark.NewBuiltin("key", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			k, err := starlark.Call(thread, fn, args, kwargs)
			if err != nil {
				return nil, err
			}
			if total += sizeOf(k, maxValueBytes); total > maxValueBytes {
				return nil, errTooLarge
			}
			return k, nil
		})}
	}
	return out
}
