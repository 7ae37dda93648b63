package httpapi

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// notYetRouted lists operations that openapi.yaml already describes but whose routes are
// being written on other branches. The coordinator removes lines as those branches merge:
// TestRoutesMatchOpenAPI fails for a line whose route now exists, so the list can only
// shrink. Keys are "METHOD path" exactly as in openapi.yaml.
var notYetRouted = []string{}

// loadRacdDoc parses and validates the embedded openapi.yaml.
func loadRacdDoc(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDocument)
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI: %v", err)
	}
	return doc
}

// normPath replaces every {param} of a path with {} so that patterns compare by shape.
func normPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

// docOperations returns "METHOD path" for every operation of doc.
func docOperations(doc *openapi3.T) map[string]*openapi3.Operation {
	out := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+path] = op
		}
	}
	return out
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadRacdDoc(t)
	ids := map[string]string{}
	for key, op := range docOperations(doc) {
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", key)
		}
		if prev, dup := ids[op.OperationID]; dup {
			t.Errorf("operationId %s used by %s and %s", op.OperationID, prev, key)
		}
		ids[op.OperationID] = key
		if op.Responses == nil || op.Responses.Len() == 0 {
			t.Errorf("%s: no responses", key)
		}
	}
}

// TestRoutesMatchOpenAPI checks the route table against openapi.yaml both ways: every
// route is documented, and every documented operation is routed or explicitly listed in
// notYetRouted (and no listed one is routed already).
func TestRoutesMatchOpenAPI(t *testing.T) {
	doc := loadRacdDoc(t)
	for _, d := range routeDocDiff(routeTable(), doc, notYetRouted) {
		t.Error(d)
	}
}

// routeDocDiff lists every disagreement between routes and doc, given the allowlist of
// documented operations not routed yet.
func routeDocDiff(routes []*route, doc *openapi3.T, pendingList []string) []string {
	var out []string
	documented := map[string]string{} // normalized → as written
	for key := range docOperations(doc) {
		method, path, _ := strings.Cut(key, " ")
		documented[method+" "+normPath(path)] = key
	}
	routed := map[string]string{}
	for _, r := range routes {
		key := r.method + " " + normPath(r.pattern)
		routed[key] = r.method + " " + r.pattern
		if _, ok := documented[key]; !ok {
			out = append(out, fmt.Sprintf("route %s %s is not described in openapi.yaml", r.method, r.pattern))
		}
	}
	pending := map[string]bool{}
	for _, key := range pendingList {
		method, path, _ := strings.Cut(key, " ")
		norm := method + " " + normPath(path)
		if pending[norm] {
			out = append(out, fmt.Sprintf("notYetRouted lists %s twice", key))
		}
		pending[norm] = true
		if _, ok := documented[norm]; !ok {
			out = append(out, fmt.Sprintf("notYetRouted lists %s, which openapi.yaml does not describe", key))
		}
		if r, ok := routed[norm]; ok {
			out = append(out, fmt.Sprintf("%s is routed now (%s): remove it from notYetRouted", key, r))
		}
	}
	var missing []string
	for norm, key := range documented {
		if _, ok := routed[norm]; !ok && !pending[norm] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	for _, key := range missing {
		out = append(out, fmt.Sprintf("openapi.yaml describes %s but no route serves it (add the route, or list it in notYetRouted)", key))
	}
	return out
}

// TestRoutesMatchOpenAPIFailsOnDrift makes sure the both-ways check can fail: an
// undocumented route, a documented operation without a route, and an allowlisted
// operation that is routed already.
func TestRoutesMatchOpenAPIFailsOnDrift(t *testing.T) {
	doc := loadRacdDoc(t)
	routes := routeTable()
	if d := routeDocDiff(routes, doc, notYetRouted); len(d) != 0 {
		t.Fatalf("baseline differs: %v", d)
	}
	extra := append(slices.Clone(routes), &route{method: "GET", pattern: "/api/v3/providers/rac/{id}/nonexistent/"})
	if d := routeDocDiff(extra, doc, notYetRouted); len(d) != 1 || !strings.Contains(d[0], "not described") {
		t.Errorf("undocumented route: %v", d)
	}
	fewer := slices.DeleteFunc(slices.Clone(routes), func(r *route) bool {
		return r.method == "PUT" && r.pattern == "/api/v3/providers/rac/{id}/"
	})
	if d := routeDocDiff(fewer, doc, notYetRouted); len(d) != 1 || !strings.Contains(d[0], "no route serves") {
		t.Errorf("unrouted operation: %v", d)
	}
	listed := append(slices.Clone(notYetRouted), "PUT /api/v3/providers/rac/{id}/")
	if d := routeDocDiff(routes, doc, listed); len(d) != 1 || !strings.Contains(d[0], "remove it from notYetRouted") {
		t.Errorf("allowlisted but routed: %v", d)
	}
}

// authentikDoc loads authentik 2024.6's OpenAPI document from the official Go client's
// module (the authority for wire shapes).
var authentikDoc = sync.OnceValues(func() (*openapi3.T, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "goauthentik.io/api/v3").Output()
	if err != nil {
		return nil, fmt.Errorf("go list goauthentik.io/api/v3: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "api", "openapi.yaml"))
	if err != nil {
		return nil, err
	}
	return openapi3.NewLoader().LoadFromData(data)
})

// differs is the extension that marks a deliberate difference from authentik's schema
// (its value says why); the shape comparison accepts a looser racd schema there, and a
// response marked with it may answer a status authentik 2024.6 does not document.
const differs = "x-racd-differs"

// The extensions that mark additions from newer authentik versions, which racd serves
// beside 2024.6's API (README, "Clients"). Their value is the authentik version that
// introduced them.
//   - since, on an operation authentik 2024.6 lacks; like then names the 2024.6
//     operation (operationId) whose parameters and shapes it must have, if any;
//   - since, on a property 2024.6's schema lacks: an added key (racd always sends
//     added response keys, so it may list them as required);
//   - newerValues, on an enum: values newer versions accept in requests (answers keep
//     emitting only 2024.6's values, so no response schema may carry it).
const (
	since       = "x-racd-since"
	like        = "x-racd-like"
	newerValues = "x-racd-newer-values"
)

// TestOpenAPIMatchesAuthentik compares every operation racd documents under /api/v3/
// with authentik's: same operationId, same success statuses, query parameters authentik
// knows, and for request bodies and success responses the same shape (property names,
// required keys, types, formats, nullability, enums) all the way down. Additions from
// newer authentik versions pass as additions when marked (since, like, newerValues),
// and everything 2024.6 has must still be there, unchanged.
func TestOpenAPIMatchesAuthentik(t *testing.T) {
	doc := loadRacdDoc(t)
	ak, err := authentikDoc()
	if err != nil {
		t.Fatalf("authentik's OpenAPI document: %v", err)
	}
	akOps := map[string]*openapi3.Operation{}
	akByID := map[string]*openapi3.Operation{}
	for key, op := range docOperations(ak) {
		method, path, _ := strings.Cut(key, " ")
		akOps[method+" "+normPath("/api/v3"+path)] = op
		akByID[op.OperationID] = op
	}
	compared, added := 0, 0
	for key, op := range docOperations(doc) {
		method, path, _ := strings.Cut(key, " ")
		if !strings.HasPrefix(path, "/api/v3/") {
			continue
		}
		akOp, ok := akOps[method+" "+normPath(path)]
		if !ok {
			_, newer := op.Extensions[since]
			switch {
			case strings.Contains(op.Summary, "[racd]"):
				continue
			case !newer:
				t.Errorf("%s: not in authentik's API; mark racd-only operations [racd] in their summary, and operations of newer authentik versions %s", key, since)
				continue
			}
			added++
			id, _ := op.Extensions[like].(string)
			if id == "" {
				continue
			}
			if akOp = akByID[id]; akOp == nil {
				t.Errorf("%s: %s names %s, which authentik 2024.6 lacks", key, like, id)
				continue
			}
		} else if op.OperationID != akOp.OperationID {
			t.Errorf("%s: operationId %s, authentik's is %s", key, op.OperationID, akOp.OperationID)
		}
		compared++
		compareParams(t, key, op, akOp)
		if op.RequestBody != nil {
			if akOp.RequestBody == nil {
				t.Errorf("%s: racd takes a body, authentik does not", key)
			} else {
				r, a := bodySchema(op.RequestBody.Value.Content), bodySchema(akOp.RequestBody.Value.Content)
				for _, d := range compareSchema(key+" body", r, a) {
					t.Error(d)
				}
			}
		}
		for status, resp := range op.Responses.Map() {
			if !strings.HasPrefix(status, "2") {
				continue
			}
			for _, d := range checkResponseEnums(key+" "+status, bodySchema(resp.Value.Content), map[*openapi3.Schema]bool{}) {
				t.Error(d)
			}
			akResp := akOp.Responses.Value(status)
			if akResp == nil {
				if _, marked := resp.Value.Extensions[differs]; !marked {
					t.Errorf("%s: answers %s, authentik documents no such status", key, status)
				}
				continue
			}
			r, a := bodySchema(resp.Value.Content), bodySchema(akResp.Value.Content)
			if (r == nil) != (a == nil) {
				t.Errorf("%s %s: body presence differs from authentik", key, status)
				continue
			}
			for _, d := range compareSchema(key+" "+status, r, a) {
				t.Error(d)
			}
		}
		// Every success status authentik documents is racd's too, unless racd's
		// answer there is a marked difference.
		for status := range akOp.Responses.Map() {
			if strings.HasPrefix(status, "2") && op.Responses.Value(status) == nil && !answersDifferently(op) {
				t.Errorf("%s: authentik documents %s, racd does not", key, status)
			}
		}
	}
	if compared < 80 {
		t.Errorf("compared only %d operations with authentik's", compared)
	}
	if added < 7 {
		t.Errorf("only %d operations of newer authentik versions", added)
	}
}

// answersDifferently reports whether one of op's success responses is a marked
// difference from authentik's (permission assign answers 200 where 2024.6 documents 204).
func answersDifferently(op *openapi3.Operation) bool {
	for status, resp := range op.Responses.Map() {
		if _, marked := resp.Value.Extensions[differs]; marked && strings.HasPrefix(status, "2") {
			return true
		}
	}
	return false
}

// checkResponseEnums lists the enums of an answer's schema that carry newerValues:
// answers emit only 2024.6's values (Go clients refuse others).
func checkResponseEnums(where string, sr *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) []string {
	if sr == nil || sr.Value == nil || seen[sr.Value] {
		return nil
	}
	s := sr.Value
	seen[s] = true
	var out []string
	if _, ok := s.Extensions[newerValues]; ok {
		out = append(out, where+": an answer's enum carries "+newerValues)
	}
	for _, sub := range s.AllOf {
		out = append(out, checkResponseEnums(where, sub, seen)...)
	}
	for name, p := range s.Properties {
		out = append(out, checkResponseEnums(where+"."+name, p, seen)...)
	}
	if s.Items != nil {
		out = append(out, checkResponseEnums(where+"[]", s.Items, seen)...)
	}
	return out
}

// TestCompareSchemaDetectsDifferences proves compareSchema can fail.
func TestCompareSchemaDetectsDifferences(t *testing.T) {
	ak, err := authentikDoc()
	if err != nil {
		t.Fatal(err)
	}
	doc := loadRacdDoc(t)
	prov := doc.Components.Schemas["RACProvider"]
	if d := compareSchema("same", prov, ak.Components.Schemas["RACProvider"]); len(d) != 0 {
		t.Fatalf("RACProvider differs: %v", d)
	}
	if d := compareSchema("other", prov, ak.Components.Schemas["Flow"]); len(d) == 0 {
		t.Fatal("RACProvider compared equal to Flow")
	}
	changed := *prov.Value
	changed.Required = slices.DeleteFunc(slices.Clone(changed.Required), func(s string) bool { return s == "outpost_set" })
	if d := compareSchema("required", &openapi3.SchemaRef{Value: &changed}, ak.Components.Schemas["RACProvider"]); len(d) == 0 {
		t.Fatal("a missing required key went unnoticed")
	}
}

func bodySchema(c openapi3.Content) *openapi3.SchemaRef {
	for _, mt := range c {
		return mt.Schema
	}
	return nil
}

func compareParams(t *testing.T, key string, op, akOp *openapi3.Operation) {
	t.Helper()
	akParams := map[string]*openapi3.Parameter{}
	for _, p := range akOp.Parameters {
		akParams[p.Value.In+":"+p.Value.Name] = p.Value
	}
	for _, p := range op.Parameters {
		if p.Value.In != "query" {
			continue
		}
		a, ok := akParams["query:"+p.Value.Name]
		if !ok {
			_, marked := p.Value.Extensions[differs]
			if _, newer := p.Value.Extensions[since]; !marked && !newer {
				t.Errorf("%s: query parameter %s is unknown to authentik", key, p.Value.Name)
			}
			continue
		}
		for _, d := range compareSchema(key+" ?"+p.Value.Name, p.Value.Schema, a.Schema) {
			t.Error(d)
		}
	}
}

// unwrap resolves the single-element allOf authentik uses around references.
func unwrap(s *openapi3.Schema) *openapi3.Schema {
	for s != nil && len(s.AllOf) == 1 && s.Type == nil && len(s.Properties) == 0 {
		s = s.AllOf[0].Value
	}
	return s
}

func typeOf(s *openapi3.Schema) string {
	if s.Type == nil {
		return ""
	}
	return strings.Join(s.Type.Slice(), "|")
}

// compareSchema lists the differences between racd's schema r and authentik's a.
func compareSchema(where string, rr, ar *openapi3.SchemaRef) []string {
	if rr == nil || ar == nil {
		if (rr == nil) != (ar == nil) {
			return []string{where + ": schema presence differs"}
		}
		return nil
	}
	rOuter, aOuter := rr.Value, ar.Value
	var out []string
	if rOuter.ReadOnly != aOuter.ReadOnly && unwrap(rOuter).ReadOnly != unwrap(aOuter).ReadOnly {
		out = append(out, fmt.Sprintf("%s: readOnly %v, authentik %v", where, rOuter.ReadOnly, aOuter.ReadOnly))
	}
	r, a := unwrap(rOuter), unwrap(aOuter)
	_, relaxed := r.Extensions[differs]
	if typeOf(r) != typeOf(a) {
		out = append(out, fmt.Sprintf("%s: type %q, authentik %q", where, typeOf(r), typeOf(a)))
	}
	if r.Format != a.Format {
		out = append(out, fmt.Sprintf("%s: format %q, authentik %q", where, r.Format, a.Format))
	}
	if r.Nullable != a.Nullable {
		out = append(out, fmt.Sprintf("%s: nullable %v, authentik %v", where, r.Nullable, a.Nullable))
	}
	if r.Pattern != a.Pattern || r.MinLength != a.MinLength || fmt.Sprint(deref(r.MaxLength)) != fmt.Sprint(deref(a.MaxLength)) {
		out = append(out, fmt.Sprintf("%s: string limits (%q,%d,%v), authentik (%q,%d,%v)", where,
			r.Pattern, r.MinLength, deref(r.MaxLength), a.Pattern, a.MinLength, deref(a.MaxLength)))
	}
	newer := map[any]bool{}
	if vs, ok := r.Extensions[newerValues].([]any); ok {
		for _, v := range vs {
			newer[v] = true
			if !slices.Contains(r.Enum, v) {
				out = append(out, fmt.Sprintf("%s: %s lists %v, which the enum lacks", where, newerValues, v))
			}
		}
	}
	switch {
	case len(a.Enum) > 0 && len(r.Enum) == 0 && !relaxed:
		out = append(out, fmt.Sprintf("%s: authentik restricts to an enum, racd does not", where))
	case len(r.Enum) > 0:
		for _, v := range r.Enum {
			if !slices.Contains(a.Enum, v) && !newer[v] {
				out = append(out, fmt.Sprintf("%s: enum value %v unknown to authentik", where, v))
			}
		}
		if len(r.Enum)-len(newer) != len(a.Enum) && !relaxed {
			out = append(out, fmt.Sprintf("%s: enum %v, authentik %v", where, r.Enum, a.Enum))
		}
	}
	// Keys newer versions added (marked since) may be required in racd's answers.
	added := func(name string) bool {
		p := r.Properties[name]
		if p == nil || p.Value == nil {
			return false
		}
		_, ok := p.Value.Extensions[since]
		return ok && a.Properties[name] == nil
	}
	rReq := slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(r.Required), added)))
	aReq := slices.Sorted(slices.Values(a.Required))
	if !slices.Equal(rReq, aReq) {
		out = append(out, fmt.Sprintf("%s: required %v, authentik %v", where, rReq, aReq))
	}
	for name := range a.Properties {
		if _, ok := r.Properties[name]; !ok {
			out = append(out, fmt.Sprintf("%s: property %s missing (authentik has it)", where, name))
		}
	}
	for name, p := range r.Properties {
		ap, ok := a.Properties[name]
		if !ok {
			if !added(name) {
				out = append(out, fmt.Sprintf("%s: property %s unknown to authentik (mark a newer version's key %s)", where, name, since))
			}
			continue
		}
		out = append(out, compareSchema(where+"."+name, p, ap)...)
	}
	if (r.Items == nil) != (a.Items == nil) {
		out = append(out, where+": items presence differs")
	} else if r.Items != nil {
		out = append(out, compareSchema(where+"[]", r.Items, a.Items)...)
	}
	return out
}

func deref(p *uint64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestOpenAPIPublicRoutes checks that the document says which routes answer without a
// token: an operation allows anonymous calls (an empty security requirement) exactly
// when its route is public.
func TestOpenAPIPublicRoutes(t *testing.T) {
	doc := loadRacdDoc(t)
	ops := map[string]*openapi3.Operation{}
	for key, op := range docOperations(doc) {
		method, path, _ := strings.Cut(key, " ")
		ops[method+" "+normPath(path)] = op
	}
	publics := 0
	for _, r := range routeTable() {
		op := ops[r.method+" "+normPath(r.pattern)]
		if op == nil {
			continue // reported by TestRoutesMatchOpenAPI
		}
		sec := doc.Security
		if op.Security != nil {
			sec = *op.Security
		}
		anonymous := false
		for _, req := range sec {
			if len(req) == 0 {
				anonymous = true
			}
		}
		if anonymous != (r.access == public) {
			t.Errorf("%s %s: document allows anonymous calls: %v; route is public: %v", r.method, r.pattern, anonymous, r.access == public)
		}
		if r.access == public {
			publics++
		}
	}
	if publics < 4 {
		t.Errorf("only %d public routes checked", publics)
	}
}
