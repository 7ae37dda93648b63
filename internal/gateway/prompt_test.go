package gateway_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
)

// The credentials a person types into the page's prompt in these tests.
const (
	promptUser     = "ada.lovelace"
	promptDomain   = "ANALYTICAL"
	promptPassword = "Pässwort-🔑-of-the-engine"
)

// answerPrompt sends one argv stream per value, as guacamole-common-js does (each
// instruction a message of its own: argv, blob, end), on streams from 1.
func answerPrompt(t testing.TB, tn *tunnel, names []string, values map[string]string) {
	t.Helper()
	for i, name := range names {
		stream := itoa(int64(i + 1))
		msgs := []guacproto.Instruction{guacproto.New("argv", stream, "text/plain", name)}
		if v := values[name]; v != "" {
			msgs = append(msgs, guacproto.New("blob", stream, base64.StdEncoding.EncodeToString([]byte(v))))
		}
		msgs = append(msgs, guacproto.New("end", stream))
		for _, m := range msgs {
			if err := tn.send(m); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestCredentialPrompt: an endpoint with auth_mode prompt gives guacd no credentials;
// guacd's required reaches the page as guacd sent it, the page's argv streams reach
// guacd whole and in order (guacd's acks come back), and the session goes on to the
// drawing with the typed values, which guacd alone receives: they are in no log line
// (at debug level) and no event. Refused values end the session with guacd's own
// error.
func TestCredentialPrompt(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{guacd: guacdtest.Options{Prompt: true, SyncInterval: time.Hour,
			Authenticate: func(hs *guacdtest.Handshake) bool {
				return hs.Credential("username") == promptUser && hs.Credential("password") == promptPassword
			}}})
		endpoint := map[string]any{"auth_mode": "prompt"}
		secret, _ := h.session(nil, endpoint)
		tn, conn := h.connect(h.browser(), secret, "")

		req, err := tn.until(5*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "required" })
		if err != nil || !slices.Equal(req.Args, []string{"username", "domain", "password"}) {
			t.Fatalf("required %q, %v; want guacd's required username domain password", req, err)
		}
		answerPrompt(t, tn, req.Args, map[string]string{"username": promptUser, "domain": promptDomain, "password": promptPassword})
		for i := 1; i <= 3; i++ {
			ack, err := tn.until(5*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "ack" })
			if err != nil || !slices.Equal(ack.Args, []string{itoa(int64(i)), "Ready for updated parameter.", "0"}) {
				t.Fatalf("ack %d: %q, %v", i, ack, err)
			}
		}
		if _, err := tn.until(5*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "img" }); err != nil {
			t.Fatalf("no drawing after the answers: %v", err)
		}
		hs := conn.Handshake()
		if hs.Answered["username"] != promptUser || hs.Answered["domain"] != promptDomain || hs.Answered["password"] != promptPassword {
			t.Fatalf("guacd received %q", hs.Answered)
		}
		for _, n := range []string{"username", "domain", "password"} {
			if hs.Values[n] != "" {
				t.Fatalf("connect carried %s %q for an endpoint that prompts", n, hs.Values[n])
			}
		}
		if err := tn.send(guacproto.New("disconnect")); err != nil {
			t.Fatal(err)
		}
		if !waitFor(5*time.Second, func() bool { return len(h.events("custom_")) > 0 }) {
			t.Fatal("the session's end was not recorded")
		}

		// Refused credentials: guacd's error goes to the page as guacd sent it.
		secret, _ = h.session(nil, endpoint)
		tn, _ = h.connect(h.browser(), secret, "")
		req, err = tn.until(5*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "required" })
		if err != nil {
			t.Fatal(err)
		}
		answerPrompt(t, tn, req.Args, map[string]string{"username": promptUser, "password": "not-" + promptPassword})
		in, err := tn.errorOf(5 * time.Second)
		if err != nil || !slices.Equal(in.Args, []string{"Authentication failure (invalid credentials?)", "769"}) {
			t.Fatalf("error %q, %v; want guacd's 769", in, err)
		}

		// The values reached guacd and nowhere else.
		events := string(h.api.Admin("GET", "/api/v3/events/events/?page_size=100", nil).Body)
		if !strings.Contains(events, `"custom_"`) || !strings.Contains(events, `"authorize_application"`) {
			t.Fatalf("the sessions' events are missing: %.300s", events)
		}
		logs := h.logs.String()
		if !strings.Contains(logs, "session ended") {
			t.Fatalf("the gateway logged nothing about the sessions: %.300s", logs)
		}
		for _, v := range []string{promptUser, promptDomain, promptPassword, "not-" + promptPassword} {
			for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
				if strings.Contains(logs, form) {
					t.Errorf("a log line holds %q", form)
				}
				if strings.Contains(events, form) {
					t.Errorf("an event holds %q", form)
				}
			}
		}
	})
}
