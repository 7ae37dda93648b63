package expr

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		src  string
		ok   bool
		want string // substring of the message
	}{
		{"return {\"a\": 1}", true, ""},
		{"", true, ""},
		{"# only a comment", true, ""},
		{"x = user\nif x:\n    return {'u': str(x)}\nreturn {}", true, ""},
		{"for i in range(3):\n    pass\nreturn {}", true, ""},
		{"return {", false, "line 1"},
		{"return {'a': 1}\n)", false, "line 2"},
		{"return undefined_name", false, "undefined: undefined_name"},
		// A long chain nests the syntax tree once per operator; compiling recursed
		// once per level, and a deep enough chain overflowed the Go stack, which
		// kills the whole process.
		{"return {'a': 1" + strings.Repeat("+1", 900) + "}", true, ""},
		{"return {'a': 1" + strings.Repeat("+1", 30000) + "}", false, "nested more than 1000 levels deep"},
		{"x = 1\nreturn {'a': x" + strings.Repeat(" or x", 10000) + "}", false, "nested more than 1000 levels deep"},
		{"return {'a': '" + strings.Repeat("a", 70000) + "'}", false, "longer than 64 KiB"},
	}
	for _, c := range cases {
		msg, ok := Check(c.src)
		if ok != c.ok {
			t.Errorf("Check(%q) ok=%v msg=%q, want ok=%v", c.src, ok, msg, c.ok)
			continue
		}
		if !strings.Contains(msg, c.want) {
			t.Errorf("Check(%q) = %q, want it to contain %q", c.src, msg, c.want)
		}
	}
}
