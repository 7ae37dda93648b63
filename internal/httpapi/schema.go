package httpapi

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPIDocument is racd's own OpenAPI 3.0 description of every route in routeTable;
// routes_test.go keeps the two in step.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// OpenAPI returns racd's OpenAPI document (YAML).
func OpenAPI() []byte { return openAPIDocument }

// schema serves the OpenAPI document. Like authentik's schema route it needs no
// credentials: it describes the API and holds no data.
func schema(s *Server, c *call) error {
	h := c.w.Header()
	h.Set("Content-Type", "application/yaml; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	c.status = http.StatusOK
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(openAPIDocument)
	}
	return nil
}
