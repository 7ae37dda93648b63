package expr

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"
)

func vars() Vars {
	return Vars{
		User:     map[string]any{"username": "alice", "name": "Alice", "email": "a@example.com", "pk": 7},
		Provider: map[string]any{"pk": 3, "name": "rdp", "settings": map[string]any{"k": "v"}},
		Endpoint: map[string]any{"pk": "e1", "name": "desk", "host": "h:3389", "protocol": "rdp"},
	}
}

// wide builds c: 1000 references to b, which holds 1000 references to a, which holds
// 1000 strings: a billion leaves in a few thousand steps.
const wide = "a = ['a'] * 1000\nb = []\nfor i in range(1000):\n    b.append(a)\nc = []\nfor i in range(1000):\n    c.append(b)\n"

// nearMiss is x: equal to b but for its very last string, so comparing it with b
// walks all of b.
const nearMiss = "x = list(b)\nx[-1] = list(a)\nx[-1][-1] = 'b'\n"

func TestEval(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want string // JSON of the result
		err  string // substring of the error
	}{
		{"literal", `return {"a": 1, "b": True, "c": 1.5, "d": None, "e": [1, "x"], "f": {"g": "h"}}`,
			`{"a":1,"b":true,"c":1.5,"d":null,"e":[1,"x"],"f":{"g":"h"}}`, ""},
		{"variables", `return {"u": user["username"], "p": provider["name"], "e": endpoint["host"], "r": request["http_request"]}`,
			`{"e":"h:3389","p":"rdp","r":null,"u":"alice"}`, ""},
		{"attribute access as in authentik", `return {"u": user.username, "e": request.user.email, "g": user.get("name"), "s": provider.settings["k"], "in": "pk" in user, "n": len(endpoint)}`,
			`{"u":"alice","e":"a@example.com","g":"Alice","s":"v","in":true,"n":4}`, ""},
		{"variables are read-only", `user["username"] = "mallory"`, "", "item assignment"},
		{"nested values are read-only", `provider["settings"]["k"] = "x"`, "", "frozen"},
		{"missing attribute", `return {"x": user.nope}`, "", "nope"},
		{"return a variable", `return {"u": user}`, `{"u":{"email":"a@example.com","name":"Alice","pk":7,"username":"alice"}}`, ""},
		{"string ops", "x = 'a' + 'b'\nx += 'c'\nreturn {'x': x * 2, 'y': '%s-%d' % (x, 3), 'z': '-'.join(['1', '2']), 'w': '{}!'.format(x)}",
			`{"x":"abcabc","y":"abc-3","z":"1-2","w":"abc!"}`, ""},
		{"list ops", "l = [1]\nm = l\nl += [2]\nl.extend([3])\nreturn {'l': l, 'same': m == l, 'n': len(list(range(10)))}",
			`{"l":[1,2,3],"n":10,"same":true}`, ""},
		{"arithmetic", "return {'a': 6 * 7, 'b': 7 % 3, 'c': 1 | 2, 'd': 2 + 2}", `{"a":42,"b":1,"c":3,"d":4}`, ""},
		{"kwargs", "return dict(a=1 + 1, b='x' * 2)", `{"a":2,"b":"xx"}`, ""},
		{"not a dict", `return [1]`, "", "returned list, not a dict"},
		{"nothing", ``, "", "returned NoneType, not a dict"},
		{"non-string key", `return {1: 2}`, "", "keys must be strings"},
		{"runtime error", `return {"a": user["missing"]}`, "", "missing"},
		{"fail", `fail("nope")`, "", "nope"},
		{"repeat beyond starlark's own check", `return {"a": "a" * 10000000000}`, "", "too large"},
		{"large repeat", `return {"a": "a" * 536870912}`, "", "too large"},
		{"list repeat", `return {"a": [0] * 536870912}`, "", "too large"},
		{"huge range", `return {"a": list(range(1000000000))}`, "", "range"},
		{"string doubling", "s = 'ab'\nfor i in range(64):\n    s = s + s\nreturn {'s': s}", "", "too large"},
		{"augmented doubling", "s = 'ab'\nfor i in range(64):\n    s += s\nreturn {'s': s}", "", "too large"},
		{"list doubling", "l = [1]\nfor i in range(64):\n    l.extend(l)\nreturn {}", "", "too large"},
		{"nested repr", "x = [1]\nfor i in range(64):\n    x = [x, x]\nreturn {'s': str(x)}", "", "too large"},
		{"join blowup", "s = 'a' * 100000\nl = [s for i in range(1000)]\nreturn {'s': ''.join(l)}", "", "too large"},
		{"replace blowup", "s = 'a' * 100000\nreturn {'s': s.replace('a', s)}", "", "too large"},
		{"many medium strings", "l = []\nfor i in range(10000):\n    l.append('x' * 200000)\nreturn {}", "", "budget"},
		{"bound method", "j = ''.join\nreturn {'s': j(['a', 'b'])}", `{"s":"ab"}`, ""},
		{"bound method blowup", "s = 'a' * 100000\nj = ''.join\nreturn {'s': j([s for i in range(1000)])}", "", "too large"},
		{"getattr blowup", "s = 'a' * 100000\nreturn {'s': getattr('', 'join')([s for i in range(1000)])}", "", "too large"},
		{"getattr default", "return {'s': getattr('', 'nope', 'd'), 'j': getattr('-', 'join')(['a', 'b'])}", `{"s":"d","j":"a-b"}`, ""},
		{"deep comparison", "x = [1]\ny = [1]\nfor i in range(40):\n    x = [x, x]\n    y = [y, y]\nreturn {'eq': x == y}", "", "too large"},
		{"huge int from text", "return {'a': int('9' * 1000000)}", "", "4300 digits"},
		{"int from text", "return {'a': int('12'), 'b': int('ff', 16)}", `{"a":12,"b":255}`, ""},
		{"shift growth", "x = 1\nfor i in range(1000):\n    x = x << 511\nreturn {}", "", "too large"},
		{"shift augmented", "x = 1\nfor i in range(1000):\n    x <<= 511\nreturn {}", "", "too large"},
		{"small shift", "return {'a': 1 << 10}", `{"a":1024}`, ""},
		{"split blowup", "s = 'a' * 1000000\nreturn {'n': len(s.split('a'))}", "", "too large"},
		{"split", "return {'l': 'a,b'.split(','), 'u': 'x'.upper(), 'k': sorted({'b': 1, 'a': 2}.keys())}", `{"k":["a","b"],"l":["a","b"],"u":"X"}`, ""},
		{"retained copies", "s = 'a' * 500000\nl = []\nfor i in range(1000):\n    l.append(s.upper())\nreturn {}", "", "budget"},
		{"retained slices", "b = list(range(20000))\nl = []\nfor i in range(1000):\n    l.append(b[1:])\nreturn {}", "", "budget"},
		{"bound upper", "s = 'a' * 500000\nf = s.upper\nl = [f() for i in range(1000)]\nreturn {}", "", "budget"},
		{"attribute assignment target", "d = {}\nd['a'] = 'x'.upper()\na, b = 'p,q'.split(',')\nreturn {'a': d['a'], 'b': b}", `{"a":"X","b":"q"}`, ""},
		{"infinite loop", "while True:\n    pass", "", "too many steps"},
		// Recursion is allowed, as in Python, but bounded (Starlark alone allows
		// 100,000 nested calls: about 100 MiB of Go stack).
		{"recursion", "def f(n):\n    return n if n == 0 else f(n - 1) + 1\nreturn {'n': f(50)}", `{"n":50}`, ""},
		{"endless recursion", "def f(n):\n    return f(n + 1)\nreturn f(0)", "", "maximum recursion depth exceeded"},
		{"endless lambda recursion", "f = lambda n: f(n + 1)\nreturn f(0)", "", "maximum recursion depth exceeded"},
		{"recursion through a key function", "def f(n):\n    return sorted([1, 2], key=lambda x: f(n + 1))\nreturn f(0)", "", "maximum recursion depth exceeded"},
		// Values that share parts: a few steps build a value of 2**60 leaves; no
		// single step may walk all of it.
		{"shared tuple hashed", "x = ()\nfor i in range(60):\n    x = (x, x)\nreturn {'a': {x: 1}}", "", "too large"},
		{"shared varargs hashed", "def f(*a):\n    return a\nx = ()\nfor i in range(60):\n    x = f(x, x)\nreturn {'a': {x: 1}}", "", "too large"},
		{"shared zip hashed", "x = [()]\nfor i in range(60):\n    x = zip(x, x)\nreturn {'a': {x[0]: 1}}", "", "too large"},
		{"shared tuple()", "x = ()\nfor i in range(60):\n    x = tuple([x, x])\nreturn {'a': {x: 1}}", "", "too large"},
		{"shared list printed", "x = [1]\nfor i in range(60):\n    x = [x, x]\nprint(x)\nreturn {}", `{}`, ""},
		{"shared list in fail", "x = [1]\nfor i in range(60):\n    x = [x, x]\nfail(x)", "", "fail: message longer"},
		{"shared list compared", wide + "return {'eq': c == list(c)}", "", "too large"},
		{"shared list ordered", wide + "return {'lt': c < list(c)}", "", "too large"},
		{"shared list searched", wide + nearMiss + "return {'in': x in c}", "", "too large"},
		{"shared list index", wide + nearMiss + "return {'i': c.index(x)}", "", "too large"},
		{"shared list sorted", wide + "return {'s': len(sorted(c))}", "", "too large"},
		{"shared list max", wide + "return {'m': len(max(c))}", "", "too large"},
		{"shared sort keys", wide + "return {'s': len(sorted([1, 2, 3], key=lambda i: c))}", "", "too large"},
		{"shared result", "l = ['a' * 1000]\nfor i in range(30):\n    l = [l, l]\nreturn {'x': l}", "", "result larger than 64 KiB"},
		{"result over the bound", "return {'x': 'a' * 70000}", "", "result larger than 64 KiB"},
		{"result within the bound", "return {'x': 'a' * 60000}", `{"x":"` + strings.Repeat("a", 60000) + `"}`, ""},
		{"small comparisons", "return {'a': [1, [2]] == [1, [2]], 'b': 'x' in ['x'], 'c': (1, 2) < (1, 3), 'd': 2 not in [1], 'e': [3, 1].index(1), 'f': sorted([3, 1]), 'g': max(1, 2), 'h': user == user}",
			`{"a":true,"b":true,"c":true,"d":true,"e":1,"f":[1,3],"g":2,"h":true}`, ""},
		{"tuples", "t = (1, 'a')\nd = {t: 1}\ndef f(*a):\n    return a\nreturn {'t': t, 'd': d[(1, 'a')], 'v': f(1, 2), 'z': zip([1], [2]), 'e': enumerate(['x'])}",
			`{"d":1,"e":[[0,"x"]],"t":[1,"a"],"v":[1,2],"z":[[1,2]]}`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Compile(c.src)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			start := time.Now()
			got, err := evalWithin(t, p, 5*time.Second)
			if d := time.Since(start); d > 1500*time.Millisecond {
				t.Errorf("took %v", d)
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want it to contain %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("eval: %v", err)
			}
			b, _ := json.Marshal(got)
			var want, have any
			_ = json.Unmarshal([]byte(c.want), &want)
			_ = json.Unmarshal(b, &have)
			wb, _ := json.Marshal(want)
			hb, _ := json.Marshal(have)
			if string(wb) != string(hb) {
				t.Errorf("got %s, want %s", hb, wb)
			}
		})
	}
}

// evalWithin evaluates p with the default limits, failing the test when it has not
// ended after wait: one step that cannot be interrupted ran away (it is left running).
func evalWithin(t *testing.T, p *Program, wait time.Duration) (map[string]any, error) {
	t.Helper()
	type outcome struct {
		got map[string]any
		err error
	}
	ch := make(chan outcome, 1)
	go func() {
		got, err := p.Eval(context.Background(), vars(), Limits{})
		ch <- outcome{got, err}
	}()
	select {
	case o := <-ch:
		return o.got, o.err
	case <-time.After(wait):
		t.Fatalf("evaluation still running after %v: a step the time limit cannot interrupt", wait)
		return nil, nil
	}
}

// TestEvalTimeLimit checks that a slow expression is cancelled at the wall-clock limit
// (measured: it must end in less than 1.5 s with the default 1 s limit) even when the
// step limit would allow it to run much longer.
func TestEvalTimeLimit(t *testing.T) {
	src := "x = 0\nwhile True:\n    x = x + 1\nreturn {}"
	p, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.Eval(context.Background(), vars(), Limits{Steps: 1 << 62})
	d := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "time limit") {
		t.Fatalf("err = %v", err)
	}
	if d < 900*time.Millisecond || d > 1500*time.Millisecond {
		t.Fatalf("stopped after %v, want about 1s", d)
	}
}

// TestEvalRunawayMemory runs the allocation bombs with an unlimited step budget and
// checks each stops within 1.5 s without the heap growing past a few hundred MiB.
func TestEvalRunawayMemory(t *testing.T) {
	bombs := []string{
		`return {"a": "a" * 10000000000}`,
		`return {"a": list(range(1000000000))}`,
		"s = 'ab'\nwhile True:\n    s = s + s",
		"l = []\nwhile True:\n    l.append('x' * 1000000)",
		"l = [0]\nwhile True:\n    l = l * 2",
		"d = {}\ni = 0\nwhile True:\n    d[str(i)] = 'y' * 100000\n    i += 1",
		"s = '9' * 1000000\nwhile True:\n    x = int(s)",
		"x = 1\nwhile True:\n    x = x << 511",
		"s = 'a' * 900000\nl = []\nwhile True:\n    l.append(s.upper())",
		"b = list(range(30000))\nl = []\nwhile True:\n    l.append(b[:])",
	}
	for _, src := range bombs {
		p, err := Compile(src)
		if err != nil {
			t.Fatalf("compile %q: %v", src, err)
		}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err = p.Eval(context.Background(), vars(), Limits{Steps: 1 << 62})
		d := time.Since(start)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%q: no error", src)
		}
		if d > 1500*time.Millisecond {
			t.Errorf("%q: took %v", src, d)
		}
		if grew := int64(after.HeapSys) - int64(before.HeapSys); grew > 256<<20 {
			t.Errorf("%q: heap grew by %d MiB", src, grew>>20)
		}
	}
}

func TestStaticCompileStillRejects(t *testing.T) {
	if _, ok := Check("return {'a': nope}"); ok {
		t.Fatal("undefined name accepted")
	}
	if msg, ok := Check("x = [1]\nx += [2]\nreturn {'x': x}"); !ok {
		t.Fatalf("augmented assignment rejected: %s", msg)
	}
}
