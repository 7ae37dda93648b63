package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// benchEnv seeds n providers and returns the env and a provider id.
func benchEnv(b *testing.B, n int) (*apitest.Env, string, string) {
	e := apitest.New(b, "sqlite")
	flow := e.Flow("authz", "authorization")
	pm := e.Mapping("pm", map[string]any{"a": "1"})
	for i := 0; i < n; i++ {
		e.Provider(map[string]any{"name": fmt.Sprintf("rac-%06d", i), "authorization_flow": flow,
			"property_mappings": []string{pm}, "settings": map[string]any{"ignore-cert": "true", "n": i}})
	}
	return e, flow, pm
}

func benchServe(b *testing.B, e *apitest.Env, method, path, body string) {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	r.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
	w := httptest.NewRecorder()
	e.API.ServeHTTP(w, r)
	if w.Code >= 300 {
		b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
	}
}

// BenchmarkServe measures the handler stack in-process (no network), on SQLite.
func BenchmarkServe(b *testing.B) {
	e, flow, pm := benchEnv(b, 2000)
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			benchServe(b, e, "GET", fmt.Sprintf("/api/v3/providers/rac/%d/", i%2000+1), "")
		}
	})
	b.Run("list", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			benchServe(b, e, "GET", fmt.Sprintf("/api/v3/providers/rac/?page=1&page_size=20&search=rac-00%02d&ordering=name", i%20), "")
		}
	})
	b.Run("patch", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			benchServe(b, e, "PATCH", fmt.Sprintf("/api/v3/providers/rac/%d/", i%2000+1),
				fmt.Sprintf(`{"connection_expiry":"hours=%d","settings":{"ignore-cert":"false","n":%d}}`, i%100+1, i))
		}
	})
	var seq atomic.Int64
	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			benchServe(b, e, "POST", "/api/v3/providers/rac/", fmt.Sprintf(
				`{"name":"bench-%d","authorization_flow":"%s","property_mappings":["%s"],"settings":{"a":"b"},"connection_expiry":"hours=8"}`,
				seq.Add(1), flow, pm))
		}
	})
}
