package cli_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/racd/racd/internal/storetest"
)

// TestRootHandler: racd's listener serves the API browser at exactly /api/v3/ (GET and
// HEAD), the built assets under /static/dist/, and the API everywhere else, including
// other methods on /api/v3/ and every path below it.
func TestRootHandler(t *testing.T) {
	addr := startServe(t, map[string]string{"RACD_DATABASE_URL": storetest.SQLiteURL(t), "RACD_SECRET_KEY": secret,
		"RACD_LISTEN": "127.0.0.1:0", "RACD_BOOTSTRAP_TOKEN": "root-handler-token-0123456789"}).Addr
	for _, c := range []struct {
		method, path string
		status       int
		ctype, body  string
	}{
		{"GET", "/api/v3/", 200, "text/html", `<script defer src="/static/dist/apibrowser.js">`},
		{"HEAD", "/api/v3/", 200, "text/html", ""},
		{"GET", "/static/dist/apibrowser.js", 200, "text/javascript", "schema/?format=json"},
		{"POST", "/api/v3/", 404, "application/json", `{"detail":"Not found."}`},
		{"GET", "/api/v3", 404, "application/json", `{"detail":"Not found."}`},
		{"GET", "/api/v3//", 404, "application/json", `{"detail":"Not found."}`},
		{"GET", "/api/v3/schema/?format=json", 200, "application/vnd.oai.openapi+json", `"openapi":"3.0.3"`},
		{"GET", "/api/v3/providers/rac/", 403, "application/json", "Authentication credentials were not provided."},
		{"GET", "/-/health/live/", 200, "application/json", `{"status":"ok"}`},
	} {
		req, _ := http.NewRequest(c.method, "http://"+addr+c.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), c.ctype) || !strings.Contains(string(b), c.body) {
			t.Errorf("%s %s: %d %s %.120q; want %d %s containing %q", c.method, c.path, res.StatusCode, res.Header.Get("Content-Type"), b, c.status, c.ctype, c.body)
		}
	}
}
