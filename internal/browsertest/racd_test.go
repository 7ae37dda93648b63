package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
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

	"github.com/chromedp/chromedp"

	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/storetest"
)

// Secret and Token are what every racd under test is started with.
const (
	Secret = "browsertest-secret-key-0123456789abcdef"
	Token  = "browsertest-admin-token-0123456789"
)

// Racd is one running `racd serve` with its own test guacd.
type Racd struct {
	URL   string
	DBURL string
	Guacd *guacdtest.Server
	cmd   *exec.Cmd
	logs  *syncBuffer
	done  chan struct{}
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

// StartRacd runs racd serve on a fresh database of backend ("sqlite" or "postgres")
// with a test guacd of options o; extraEnv entries are KEY=VALUE. It stops when the
// test ends.
func StartRacd(t *testing.T, backend string, o guacdtest.Options, extraEnv ...string) *Racd {
	t.Helper()
	r := &Racd{DBURL: storetest.URL(t, backend), Guacd: guacdtest.Start(t, o), logs: &syncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(racdBin, "serve")
	r.cmd.Env = append(os.Environ(), "RACD_LISTEN=127.0.0.1:0", "RACD_DATABASE_URL="+r.DBURL, "RACD_SECRET_KEY="+Secret,
		"RACD_BOOTSTRAP_TOKEN="+Token, "RACD_ACCESS_LOG=false", "RACD_GUACD_ADDR="+r.Guacd.Addr())
	r.cmd.Env = append(r.cmd.Env, extraEnv...)
	pr, pw := io.Pipe()
	r.cmd.Stderr = io.MultiWriter(r.logs, pw)
	r.cmd.Stdout = r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start racd: %v", err)
	}
	go func() {
		_ = r.cmd.Wait()
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
	}()
	t.Cleanup(func() {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			_ = r.cmd.Process.Kill()
			<-r.done
		}
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

// API calls racd's API as the bootstrap superuser; it fails the test unless the
// status is want, and returns the body as an object (nil when empty or a list).
func (r *Racd) API(t *testing.T, want int, method, path string, body any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d\n%s", method, path, res.StatusCode, want, raw)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var v any // an object, or a list (permission assign's answer), which callers skip
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
	}
	m, _ := v.(map[string]any)
	return m
}

// Launched is a connection token issued through the API.
type Launched struct {
	Secret   string // the token's secret, in the page's URL
	UUID     string // the connection token's pk
	Endpoint string
	Name     string // the endpoint's name (the page's title)
}

// Page is the session page's path.
func (l Launched) Page() string { return "/if/rac/" + l.Secret + "/" }

// Launch creates a flow, a provider (with providerFields), an endpoint named name and
// launches it.
func (r *Racd) Launch(t *testing.T, name string, providerFields, endpointFields map[string]any) Launched {
	t.Helper()
	flow := r.API(t, 201, "POST", "/api/v3/flows/instances/", map[string]any{
		"name": "Authorize " + name, "slug": fmt.Sprintf("authz-%d", time.Now().UnixNano()), "title": "Authorize", "designation": "authorization"})["pk"]
	pf := map[string]any{"name": "Provider " + name, "authorization_flow": flow}
	for k, v := range providerFields {
		pf[k] = v
	}
	p := r.API(t, 201, "POST", "/api/v3/providers/rac/", pf)["pk"]
	ef := map[string]any{"name": name, "provider": p, "protocol": "rdp", "host": "desk.example:3389", "auth_mode": "static", "maximum_connections": -1}
	for k, v := range endpointFields {
		ef[k] = v
	}
	ep := r.API(t, 201, "POST", "/api/v3/rac/endpoints/", ef)["pk"].(string)
	l := r.API(t, 201, "POST", "/api/v3/rac/endpoints/"+ep+"/launch/", nil)
	return Launched{Secret: l["token"].(string), UUID: l["connection_token"].(map[string]any)["pk"].(string), Endpoint: ep, Name: name}
}

// Browser is one browser context (its own cookies, like a separate browser) with one
// tab, closed when the test ends.
type Browser struct {
	t   *testing.T
	Ctx context.Context
}

// Viewports the tests take pictures at.
var (
	Desktop = Viewport{Width: 1280, Height: 800, Scale: 1}
	Phone   = Viewport{Width: 390, Height: 844, Scale: 3, Mobile: true}
)

// Viewport is a window size in CSS pixels with its device pixel ratio.
type Viewport struct {
	Width, Height int64
	Scale         float64
	Mobile        bool
}

// NewBrowser opens a fresh browser context at viewport v.
func NewBrowser(t *testing.T, v Viewport) *Browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &Browser{t: t, Ctx: ctx}
	b.Resize(v)
	return b
}

// Resize emulates viewport v.
func (b *Browser) Resize(v Viewport) {
	b.t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(v.Scale)}
	if v.Mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(b.Ctx, chromedp.EmulateViewport(v.Width, v.Height, opts...)); err != nil {
		b.t.Fatalf("viewport: %v", err)
	}
}

// Do runs actions in the tab, bounded by d.
func (b *Browser) Do(d time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.Ctx, d)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// WaitFor waits until the JavaScript expression is truthy, up to d.
func (b *Browser) WaitFor(d time.Duration, expr string) error {
	ctx, cancel := context.WithTimeout(b.Ctx, d)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr))
	return err
}

// Screenshot captures the viewport, saves it as <test>-name.png (in
// $RACD_TEST_SCREENSHOTS, or the test's temporary directory) and returns the decoded
// image.
func (b *Browser) Screenshot(name string) image.Image {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("RACD_TEST_SCREENSHOTS")
	if dir == "" {
		dir = b.t.TempDir()
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name())+"-"+name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		b.t.Fatalf("decode screenshot: %v", err)
	}
	return img
}

// Near reports whether c is within tol of rgb on every channel.
func Near(c color.Color, rgb [3]uint8, tol int) bool {
	r, g, bl, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { x := int(a>>8) - int(b); return x <= tol && x >= -tol }
	return d(r, rgb[0]) && d(g, rgb[1]) && d(bl, rgb[2])
}

// RGB formats a colour for messages.
func RGB(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

func rgb(c [3]uint8) color.Color { return color.RGBA{c[0], c[1], c[2], 255} }

// Restart stops racd with SIGTERM and starts it again on the same address and database.
func (r *Racd) Restart(t *testing.T) {
	t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
		t.Fatal("racd did not stop after SIGTERM")
	}
	next := &Racd{URL: r.URL, DBURL: r.DBURL, Guacd: r.Guacd, logs: r.logs, done: make(chan struct{})}
	next.cmd = exec.Command(racdBin, "serve")
	next.cmd.Env = append(r.cmd.Env[:len(r.cmd.Env):len(r.cmd.Env)], "RACD_LISTEN="+strings.TrimPrefix(r.URL, "http://"))
	next.cmd.Stdout, next.cmd.Stderr = r.logs, r.logs
	// Give the page a moment to show the restart before racd is back.
	time.Sleep(1500 * time.Millisecond)
	if err := next.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = next.cmd.Wait(); close(next.done) }()
	r.cmd, r.done = next.cmd, next.done
}
