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
// tests rely on can fail: a provider without its required keys, and a wrong type.
func TestValidatorRejectsWrongShapes(t *testing.T) {
	cases := []struct {
		name, body string
		bad        bool
	}{
		{"missing required keys", `{"pk":1,"name":"x"}`, true},
		{"wrong type", `{"pk":"one","name":"x","authorization_flow":"3fa85f64-5717-4562-b3fc-2c963f66afa6","component":"c","assigned_application_slug":"","assigned_application_name":"","assigned_backchannel_application_slug":"","assigned_backchannel_application_name":"","verbose_name":"v","verbose_name_plural":"v","meta_model_name":"m","outpost_set":[]}`, true},
		{"valid", `{"pk":1,"name":"x","authorization_flow":"3fa85f64-5717-4562-b3fc-2c963f66afa6","component":"c","assigned_application_slug":"","assigned_application_name":"","assigned_backchannel_application_slug":"","assigned_backchannel_application_name":"","verbose_name":"v","verbose_name_plural":"v","meta_model_name":"m","outpost_set":[]}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, c.body)
			}))
			defer srv.Close()
			rec := &recorder{TB: t}
			n := 0
			tr := validatingTransport{t: rec, base: http.DefaultTransport, count: &n, mu: &sync.Mutex{}}
			req, _ := http.NewRequest("GET", srv.URL+"/api/v3/providers/rac/1/", nil)
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := len(rec.errs) > 0; got != c.bad {
				t.Fatalf("validation errors %v, want failure=%v", rec.errs, c.bad)
			}
			if c.bad && !strings.Contains(rec.errs[0], "does not match") {
				t.Fatalf("unexpected error %q", rec.errs[0])
			}
		})
	}
}
