package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/gateway"
	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/storetest"
	"github.com/racd/racd/internal/web"
)

// harness is one racd replica (API, session page, gateway) on a database, with a test
// guacd.
type harness struct {
	t        testing.TB
	backend  string
	dbURL    string
	api      *apitest.Env
	guacd    *guacdtest.Server
	gw       *gateway.Gateway
	notifier *sqlstore.Notifier
	url      string
	logs     *syncBuffer
	flow     string
}

// options adjust a harness.
type options struct {
	guacd   guacdtest.Options
	gateway func(*gateway.Config)
	// server adjusts the HTTP server before it starts (timeouts, as racd serve sets them).
	server func(*http.Server)
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

func newHarness(t testing.TB, backend string, o options) *harness {
	t.Helper()
	url := storetest.URL(t, backend)
	h := &harness{t: t, backend: backend, dbURL: url, api: apitest.NewWithURL(t, url)}
	h.guacd = guacdtest.Start(t, o.guacd)
	h.start(h.api, h.guacd, o)
	h.flow = h.api.Flow("authz", "authorization")
	return h
}

// start builds the gateway of api's store and serves API, page and WebSocket on one
// server, as racd serve composes them.
func (h *harness) start(api *apitest.Env, guacd *guacdtest.Server, o options) {
	t := h.t
	n, err := api.Store.NewNotifier(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	h.notifier = n
	h.logs = &syncBuffer{}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	evals := expr.NewEvaluator(0, expr.Limits{})
	cfg := gateway.Config{
		Store: api.Store, Notifier: n, Hash: api.Keys.Hash, GuacdAddr: guacd.Addr(), Logger: log,
		Settings: func(ctx context.Context, gt *racd.GatewayToken, secret string, a racd.Audit) (map[string]string, error) {
			return evals.LaunchSettings(ctx, nil, &gt.Launch, secret, nil)
		},
	}
	if o.gateway != nil {
		o.gateway(&cfg)
	}
	h.gw = gateway.New(cfg)
	h.gw.Start()
	mux := http.NewServeMux()
	mux.Handle("/api/", api.API)
	mux.Handle(web.SessionPrefix, web.SessionPage(func(w http.ResponseWriter, r *http.Request, secret string) (string, error) {
		info, err := h.gw.OpenPage(w, r, secret)
		return info.Title, err
	}, log))
	mux.Handle(racd.SessionWebSocketPrefix, h.gw)
	srv := httptest.NewUnstartedServer(mux)
	if o.server != nil {
		o.server(srv.Config)
	}
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.gw.Shutdown(ctx)
		h.gw.Close()
		srv.Close()
		if t.Failed() {
			t.Logf("gateway logs:\n%s", h.logs.String())
		}
	})
	h.url = srv.URL
}

// replica starts a second racd replica on the same database (its own store,
// notifier, gateway and server), sharing the test guacd.
func (h *harness) replica(o options) *harness {
	r := &harness{t: h.t, backend: h.backend, dbURL: h.dbURL, api: apitest.NewWithURL(h.t, h.dbURL), guacd: h.guacd, flow: h.flow}
	r.start(r.api, h.guacd, o)
	return r
}

// provider creates a RAC provider with extra fields and returns its id.
func (h *harness) provider(fields map[string]any) int64 {
	body := map[string]any{"name": fmt.Sprintf("prov-%d", time.Now().UnixNano()), "authorization_flow": h.flow}
	for k, v := range fields {
		body[k] = v
	}
	return int64(h.api.Provider(body)["pk"].(float64))
}

// endpoint creates an endpoint of provider and returns its UUID.
func (h *harness) endpoint(provider int64, fields map[string]any) string {
	body := map[string]any{"name": "Desk 1", "provider": provider, "protocol": "rdp", "host": "desk.example:3389",
		"auth_mode": "static", "maximum_connections": -1}
	for k, v := range fields {
		body[k] = v
	}
	return h.api.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", body)["pk"].(string)
}

// launch issues a connection token for endpoint and returns its secret and UUID.
func (h *harness) launch(endpoint string) (secret, uuid string) {
	m := h.api.MustAdmin(201, "POST", "/api/v3/rac/endpoints/"+endpoint+"/launch/", nil)
	return m["token"].(string), m["connection_token"].(map[string]any)["pk"].(string)
}

// session is a launched token of a fresh provider and endpoint.
func (h *harness) session(providerFields, endpointFields map[string]any) (secret, uuid string) {
	return h.launch(h.endpoint(h.provider(providerFields), endpointFields))
}

// tokenExists reports whether the connection token is still listed.
func (h *harness) tokenExists(uuid string) bool {
	r := h.api.Admin("GET", "/api/v3/rac/connection_tokens/"+uuid+"/", nil)
	return r.Status == 200
}

// browser is one browser: its own cookie jar.
type browser struct {
	h      *harness
	client *http.Client
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, client: &http.Client{Jar: jar}}
}

// on returns the same browser (same cookies) talking to another replica's server.
func (b *browser) on(r *harness) *browser { return &browser{h: r, client: b.client} }

// open GETs the session page and returns its status and body.
func (b *browser) open(secret string) (int, string) {
	b.h.t.Helper()
	res, err := b.client.Get(b.h.url + "/if/rac/" + secret + "/")
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// tunnel is a page's WebSocket, read as Guacamole instructions.
type tunnel struct {
	t       testing.TB
	ws      *websocket.Conn
	pending []guacproto.Instruction
}

// dial opens the session WebSocket with query (e.g. "screen_width=800&screen_height=600").
func (b *browser) dial(secret, query string) (*tunnel, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(b.h.url, "http") + "/ws/rac/" + secret + "/"
	if query != "" {
		url += "?" + query
	}
	// The cookie jar holds the claim cookie for http://host/ws/rac/<secret>/.
	ws, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: b.client, Subprotocols: []string{"guacamole"}})
	if err != nil {
		return nil, res, err
	}
	ws.SetReadLimit(1 << 20)
	tn := &tunnel{t: b.h.t, ws: ws}
	b.h.t.Cleanup(func() { ws.CloseNow() })
	return tn, res, nil
}

// mustDial dials and fails the test on error.
func (b *browser) mustDial(secret, query string) *tunnel {
	b.h.t.Helper()
	tn, _, err := b.dial(secret, query)
	if err != nil {
		b.h.t.Fatalf("dial: %v", err)
	}
	return tn
}

// next returns the next instruction, failing the test after d. Each WebSocket message
// must hold whole instructions.
func (tn *tunnel) next(d time.Duration) (guacproto.Instruction, error) {
	if len(tn.pending) > 0 {
		in := tn.pending[0]
		tn.pending = tn.pending[1:]
		return in, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	typ, msg, err := tn.ws.Read(ctx)
	if err != nil {
		return guacproto.Instruction{}, err
	}
	if typ != websocket.MessageText {
		tn.t.Fatalf("binary message from racd")
	}
	if err := guacproto.Split(msg, 1<<20, func(raw []byte) error {
		in, err := guacproto.Parse(raw)
		if err != nil {
			return err
		}
		tn.pending = append(tn.pending, in)
		return nil
	}); err != nil {
		tn.t.Fatalf("a message from racd does not hold whole instructions: %v\n%.200q", err, msg)
	}
	return tn.next(d)
}

// until reads until an instruction matches (returning it) or the tunnel ends.
func (tn *tunnel) until(d time.Duration, match func(guacproto.Instruction) bool) (guacproto.Instruction, error) {
	deadline := time.Now().Add(d)
	for {
		in, err := tn.next(time.Until(deadline))
		if err != nil {
			return in, err
		}
		if match(in) {
			return in, nil
		}
	}
}

// errorOf waits for the error instruction that ends the session.
func (tn *tunnel) errorOf(d time.Duration) (guacproto.Instruction, error) {
	return tn.until(d, func(in guacproto.Instruction) bool { return in.Opcode == "error" })
}

// send writes instructions as one message.
func (tn *tunnel) send(ins ...guacproto.Instruction) error {
	var b []byte
	for _, in := range ins {
		b = in.Append(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return tn.ws.Write(ctx, websocket.MessageText, b)
}

// open connects a browser to a launched token: page, then WebSocket, up to the
// tunnel's first message; it returns the tunnel and guacd's side of the connection.
func (h *harness) connect(b *browser, secret, query string) (*tunnel, *guacdtest.Conn) {
	h.t.Helper()
	if st, body := b.open(secret); st != 200 {
		h.t.Fatalf("page: %d %s", st, body)
	}
	tn := b.mustDial(secret, query)
	first, err := tn.next(10 * time.Second)
	if err != nil || first.Opcode != "" || len(first.Args) != 1 {
		h.t.Fatalf("first instruction %q, %v; want the tunnel's UUID", first, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := h.guacd.Next(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := c.WaitReady(ctx); err != nil {
		h.t.Fatal(err)
	}
	return tn, c
}

// events returns the events of action recorded so far, newest first, as JSON objects.
func (h *harness) events(action string) []map[string]any {
	h.t.Helper()
	r := h.api.Admin("GET", "/api/v3/events/events/?action="+action+"&page_size=100", nil)
	if r.Status != 200 {
		h.t.Fatalf("events: %d %s", r.Status, r.Body)
	}
	var page struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		h.t.Fatal(err)
	}
	return page.Results
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}
