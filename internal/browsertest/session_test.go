package browsertest

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
	"github.com/racd/racd/internal/storetest"
)

// connected is true once the page has drawn guacd's first frame.
const connected = `document.body.dataset.state === "connected"`

// ended is the words of the ended overlay, or "" while there is none.
const endedWords = `document.body.dataset.ended || ""`

// openSession opens the token's page in b and waits until guacd's first frame is on
// it; it returns guacd's side of the connection.
func openSession(t *testing.T, r *Racd, b *Browser, l Launched) *guacdtest.Conn {
	t.Helper()
	if err := b.Do(30*time.Second, chromedp.Navigate(r.URL+l.Page())); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	if err := b.WaitFor(20*time.Second, connected); err != nil {
		b.Screenshot("not-connected")
		t.Fatalf("the page did not connect: %v (overlay: %q)", err, Eval[string](b, `document.getElementById("status").textContent`))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := r.Guacd.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkDrawing checks guacd's drawing in a screenshot: the background colour fills the
// screen and guacd's PNG square sits at its centre.
func checkDrawing(t *testing.T, b *Browser, v Viewport, name string) {
	t.Helper()
	// Wait a frame for the canvas to reach the screen.
	time.Sleep(300 * time.Millisecond)
	img := b.Screenshot(name)
	s := v.Scale
	px := func(x, y float64) (int, int) { return int(x * s), int(y * s) }
	cx, cy := px(float64(v.Width)/2, float64(v.Height)/2)
	if c := img.At(cx, cy); !Near(c, guacdtest.DefaultForeground, 12) {
		t.Errorf("%s: the centre is %s, want guacd's image %s", name, RGB(c), RGB(rgb(guacdtest.DefaultForeground)))
	}
	for _, p := range [][2]float64{{8, float64(v.Height) - 8}, {float64(v.Width) - 8, float64(v.Height) / 2}} {
		x, y := px(p[0], p[1])
		if c := img.At(x, y); !Near(c, guacdtest.DefaultBackground, 12) {
			t.Errorf("%s: (%v,%v) is %s, want guacd's background %s", name, p[0], p[1], RGB(c), RGB(rgb(guacdtest.DefaultBackground)))
		}
	}
}

// TestSessionPage: the page of a launched token shows guacd's drawing (checked by
// pixel colour), has the endpoint's name as title, asks for the window's size in device
// pixels, carries typed keys to guacd, sends the new size on resize, and when the
// token is deleted shows the ended overlay with the reason in words. At desktop and
// phone sizes, on both databases.
func TestSessionPage(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			r := StartRacd(t, backend, guacdtest.Options{})
			for _, vp := range []struct {
				name string
				v    Viewport
			}{{"desktop", Desktop}, {"phone", Phone}} {
				t.Run(vp.name, func(t *testing.T) {
					l := r.Launch(t, "Finance desk "+vp.name, nil, nil)
					b := NewBrowser(t, vp.v)
					conn := openSession(t, r, b, l)
					if title := Eval[string](b, "document.title"); title != l.Name {
						t.Errorf("title %q, want the endpoint's name %q", title, l.Name)
					}
					hs := conn.Handshake()
					w, h := int(float64(vp.v.Width)*vp.v.Scale), int(float64(vp.v.Height)*vp.v.Scale)
					if strings.Join(hs.Size, " ") != strconv.Itoa(w)+" "+strconv.Itoa(h)+" "+strconv.Itoa(int(96*vp.v.Scale)) {
						t.Errorf("size sent %q, want the window in device pixels %d×%d", hs.Size, w, h)
					}
					if !hs.HasTimezone || hs.Timezone == "" {
						t.Errorf("no timezone from the browser")
					}
					checkDrawing(t, b, vp.v, "drawing")

					// Keys typed into the page reach guacd as keysyms, pressed and released.
					if err := b.Do(10*time.Second, chromedp.KeyEvent("hi")); err != nil {
						t.Fatal(err)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					for _, k := range []string{"104", "105"} { // 'h', 'i'
						for _, pressed := range []string{"1", "0"} {
							if _, err := conn.WaitFor(ctx, func(in guacproto.Instruction) bool {
								return in.Opcode == "key" && len(in.Args) == 2 && in.Args[0] == k && in.Args[1] == pressed
							}); err != nil {
								t.Fatalf("guacd never received key %s %s: %v (got %v)", k, pressed, err, conn.Received())
							}
						}
					}

					if vp.name == "desktop" {
						checkInput(t, b, conn)
					}

					// A smaller window sends its new size.
					smaller := Viewport{Width: vp.v.Width - 100, Height: vp.v.Height - 100, Scale: vp.v.Scale, Mobile: vp.v.Mobile}
					b.Resize(smaller)
					sw, sh := strconv.Itoa(int(float64(smaller.Width)*smaller.Scale)), strconv.Itoa(int(float64(smaller.Height)*smaller.Scale))
					if _, err := conn.WaitFor(ctx, func(in guacproto.Instruction) bool {
						return in.Opcode == "size" && len(in.Args) >= 2 && in.Args[0] == sw && in.Args[1] == sh
					}); err != nil {
						t.Fatalf("no size %s×%s after the resize: %v", sw, sh, err)
					}
					checkDrawing(t, b, smaller, "resized")
					b.Resize(vp.v)

					// Deleting the token ends the session; the overlay says why.
					r.API(t, 204, "DELETE", "/api/v3/rac/connection_tokens/"+l.UUID+"/", nil)
					if err := b.WaitFor(5*time.Second, `document.body.dataset.ended === "Disconnected by an administrator."`); err != nil {
						b.Screenshot("not-ended")
						t.Fatalf("no ended overlay: %v (%q)", err, Eval[string](b, endedWords))
					}
					if txt := Eval[string](b, `document.getElementById("overlay").innerText`); !strings.Contains(txt, "Disconnected by an administrator.") {
						t.Errorf("overlay text %q", txt)
					}
					b.Screenshot("ended")
				})
			}
		})
	}
}

// TestSecondBrowser: another browser with the same URL gets a page that says the
// connection belongs to another browser, and no session.
func TestSecondBrowser(t *testing.T) {
	r := StartRacd(t, "sqlite", guacdtest.Options{})
	l := r.Launch(t, "Shared desk", nil, nil)
	first := NewBrowser(t, Desktop)
	openSession(t, r, first, l)
	second := NewBrowser(t, Phone)
	if err := second.Do(20*time.Second, chromedp.Navigate(r.URL+l.Page())); err != nil {
		t.Fatal(err)
	}
	txt := Eval[string](second, "document.body.innerText")
	if !strings.Contains(txt, "another browser") || Eval[bool](second, `!!document.getElementById("display")`) {
		t.Fatalf("second browser sees %q", txt)
	}
	second.Screenshot("refused")
	if n := r.Guacd.Count(); n != 1 {
		t.Fatalf("guacd saw %d connections, want the first browser's only", n)
	}
}

// watchStatus records every text the overlay's status shows, in window.__statuses.
const watchStatus = `(() => {
  window.__statuses = [];
  const el = document.getElementById("status");
  new MutationObserver(() => window.__statuses.push(el.textContent)).observe(el, {childList: true, characterData: true, subtree: true});
  return true;
})()`

// TestReconnectAfterRestart: when racd restarts, the page says the server is
// restarting, reconnects by itself with the same token, and shows the drawing again.
func TestReconnectAfterRestart(t *testing.T) {
	r := StartRacd(t, "sqlite", guacdtest.Options{})
	l := r.Launch(t, "Restart desk", nil, nil)
	b := NewBrowser(t, Desktop)
	openSession(t, r, b, l)
	Eval[bool](b, watchStatus)
	r.Restart(t)
	if err := b.WaitFor(30*time.Second, connected); err != nil {
		t.Fatalf("the page did not reconnect: %v (%q)", err, Eval[[]string](b, "window.__statuses"))
	}
	seen := Eval[[]string](b, "window.__statuses")
	if len(seen) == 0 || seen[0] != "The server is restarting." {
		t.Fatalf("statuses %q, want the restart said first", seen)
	}
	t.Logf("the page showed: %q", seen)
	checkDrawing(t, b, Desktop, "reconnected")
	if n := r.Guacd.Count(); n != 2 {
		t.Fatalf("guacd saw %d connections, want 2 (before and after the restart)", n)
	}
}

// checkInput checks the page's other inputs at desktop size: a mouse click at the
// remote screen's coordinates, the toolbar's Ctrl+Alt+Del, and the clipboard both ways
// (pasted text goes to guacd; guacd's clipboard reaches the browser's).
func checkInput(t *testing.T, b *Browser, conn *guacdtest.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	waitKey := func(what string, match func(guacproto.Instruction) bool) {
		t.Helper()
		if _, err := conn.WaitFor(ctx, match); err != nil {
			t.Fatalf("guacd never received %s: %v", what, err)
		}
	}
	// A person moves the pointer there first; guacamole-common-js takes positions from moves.
	if err := b.Do(5*time.Second, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 190, 590), chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 200, 600),
		chromedp.MouseClickXY(200, 600)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.WaitFor(ctx, func(in guacproto.Instruction) bool {
		return in.Opcode == "mouse" && len(in.Args) >= 3 && in.Args[0] == "200" && in.Args[1] == "600" && in.Args[2] == "1"
	}); err != nil {
		var mice []guacproto.Instruction
		for _, in := range conn.Received() {
			if in.Opcode == "mouse" {
				mice = append(mice, in)
			}
		}
		t.Fatalf("guacd never received the click at 200,600: %v (mouse: %q)", err, mice)
	}
	if err := b.Do(5*time.Second, chromedp.Click(chromedp.ID("cad"))); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"65507", "65513", "65535"} { // Control_L, Alt_L, Delete
		waitKey("Ctrl+Alt+Del's "+k, func(in guacproto.Instruction) bool {
			return in.Opcode == "key" && len(in.Args) == 2 && in.Args[0] == k && in.Args[1] == "1"
		})
	}
	// Paste: the page sends the text as a clipboard stream (clipboard, blob, end).
	Eval[bool](b, `(() => { const dt = new DataTransfer(); dt.setData("text/plain", "pasted ✓");
		document.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true})); return true; })()`)
	clip, err := conn.WaitFor(ctx, func(in guacproto.Instruction) bool { return in.Opcode == "clipboard" })
	if err != nil || len(clip.Args) != 2 || clip.Args[1] != "text/plain" {
		t.Fatalf("clipboard stream: %q %v", clip, err)
	}
	blob, err := conn.WaitFor(ctx, func(in guacproto.Instruction) bool { return in.Opcode == "blob" && in.Args[0] == clip.Args[0] })
	if err != nil {
		t.Fatal(err)
	}
	if text, err := base64.StdEncoding.DecodeString(blob.Args[1]); err != nil || string(text) != "pasted ✓" {
		t.Fatalf("pasted text %q %v", text, err)
	}
	// guacd's clipboard: the page hands it to the browser's clipboard.
	Eval[bool](b, `(() => { window.__copied = []; navigator.clipboard.writeText = (t) => { window.__copied.push(t); return Promise.resolve(); }; return true; })()`)
	if err := conn.Send(guacproto.New("clipboard", "7", "text/plain"), guacproto.New("blob", "7", base64.StdEncoding.EncodeToString([]byte("from the machine"))),
		guacproto.New("end", "7")); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitFor(5*time.Second, `(window.__copied || []).includes("from the machine")`); err != nil {
		t.Fatalf("the machine's clipboard did not reach the browser's: %v", err)
	}
}
