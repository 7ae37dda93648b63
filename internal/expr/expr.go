// Package expr compiles and evaluates RAC property-mapping expressions. authentik
// runs them as the body of a Python function that returns a dict of connection
// settings; racd runs them with Starlark (go.starlark.net), Python's configuration
// dialect, with the same variables bound: user, provider, endpoint and request, and
// with limits on steps, time and memory (see guard.go).
package expr

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Variables are the names an expression may use besides Starlark's built-ins.
var Variables = []string{"user", "provider", "endpoint", "request"}

// fileOptions allow what Python allows in a function body that Starlark's defaults
// restrict.
var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// MaxSourceBytes bounds an expression's source: parsing builds a syntax tree many
// times its size, at every launch.
const MaxSourceBytes = 64 << 10

// funcName is the function an expression's body is wrapped in.
const funcName = "__racd_mapping__"

// Program is a compiled expression.
type Program struct {
	prog   *starlark.Program
	guards starlark.StringDict
}

// Compile parses and resolves src as the body of a function, so that `return {...}`
// works as in authentik. Errors carry the line and column within src.
func Compile(src string) (*Program, error) {
	if len(src) > MaxSourceBytes {
		return nil, fmt.Errorf("expression longer than %d KiB", MaxSourceBytes>>10)
	}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	// Parse the source alone first, so syntax errors point into it rather than into
	// the wrapper (an unclosed bracket would otherwise swallow the wrapper's lines).
	if _, err := fileOptions.Parse("expression", src, 0); err != nil {
		var se syntax.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s (line %d, column %d)", se.Msg, se.Pos.Line, se.Pos.Col)
		}
		return nil, err
	}
	var b strings.Builder
	b.WriteString("def " + funcName + "():\n")
	body := false
	for _, line := range strings.Split(src, "\n") {
		b.WriteString("    ")
		b.WriteString(line)
		b.WriteByte('\n')
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			body = true
		}
	}
	if !body {
		b.WriteString("    return None\n")
	}
	b.WriteString("result = " + funcName + "()\n")
	f, err := fileOptions.Parse("expression", b.String(), 0)
	if err != nil {
		return nil, describe(err)
	}
	if err := rewrite(f); err != nil {
		return nil, err
	}
	guards := guardedBuiltins()
	isPredeclared := func(name string) bool {
		for _, v := range Variables {
			if v == name {
				return true
			}
		}
		return guards.Has(name)
	}
	prog, err := starlark.FileProgram(f, isPredeclared)
	if err != nil {
		return nil, describe(err)
	}
	return &Program{prog: prog, guards: guards}, nil
}

// Check compiles src and returns the message for a field error, or ok.
func Check(src string) (msg string, ok bool) {
	if _, err := Compile(src); err != nil {
		return err.Error(), false
	}
	return "", true
}

// describe rewrites positions to refer to the user's source (one line less, four
// columns less than the wrapper's).
func describe(err error) error {
	var se syntax.Error
	if errors.As(err, &se) {
		return fmt.Errorf("%s (line %d, column %d)", se.Msg, max(int(se.Pos.Line)-1, 1), max(int(se.Pos.Col)-4, 1))
	}
	var re interface{ Unwrap() []error }
	if errors.As(err, &re) {
		var msgs []string
		for _, e := range re.Unwrap() {
			msgs = append(msgs, describe(e).Error())
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return err
}
