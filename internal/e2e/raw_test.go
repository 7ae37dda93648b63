package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawClient talks to racd without authentik's client, for tests that check exact bodies
// and run many requests at once.
var rawClient = &http.Client{
	Timeout:   20 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 200, MaxIdleConnsPerHost: 100, IdleConnTimeout: 30 * time.Second},
}

// reply is one answer with its body read.
type reply struct {
	Status  int
	Body    string
	Header  http.Header
	Elapsed time.Duration
}

// Do sends one request as the bootstrap admin; err is a transport error (no answer).
func (r *Racd) Do(method, path, body string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.URL+path, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Authorization", "Bearer "+Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	res, err := rawClient.Do(req)
	if err != nil {
		return reply{Elapsed: time.Since(start)}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return reply{Status: res.StatusCode, Body: string(b), Header: res.Header, Elapsed: time.Since(start)}, err
}

// Must sends a request and fails the test unless the status is want; it returns the
// body decoded as an object.
func (r *Racd) Must(t testing.TB, want int, method, path, body string) map[string]any {
	t.Helper()
	rep, err := r.Do(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if rep.Status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, rep.Status, rep.Body, want)
	}
	var m map[string]any
	if strings.HasPrefix(rep.Body, "{") {
		if err := json.Unmarshal([]byte(rep.Body), &m); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return m
}

// Alive reports whether the process is still running.
func (r *Racd) Alive() bool {
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}

// createFlow makes an authorization flow through r and returns its UUID.
func createFlow(t testing.TB, r *Racd, slug string) string {
	t.Helper()
	m := r.Must(t, 201, "POST", "/api/v3/flows/instances/",
		`{"name":"Flow `+slug+`","slug":"`+slug+`","title":"T","designation":"authorization"}`)
	return m["pk"].(string)
}
