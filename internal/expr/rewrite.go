package expr

import (
	"fmt"

	"go.starlark.net/syntax"
)

// rewrite replaces, in f, what can grow a value, recurse or traverse a large value in
// one step with calls of the guards (see guard.go for why):
//   - the operators that can grow a value (+ * % | <<, and their augmented forms);
//   - comparisons and membership tests (== != < <= > >= in, not in), which walk both
//     operands;
//   - every method call x.m(...), and every method taken as a value;
//   - slices and tuple displays (a tuple is hashed as deep as it goes);
//   - the entry of every function and lambda, which checks the call depth and the
//     size of *args.
//
// It refuses a tree nested deeper than maxSyntaxDepth: the parser limits brackets
// but not chains such as 1+1+...+1, and the rewriter, Starlark's resolver and its
// compiler all recurse once per level; a deep enough chain would overflow the Go stack,
// which kills the process.
func rewrite(f *syntax.File) error {
	r := &rewriter{}
	r.stmts(f.Stmts)
	return r.err
}

// maxSyntaxDepth bounds the nesting of an expression's syntax tree.
const maxSyntaxDepth = 1000

type rewriter struct {
	depth int
	err   error
}

// enter counts one level of nesting; false means too deep (stop descending).
func (r *rewriter) enter() bool {
	r.depth++
	if r.depth > maxSyntaxDepth {
		if r.err == nil {
			r.err = fmt.Errorf("expression nested more than %d levels deep", maxSyntaxDepth)
		}
		return false
	}
	return true
}

func (r *rewriter) leave() { r.depth-- }

func (r *rewriter) stmts(ss []syntax.Stmt) {
	for _, s := range ss {
		r.stmt(s)
	}
}

func (r *rewriter) stmt(s syntax.Stmt) {
	defer r.leave()
	if !r.enter() {
		return
	}
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
		// First statement: __racd_enter__(args), which bounds the call depth (and so
		// the Go stack the interpreter uses) and the size of *args.
		enter := &syntax.ExprStmt{X: call(enterFunc, s.Def, varargs(s.Params)...)}
		s.Body = append([]syntax.Stmt{enter}, s.Body...)
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

// varargs returns the *args parameter of a function as an expression, if it has one.
func varargs(params []syntax.Expr) []syntax.Expr {
	for _, p := range params {
		if u, ok := p.(*syntax.UnaryExpr); ok && u.Op == syntax.STAR && u.X != nil {
			if id, ok := u.X.(*syntax.Ident); ok {
				return []syntax.Expr{ident(id.Name, id.NamePos)}
			}
		}
	}
	return nil
}

// augmented maps the augmented assignments that can grow a value to the guard's op.
var augmented = map[syntax.Token]string{
	syntax.PLUS_EQ: "+=", syntax.STAR_EQ: "*=", syntax.PERCENT_EQ: "%=", syntax.PIPE_EQ: "|=", syntax.LTLT_EQ: "<<=",
}

// binary are the binary operators routed through the growth guard.
var binary = map[syntax.Token]string{
	syntax.PLUS: "+", syntax.STAR: "*", syntax.PERCENT: "%", syntax.PIPE: "|", syntax.LTLT: "<<",
}

// comparisons are the operators routed through the comparison guard.
var comparisons = map[syntax.Token]string{
	syntax.EQL: "==", syntax.NEQ: "!=", syntax.LT: "<", syntax.LE: "<=", syntax.GT: ">", syntax.GE: ">=",
	syntax.IN: "in", syntax.NOT_IN: "not in",
}

// lhs rewrites inside an assignment target but keeps the target itself assignable.
func (r *rewriter) lhs(e syntax.Expr) syntax.Expr {
	defer r.leave()
	if !r.enter() {
		return e
	}
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

func (r *rewriter) params(ps []syntax.Expr) {
	for _, p := range ps {
		if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = r.expr(b.Y)
		}
	}
}

func (r *rewriter) exprs(es []syntax.Expr) {
	for i, e := range es {
		es[i] = r.expr(e)
	}
}

func (r *rewriter) expr(e syntax.Expr) syntax.Expr {
	defer r.leave()
	if !r.enter() {
		return e
	}
	switch e := e.(type) {
	case nil:
		return nil
	case *syntax.BinaryExpr:
		e.X = r.expr(e.X)
		e.Y = r.expr(e.Y)
		if op, ok := binary[e.Op]; ok {
			return call(opFunc, e.OpPos, str(op, e.OpPos), e.X, e.Y)
		}
		if op, ok := comparisons[e.Op]; ok {
			return call(compareFunc, e.OpPos, str(op, e.OpPos), e.X, e.Y)
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
		// lambda: body  →  lambda: body if __racd_enter__() else None; the condition
		// runs first.
		body := r.expr(e.Body)
		e.Body = &syntax.CondExpr{If: e.Lambda, Cond: call(enterFunc, e.Lambda, varargs(e.Params)...), True: body,
			ElsePos: e.Lambda, False: ident("None", e.Lambda)}
	case *syntax.ListExpr:
		r.exprs(e.List)
	case *syntax.ParenExpr:
		e.X = r.expr(e.X)
	case *syntax.SliceExpr:
		// Slices of lists copy: charge the result.
		e.X, e.Lo, e.Hi, e.Step = r.expr(e.X), r.expr(e.Lo), r.expr(e.Hi), r.expr(e.Step)
		return call(chargeFunc, e.Lbrack, e)
	case *syntax.TupleExpr:
		// A tuple can be hashed (a dict key, a set element), which walks all of it
		// in one step: bound what it holds.
		r.exprs(e.List)
		return call(tupleFunc, e.Lparen, e)
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
