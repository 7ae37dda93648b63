package httpapi_test

import (
	"bytes"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/realip"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitLine waits for a log line matching re.
func waitLine(t *testing.T, buf *lockedBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindString(buf.String()); m != "" {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no log line matching %s in:\n%s", re, buf.String())
	return ""
}

// TestAccessLog: each request's line has the client IP, the query with sensitive
// values masked, the response size and the user agent. X-Forwarded-For counts only
// from a trusted proxy; the same client address and masked query go into audit events.
func TestAccessLog(t *testing.T) {
	for _, c := range []struct {
		name    string
		trusted string
		wantIP  string
	}{
		{"trusted proxy", "127.0.0.0/8", "198.51.100.9"},
		{"untrusted peer", "", "127.0.0.1"},
		{"other proxy trusted", "10.0.0.0/8", "127.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			logs := &lockedBuffer{}
			proxies, err := realip.Parse(c.trusted)
			if err != nil {
				t.Fatal(err)
			}
			e := apitest.NewConfigured(t, "sqlite", func(cfg *httpapi.Config) {
				cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
				cfg.AccessLog = true
				cfg.TrustedProxies = proxies
			})
			h := map[string]string{"X-Forwarded-For": "203.0.113.66, 198.51.100.9", "User-Agent": "ops-test/1.0 (\"quoted\")",
				"X-Request-Id": "access-" + strconv.Itoa(len(c.name))}
			r := e.Do(apitest.Request{Method: "GET", Path: "/api/v3/providers/rac/?search=x&token=abc123&api_key=k3y&page_size=5&password=&Session_Id=s", Token: apitest.AdminToken, Header: h})
			if r.Status != 200 {
				t.Fatalf("list: %d", r.Status)
			}
			line := waitLine(t, logs, regexp.MustCompile(`(?m)^.*msg=request method=GET path=/api/v3/providers/rac/ .*$`))
			for _, want := range []string{
				`query="search=x&token=xxxxx&api_key=xxxxx&page_size=5&password=&Session_Id=xxxxx"`,
				"status=200", "bytes=" + strconv.Itoa(len(r.Body)), "client_ip=" + c.wantIP + " ",
				`user_agent="ops-test/1.0 (\"quoted\")"`, "user=akadmin", "request_id=" + h["X-Request-Id"],
			} {
				if !strings.Contains(line, want) {
					t.Errorf("access log line lacks %s:\n%s", want, line)
				}
			}
			if strings.Contains(logs.String(), "abc123") || strings.Contains(logs.String(), "k3y") {
				t.Fatalf("a secret reached the log:\n%s", logs.String())
			}
			// The audit event of a change carries the same client address and masked query.
			fr := e.Do(apitest.Request{Method: "POST", Path: "/api/v3/flows/instances/?token=abc123", Token: apitest.AdminToken, Header: h,
				Body: `{"name":"F","slug":"f","title":"T","designation":"authorization"}`})
			if fr.Status != 201 {
				t.Fatalf("create flow: %d %s", fr.Status, fr.Body)
			}
			ev := e.MustAdmin(200, "GET", "/api/v3/events/events/?action=model_created", nil)
			results := ev["results"].([]any)
			if len(results) != 1 {
				t.Fatalf("events: %v", ev)
			}
			first := results[0].(map[string]any)
			evCtx := first["context"].(map[string]any)
			req := evCtx["http_request"].(map[string]any)
			if first["client_ip"] != c.wantIP || req["args"] != "token=xxxxx" {
				t.Fatalf("event client_ip %v, args %v; want %s and the masked query", first["client_ip"], req["args"], c.wantIP)
			}
		})
	}
}

func TestMaskQuery(t *testing.T) {
	for in, want := range map[string]string{
		"":                                "",
		"search=a":                        "search=a",
		"token=t&x=1":                     "token=xxxxx&x=1",
		"X-Authentik-Token=t":             "X-Authentik-Token=xxxxx",
		"a%20key=1&key":                   "a%20key=xxxxx&key",
		"code=abc&ordering=-name&pwd=p":   "code=xxxxx&ordering=-name&pwd=xxxxx",
		"client_secret=s&%zz=1&monkey=ok": "client_secret=xxxxx&%zz=1&monkey=xxxxx",
	} {
		if got := httpapi.MaskQuery(in); got != want {
			t.Errorf("MaskQuery(%q) = %q, want %q", in, got, want)
		}
	}
}
