package httpapi_test

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// TestValuesTooLongToIndex: PostgreSQL cannot index a text value of more than about
// 2.7 kB, so a unique name of 3,000 random characters is a 400 on that field there
// (SQLite stores it); never a 500, and nothing is written.
func TestValuesTooLongToIndex(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p := e.Provider(map[string]any{"name": "p", "authorization_flow": flow})
		random := func() string {
			b := make([]byte, 1500)
			_, _ = rand.Read(b)
			return hex.EncodeToString(b)
		}
		cases := []struct {
			method, path string
			body         map[string]any
			field        string
			created      int
		}{
			{"POST", "/api/v3/providers/rac/", map[string]any{"name": random(), "authorization_flow": flow}, "name", 201},
			{"PATCH", "/api/v3/providers/rac/1/", map[string]any{"name": random()}, "name", 200},
			{"POST", "/api/v3/propertymappings/rac/", map[string]any{"name": random(), "static_settings": map[string]any{}}, "name", 201},
			{"POST", "/api/v3/propertymappings/rac/", map[string]any{"name": "m", "managed": random(), "static_settings": map[string]any{}}, "managed", 201},
		}
		for _, c := range cases {
			r := e.Admin(c.method, c.path, c.body)
			switch {
			case backend == "sqlite" && r.Status == c.created:
			case backend == "postgres" && r.Status == 400 && string(r.Body) == `{"`+c.field+`":["This value is too long."]}`:
			default:
				t.Errorf("%s %s with a long %s: %d %.200s", c.method, c.path, c.field, r.Status, r.Body)
			}
		}
		if backend == "postgres" {
			got := e.MustAdmin(200, "GET", "/api/v3/providers/rac/1/", nil)
			list := e.MustAdmin(200, "GET", "/api/v3/providers/rac/", nil)
			if got["name"] != p["name"] || list["pagination"].(map[string]any)["count"] != float64(1) {
				t.Errorf("a refused write changed something: %v", got)
			}
		}
	})
}
