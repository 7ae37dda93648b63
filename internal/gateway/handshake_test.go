package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
)

// TestConnectValuesInArgsOrder: racd answers guacd's args with one connect value per
// name, in guacd's order, from the token's settings merged at connect time (provider,
// endpoint, launch, mappings evaluated for the token's user); the credentials reach
// guacd; the version slot holds the version guacd offered.
func TestConnectValuesInArgsOrder(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		mapping := h.api.MustAdmin(201, "POST", "/api/v3/propertymappings/rac/", map[string]any{
			"name": "who", "static_settings": map[string]any{}, "expression": "return {'username': user.username + '-mapped', 'domain': 'CORP'}"})["pk"].(string)
		// Secrets of every layer, sealed at rest, reach guacd opened (issue 9 §2): a
		// mapping's static one, the provider's, the endpoint's, and one it marks.
		sftp := h.api.MustAdmin(201, "POST", "/api/v3/propertymappings/rac/", map[string]any{
			"name": "sftp", "static_settings": map[string]any{"sftp-password": "s3cret sftp"}})["pk"].(string)
		for _, protocol := range []string{"rdp", "ssh", "vnc"} {
			t.Run(protocol, func(t *testing.T) {
				p := h.provider(map[string]any{"settings": map[string]any{"color-depth": 16, "ignore-cert": true, "font-size": "12",
					"gateway-password": "s3cret gw"}})
				ep := h.endpoint(p, map[string]any{"protocol": protocol, "host": "machine.example:4000", "property_mappings": []string{mapping, sftp},
					"settings": map[string]any{"password": "s3cret pw", "private-key": "KEY", "read-only": false,
						"command": "s3cret cmd", "racd-secret-keys": []string{"command"}}})
				secret, _ := h.launch(ep)
				_, conn := h.connect(h.browser(), secret, "")
				hs := conn.Handshake()
				if hs.Protocol != protocol || hs.Version != guacdtest.Version {
					t.Fatalf("select %q, version %q", hs.Protocol, hs.Version)
				}
				want := map[string]string{
					"hostname": "machine.example", "port": "4000", "username": "akadmin-mapped", "password": "s3cret pw",
					"private-key": "KEY", "read-only": "false", "color-depth": "16", "ignore-cert": "true", "font-size": "12",
					"gateway-password": "s3cret gw", "sftp-password": "s3cret sftp", "command": "s3cret cmd",
					"domain": "CORP", "drive-path": "/tmp/connection/" + secret, "create-drive-path": "true", "client-name": "racd",
				}
				offered := guacdtest.Args(protocol)
				if len(hs.ConnectArgs) != len(offered)+1 {
					t.Fatalf("connect has %d values for %d names", len(hs.ConnectArgs), len(offered))
				}
				for i, name := range offered {
					v, known := want[name]
					if !known {
						v = ""
					}
					if hs.ConnectArgs[i+1] != v {
						t.Errorf("value %d (%s) = %q, want %q", i+1, name, hs.ConnectArgs[i+1], v)
					}
				}
			})
		}
		// The credentials went to guacd only: not to the launch answer, the page, an
		// event or a log line.
		if logs := h.logs.String(); strings.Contains(logs, "s3cret") || strings.Contains(logs, "KEY\"") {
			t.Errorf("a credential reached the logs:\n%s", logs)
		}
		for _, ev := range append(h.events("authorize_application"), h.events("custom_")...) {
			if s := mustJSON(t, ev); strings.Contains(s, "s3cret") {
				t.Errorf("a credential reached an event: %s", s)
			}
		}
	})
}

// TestSizeAndTimezone: the handshake carries the screen size and dpi from the query,
// the audio and image types browsers handle, no video, and the browser's time zone
// when the page sends one — in the order of the Guacamole protocol.
func TestSizeAndTimezone(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		secret, _ := h.session(nil, nil)
		_, conn := h.connect(h.browser(), secret, "screen_width=1366&screen_height=912&screen_dpi=144&timezone=Europe/Berlin")
		hs := conn.Handshake()
		if got := strings.Join(hs.Size, " "); got != "1366 912 144" {
			t.Errorf("size %q", got)
		}
		if !hs.HasTimezone || hs.Timezone != "Europe/Berlin" {
			t.Errorf("timezone %q %v", hs.Timezone, hs.HasTimezone)
		}
		if got := strings.Join(hs.Order, " "); got != "select size audio video image timezone connect" {
			t.Errorf("order %q", got)
		}
		if strings.Join(hs.Audio, " ") != "audio/L8 audio/L16" || len(hs.Video) != 0 || strings.Join(hs.Image, " ") != "image/png image/jpeg image/webp" {
			t.Errorf("audio %q video %q image %q", hs.Audio, hs.Video, hs.Image)
		}

		// Without a time zone there is no timezone instruction; without a size, guacd
		// gets 1024×768 at 96 dpi.
		secret, _ = h.session(nil, nil)
		b := h.browser()
		_, conn = h.connect(b, secret, "")
		hs = conn.Handshake()
		if got := strings.Join(hs.Order, " "); got != "select size audio video image connect" || strings.Join(hs.Size, " ") != "1024 768 96" {
			t.Errorf("without a query: order %q, size %q", got, hs.Size)
		}

		// Bad values are a 400 before any upgrade, and nothing reaches guacd.
		before := h.guacd.Count()
		for _, q := range []string{"screen_width=0", "screen_height=99999", "screen_dpi=x", "screen_width=-5", "timezone=Europe/Berlin;rm", "timezone=" + strings.Repeat("a", 65)} {
			_, res, err := b.dial(secret, q)
			if err == nil || res == nil || res.StatusCode != 400 {
				st := 0
				if res != nil {
					st = res.StatusCode
				}
				t.Errorf("%s: %v, status %d; want 400", q, err, st)
			}
		}
		if h.guacd.Count() != before {
			t.Errorf("bad queries reached guacd")
		}
	})
}

// TestHandshakeTimeout: guacd says nothing for a protocol whose plugin is missing;
// racd gives up after the handshake timeout and tells the page with an upstream
// timeout (514) and a message.
func TestHandshakeTimeout(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{
			guacd:   guacdtest.Options{Missing: []string{"vnc"}},
			gateway: func(c *gatewayConfig) { c.HandshakeTimeout = 400 * time.Millisecond },
		})
		secret, _ := h.session(nil, map[string]any{"protocol": "vnc"})
		b := h.browser()
		b.open(secret)
		tn := b.mustDial(secret, "")
		start := time.Now()
		in, err := tn.errorOf(5 * time.Second)
		took := time.Since(start)
		if err != nil || len(in.Args) != 2 || in.Args[1] != "514" || !strings.Contains(in.Args[0], "did not answer") {
			t.Fatalf("error %q, %v; want an upstream timeout (514)", in, err)
		}
		if took < 300*time.Millisecond || took > 2*time.Second {
			t.Errorf("the error came after %v with a 400ms handshake timeout", took)
		}
	})
}

// TestGuacdErrorsPassedOn: guacd's error (a refused password, 769) reaches the page as
// guacd sent it; a guacd that cannot be reached is an upstream-not-found (519).
func TestGuacdErrorsPassedOn(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{guacd: guacdtest.Options{
			Authenticate: func(hs *guacdtest.Handshake) bool { return hs.Values["password"] != "wrong" }}})
		secret, _ := h.session(nil, map[string]any{"protocol": "ssh", "settings": map[string]any{"password": "wrong"}})
		tn, _ := h.connect(h.browser(), secret, "")
		in, err := tn.errorOf(5 * time.Second)
		if err != nil || len(in.Args) != 2 || in.Args[1] != "769" || in.Args[0] != "Authentication failure." {
			t.Fatalf("error %q, %v; want guacd's 769", in, err)
		}

		down := newHarness(t, backend, options{gateway: func(c *gatewayConfig) { c.GuacdAddr = "127.0.0.1:1" }})
		secret, _ = down.session(nil, nil)
		b := down.browser()
		b.open(secret)
		tn = b.mustDial(secret, "")
		in, err = tn.errorOf(5 * time.Second)
		if err != nil || len(in.Args) != 2 || in.Args[1] != "519" {
			t.Fatalf("error %q, %v; want 519", in, err)
		}
	})
}

// TestPingAnswered: the page's ping (an internal instruction) is answered with the
// same ping, as guacamole-client's tunnel does, and no internal instruction reaches
// guacd.
func TestPingAnswered(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		secret, _ := h.session(nil, nil)
		tn, conn := h.connect(h.browser(), secret, "")
		if err := tn.send(guacproto.New("", "ping", "1700000000123"), guacproto.New("key", "65", "1"), guacproto.New("", "other")); err != nil {
			t.Fatal(err)
		}
		in, err := tn.until(5*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "" })
		if err != nil || len(in.Args) != 2 || in.Args[0] != "ping" || in.Args[1] != "1700000000123" {
			t.Fatalf("ping answer %q, %v", in, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.WaitFor(ctx, func(in guacproto.Instruction) bool { return in.Opcode == "key" }); err != nil {
			t.Fatal(err)
		}
		for _, in := range conn.Received() {
			if in.Opcode == "" {
				t.Fatalf("guacd received an internal instruction: %q", in)
			}
		}
	})
}

// TestLaunchOtherAccountGetsNoStoredSecret: a launch whose own settings name another
// account than the one the endpoint stores credentials for connects without those
// credentials (guacd then asks the person), so the stored password cannot be tried
// against other accounts; a launch naming the stored account connects with them.
func TestLaunchOtherAccountGetsNoStoredSecret(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		ep := h.endpoint(h.provider(nil), map[string]any{"protocol": "rdp", "host": "machine.example",
			"settings": map[string]any{"username": "svc", "domain": "CORP", "password": "s3cret pw"}})
		for _, c := range []struct {
			name     string
			settings map[string]any
			want     map[string]string
		}{
			{"another user", map[string]any{"username": "administrator"}, map[string]string{"username": "administrator", "domain": "CORP", "password": ""}},
			{"another domain", map[string]any{"domain": "OTHER"}, map[string]string{"username": "svc", "domain": "OTHER", "password": ""}},
			{"the stored account", map[string]any{"username": "svc"}, map[string]string{"username": "svc", "domain": "CORP", "password": "s3cret pw"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				m := h.api.MustAdmin(201, "POST", "/api/v3/rac/endpoints/"+ep+"/launch/", map[string]any{"settings": c.settings})
				_, conn := h.connect(h.browser(), m["token"].(string), "")
				hs := conn.Handshake()
				for i, name := range guacdtest.Args("rdp") {
					if want, ok := c.want[name]; ok && hs.ConnectArgs[i+1] != want {
						t.Errorf("%s = %q, want %q", name, hs.ConnectArgs[i+1], want)
					}
				}
			})
		}
	})
}
