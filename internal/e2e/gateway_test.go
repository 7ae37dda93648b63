package e2e

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
	"github.com/racd/racd/internal/storetest"
)

// pageBrowser is a browser's cookie jar: it opens a session page (claiming the token)
// and then its WebSocket, as the page's script does.
type pageBrowser struct{ client *http.Client }

func newPageBrowser() *pageBrowser {
	jar, _ := cookiejar.New(nil)
	return &pageBrowser{client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// session opens the page of secret on r and its WebSocket, and returns the tunnel
// after its first message.
func (b *pageBrowser) session(t *testing.T, r *Racd, secret string) *websocket.Conn {
	t.Helper()
	res, err := b.client.Get(r.URL + "/if/rac/" + secret + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("session page: %d", res.StatusCode)
	}
	c, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(c, "ws://"+r.Addr()+"/ws/rac/"+secret+"/?screen_width=800&screen_height=600",
		&websocket.DialOptions{HTTPClient: b.client, Subprotocols: []string{"guacamole"}})
	if err != nil {
		t.Fatalf("session WebSocket: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	ws.SetReadLimit(1 << 20)
	if in := nextInstruction(t, ws, 10*time.Second, func(in guacproto.Instruction) bool { return true }); in.Opcode != "" {
		t.Fatalf("first instruction %q, want the tunnel's UUID", in)
	}
	return ws
}

// nextInstruction reads until an instruction matches.
func nextInstruction(t *testing.T, ws *websocket.Conn, d time.Duration, match func(guacproto.Instruction) bool) guacproto.Instruction {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		_, msg, err := ws.Read(c)
		if err != nil {
			t.Fatalf("reading the tunnel: %v", err)
		}
		var found *guacproto.Instruction
		if err := guacproto.Split(msg, 1<<20, func(raw []byte) error {
			in, err := guacproto.Parse(raw)
			if err != nil {
				return err
			}
			if found == nil && match(in) {
				found = &in
			}
			return nil
		}); err != nil {
			t.Fatalf("a message holds a partial instruction: %v", err)
		}
		if found != nil {
			return *found
		}
	}
}

// gatewayFixture creates a provider and an endpoint through the official client and
// launches a token; it returns the token's secret and UUID.
func gatewayFixture(t *testing.T, r *Racd, providerFields func(map[string]any)) (string, string) {
	t.Helper()
	c := r.Client(t, Token)
	flow := racFlow(t, c)
	p := racProvider(t, c, flow, "gateway", "hours=1")
	e := racEndpoint(t, c, p, "desk", -1)
	st, body, l := racLaunch(t, r, e.Pk, "")
	if st != 201 {
		t.Fatalf("launch: %d %s", st, body)
	}
	if !strings.Contains(body, `"url":"/if/rac/`+l.Token+`/"`) {
		t.Errorf("launch answer without the page's url: %s", body)
	}
	return l.Token, l.ConnectionToken.PK
}

// TestGatewaySIGTERM: on SIGTERM a live session ends with the reason the page shows
// (520, the server is restarting: the page reconnects) and the token stays valid: the
// same browser reconnects to the restarted racd.
func TestGatewaySIGTERM(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		guacd := guacdtest.Start(t, guacdtest.Options{})
		r := Start(t, dbURL, "RACD_GUACD_ADDR="+guacd.Addr())
		secret, _ := gatewayFixture(t, r, nil)
		b := newPageBrowser()
		ws := b.session(t, r, secret)
		start := time.Now()
		stopped := make(chan struct{})
		go func() { r.Stop(); close(stopped) }()
		in := nextInstruction(t, ws, 5*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "error" })
		if len(in.Args) != 2 || in.Args[1] != "520" || in.Args[0] != "The server is restarting." {
			t.Fatalf("error %q, want 520", in)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("the session ended %v after SIGTERM", took)
		}
		select {
		case <-stopped:
		case <-time.After(15 * time.Second):
			t.Fatal("racd did not exit after SIGTERM")
		}
		if !strings.Contains(r.Logs(), "reason=shutdown") {
			t.Errorf("no shutdown end in the logs:\n%s", r.Logs())
		}
		// The restarted racd accepts the same browser with the same token.
		r2 := Start(t, dbURL, "RACD_GUACD_ADDR="+guacd.Addr())
		b.session(t, r2, secret)
	})
}

// TestGatewayDeleteAcrossProcesses: the session lives in racd B; the token is deleted
// through racd A's API (the official client); both share PostgreSQL, and B cuts the
// session within a second.
func TestGatewayDeleteAcrossProcesses(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	guacd := guacdtest.Start(t, guacdtest.Options{})
	a := Start(t, dbURL, "RACD_GUACD_ADDR="+guacd.Addr())
	b := Start(t, dbURL, "RACD_GUACD_ADDR="+guacd.Addr())
	secret, token := gatewayFixture(t, a, nil)
	ws := newPageBrowser().session(t, b, secret)
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if _, err := a.Client(t, Token).RacApi.RacConnectionTokensDestroy(ctx(t), token).Execute(); err != nil {
		t.Fatalf("delete through A: %v", err)
	}
	in := nextInstruction(t, ws, 5*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "error" })
	took := time.Since(start)
	if len(in.Args) != 2 || in.Args[1] != "523" {
		t.Fatalf("error %q, want 523", in)
	}
	if took > time.Second {
		t.Fatalf("B cut the session %v after A deleted its token", took)
	}
	t.Logf("racd B cut the session %v after the delete through racd A", took)
}
