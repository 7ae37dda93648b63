package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	api "goauthentik.io/api/v3"

	"github.com/racd/racd/internal/storetest"
)

// racdBin is the binary under test, built once by TestMain.
var racdBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "racd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	racdBin = filepath.Join(dir, "racd")
	// The binary under test is built with the README's own build command, so the tests
	// that check it (static, version) check what operators get.
	build, err := readmeBuild(racdBin)
	if err == nil {
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		err = build.Run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "building racd with the README's command:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Secret and Token are what every racd under test is started with.
const (
	Secret = "e2e-secret-key-0123456789abcdef0123"
	Token  = "e2e-admin-token-0123456789"
)

// Racd is one running `racd serve` process.
type Racd struct {
	URL   string
	DBURL string
	cmd   *exec.Cmd
	logs  *syncBuffer
	done  chan struct{}
	t     testing.TB
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenRE = regexp.MustCompile(`msg="racd listening" addr=(\S+)`)

// Start runs racd serve on dbURL with the test secret and bootstrap token, waits until
// it listens, and stops it when the test ends. extraEnv entries are KEY=VALUE.
func Start(t testing.TB, dbURL string, extraEnv ...string) *Racd {
	t.Helper()
	return StartAt(t, dbURL, "127.0.0.1:0", extraEnv...)
}

// StartAt is Start on a given listen address (for restarting on the same port).
func StartAt(t testing.TB, dbURL, listen string, extraEnv ...string) *Racd {
	t.Helper()
	cmd := exec.Command(racdBin, "serve")
	cmd.Env = append(os.Environ(),
		"RACD_LISTEN="+listen, "RACD_DATABASE_URL="+dbURL, "RACD_SECRET_KEY="+Secret,
		"RACD_BOOTSTRAP_TOKEN="+Token, "RACD_ACCESS_LOG=false")
	cmd.Env = append(cmd.Env, extraEnv...)
	r := &Racd{DBURL: dbURL, cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{}), t: t}
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(r.logs, pw)
	cmd.Stdout = r.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start racd: %v", err)
	}
	go func() {
		_ = cmd.Wait()
		pw.Close()
		close(r.done)
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		r.Kill()
		if t.Failed() {
			t.Logf("racd logs:\n%s", r.logs.String())
		}
	})
	select {
	case a := <-addr:
		r.URL = "http://" + a
	case <-r.done:
		t.Fatalf("racd exited before listening:\n%s", r.logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("racd did not listen within 60s:\n%s", r.logs.String())
	}
	return r
}

// Logs returns what the process has written so far.
func (r *Racd) Logs() string { return r.logs.String() }

// Kill ends the process with SIGKILL and waits for it.
func (r *Racd) Kill() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// Stop ends the process with SIGTERM (graceful) and waits for it.
func (r *Racd) Stop() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		r.Kill()
	}
}

// Addr returns host:port.
func (r *Racd) Addr() string { return strings.TrimPrefix(r.URL, "http://") }

var (
	specOnce sync.Once
	spec     *openapi3.T
	specRtr  routers.Router
	specErr  error
)

// authentikSpec loads authentik 2024.6's OpenAPI document from the official client's module.
func authentikSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		path, err := specPath()
		if err != nil {
			specErr = err
			return
		}
		loader := openapi3.NewLoader()
		spec, specErr = loader.LoadFromFile(path)
		if specErr != nil {
			return
		}
		markNullable(spec)
		specRtr, specErr = gorillamux.NewRouter(spec)
	})
	if specErr != nil {
		t.Fatalf("authentik OpenAPI document: %v", specErr)
	}
	return spec, specRtr
}

// nullableInPractice lists properties that authentik 2024.6 renders as null (DRF emits
// null for a nested serializer whose related object is missing) although its schema
// does not mark them nullable: an application without a provider, an outpost without a
// service connection. racd must answer null there too, so the validator accepts it.
// "prop.*" marks the values of an object property (its additionalProperties): outpost
// configs hold nulls (container_image, docker_labels, ...), which authentik's
// default_settings itself returns.
var nullableInPractice = map[string][]string{
	"Application":          {"provider_obj"},
	"Outpost":              {"service_connection_obj", "config.*"},
	"OutpostDefaultConfig": {"config.*"},
}

func markNullable(doc *openapi3.T) {
	for schema, props := range nullableInPractice {
		ref := doc.Components.Schemas[schema]
		if ref == nil || ref.Value == nil {
			continue
		}
		for _, prop := range props {
			if name, ok := strings.CutSuffix(prop, ".*"); ok {
				if p := ref.Value.Properties[name]; p != nil && p.Value != nil && p.Value.AdditionalProperties.Schema != nil {
					v := *p.Value
					inner := *v.AdditionalProperties.Schema.Value
					inner.Nullable = true
					v.AdditionalProperties.Schema = &openapi3.SchemaRef{Value: &inner}
					ref.Value.Properties[name] = &openapi3.SchemaRef{Value: &v}
				}
				continue
			}
			if p := ref.Value.Properties[prop]; p != nil && p.Value != nil {
				// Copy: the property's schema may be shared through $ref.
				v := *p.Value
				v.Nullable = true
				ref.Value.Properties[prop] = &openapi3.SchemaRef{Value: &v}
			}
		}
	}
}

// specPath finds api/openapi.yaml of goauthentik.io/api/v3 in the module cache.
func specPath() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "goauthentik.io/api/v3").Output()
	if err != nil {
		return "", fmt.Errorf("go list goauthentik.io/api/v3: %w", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "api", "openapi.yaml")
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// statusExceptions lists the one place where racd's answer departs from authentik
// 2024.6's document on purpose (README, "Clients"): permission assign answers 200 with
// the assigned grants, as authentik does from 2024.8, where 2024.6 documents 204.
// Such an answer is checked against the shape given here instead.
var statusExceptions = map[string]struct {
	status int
	schema *openapi3.Schema
}{
	"POST /rbac/permissions/assigned_by_users/{id}/assign/":   {200, assignResults},
	"POST /rbac/permissions/assigned_by_roles/{uuid}/assign/": {200, assignResults},
}

// assignResults is authentik 2024.8's answer to assign: [{"id": string}, ...].
var assignResults = openapi3.NewArraySchema().WithItems(
	openapi3.NewObjectSchema().WithProperty("id", openapi3.NewStringSchema()).WithRequired([]string{"id"}))

// validatingTransport checks every response against authentik's OpenAPI document: a
// success status must be one the operation documents (statusExceptions aside), and
// the body must match the status's documented schema (error statuses the document
// does not list, such as 404, are checked for a JSON body only).
type validatingTransport struct {
	t     testing.TB
	base  http.RoundTripper
	count *int
	mu    *sync.Mutex
}

func (v validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := v.base.RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	_, rtr := authentikSpec(v.t)
	route, params, err := rtr.FindRoute(req)
	if err != nil {
		v.t.Errorf("%s %s: no such operation in authentik's OpenAPI document: %v", req.Method, req.URL.Path, err)
		return res, nil
	}
	if ex, ok := statusExceptions[req.Method+" "+route.Path]; ok && res.StatusCode == ex.status {
		var doc any
		if err := json.Unmarshal(body, &doc); err != nil {
			v.t.Errorf("%s %s → %d: %v\nbody: %s", req.Method, req.URL.Path, res.StatusCode, err, body)
		} else if err := ex.schema.VisitJSON(doc); err != nil {
			v.t.Errorf("%s %s → %d does not match authentik 2024.8's answer: %v\nbody: %s", req.Method, req.URL.Path, res.StatusCode, err, body)
		}
	} else {
		if res.StatusCode < 300 && route.Operation.Responses.Status(res.StatusCode) == nil {
			v.t.Errorf("%s %s → %d: authentik's document has no such status for this operation", req.Method, req.URL.Path, res.StatusCode)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
			Status: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: false, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
			v.t.Errorf("%s %s → %d does not match authentik's schema: %v\nbody: %s", req.Method, req.URL.Path, res.StatusCode, err, body)
		}
	}
	v.mu.Lock()
	*v.count++
	v.mu.Unlock()
	return res, nil
}

// Client returns authentik's official Go client for r, authenticated with token, whose
// every response is validated against authentik's OpenAPI document.
func (r *Racd) Client(t testing.TB, token string) *api.APIClient {
	t.Helper()
	authentikSpec(t)
	cfg := api.NewConfiguration()
	cfg.Host = r.Addr()
	cfg.Scheme = "http"
	if token != "" {
		cfg.AddDefaultHeader("Authorization", "Bearer "+token)
	}
	n := 0
	cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: validatingTransport{t: t, base: http.DefaultTransport, count: &n, mu: &sync.Mutex{}}}
	t.Cleanup(func() {
		if n == 0 && !t.Failed() && !t.Skipped() {
			t.Errorf("the client validated no response")
		}
	})
	return api.NewAPIClient(cfg)
}

// forEachBackend runs fn on SQLite and PostgreSQL (the latter skipped with a message
// without RACD_TEST_POSTGRES_URL).
func forEachBackend(t *testing.T, fn func(t *testing.T, dbURL string)) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) { fn(t, storetest.URL(t, b)) })
	}
}

// ctx returns a context bounded by the test's deadline.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}
