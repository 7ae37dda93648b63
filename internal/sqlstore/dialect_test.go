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

// mustBind is dialect.bind for statements a test writes.
func mustBind(d dialect, q string) string {
	out, err := d.bind(q)
	if err != nil {
		panic(err)
	}
	return out
}

// TestBindRefusesLiteralDollar: SQLite's placeholder rewrite would change a '$' that
// is not a placeholder, so such a statement is refused on both databases; the
// conformance suite runs every statement of the store on both, so none can hold one.
func TestBindRefusesLiteralDollar(t *testing.T) {
	for _, d := range []dialect{sqliteDialect, postgresDialect} {
		for _, q := range []string{
			"SELECT '$1' FROM x WHERE a = $1",
			"SELECT 1 WHERE a = $",
			"SELECT 1 WHERE a = $x",
			"SELECT 'it''s $5' WHERE a = $1",
		} {
			if got, err := d.bind(q); err == nil {
				t.Errorf("%s: bind(%q) = %q, want an error", d.name, q, got)
			}
		}
		for q, want := range map[string]string{
			"SELECT 1":                                "SELECT 1",
			"SELECT 'a''b' WHERE a = $1 AND b = $12":  "SELECT 'a''b' WHERE a = ?1 AND b = ?12",
			"UPDATE t SET a = $2 WHERE b = 'x' || $1": "UPDATE t SET a = ?2 WHERE b = 'x' || ?1",
		} {
			got, err := d.bind(q)
			if d.sqlite() && (err != nil || got != want) || !d.sqlite() && (err != nil || got != q) {
				t.Errorf("%s: bind(%q) = %q, %v", d.name, q, got, err)
			}
		}
	}
}
