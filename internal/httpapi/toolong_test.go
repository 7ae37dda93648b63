package httpapi_test

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// TestValuesTooLongToIndex: PostgreSQL cannot index a text value of more than about
// 2.7 kB, so an indexed name of 3,000 random characters, where no length limit applies
// first, is a 400 on that field there (SQLite stores it); never a 500, and nothing is
// written.
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
			path string
			body map[string]any
		}{
			{"/api/v3/core/applications/", map[string]any{"name": random(), "slug": "app"}},
			{"/api/v3/outposts/instances/", map[string]any{"name": random(), "type": "rac", "providers": []any{p["pk"]}, "config": map[string]any{}}},
			{"/api/v3/rac/endpoints/", map[string]any{"name": random(), "provider": p["pk"], "protocol": "rdp", "host": "h", "auth_mode": "static"}},
		}
		for _, c := range cases {
			r := e.Admin("POST", c.path, c.body)
			switch {
			case backend == "sqlite" && r.Status == 201:
			case backend == "postgres" && r.Status == 400 && string(r.Body) == `{"name":["This value is too long."]}`:
				list := e.MustAdmin(200, "GET", c.path, nil)
				if n := list["pagination"].(map[string]any)["count"]; n != float64(0) {
					t.Errorf("POST %s refused, yet %v objects exist", c.path, n)
				}
			default:
				t.Errorf("POST %s with a long name: %d %.200s", c.path, r.Status, r.Body)
			}
		}
	})
}
