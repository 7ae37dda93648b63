package sqlstore

import (
	"fmt"
	"testing"
)

func TestDialectArgs(t *testing.T) {
	bad, good := "a\x00", "ok"
	in := []any{"x", "\xff", bad, &bad, &good, []string{"a", "b\x00", "\xc3"}, []string{"a"}, 7, []byte("\x00")}
	got := postgresDialect.args(in)
	want := "[x <nil> <nil> <nil> ok [a] [a] 7 [0]]"
	if s := fmt.Sprintf("%v", deref(got)); s != want {
		t.Fatalf("postgres args: %s, want %s", s, want)
	}
	if fmt.Sprint(in[1]) != "\xff" {
		t.Fatal("args modified its input")
	}
	if out := sqliteDialect.args(in); &out[0] != &in[0] {
		t.Fatal("SQLite arguments must pass through untouched")
	}
	clean := []any{"x", 1}
	if out := postgresDialect.args(clean); &out[0] != &clean[0] {
		t.Fatal("clean arguments must not be copied")
	}
}

func deref(in []any) []any {
	out := make([]any, len(in))
	for i, v := range in {
		if p, ok := v.(*string); ok && p != nil {
			v = *p
		}
		out[i] = v
	}
	return out
}
