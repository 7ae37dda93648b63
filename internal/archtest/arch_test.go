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

// allowedImports lists, for every package of the module, the module's packages it may
// import (its non-test code; imports of others' packages follow from theirs). It is
// the layering of ARCHITECTURE.md as a table: cmd → cli → the adapters (httpapi,
// sqlstore, gateway, web, metrics) → authz, expr → racd, with racd on the standard
// library alone. A package missing here fails the test: a new package, or a new
// import between packages, is a decision made on this line.
var allowedImports = map[string][]string{
	"cmd/racd":           {"internal/cli"},
	"internal/racd":      nil,
	"internal/keys":      nil,
	"internal/realip":    nil,
	"internal/guacproto": nil,
	"internal/metrics":   nil,
	"internal/web":       nil,
	"internal/authz":     {"internal/racd"},
	"internal/expr":      {"internal/racd"},
	"internal/sqlstore":  {"internal/racd"},
	"internal/gateway":   {"internal/guacproto", "internal/racd"},
	"internal/password":  nil,
	// Browser sessions (the cookie, its hash, CSRF) shared by the API and the pages.
	"internal/websession": {"internal/authz", "internal/keys", "internal/racd", "internal/realip"},
	"internal/httpapi": {"internal/authz", "internal/expr", "internal/keys", "internal/password", "internal/racd", "internal/realip",
		"internal/websession"},
	// The pages for people: sign-in, library, sign-out, launch links.
	"internal/portal": {"internal/keys", "internal/password", "internal/racd", "internal/websession"},
	"internal/cli": {"internal/expr", "internal/gateway", "internal/httpapi", "internal/keys", "internal/metrics", "internal/password",
		"internal/portal", "internal/racd", "internal/realip", "internal/sqlstore", "internal/web", "internal/websession"},
	// The packages for tests.
	"internal/storetest":   {"internal/racd"},
	"internal/apitest":     {"internal/httpapi", "internal/keys", "internal/racd", "internal/sqlstore", "internal/storetest"},
	"internal/guacdtest":   {"internal/guacproto"},
	"internal/archtest":    nil,
	"internal/e2e":         nil,
	"internal/browsertest": nil,
}

// testOnly are the packages that exist for tests (helpers and test-only packages).
var testOnly = map[string]bool{
	"internal/apitest": true, "internal/storetest": true, "internal/guacdtest": true,
	"internal/e2e": true, "internal/browsertest": true, "internal/archtest": true,
}

// testingThroughThirdParty are the packages of other modules that import the standard
// library's testing package and that production code reaches anyway:
// prometheus/common's expfmt (behind client_golang, the agreed metrics library)
// imports go-abnf, which imports testing. Production code reaches testing through
// these alone, never through a package of this module.
var testingThroughThirdParty = map[string]bool{"github.com/pandatix/go-abnf": true}

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
	for _, path := range names {
		p := pkgs[path]
		rel := strings.TrimPrefix(path, module+"/")
		// Each package imports only what its line of allowedImports lists.
		allowed, listed := allowedImports[rel]
		if !listed && rel != "" {
			bad("%s is not in allowedImports; add its line (the module's packages it may import)", rel)
		}
		for _, imp := range p.Imports {
			if ours(imp) && listed && !slices.Contains(allowed, strings.TrimPrefix(imp, module+"/")) {
				bad("%s imports %s, which its line of allowedImports does not list", rel, strings.TrimPrefix(imp, module+"/"))
			}
		}
		// Production code depends on nothing made for tests: no test helper of ours,
		// and the testing package only through testingThroughThirdParty.
		if !testOnly[rel] {
			for _, d := range append([]string{path}, p.Deps...) {
				dp := pkgs[d]
				switch {
				case ours(d) && testOnly[strings.TrimPrefix(d, module+"/")]:
					bad("%s depends on %s, which only tests may use", rel, strings.TrimPrefix(d, module+"/"))
				case dp != nil && slices.Contains(dp.Imports, "testing") && !testingThroughThirdParty[d]:
					bad("%s depends on testing (through %s); production code may not", rel, d)
				}
			}
		}
		// Prometheus stays in internal/metrics: the domain, the API, the store and the
		// gateway report through small observer interfaces, and only cli (through
		// metrics) and the binary link it.
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
					bad("%s imports internal/cli; only cmd/racd may", rel)
					break
				}
			}
		}
		// Every package says what it is for.
		if strings.TrimSpace(p.Doc) == "" {
			bad("%s has no package doc comment", rel)
		}
	}
	return out
}

// TestImportRules keeps the dependency direction of ARCHITECTURE.md (allowedImports),
// production code free of test code, Prometheus in internal/metrics, cli for cmd/racd
// alone and a doc comment on every package.
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
			"testing":              {ImportPath: "testing", Standard: true},
			"example.com/x":        {ImportPath: "example.com/x"},
			m("internal/racd"):     {ImportPath: m("internal/racd"), Doc: "Package racd.", Deps: []string{"fmt"}},
			m("internal/authz"):    {ImportPath: m("internal/authz"), Doc: "Package authz.", Imports: []string{m("internal/racd")}, Deps: []string{"fmt", m("internal/racd")}},
			m("internal/httpapi"):  {ImportPath: m("internal/httpapi"), Doc: "Package httpapi.", Imports: []string{m("internal/authz")}, Deps: []string{m("internal/authz"), m("internal/racd")}},
			m("internal/sqlstore"): {ImportPath: m("internal/sqlstore"), Doc: "Package sqlstore.", Imports: []string{m("internal/racd")}, Deps: []string{m("internal/racd")}},
			m("internal/cli"):      {ImportPath: m("internal/cli"), Doc: "Package cli.", Imports: []string{m("internal/httpapi")}},
			m("cmd/racd"):          {ImportPath: m("cmd/racd"), Doc: "Command racd.", Imports: []string{m("internal/cli")}},
			m("internal/storetest"): {ImportPath: m("internal/storetest"), Doc: "Package storetest.", Imports: []string{"testing", m("internal/racd")},
				Deps: []string{"testing", m("internal/racd")}},
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
		{"httpapi imports sqlstore", func(p map[string]*pkg) {
			p[m("internal/httpapi")].Imports = append(p[m("internal/httpapi")].Imports, m("internal/sqlstore"))
		}, "internal/httpapi imports internal/sqlstore"},
		{"sqlstore imports authz", func(p map[string]*pkg) {
			p[m("internal/sqlstore")].Imports = append(p[m("internal/sqlstore")].Imports, m("internal/authz"))
		}, "internal/sqlstore imports internal/authz"},
		{"a package without a line", func(p map[string]*pkg) {
			p[m("internal/newthing")] = &pkg{ImportPath: m("internal/newthing"), Doc: "Package newthing."}
		}, "internal/newthing is not in allowedImports"},
		{"production code imports testing", func(p map[string]*pkg) {
			p[m("internal/sqlstore")].Imports = append(p[m("internal/sqlstore")].Imports, "testing")
			p[m("internal/sqlstore")].Deps = append(p[m("internal/sqlstore")].Deps, "testing")
		}, "internal/sqlstore depends on testing (through github.com/racd/racd/internal/sqlstore)"},
		{"production code reaches testing through a module", func(p map[string]*pkg) {
			p["example.com/x"].Imports = []string{"testing"}
			p[m("internal/httpapi")].Deps = append(p[m("internal/httpapi")].Deps, "example.com/x")
		}, "internal/httpapi depends on testing (through example.com/x)"},
		{"production code reaches a test helper", func(p map[string]*pkg) {
			p[m("internal/cli")].Deps = append(p[m("internal/cli")].Deps, m("internal/storetest"))
		}, "internal/cli depends on internal/storetest"},
		{"a test imports cli", func(p map[string]*pkg) {
			p[m("internal/httpapi")].XTestImports = []string{m("internal/cli")}
		}, "imports internal/cli"},
		{"no doc comment", func(p map[string]*pkg) { p[m("internal/sqlstore")].Doc = "" }, "no package doc comment"},
		{"production code reaches the test guacd", func(p map[string]*pkg) {
			p[m("internal/httpapi")].Deps = append(p[m("internal/httpapi")].Deps, m("internal/guacdtest"))
		}, "internal/httpapi depends on internal/guacdtest"},
		{"racd imports a package of ours", func(p map[string]*pkg) {
			p[m("internal/racd")].Imports = append(p[m("internal/racd")].Imports, m("internal/keys"))
		}, "internal/racd imports internal/keys"},
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
