package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAssetHandler(t *testing.T) {
	h := AssetHandler()
	get := func(path, etag string) *http.Response {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	res := get(AssetPrefix+"base.css", "")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(string(body), "--accent") {
		t.Fatalf("base.css: %d %q %.80q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if res := get(AssetPrefix+"base.css", etag); res.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d, want 304", res.StatusCode)
	}
	if res := get(AssetPrefix+"THIRD_PARTY_LICENSES.txt", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("licences: %d", res.StatusCode)
	}
	for _, p := range []string{AssetPrefix + "nope.js", AssetPrefix + "../web.go", AssetPrefix} {
		if res := get(p, ""); res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %d, want 404", p, res.StatusCode)
		}
	}
}
