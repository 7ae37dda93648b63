package web

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type pageRefusal struct {
	status int
	msg    string
}

func (r pageRefusal) Error() string       { return r.msg }
func (r pageRefusal) HTTPStatus() int     { return r.status }
func (r pageRefusal) PageMessage() string { return r.msg }

func TestSessionPage(t *testing.T) {
	const secret = "AbC123xyz"
	h := SessionPage(func(w http.ResponseWriter, r *http.Request, s string) (string, error) {
		switch s {
		case secret:
			return `Desk <1> & "co"`, nil
		case "other":
			return "", pageRefusal{403, "This connection is bound to another browser."}
		}
		return "", errors.New("database down")
	}, nil)
	get := func(method, path string) (*http.Response, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	res, body := get("GET", "/if/rac/"+secret+"/")
	if res.StatusCode != 200 || !strings.Contains(body, "<title>Desk &lt;1&gt; &amp; &#34;co&#34;</title>") ||
		!strings.Contains(body, `data-tunnel="/ws/rac/`+secret+`/"`) || !strings.Contains(body, `src="/static/dist/rac.js"`) {
		t.Fatalf("page: %d %s", res.StatusCode, body)
	}
	for k, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	for _, c := range []struct {
		method, path string
		status       int
		words        string
	}{
		{"GET", "/if/rac/other/", 403, "another browser"},
		{"GET", "/if/rac/broken/", 503, "reload the page"},
		{"GET", "/if/rac/no-dash!/", 404, "not valid"},
		{"GET", "/if/rac/" + secret, 404, "not valid"},
		{"GET", "/if/rac//", 404, "not valid"},
		{"POST", "/if/rac/" + secret + "/", 405, "can only be opened"},
	} {
		res, body := get(c.method, c.path)
		if res.StatusCode != c.status || !strings.Contains(body, c.words) || strings.Contains(body, "{") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s %s: %d %s", c.method, c.path, res.StatusCode, body)
		}
	}
}
