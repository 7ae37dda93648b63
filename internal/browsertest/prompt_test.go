package browsertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
	"github.com/racd/racd/internal/storetest"
)

// What the person types into the credentials prompt in these tests.
const (
	typedUser     = "ada.lovelace"
	typedPassword = "Pässwort-of-the-engine"
	typedDomain   = "ANALYTICAL"
)

// promptShown is true while the page shows the credentials prompt.
const promptShown = `document.body.dataset.state === "credentials" && !document.getElementById("prompt").hidden`

// promptField is what the test reads of one field of the prompt.
type promptField struct {
	Label, Type, Name string
	Labelled          bool // the field has exactly one label, which names it
}

// readPrompt returns the prompt's fields, in the page's order.
func readPrompt(b *Browser) []promptField {
	return Eval[[]promptField](b, `[...document.querySelectorAll("#prompt-fields input")].map((i) => ({
		Label: i.labels[0] ? i.labels[0].textContent : "", Type: i.type, Name: i.name,
		Labelled: i.labels.length === 1 && i.labels[0].htmlFor === i.id}))`)
}

// TestCredentialPrompt: an endpoint with auth_mode prompt has no credentials, so the
// machine behind guacd asks for them (guacd's required). The page shows a form: a
// labelled dialog with one labelled field per value (the password masked), focus in
// the first field, the rest of the page inert. Typed with the keyboard alone (Tab
// between fields, Enter to send), the values reach guacd in argv streams (and not as
// keystrokes), the session goes on to the drawing, and the values are left nowhere:
// not in the page, its storage, racd's log or an event. Refused values say so and
// offer to try again, which asks again. At desktop and phone sizes, on both databases.
func TestCredentialPrompt(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			r := StartRacd(t, backend, guacdtest.Options{Prompt: true, Authenticate: func(h *guacdtest.Handshake) bool {
				return h.Credential("username") == typedUser && h.Credential("password") == typedPassword
			}}, "RACD_LOG_LEVEL=debug")
			for _, vp := range []struct {
				name string
				v    Viewport
			}{{"desktop", Desktop}, {"phone", Phone}} {
				t.Run(vp.name, func(t *testing.T) {
					l := r.Launch(t, "Engine room "+vp.name, nil, map[string]any{"auth_mode": "prompt"})
					b := NewBrowser(t, vp.v)
					if err := b.Do(30*time.Second, chromedp.Navigate(r.URL+l.Page())); err != nil {
						t.Fatal(err)
					}
					if vp.name == "desktop" {
						// Refused values: the page says so and offers another try.
						answerPrompt(t, r, b, "wrong-password")
						if err := b.WaitFor(10*time.Second, `document.body.dataset.ended === "Authentication failed: the machine refused the credentials."`); err != nil {
							b.Screenshot("not-refused")
							t.Fatalf("no refusal: %v (%q)", err, Eval[string](b, endedWords))
						}
						if txt := Eval[string](b, `document.getElementById("overlay").innerText`); !strings.Contains(txt, "Reconnect to enter them again.") ||
							Eval[bool](b, `document.getElementById("retry").hidden`) {
							t.Fatalf("the refusal offers no new try: %q", txt)
						}
						b.Screenshot("refused")
						if got := Eval[string](b, `document.activeElement.id`); got != "retry" {
							t.Fatalf("after the refusal the focus is on %q, want the Reconnect button", got)
						}
						if err := b.Do(5*time.Second, chromedp.KeyEvent("\r")); err != nil { // Enter on Reconnect
							t.Fatal(err)
						}
					}
					if err := b.WaitFor(20*time.Second, promptShown); err != nil {
						b.Screenshot("no-prompt")
						t.Fatalf("no credentials prompt: %v (state %q)", err, Eval[string](b, "document.body.dataset.state"))
					}
					fields := readPrompt(b)
					want := []promptField{{"Username", "text", "username", true}, {"Password", "password", "password", true}, {"Domain", "text", "domain", true}}
					if len(fields) != len(want) {
						t.Fatalf("fields %+v, want %+v", fields, want)
					}
					for i := range want {
						if fields[i] != want[i] {
							t.Errorf("field %d = %+v, want %+v", i, fields[i], want[i])
						}
					}
					if got := Eval[string](b, `document.activeElement.name || document.activeElement.id`); got != "username" {
						t.Errorf("focus is on %q, want the username field", got)
					}
					dialog := Eval[string](b, `(() => { const f = document.getElementById("credentials");
						return [f.getAttribute("role"), f.getAttribute("aria-modal"), document.getElementById(f.getAttribute("aria-labelledby")).textContent,
							document.getElementById("display").inert, document.getElementById("toolbar").inert].join("|"); })()`)
					if dialog != "dialog|true|Sign in to "+l.Name+"|true|true" {
						t.Errorf("dialog %q", dialog)
					}
					b.Screenshot("prompt")
					// Pasting into the prompt is pasting a credential, not the machine's clipboard.
					Eval[bool](b, `(() => { const dt = new DataTransfer(); dt.setData("text/plain", "pasted-into-the-prompt");
						document.activeElement.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true})); return true; })()`)

					conn := answerPrompt(t, r, b, typedPassword)
					if err := b.WaitFor(20*time.Second, connected); err != nil {
						b.Screenshot("not-connected")
						t.Fatalf("the page did not connect after the prompt: %v (%q)", err, Eval[string](b, `document.getElementById("status").textContent`))
					}
					checkDrawing(t, b, vp.v, "drawing")
					hs := conn.Handshake()
					if hs.Answered["username"] != typedUser || hs.Answered["password"] != typedPassword || hs.Answered["domain"] != typedDomain {
						t.Fatalf("guacd received %q", hs.Answered)
					}
					for _, in := range conn.Received() {
						if in.Opcode == "key" || in.Opcode == "clipboard" {
							t.Fatalf("typing or pasting into the prompt sent %q to the machine", in)
						}
					}
					if left := Eval[string](b, `document.querySelectorAll("#prompt input").length + "|" + localStorage.length + "|" + sessionStorage.length + "|" +
						document.documentElement.outerHTML.includes(`+jsString(typedPassword)+`)`); left != "0|0|0|false" {
						t.Fatalf("the page kept something of the prompt (fields|localStorage|sessionStorage|in the HTML): %s", left)
					}
					// The keyboard is the machine's again.
					if err := b.Do(5*time.Second, chromedp.KeyEvent("x")); err != nil {
						t.Fatal(err)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					if _, err := conn.WaitFor(ctx, func(in guacproto.Instruction) bool { return in.Opcode == "key" && in.Args[0] == "120" }); err != nil {
						t.Fatalf("a key after the prompt did not reach the machine: %v", err)
					}
				})
			}
			// The values went to guacd and nowhere else.
			events, err := json.Marshal(r.API(t, 200, "GET", "/api/v3/events/events/?page_size=100", nil))
			if err != nil {
				t.Fatal(err)
			}
			logs := r.logs.String()
			if !strings.Contains(logs, "session ended") || !strings.Contains(string(events), "authorize_application") {
				t.Fatalf("no sessions in racd's log or events:\n%.500s\n%.500s", logs, events)
			}
			for _, v := range []string{typedUser, typedPassword, typedDomain, "wrong-password"} {
				for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
					if strings.Contains(logs, form) {
						t.Errorf("racd's log holds %q", form)
					}
					if strings.Contains(string(events), form) {
						t.Errorf("an event holds %q", form)
					}
				}
			}
		})
	}
}

// answerPrompt waits for the prompt and types the credentials with the keyboard alone
// (the username field has the focus; Tab moves on, Enter sends); it returns guacd's
// side of the connection that asked.
func answerPrompt(t *testing.T, r *Racd, b *Browser, password string) *guacdtest.Conn {
	t.Helper()
	if err := b.WaitFor(20*time.Second, promptShown); err != nil {
		b.Screenshot("no-prompt")
		t.Fatalf("no credentials prompt: %v (state %q)", err, Eval[string](b, "document.body.dataset.state"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := r.Guacd.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Do(10*time.Second, chromedp.KeyEvent(typedUser+"\t"+password+"\t"+typedDomain+"\r")); err != nil {
		t.Fatal(err)
	}
	return conn
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
