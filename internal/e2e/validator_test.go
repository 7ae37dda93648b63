package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorder captures Errorf calls so the validator itself can be tested.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, format)
}

// TestValidatorRejectsWrongShapes makes sure the response validation the end-to-end
// tests rely on can fail: a provider without its required keys, a wrong type, a
// success status authentik's document does not list, and an assign answer that is not
// 2024.8's shape (the one documented exception).
func TestValidatorRejectsWrongShapes(t *testing.T) {
	const provider = `{"pk":1,"name":"x","authorization_flow":"3fa85f64-5717-4562-b3fc-2c963f66afa6","component":"c","assigned_application_slug":"","assigned_application_name":"","assigned_backchannel_application_slug":"","assigned_backchannel_application_name":"","verbose_name":"v","verbose_name_plural":"v","meta_model_name":"m","outpost_set":[]}`
	const assign = "/api/v3/rbac/permissions/assigned_by_users/1/assign/"
	cases := []struct {
		name, method, path string
		status             int
		body               string
		bad                bool
	}{
		{"missing required keys", "GET", "/api/v3/providers/rac/1/", 200, `{"pk":1,"name":"x"}`, true},
		{"wrong type", "GET", "/api/v3/providers/rac/1/", 200, strings.Replace(provider, `"pk":1`, `"pk":"one"`, 1), true},
		{"valid", "GET", "/api/v3/providers/rac/1/", 200, provider, false},
		{"undocumented success status", "GET", "/api/v3/providers/rac/1/", 201, provider, true},
		{"assign as 2024.6 documents it", "POST", assign, 204, "", false},
		{"assign as 2024.8 answers it", "POST", assign, 200, `[{"id":"authentik_flows.view_flow"}]`, false},
		{"assign without ids", "POST", assign, 200, `[{}]`, true},
		{"assign with another body", "POST", assign, 200, `{"id":"x"}`, true},
		{"assign with another success status", "POST", assign, 201, `[{"id":"x"}]`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.body != "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			}))
			defer srv.Close()
			rec := &recorder{TB: t}
			n := 0
			tr := validatingTransport{t: rec, base: http.DefaultTransport, count: &n, mu: &sync.Mutex{}}
			req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := len(rec.errs) > 0; got != c.bad {
				t.Fatalf("validation errors %v, want failure=%v", rec.errs, c.bad)
			}
		})
	}
}
