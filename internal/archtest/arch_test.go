package archtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/racd/racd"

// pkg is the part of `go list -json` output the rules read.
type pkg struct {
	ImportPath   string
	Name         string
	Doc          string
	Standard     bool
	Imports      []string
	Deps         []string
	TestImports  []string
	XTestImports []string
	GoFiles      []string
}

// listPackages runs `go list -deps -json` over the whole module.
func listPackages(t *testing.T) map[string]*pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs[p.ImportPath] = &p
	}
	if _, ok := pkgs[module+"/internal/racd"]; !ok {
		t.Fatalf("go list did not report %s/internal/racd", module)
	}
	return pkgs
}

// testOnly are the packages that exist for tests (helpers and test-only packages).
var testOnly = map[string]bool{
	"internal/apitest": true, "internal/storetest": true, "internal/guacdtest": true,
	"internal/e2e": true, "internal/browsertest": true, "internal/archtest": true,
}

func ours(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

// violations applies the import rules of ARCHITECTURE.md to pkgs.
func violations(pkgs map[string]*pkg) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	var names []string
	for path := range pkgs {
		if ours(path) {
			names = append(names, path)
		}
	}
	sort.Strings(names)

	// The domain imports only the standard library (directly or not).
	if p := pkgs[module+"/internal/racd"]; p != nil {
		for _, d := range p.Deps {
			if dp := pkgs[d]; dp == nil || !dp.Standard {
				bad("internal/racd depends on %s; it may import the standard library only", d)
			}
		}
	}
	// Forbidden dependencies, transitive, of the non-test code.
	forbidden := map[string][]string{
		"internal/httpapi":  {"internal/sqlstore", "internal/cli"},
		"internal/sqlstore": {"internal/httpapi", "internal/authz", "internal/cli"},
		"internal/authz":    {"internal/sqlstore", "internal/httpapi", "internal/cli"},
	}
	for from, tos := range forbidden {
		p := pkgs[module+"/"+from]
		if p == nil {
			continue
		}
		for _, to := range tos {
			if slices.Contains(p.Deps, module+"/"+to) {
				bad("%s depends on %s", from, to)
			}
		}
	}
	for _, path := range names {
		p := pkgs[path]
		// The test guacd is for tests: no production package may depend on it.
		if !testOnly[strings.TrimPrefix(path, module+"/")] && slices.Contains(p.Deps, module+"/internal/guacdtest") {
			bad("%s depends on internal/guacdtest, which only tests may use", strings.TrimPrefix(path, module+"/"))
		}
		// Prometheus stays in internal/metrics: the domain, the API, the store and the
		// gateway report through small observer interfaces, and only cli (through
		// metrics) and the binary link it.
		rel := strings.TrimPrefix(path, module+"/")
		for _, d := range p.Deps {
			if !strings.HasPrefix(d, "github.com/prometheus/") {
				continue
			}
			if rel != "internal/metrics" && rel != "internal/cli" && rel != "cmd/racd" {
				bad("%s depends on %s; only internal/metrics may use Prometheus", rel, d)
				break
			}
		}
		if rel != "internal/metrics" {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, "github.com/prometheus/") {
					bad("%s imports %s; only internal/metrics may", rel, imp)
					break
				}
			}
		}
		// Nothing but cmd/racd imports cli, not even tests.
		if path != module+"/cmd/racd" && path != module+"/internal/cli" {
			for _, imps := range [][]string{p.Imports, p.TestImports, p.XTestImports} {
				if slices.Contains(imps, module+"/internal/cli") {
					bad("%s imports internal/cli; only cmd/racd may", strings.TrimPrefix(path, module+"/"))
					break
				}
			}
		}
		// Every package says what it is for.
		if strings.TrimSpace(p.Doc) == "" {
			bad("%s has no package doc comment", strings.TrimPrefix(path, module+"/"))
		}
	}
	return out
}

// TestImportRules keeps the dependency direction of ARCHITECTURE.md: cli → httpapi →
// authz → racd and cli → sqlstore → racd, with racd on the standard library alone.
func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	n := 0
	for path := range pkgs {
		if ours(path) {
			n++
		}
	}
	if n < 10 {
		t.Fatalf("go list found only %d of racd's packages", n)
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestImportRulesCanFail feeds violations packages that break each rule.
func TestImportRulesCanFail(t *testing.T) {
	m := func(s string) string { return module + "/" + s }
	base := func() map[string]*pkg {
		return map[string]*pkg{
			"fmt":                  {ImportPath: "fmt", Standard: true},
			"example.com/x":        {ImportPath: "example.com/x"},
			m("internal/racd"):     {ImportPath: m("internal/racd"), Doc: "Package racd.", Deps: []string{"fmt"}},
			m("internal/authz"):    {ImportPath: m("internal/authz"), Doc: "Package authz.", Deps: []string{"fmt", m("internal/racd")}},
			m("internal/httpapi"):  {ImportPath: m("internal/httpapi"), Doc: "Package httpapi.", Deps: []string{m("internal/authz"), m("internal/racd")}},
			m("internal/sqlstore"): {ImportPath: m("internal/sqlstore"), Doc: "Package sqlstore.", Deps: []string{m("internal/racd")}},
			m("internal/cli"):      {ImportPath: m("internal/cli"), Doc: "Package cli.", Imports: []string{m("internal/httpapi")}},
			m("cmd/racd"):          {ImportPath: m("cmd/racd"), Doc: "Command racd.", Imports: []string{m("internal/cli")}},
		}
	}
	if v := violations(base()); len(v) != 0 {
		t.Fatalf("clean layout reported: %v", v)
	}
	cases := []struct {
		name   string
		break_ func(map[string]*pkg)
		want   string
	}{
		{"racd imports a module", func(p map[string]*pkg) {
			p[m("internal/racd")].Deps = append(p[m("internal/racd")].Deps, "example.com/x")
		}, "standard library only"},
		{"racd imports ours", func(p map[string]*pkg) {
			p[m("internal/racd")].Deps = append(p[m("internal/racd")].Deps, m("internal/authz"))
		}, "standard library only"},
		{"httpapi reaches sqlstore", func(p map[string]*pkg) {
			p[m("internal/httpapi")].Deps = append(p[m("internal/httpapi")].Deps, m("internal/sqlstore"))
		}, "internal/httpapi depends on internal/sqlstore"},
		{"sqlstore reaches authz", func(p map[string]*pkg) {
			p[m("internal/sqlstore")].Deps = append(p[m("internal/sqlstore")].Deps, m("internal/authz"))
		}, "internal/sqlstore depends on internal/authz"},
		{"sqlstore reaches httpapi", func(p map[string]*pkg) {
			p[m("internal/sqlstore")].Deps = append(p[m("internal/sqlstore")].Deps, m("internal/httpapi"))
		}, "internal/sqlstore depends on internal/httpapi"},
		{"a test imports cli", func(p map[string]*pkg) {
			p[m("internal/httpapi")].XTestImports = []string{m("internal/cli")}
		}, "imports internal/cli"},
		{"no doc comment", func(p map[string]*pkg) { p[m("internal/sqlstore")].Doc = "" }, "no package doc comment"},
		{"production code reaches the test guacd", func(p map[string]*pkg) {
			p[m("internal/httpapi")].Deps = append(p[m("internal/httpapi")].Deps, m("internal/guacdtest"))
		}, "internal/httpapi depends on internal/guacdtest"},
		{"sqlstore reaches prometheus", func(p map[string]*pkg) {
			p[m("internal/sqlstore")].Deps = append(p[m("internal/sqlstore")].Deps, "github.com/prometheus/client_golang/prometheus")
		}, "internal/sqlstore depends on github.com/prometheus/client_golang/prometheus"},
		{"cli imports prometheus itself", func(p map[string]*pkg) {
			p[m("internal/cli")].Imports = append(p[m("internal/cli")].Imports, "github.com/prometheus/client_golang/prometheus")
		}, "internal/cli imports github.com/prometheus/client_golang/prometheus"},
	}
	for _, c := range cases {
		p := base()
		c.break_(p)
		v := violations(p)
		if len(v) != 1 || !strings.Contains(v[0], c.want) {
			t.Errorf("%s: %v, want one violation containing %q", c.name, v, c.want)
		}
	}
}
