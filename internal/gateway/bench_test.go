package gateway_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
)

// The relay benchmark compares a Guacamole client talking to the test guacd through
// racd (WebSocket → gateway → TCP) with one talking to it directly over TCP, in the
// same run:
//
//   - throughput: guacd streams a screen-like mix of instructions (small drawing
//     instructions and base64 blobs up to 8 KiB) and the client decodes each one, as a
//     browser does; reported per second of wall time (what the target refers to) and
//     per CPU second of the whole process (what the rest of a shared machine does not
//     skew);
//   - relay-cost: the same stream read by a light client that only finds instruction
//     boundaries, so that decoding (the same on both paths) does not hide racd's
//     share: the CPU racd adds per instruction, and the per-CPU ratio;
//   - latency: the client sends a key and waits for guacd's echo, many times; the
//     added latency is racd's percentile minus the direct one;
//   - idle memory: 1,000 sessions open and idle through racd against 1,000 direct
//     connections; the difference in live heap and stacks, per session.
//
// go test -run x -bench Relay -benchtime 1x ./internal/gateway/

// benchClient is one side that reads instructions: a WebSocket tunnel through racd,
// or a direct TCP connection to guacd.
type benchClient interface {
	send(b []byte) error
	// read returns the instructions of the next message or read, and their count.
	read() (int, []byte, error)
	close()
}

// wsClient reads each message into one reused buffer, as a browser's WebSocket does
// not allocate per read either. With decode it decodes every instruction; without, it
// only finds their boundaries.
type wsClient struct {
	ws              *websocket.Conn
	buf             []byte
	decode          bool
	messages, bytes int
}

func (c *wsClient) send(b []byte) error {
	return c.ws.Write(context.Background(), websocket.MessageText, b)
}

func (c *wsClient) read() (int, []byte, error) {
	_, r, err := c.ws.Reader(context.Background())
	if err != nil {
		return 0, nil, err
	}
	msg := c.buf[:0]
	for {
		if len(msg) == cap(msg) {
			msg = append(msg, 0)[:len(msg)]
		}
		n, err := r.Read(msg[len(msg):cap(msg)])
		msg = msg[:len(msg)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, nil, err
		}
	}
	c.buf = msg
	c.messages++
	c.bytes += len(msg)
	n := 0
	err = guacproto.Split(msg, 1<<20, func(raw []byte) error {
		n++
		if c.decode {
			return decode(raw)
		}
		return nil
	})
	return n, msg, err
}

func (c *wsClient) close() { c.ws.CloseNow() }

// tcpClient reads guacd directly, doing what wsClient does with what it reads.
type tcpClient struct {
	nc     net.Conn
	sc     *guacproto.Scanner
	decode bool
}

func (c *tcpClient) send(b []byte) error { _, err := c.nc.Write(b); return err }

func (c *tcpClient) read() (int, []byte, error) {
	n := 0
	var derr error
	batch, err := c.sc.NextBatch(64<<10, func(raw []byte) {
		n++
		if !c.decode {
			return
		}
		if e := decode(raw); e != nil {
			derr = e
		}
	})
	if err == nil {
		err = derr
	}
	return n, batch, err
}

// decode does what a Guacamole client does with each instruction it receives: it
// decodes its elements (guacamole-common-js turns each into a string).
func decode(raw []byte) error {
	_, err := guacproto.Parse(raw)
	return err
}

func (c *tcpClient) close() { c.nc.Close() }

// dialDirect runs the client's side of the handshake straight against guacd.
func dialDirect(tb testing.TB, addr string, decode bool) *tcpClient {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	c := &tcpClient{nc: nc, sc: guacproto.NewScanner(nc, 0), decode: decode}
	if err := c.send(guacproto.New("select", "rdp").Encode()); err != nil {
		tb.Fatal(err)
	}
	raw, err := c.sc.Next()
	if err != nil {
		tb.Fatal(err)
	}
	args, _ := guacproto.Parse(raw)
	values := make([]string, len(args.Args))
	values[0] = args.Args[0]
	var out []byte
	out = guacproto.New("size", "1024", "768", "96").Append(out)
	out = guacproto.New("audio", "audio/L8").Append(out)
	out = guacproto.New("video").Append(out)
	out = guacproto.New("image", "image/png").Append(out)
	out = guacproto.New("connect", values...).Append(out)
	if err := c.send(out); err != nil {
		tb.Fatal(err)
	}
	if raw, err := c.sc.Next(); err != nil || string(guacproto.Opcode(raw)) != "ready" {
		tb.Fatalf("ready: %q %v", raw, err)
	}
	return c
}

// benchSetup is a harness on SQLite whose test guacd draws nothing and stays quiet.
func benchSetup(b *testing.B) *harness {
	return newHarness(b, "sqlite", options{guacd: guacdtest.Options{NoDraw: true, SyncInterval: time.Hour, IdleTimeout: time.Hour}})
}

// viaRacd opens a session through racd and returns its client and guacd's side.
func viaRacd(b *testing.B, h *harness, secret string, decode bool) (*wsClient, *guacdtest.Conn) {
	tn, conn := h.connect(h.browser(), secret, "")
	tn.ws.SetReadLimit(1 << 20)
	return &wsClient{ws: tn.ws, buf: make([]byte, 0, 64<<10), decode: decode}, conn
}

// screenMix is a pre-encoded stream of n instructions shaped like a screen update:
// mostly small drawing instructions, a quarter of them blobs of 1 to 8 KiB.
func screenMix(n int) []byte {
	r := rand.New(rand.NewPCG(7, 7))
	var out []byte
	for i := 0; i < n; i++ {
		switch r.IntN(8) {
		case 0, 1:
			out = guacproto.New("blob", "3", strings.Repeat("iVBORw0K", 128*(1+r.IntN(8)))).Append(out)
		case 2:
			out = guacproto.New("sync", strconv.Itoa(1700000000000+i)).Append(out)
		case 3:
			out = guacproto.New("img", "3", "14", "0", "image/png", strconv.Itoa(r.IntN(1024)), strconv.Itoa(r.IntN(768))).Append(out)
		default:
			out = guacproto.New("rect", "0", strconv.Itoa(r.IntN(1024)), strconv.Itoa(r.IntN(768)), "64", "64").Append(out)
		}
	}
	return out
}

// stream makes guacd send mix over conn until stop is closed. A sender whose client is
// not reading blocks on TCP and costs nothing.
func stream(conn *guacdtest.Conn, mix []byte, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := conn.SendRaw(mix); err != nil {
			return
		}
	}
}

// readFor reads from c for d and returns how many instructions arrived.
func readFor(b *testing.B, c benchClient, d time.Duration) int {
	count := 0
	for start := time.Now(); time.Since(start) < d; {
		n, _, err := c.read()
		if err != nil {
			b.Fatal(err)
		}
		count += n
	}
	return count
}

// cpuTime is the CPU time this process has used (all threads, user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rate is what one path achieved over the windows: instructions, wall time and the
// CPU time the whole process used meanwhile (guacd's sender, racd and the client).
type rate struct {
	n    int
	wall time.Duration
	cpu  time.Duration
}

func (r rate) perSecond() float64    { return float64(r.n) / r.wall.Seconds() }
func (r rate) perCPUSecond() float64 { return float64(r.n) / r.cpu.Seconds() }

// cpuPerInstr is the process's CPU time per instruction, in µs.
func (r rate) cpuPerInstr() float64 { return r.cpu.Seconds() * 1e6 / float64(r.n) }

func (r *rate) add(o rate) { r.n, r.wall, r.cpu = r.n+o.n, r.wall+o.wall, r.cpu+o.cpu }

// throughput measures both paths in alternating windows (so both see the same load
// from the rest of the machine): each window first drains what queued while the other
// path was measured, then counts for window.
func throughput(b *testing.B, racd, direct benchClient, windows int, window time.Duration) (rate, rate) {
	var r, d rate
	measure := func(c benchClient, into *rate) {
		readFor(b, c, window/2)
		cpu := cpuTime()
		into.n += readFor(b, c, window)
		into.wall += window
		into.cpu += cpuTime() - cpu
	}
	for i := 0; i < windows; i++ {
		measure(racd, &r)
		measure(direct, &d)
	}
	return r, d
}

// latencies sends n keys one after another and returns each round trip to guacd's echo.
func latencies(b *testing.B, c benchClient, n int) []time.Duration {
	out := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		key := guacproto.New("key", strconv.Itoa(65+i%26), "1").Encode()
		start := time.Now()
		if err := c.send(key); err != nil {
			b.Fatal(err)
		}
		for {
			_, msg, err := c.read()
			if err != nil {
				b.Fatal(err)
			}
			if strings.Contains(string(msg), "4.echo,3.key,") {
				break
			}
		}
		out = append(out, time.Since(start))
	}
	return out
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func BenchmarkRelay(b *testing.B) {
	b.Run("throughput", func(b *testing.B) { benchThroughput(b, true) })
	b.Run("relay-cost", func(b *testing.B) { benchThroughput(b, false) })
	b.Run("latency", func(b *testing.B) {
		h := benchSetup(b)
		const rounds = 3000
		var direct, racd []time.Duration
		for i := 0; i < b.N; i++ {
			secret, _ := h.session(nil, nil)
			c, _ := viaRacd(b, h, secret, true)
			d := dialDirect(b, h.guacd.Addr(), true)
			// Alternate in blocks so both see the same machine load.
			for j := 0; j < 6; j++ {
				racd = append(racd, latencies(b, c, rounds/6)...)
				direct = append(direct, latencies(b, d, rounds/6)...)
			}
			c.close()
			d.close()
		}
		us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
		b.ReportMetric(us(percentile(direct, 0.5)), "direct-p50-µs")
		b.ReportMetric(us(percentile(direct, 0.99)), "direct-p99-µs")
		b.ReportMetric(us(percentile(racd, 0.5)), "racd-p50-µs")
		b.ReportMetric(us(percentile(racd, 0.99)), "racd-p99-µs")
		b.ReportMetric(us(percentile(racd, 0.5)-percentile(direct, 0.5)), "added-p50-µs")
		b.ReportMetric(us(percentile(racd, 0.99)-percentile(direct, 0.99)), "added-p99-µs")
	})
	b.Run("idle-memory", func(b *testing.B) {
		const sessions = 1000
		for i := 0; i < b.N; i++ {
			h := benchSetup(b)
			// Launch and claim every token first, so only the sessions differ.
			secrets := make([]string, sessions)
			browsers := make([]*browser, sessions)
			for j := range secrets {
				secrets[j], _ = h.session(nil, nil)
				browsers[j] = h.browser()
				if st, body := browsers[j].open(secrets[j]); st != 200 {
					b.Fatalf("page: %d %s", st, body)
				}
			}
			base := liveBytes()
			direct := make([]*tcpClient, sessions)
			for j := range direct {
				direct[j] = dialDirect(b, h.guacd.Addr(), false)
			}
			directBytes := liveBytes() - base
			for _, d := range direct {
				d.close()
			}
			time.Sleep(500 * time.Millisecond) // guacd's goroutines for them end
			base = liveBytes()
			tunnels := make([]*tunnel, sessions)
			for j := range tunnels {
				tunnels[j] = browsers[j].mustDial(secrets[j], "")
				if _, err := tunnels[j].next(10 * time.Second); err != nil {
					b.Fatal(err)
				}
			}
			if !waitFor(10*time.Second, func() bool { return h.gw.Stats().Live == sessions }) {
				b.Fatalf("live sessions %d, want %d", h.gw.Stats().Live, sessions)
			}
			racdBytes := liveBytes() - base
			b.ReportMetric(float64(directBytes)/sessions/1024, "direct-KiB/conn")
			b.ReportMetric(float64(racdBytes)/sessions/1024, "racd-KiB/session")
			b.ReportMetric(float64(racdBytes-directBytes)/sessions/1024, "added-KiB/session")
			for _, tn := range tunnels {
				tn.ws.CloseNow()
			}
		}
	})
}

// benchThroughput streams the screen mix to a client through racd and to one
// connected directly, in alternating windows; decode makes both clients decode every
// instruction (a browser's work), otherwise they only find instruction boundaries.
func benchThroughput(b *testing.B, decode bool) {
	h := benchSetup(b)
	const per = 2000
	mix := screenMix(per)
	var direct, racd rate
	var msgBytes float64
	for i := 0; i < b.N; i++ {
		secret, _ := h.session(nil, nil)
		c, conn := viaRacd(b, h, secret, decode)
		d := dialDirect(b, h.guacd.Addr(), decode)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		dconn, err := h.guacd.Next(ctx)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		stop := make(chan struct{})
		go stream(conn, mix, stop)
		go stream(dconn, mix, stop)
		r, dr := throughput(b, c, d, 10, 300*time.Millisecond)
		msgBytes += float64(c.bytes) / float64(c.messages)
		racd.add(r)
		direct.add(dr)
		close(stop)
		c.close()
		d.close()
	}
	b.ReportMetric(direct.perSecond(), "direct-instr/s")
	b.ReportMetric(racd.perSecond(), "racd-instr/s")
	b.ReportMetric(racd.perSecond()/direct.perSecond(), "racd/direct")
	// The machine is shared: how much CPU the process got, and the same ratio per CPU
	// second (what the relay costs, whatever else runs).
	b.ReportMetric(direct.cpu.Seconds()/direct.wall.Seconds(), "direct-cpus")
	b.ReportMetric(racd.cpu.Seconds()/racd.wall.Seconds(), "racd-cpus")
	b.ReportMetric(racd.perCPUSecond()/direct.perCPUSecond(), "racd/direct-per-cpu")
	// What racd itself adds: the process's CPU per instruction through racd minus
	// the same directly (guacd's sender and the client's work cancel out).
	b.ReportMetric(racd.cpuPerInstr()-direct.cpuPerInstr(), "racd-added-µs-cpu/instr")
	b.ReportMetric(float64(len(mix))/float64(per), "bytes/instr")
	b.ReportMetric(msgBytes/float64(b.N), "racd-bytes/message")
}

// liveBytes is the heap in use and the goroutine stacks after a collection.
func liveBytes() int64 {
	var m runtime.MemStats
	for i := 0; i < 2; i++ {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}
