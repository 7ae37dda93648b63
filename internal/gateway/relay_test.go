package gateway_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
)

// mixed returns the i-th instruction of a burst: small input events, clipboard text
// with multi-byte characters, and blobs up to 12 KiB, each carrying its index.
func mixed(seed uint64, i int) guacproto.Instruction {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	idx := strconv.Itoa(i)
	switch r.IntN(4) {
	case 0:
		return guacproto.New("key", idx, "1")
	case 1:
		return guacproto.New("mouse", idx, strconv.Itoa(r.IntN(2000)), strconv.Itoa(r.IntN(8)))
	case 2:
		return guacproto.New("clipboard", idx, strings.Repeat("äß日本😀,;.", 1+r.IntN(200)))
	default:
		return guacproto.New("blob", idx, strings.Repeat("QUJDRA==", 1+r.IntN(1500)))
	}
}

// TestRelayBurst: 10,000 instructions of mixed sizes each way at the same time arrive
// whole, once each and in order: the page's reach guacd (which echoes them back) and
// guacd's reach the page; no WebSocket message splits an instruction.
func TestRelayBurst(t *testing.T) {
	const n = 10000
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{guacd: guacdtest.Options{NoDraw: true, SyncInterval: time.Hour}})
		secret, _ := h.session(nil, nil)
		tn, conn := h.connect(h.browser(), secret, "")
		up, down := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(3, 4))

		sendErr := make(chan error, 2)
		go func() { // page → guacd, one instruction or a few per message
			for i := 0; i < n; {
				k := min(n-i, 1+up.IntN(3))
				batch := make([]guacproto.Instruction, k)
				for j := range batch {
					batch[j] = mixed(1, i+j)
				}
				if err := tn.send(batch...); err != nil {
					sendErr <- err
					return
				}
				i += k
			}
			sendErr <- nil
		}()
		go func() { // guacd → page, in writes of random sizes
			for i := 0; i < n; {
				k := min(n-i, 1+down.IntN(20))
				batch := make([]guacproto.Instruction, k)
				for j := range batch {
					batch[j] = mixed(2, i+j)
				}
				if err := conn.Send(batch...); err != nil {
					sendErr <- err
					return
				}
				i += k
			}
			sendErr <- nil
		}()

		// The page sees guacd's n instructions in order, interleaved with the echoes of
		// its own n, also in order.
		gotDown, gotEcho := 0, 0
		deadline := time.Now().Add(60 * time.Second)
		for gotDown < n || gotEcho < n {
			in, err := tn.next(time.Until(deadline))
			if err != nil {
				t.Fatalf("after %d of guacd's and %d echoes: %v", gotDown, gotEcho, err)
			}
			if in.Opcode == "echo" {
				want := mixed(1, gotEcho)
				if !guacdtest.IsEcho(in, want.Opcode, want.Args...) {
					t.Fatalf("echo %d = %.80q, want the echo of %.80q", gotEcho, in, want)
				}
				gotEcho++
				continue
			}
			want := mixed(2, gotDown)
			if in.Opcode != want.Opcode || strings.Join(in.Args, "\x00") != strings.Join(want.Args, "\x00") {
				t.Fatalf("instruction %d from guacd = %.80q, want %.80q", gotDown, in, want)
			}
			gotDown++
		}
		for i := 0; i < 2; i++ {
			if err := <-sendErr; err != nil {
				t.Fatal(err)
			}
		}
		// guacd received exactly the page's n instructions, in order.
		got := 0
		for _, in := range conn.Received() {
			if in.Opcode == "sync" || in.Opcode == "nop" {
				continue
			}
			want := mixed(1, got)
			if in.Opcode != want.Opcode || strings.Join(in.Args, "\x00") != strings.Join(want.Args, "\x00") {
				t.Fatalf("guacd's instruction %d = %.80q, want %.80q", got, in, want)
			}
			got++
		}
		if got != n {
			t.Fatalf("guacd received %d instructions, want %d", got, n)
		}
		st := h.gw.Stats()
		if st.BytesToBrowser == 0 || st.BytesFromBrowser == 0 {
			t.Errorf("stats count no bytes: %+v", st)
		}
	})
}

// TestMalformedFromBrowser: a message that is not whole Guacamole instructions ends
// the session with a bad-request error (768), and guacd never sees the garbage.
func TestMalformedFromBrowser(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		h := newHarness(t, backend, options{})
		for _, bad := range []string{"4.key,2.65", "garbage", "3.key,99.65;", "4.size,1.0;1"} {
			secret, _ := h.session(nil, nil)
			tn, conn := h.connect(h.browser(), secret, "")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := tn.ws.Write(ctx, 1, []byte(bad)); err != nil {
				t.Fatal(err)
			}
			cancel()
			in, err := tn.errorOf(5 * time.Second)
			if err != nil || in.Args[1] != "768" {
				t.Fatalf("%q: error %q, %v; want 768", bad, in, err)
			}
			select {
			case <-conn.Done():
			case <-time.After(5 * time.Second):
				t.Fatalf("%q: guacd's connection stayed open", bad)
			}
			for _, in := range conn.Received() {
				if in.Opcode != "sync" {
					t.Fatalf("%q: guacd received %q", bad, in)
				}
			}
		}
		_ = fmt.Sprint()
	})
}

// TestSessionOutlivesServerTimeouts: racd serve bounds each HTTP request's reading and
// writing (ReadTimeout, WriteTimeout). A session lasts far longer than any request, so
// those deadlines must not follow the connection into the WebSocket (net/http clears
// them when it hands the connection over; a wrapper or server change that kept them
// would cut every session a minute after it started): past both, instructions still
// flow both ways.
func TestSessionOutlivesServerTimeouts(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		const limit = 500 * time.Millisecond
		h := newHarness(t, backend, options{
			guacd:  guacdtest.Options{NoDraw: true, SyncInterval: time.Hour},
			server: func(s *http.Server) { s.ReadTimeout, s.WriteTimeout = limit, limit },
		})
		secret, _ := h.session(nil, nil)
		tn, conn := h.connect(h.browser(), secret, "")
		time.Sleep(3 * limit)
		if err := tn.send(guacproto.New("key", "65", "1")); err != nil {
			t.Fatalf("page → racd after the server's timeouts: %v", err)
		}
		in, err := tn.until(5*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "echo" })
		if err != nil || !guacdtest.IsEcho(in, "key", "65", "1") {
			t.Fatalf("echo of a key sent after the server's timeouts: %q, %v", in, err)
		}
		if err := conn.Send(guacproto.New("name", "still here")); err != nil {
			t.Fatal(err)
		}
		if in, err := tn.until(5*time.Second, func(in guacproto.Instruction) bool { return in.Opcode == "name" }); err != nil {
			t.Fatalf("guacd → page after the server's timeouts: %q, %v", in, err)
		}
	})
}
