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
// racd therefore rewrites the syntax tree before compiling it:
//   - the operators that can grow a value (+ * % | <<, and their augmented forms)
//     become calls of a guard that computes the result's size first;
//   - every method call x.m(...) (and every method taken as a value, x.m or
//     getattr(x, "m")) goes through a guard that checks the growing methods (join,
//     replace, format, extend, split...) before the call and charges every result
//     after it;
//   - slices are charged (list slices copy);
//   - range, list, tuple, sorted, set, dict, enumerate, zip, reversed, str, repr,
//     bytes and int are replaced by checked versions.
//
// Each guard refuses a value over maxValueBytes and charges what it builds to a
// per-evaluation budget (maxAllocBytes). What the guards do not see grows by a small
// bounded amount per step, and steps and time are bounded.
const (
	// maxValueBytes bounds one string, or one list/tuple/dict at 16 bytes per element.
	maxValueBytes = 1 << 20
	// maxAllocBytes bounds what the guards build in one evaluation.
	maxAllocBytes = 16 << 20
	// maxRange bounds len(range(...)).
	maxRange = 1 << 16
	// maxIntBits bounds integers built by guarded arithmetic.
	maxIntBits = 1 << 14

	opFunc     = "__racd_op__"
	methodFunc = "__racd_method__"
	boundFunc  = "__racd_bound__"
	chargeFunc = "__racd_charge__"
	// maxIntDigits bounds int("...") as Python 3.11 does (int_max_str_digits).
	maxIntDigits = 4300
	budgetKey    = "racd.budget"
)

// errTooLarge is the failure of a guarded operation.
var errTooLarge = errors.New("value too large")

// guardedMethods are the methods routed through methodFunc.
var guardedMethods = map[string]bool{"join": true, "replace": true, "format": true, "extend": true, "split": true, "rsplit": true, "splitlines": true}

// rewrite replaces growing operators and method calls in f with guarded calls.
func rewrite(f *syntax.File) {
	var r rewriter
	r.stmts(f.Stmts)
}

type rewriter struct{}

func (r rewriter) stmts(ss []syntax.Stmt) {
	for _, s := range ss {
		r.stmt(s)
	}
}

func (r rewriter) stmt(s syntax.Stmt) {
	switch s := s.(type) {
	case *syntax.AssignStmt:
		s.LHS = r.lhs(s.LHS)
		s.RHS = r.expr(s.RHS)
		if op, ok := augmented[s.Op]; ok {
			// x op= y  →  x = __racd_op__("op=", x, y); the guard extends lists in
			// place as += does.
			s.RHS = call(opFunc, s.OpPos, str(op, s.OpPos), s.LHS, s.RHS)
			s.Op = syntax.EQ
		}
	case *syntax.DefStmt:
		r.params(s.Params)
		r.stmts(s.Body)
	case *syntax.ExprStmt:
		s.X = r.expr(s.X)
	case *syntax.ForStmt:
		s.X = r.expr(s.X)
		r.stmts(s.Body)
	case *syntax.WhileStmt:
		s.Cond = r.expr(s.Cond)
		r.stmts(s.Body)
	case *syntax.IfStmt:
		s.Cond = r.expr(s.Cond)
		r.stmts(s.True)
		r.stmts(s.False)
	case *syntax.ReturnStmt:
		if s.Result != nil {
			s.Result = r.expr(s.Result)
		}
	}
}

// augmented maps the augmented assignments that can grow a value to the guard's op.
var augmented = map[syntax.Token]string{
	syntax.PLUS_EQ: "+=", syntax.STAR_EQ: "*=", syntax.PERCENT_EQ: "%=", syntax.PIPE_EQ: "|=", syntax.LTLT_EQ: "<<=",
}

// binary are the binary operators routed through the guard.
var binary = map[syntax.Token]string{
	syntax.PLUS: "+", syntax.STAR: "*", syntax.PERCENT: "%", syntax.PIPE: "|", syntax.LTLT: "<<",
}

// lhs rewrites inside an assignment target but keeps the target itself assignable.
func (r rewriter) lhs(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case *syntax.DotExpr:
		e.X = r.expr(e.X)
	case *syntax.IndexExpr:
		e.X, e.Y = r.expr(e.X), r.expr(e.Y)
	case *syntax.ParenExpr:
		e.X = r.lhs(e.X)
	case *syntax.TupleExpr:
		for i, x := range e.List {
			e.List[i] = r.lhs(x)
		}
	case *syntax.ListExpr:
		for i, x := range e.List {
			e.List[i] = r.lhs(x)
		}
	}
	return e
}

func (r rewriter) params(ps []syntax.Expr) {
	for _, p := range ps {
		if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = r.expr(b.Y)
		}
	}
}

func (r rewriter) exprs(es []syntax.Expr) {
	for i, e := range es {
		es[i] = r.expr(e)
	}
}

func (r rewriter) expr(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *syntax.BinaryExpr:
		e.X = r.expr(e.X)
		e.Y = r.expr(e.Y)
		if op, ok := binary[e.Op]; ok {
			return call(opFunc, e.OpPos, str(op, e.OpPos), e.X, e.Y)
		}
	case *syntax.CallExpr:
		for _, a := range e.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = r.expr(b.Y) // keyword argument
			}
		}
		for i, a := range e.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				continue
			}
			e.Args[i] = r.expr(a)
		}
		if d, ok := e.Fn.(*syntax.DotExpr); ok {
			// x.m(args)  →  __racd_method__(x, "m", args): growing methods are checked
			// before the call, every result is charged after it.
			d.X = r.expr(d.X)
			args := append([]syntax.Expr{d.X, str(d.Name.Name, d.NamePos)}, e.Args...)
			return &syntax.CallExpr{Fn: ident(methodFunc, d.NamePos), Lparen: e.Lparen, Args: args, Rparen: e.Rparen}
		}
		e.Fn = r.expr(e.Fn)
	case *syntax.Comprehension:
		e.Body = r.expr(e.Body)
		for _, c := range e.Clauses {
			switch c := c.(type) {
			case *syntax.ForClause:
				c.X = r.expr(c.X)
			case *syntax.IfClause:
				c.Cond = r.expr(c.Cond)
			}
		}
	case *syntax.CondExpr:
		e.Cond, e.True, e.False = r.expr(e.Cond), r.expr(e.True), r.expr(e.False)
	case *syntax.DictEntry:
		e.Key, e.Value = r.expr(e.Key), r.expr(e.Value)
	case *syntax.DictExpr:
		r.exprs(e.List)
	case *syntax.DotExpr:
		// f = x.join: a method used as a value is guarded too. (Every attribute of
		// the values an expression can reach is a method.)
		e.X = r.expr(e.X)
		return call(boundFunc, e.NamePos, e.X, str(e.Name.Name, e.NamePos))
	case *syntax.IndexExpr:
		e.X, e.Y = r.expr(e.X), r.expr(e.Y)
	case *syntax.LambdaExpr:
		r.params(e.Params)
		e.Body = r.expr(e.Body)
	case *syntax.ListExpr:
		r.exprs(e.List)
	case *syntax.ParenExpr:
		e.X = r.expr(e.X)
	case *syntax.SliceExpr:
		// Slices of lists copy: charge the result.
		e.X, e.Lo, e.Hi, e.Step = r.expr(e.X), r.expr(e.Lo), r.expr(e.Hi), r.expr(e.Step)
		return call(chargeFunc, e.Lbrack, e)
	case *syntax.TupleExpr:
		r.exprs(e.List)
	case *syntax.UnaryExpr:
		e.X = r.expr(e.X)
	}
	return e
}

func ident(name string, pos syntax.Position) *syntax.Ident {
	return &syntax.Ident{NamePos: pos, Name: name}
}

func str(s string, pos syntax.Position) *syntax.Literal {
	return &syntax.Literal{Token: syntax.STRING, TokenPos: pos, Raw: fmt.Sprintf("%q", s), Value: s}
}

func call(fn string, pos syntax.Position, args ...syntax.Expr) *syntax.CallExpr {
	return &syntax.CallExpr{Fn: ident(fn, pos), Lparen: pos, Args: args, Rparen: pos}
}

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

// guardedBuiltins replace the universe's builtins that build values in one call.
func guardedBuiltins() starlark.StringDict {
	d := starlark.StringDict{
		opFunc:     starlark.NewBuiltin(opFunc, guardedOp),
		methodFunc: starlark.NewBuiltin(methodFunc, guardedMethod),
		boundFunc:  starlark.NewBuiltin(boundFunc, guardedAttr),
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
	bytesFn := starlark.Universe["bytes"]
	d["bytes"] = starlark.NewBuiltin("bytes", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var n int64
		for _, a := range args {
			n += sizeOf(a, maxValueBytes)
		}
		if err := charge(thread, n); err != nil {
			return nil, err
		}
		return starlark.Call(thread, bytesFn, args, kwargs)
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
	for _, name := range []string{"list", "tuple", "sorted", "set", "dict", "enumerate", "zip", "reversed"} {
		orig := starlark.Universe[name]
		d[name] = starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var n int64
			for _, a := range args {
				l := starlark.Len(a)
				if l < 0 {
					l = 0
				}
				n += 32 * int64(l)
			}
			if err := charge(thread, n); err != nil {
				return nil, err
			}
			return starlark.Call(thread, orig, args, kwargs)
		})
	}
	for _, name := range []string{"str", "repr"} {
		orig := starlark.Universe[name]
		d[name] = starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var n int64
			for _, a := range args {
				n += sizeOf(a, maxValueBytes)
			}
			if err := charge(thread, n); err != nil {
				return nil, err
			}
			return starlark.Call(thread, orig, args, kwargs)
		})
	}
	return d
}
