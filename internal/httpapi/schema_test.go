package httpapi_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/httpapi"
)

// TestSchemaJSONEqualsYAML fetches the schema as JSON (?format=json and Accept) and as
// YAML over HTTP, parses each as an OpenAPI document and checks they are the same
// document: as loaded by kin-openapi, and value for value as generic trees.
func TestSchemaJSONEqualsYAML(t *testing.T) {
	e := apitest.New(t, "sqlite")
	yamlRes := e.Do(apitest.Request{Method: "GET", Path: "/api/v3/schema/"})
	if yamlRes.Status != 200 || !strings.HasPrefix(yamlRes.Header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("default schema: %d %s", yamlRes.Status, yamlRes.Header.Get("Content-Type"))
	}
	yamlDoc, err := openapi3.NewLoader().LoadFromData(yamlRes.Body)
	if err != nil {
		t.Fatalf("YAML schema: %v", err)
	}
	var yamlTree any
	if err := yaml.Unmarshal(yamlRes.Body, &yamlTree); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path, accept, ctype string
	}{
		{"format=json", "/api/v3/schema/?format=json", "", "application/vnd.oai.openapi+json"},
		{"Accept application/json", "/api/v3/schema/", "application/json", "application/json"},
		{"Accept prefers JSON", "/api/v3/schema/", "application/yaml;q=0.5, application/vnd.oai.openapi+json", "application/vnd.oai.openapi+json"},
		{"format wins over Accept", "/api/v3/schema/?format=yaml&format=json", "application/yaml", "application/vnd.oai.openapi+json"},
	} {
		h := map[string]string{}
		if c.accept != "" {
			h["Accept"] = c.accept
		}
		r := e.Do(apitest.Request{Method: "GET", Path: c.path, Header: h})
		if r.Status != 200 || r.Header.Get("Content-Type") != c.ctype+"; charset=utf-8" {
			t.Fatalf("%s: %d %q, want 200 %s", c.name, r.Status, r.Header.Get("Content-Type"), c.ctype)
		}
		if !json.Valid(r.Body) {
			t.Fatalf("%s: body is not JSON: %.80q", c.name, r.Body)
		}
		jsonDoc, err := openapi3.NewLoader().LoadFromData(r.Body)
		if err != nil {
			t.Fatalf("%s: JSON schema does not load as OpenAPI: %v", c.name, err)
		}
		if err := jsonDoc.Validate(t.Context()); err != nil {
			t.Fatalf("%s: JSON schema is not valid OpenAPI: %v", c.name, err)
		}
		a, _ := json.Marshal(yamlDoc)
		b, _ := json.Marshal(jsonDoc)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: the JSON document differs from the YAML one as OpenAPI", c.name)
		}
		var jsonTree any
		if err := json.Unmarshal(r.Body, &jsonTree); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normalize(yamlTree), normalize(jsonTree)) {
			t.Fatalf("%s: the JSON tree differs from the YAML tree", c.name)
		}
		if len(yamlDoc.Paths.Map()) < 40 {
			t.Fatalf("only %d paths: not the whole document", len(yamlDoc.Paths.Map()))
		}
	}
	// Keys keep the YAML's order: openapi, info, servers, ... not sorted.
	js, _ := httpapi.OpenAPIJSON()
	if !bytes.HasPrefix(js, []byte(`{"openapi":"3.0.3","info":{"title":"racd"`)) {
		t.Errorf("JSON starts %.60q; want the YAML's key order", js)
	}
	for _, c := range []struct {
		path, accept, ctype string
		status              int
	}{
		{"/api/v3/schema/?format=yaml", "", "application/vnd.oai.openapi", 200},
		{"/api/v3/schema/", "text/html", "application/yaml", 200},
		{"/api/v3/schema/", "application/json;q=0.1, application/yaml", "application/yaml", 200},
		{"/api/v3/schema/", "application/json;q=nope", "application/yaml", 200},
		{"/api/v3/schema/?format=xml", "", "application/json", 404},
	} {
		h := map[string]string{}
		if c.accept != "" {
			h["Accept"] = c.accept
		}
		r := e.Do(apitest.Request{Method: "GET", Path: c.path, Header: h})
		if r.Status != c.status || !strings.HasPrefix(r.Header.Get("Content-Type"), c.ctype) {
			t.Errorf("%s Accept %q: %d %q, want %d %s", c.path, c.accept, r.Status, r.Header.Get("Content-Type"), c.status, c.ctype)
		}
	}
}

// normalize makes YAML and JSON decodings comparable: YAML gives ints, JSON float64.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int:
		return float64(x)
	case uint64:
		return float64(x)
	case int64:
		return float64(x)
	}
	return v
}
