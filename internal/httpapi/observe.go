package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Observer receives what the API does, for metrics. The API calls it on the request
// path, so implementations must be cheap and safe for concurrent use. Labels it gets
// are bounded: route patterns from the route table, never a raw path.
type Observer interface {
	// Request reports one answered request: the route pattern it matched ("" when
	// none did), its method as sent, the status, how long it took and the bytes of
	// the response body.
	Request(route, method string, status int, d time.Duration, bytes int64)
	// AuthCache reports a token lookup answered from the cache (hit) or the database.
	AuthCache(hit bool)
	// Evaluation reports one property-mapping evaluation's outcome: expr.OutcomeOK,
	// expr.OutcomeFailed or expr.OutcomeOverBudget.
	Evaluation(outcome string)
}

// nopObserver is the Observer of a Server configured without one.
type nopObserver struct{}

func (nopObserver) Request(string, string, int, time.Duration, int64) {}
func (nopObserver) AuthCache(bool)                                    {}
func (nopObserver) Evaluation(string)                                 {}

// countingWriter counts the bytes of a response body and remembers its status, for
// the access log and the metrics.
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Limits on what one access-log line carries from the client.
const (
	maxLoggedQuery     = 2048
	maxLoggedUserAgent = 512
)

// maskedValue replaces the value of a sensitive query parameter in logs and events.
const maskedValue = "xxxxx"

// MaskQuery returns a raw query string with the values of sensitive parameters (names
// containing token, key, secret, password, session, credential or signature, and a
// few short ones such as code) replaced by xxxxx, so that a key someone put in a URL
// reaches neither the log nor an audit event. Everything else is kept as sent.
func MaskQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok || v == "" {
			continue
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if sensitiveParam(name) {
			parts[i] = k + "=" + maskedValue
		}
	}
	return strings.Join(parts, "&")
}

var sensitiveParts = []string{"token", "key", "secret", "password", "passwd", "session", "credential", "signature", "csrf"}

func sensitiveParam(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "pwd", "pass", "code", "sig", "auth", "authorization":
		return true
	}
	for _, s := range sensitiveParts {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// truncate cuts s to at most n bytes for a log line.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
