// Package apitest runs racd's HTTP API in-process on a real database for tests: a fresh
// SQLite file or PostgreSQL schema per test, migrated, with a superuser token. It is
// imported by tests only.
package apitest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/storetest"
)

// AdminToken is the bootstrap superuser's key in every Env.
const AdminToken = "apitest-admin-token-0123456789"

// Secret is the server secret every Env uses.
const Secret = "apitest-secret-key-0123456789abcdef"

// Env is one racd API on one fresh database, and what tests do with it: requests as
// any caller (this file), users and grants made through the API (identity.go), rows
// arranged and counted with SQL (sql.go), scenario tables (scenario.go) and RBAC
// matrices (rbac.go).
type Env struct {
	T       testing.TB
	Store   *sqlstore.Store
	Keys    *keys.Keyring
	Server  *httptest.Server
	API     *httpapi.Server
	URL     string
	Backend string // "sqlite" or "postgres"
	// Vars are the named values scenarios refer to as {name} in paths and bodies.
	Vars map[string]string
	// CallerKeys are the keys of the callers scenarios act as (AddCallers).
	CallerKeys map[string]string

	dbURL string
	db    *sql.DB // raw access (sql.go), opened on first use
}

// New starts an API on backend ("sqlite" or "postgres"; see storetest.URL).
func New(t testing.TB, backend string) *Env {
	t.Helper()
	return NewWithURL(t, storetest.URL(t, backend))
}

// NewWithURL starts an API on the database at dbURL.
func NewWithURL(t testing.TB, dbURL string) *Env {
	t.Helper()
	return newEnv(t, dbURL, nil)
}

// NewConfigured is New with configure applied to the API's Config before it starts
// (a logger, an observer, trusted proxies).
func NewConfigured(t testing.TB, backend string, configure func(*httpapi.Config)) *Env {
	t.Helper()
	return newEnv(t, storetest.URL(t, backend), configure)
}

func newEnv(t testing.TB, dbURL string, configure func(*httpapi.Config)) *Env {
	t.Helper()
	backend, err := sqlstore.Kind(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// A statement timeout, so that a test process killed mid-request leaves nothing
	// running in a shared PostgreSQL for long.
	ring, err := keys.New(Secret)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(ctx, dbURL, sqlstore.Options{StatementTimeout: time.Minute, Sealer: ring})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	sealed, err := ring.Seal(AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Bootstrap(ctx, racd.SealedKey{Hash: ring.Hash(AdminToken), Ciphertext: sealed}); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	cfg := httpapi.Config{Store: st, Keys: ring, AuthCacheTTL: time.Second}
	if configure != nil {
		configure(&cfg)
	}
	api := httpapi.New(cfg)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &Env{T: t, Store: st, Keys: ring, Server: srv, API: api, URL: srv.URL, Backend: backend, dbURL: dbURL,
		Vars: map[string]string{}, CallerKeys: map[string]string{}}
}

// Resp is an answer, its body read.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r *Resp) JSON(t testing.TB) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.Body)
	}
	return v
}

// Map decodes the body into an object.
func (r *Resp) Map(t testing.TB) map[string]any {
	t.Helper()
	m, ok := r.JSON(t).(map[string]any)
	if !ok {
		t.Fatalf("body is not an object: %s", r.Body)
	}
	return m
}

// Request describes one call; Token "" sends none, Header overrides anything.
type Request struct {
	Method      string
	Path        string
	Body        string // raw body; sent with Content-Type application/json unless ContentType is set
	ContentType string
	Token       string
	Header      map[string]string
}

// Do sends r.
func (e *Env) Do(r Request) *Resp {
	e.T.Helper()
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequest(r.Method, e.URL+r.Path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	if r.Body != "" {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	return &Resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Admin sends method path body as the superuser.
func (e *Env) Admin(method, path string, body any) *Resp {
	e.T.Helper()
	return e.As(AdminToken, method, path, body)
}

// As sends method path body with token key ("" sends none): a string body as it
// is, anything else as JSON.
func (e *Env) As(key, method, path string, body any) *Resp {
	e.T.Helper()
	var s string
	switch b := body.(type) {
	case nil:
	case string:
		s = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		s = string(raw)
	}
	return e.Do(Request{Method: method, Path: path, Body: s, Token: key})
}

// MustAdmin is Admin that fails the test unless the status is want; it returns the body
// decoded as an object (or nil for an empty body).
func (e *Env) MustAdmin(want int, method, path string, body any) map[string]any {
	e.T.Helper()
	r := e.Admin(method, path, body)
	if r.Status != want {
		e.T.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.Status, want, r.Body)
	}
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return nil
	}
	m, _ := r.JSON(e.T).(map[string]any)
	return m
}

// Flow creates a flow with slug and designation and returns its UUID.
func (e *Env) Flow(slug, designation string) string {
	e.T.Helper()
	m := e.MustAdmin(201, "POST", "/api/v3/flows/instances/", map[string]any{
		"name": "Flow " + slug, "slug": slug, "title": "Title " + slug, "designation": designation,
	})
	return m["pk"].(string)
}

// Mapping creates a RAC property mapping and returns its UUID.
func (e *Env) Mapping(name string, static map[string]any) string {
	e.T.Helper()
	if static == nil {
		static = map[string]any{}
	}
	m := e.MustAdmin(201, "POST", "/api/v3/propertymappings/rac/", map[string]any{"name": name, "static_settings": static})
	return m["pk"].(string)
}

// Provider creates a provider from fields (name and authorization_flow at least) and
// returns it.
func (e *Env) Provider(fields map[string]any) map[string]any {
	e.T.Helper()
	return e.MustAdmin(201, "POST", "/api/v3/providers/rac/", fields)
}

// ForEachBackend runs fn as a subtest on SQLite and on PostgreSQL.
func ForEachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}
