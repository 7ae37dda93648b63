package httpapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v4"
)

// openAPIDocument is racd's own OpenAPI 3.0 description of every route in routeTable;
// routes_test.go keeps the two in step.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// OpenAPI returns racd's OpenAPI document (YAML).
func OpenAPI() []byte { return openAPIDocument }

// OpenAPIJSON returns racd's OpenAPI document as JSON, keys in the YAML's order.
func OpenAPIJSON() ([]byte, error) { return openAPIJSON() }

// openAPIJSON converts the embedded YAML once, on first use.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) { return yamlToJSON(openAPIDocument) })

// Media types of the schema, as drf-spectacular names them: ?format=json picks the
// first JSON renderer (application/vnd.oai.openapi+json); Accept may ask for either
// JSON type or either YAML type.
const (
	mediaYAML        = "application/yaml"
	mediaOAIYAML     = "application/vnd.oai.openapi"
	mediaJSON        = "application/json"
	mediaOAIJSON     = "application/vnd.oai.openapi+json"
	schemaFormatJSON = "json"
	schemaFormatYAML = "yaml"
)

// schema serves the OpenAPI document. Like authentik's schema route it needs no
// credentials: it describes the API and holds no data. YAML is the default; ?format=json
// or an Accept header that prefers JSON gets JSON, as drf-spectacular answers.
func schema(s *Server, c *call) error {
	ctype, err := schemaType(c.r)
	if err != nil {
		return err
	}
	body := openAPIDocument
	if strings.HasSuffix(ctype, "json") {
		if body, err = openAPIJSON(); err != nil {
			return err
		}
	}
	h := c.w.Header()
	h.Set("Content-Type", ctype+"; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Add("Vary", "Accept")
	c.status = http.StatusOK
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(body)
	}
	return nil
}

// schemaType picks the media type: the format query parameter first (DRF answers 404
// for a format it has no renderer for), then the first type of the Accept header racd
// can serve, in the client's order of preference; YAML otherwise.
func schemaType(r *http.Request) (string, error) {
	q := r.URL.Query()
	if f, ok := q["format"]; ok {
		switch f[len(f)-1] { // Django reads the last value
		case schemaFormatJSON:
			return mediaOAIJSON, nil
		case schemaFormatYAML:
			return mediaOAIYAML, nil
		}
		return "", errNotFound
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		weight := 1.0
		if v, ok := params["q"]; ok {
			if weight, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		switch mt {
		case mediaJSON, mediaOAIJSON, mediaYAML, mediaOAIYAML:
			if weight > bestQ {
				best, bestQ = mt, weight
			}
		}
	}
	if best == "" {
		return mediaYAML, nil
	}
	return best, nil
}

// yamlToJSON converts a YAML document to JSON keeping the order of mapping keys (a
// Go map would sort them, and the document reads in the order it was written).
func yamlToJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeJSONNode(&buf, &doc, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxYAMLDepth bounds the recursion (and alias chains) of writeJSONNode.
const maxYAMLDepth = 100

func writeJSONNode(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > maxYAMLDepth {
		return errors.New("yaml: nested too deeply")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return errors.New("yaml: want exactly one document")
		}
		return writeJSONNode(buf, n.Content[0], depth+1)
	case yaml.AliasNode:
		return writeJSONNode(buf, n.Alias, depth+1)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return fmt.Errorf("yaml line %d: only scalar keys convert to JSON", k.Line)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			key, _ := json.Marshal(k.Value)
			buf.Write(key)
			buf.WriteByte(':')
			if err := writeJSONNode(buf, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSONNode(buf, item, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("yaml line %d: %w", n.Line, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("yaml line %d: %w", n.Line, err)
		}
		buf.Write(b)
	default:
		return fmt.Errorf("yaml line %d: unexpected node", n.Line)
	}
	return nil
}
