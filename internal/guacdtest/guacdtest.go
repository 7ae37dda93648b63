// Package guacdtest is a guacd written in Go for racd's tests (guacd, Apache
// Guacamole's proxy daemon, is not packaged for the test machines). It implements
// guacd 1.5.5's side of the Guacamole protocol as observed on the wire: the handshake
// (select → args with guacd's parameter lists → size/audio/video/image/timezone →
// connect → ready $<uuid>), a drawn screen (layers, rect/cfill, PNG img streams in
// blobs, sync about once a second), and guacd's failure modes (an authentication error
// 769, silence for an unknown protocol, the idle disconnect 776, a close mid-stream).
// Everything it receives after ready is recorded and echoed back as an "echo"
// instruction, which browsers ignore, so tests can assert the round trip. With
// Options.Prompt it asks for missing credentials as guacd does (required, then argv
// streams).
//
// It is imported by tests only; the architecture test forbids production imports.
package guacdtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/racd/racd/internal/guacproto"
)

// Guacamole status codes the test guacd sends (decimal on the wire).
const (
	StatusClientBadRequest   = 0x0300 // 768
	StatusClientUnauthorized = 0x0301 // 769
	StatusClientTimeout      = 0x0308 // 776
)

// Options change how the test guacd behaves. The zero value behaves like guacd 1.5.5
// with every connection accepted.
type Options struct {
	// Authenticate decides whether a connection's credentials are accepted (the
	// handshake's values, or the answers to a prompt: Handshake.Credential); a refusal
	// is guacd's `error <message> 769`, right after ready (or after the answers), with
	// the message guacd's plugin for the protocol sends. nil accepts every connection.
	Authenticate func(h *Handshake) bool
	// Prompt makes the remote machine demand credentials (an RDP server that requires
	// NLA, a VNC server with a password). Those the connection lacks, guacd 1.5.5 asks
	// the client for after ready, with `required` (RDP: username, with domain when that
	// is missing too, and password; VNC: password), if the client declared protocol
	// 1.3.0 or later; it then waits for one `argv` stream per name and goes on with the
	// values (Authenticate sees them). An older client cannot be asked: the connection
	// fails as an RDP server refuses a login without credentials (769).
	Prompt bool
	// IdleTimeout is how long a connection may receive nothing before the test guacd
	// ends it with `error "User is not responding." 776` (guacd: 15 s).
	IdleTimeout time.Duration
	// SyncInterval is how often a sync frame is sent (guacd: about once a second).
	SyncInterval time.Duration
	// NoDraw skips the first frame (benchmarks measure the relay alone).
	NoDraw bool
	// MultiTouch makes the remote machine take touch input: the first frame sets the
	// default layer's "multi-touch" to this many contacts, as guacd's RDP support does
	// once the server's touch input channel is up (enable-touch; guacd says 10). 0:
	// the layer says nothing, and clients emulate a mouse.
	MultiTouch int
	// Missing lists protocols whose plugin is missing: as for a protocol guacd does not
	// know, it says nothing at all after select.
	Missing []string
	// Background and Foreground are the colours of the drawn screen: layer 0 filled
	// with Background, and a PNG square of Foreground drawn onto it.
	Background, Foreground [3]uint8
	// Logf, when set, receives a line per connection event.
	Logf func(format string, args ...any)
}

// Default colours of the screen.
var (
	DefaultBackground = [3]uint8{0x1e, 0x5a, 0xa8}
	DefaultForeground = [3]uint8{0xf0, 0x8c, 0x1e}
)

// Server is a listening test guacd.
type Server struct {
	ln    net.Listener
	opts  Options
	conns chan *Conn
	png   []byte

	mu     sync.Mutex
	all    []*Conn
	closed bool
	wg     sync.WaitGroup
}

// Start listens on a loopback port and serves until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0", o)
	if err != nil {
		t.Fatalf("guacdtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen starts a test guacd on addr (for programs without a testing.TB).
func Listen(addr string, o Options) (*Server, error) {
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 15 * time.Second
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = time.Second
	}
	if o.Background == ([3]uint8{}) {
		o.Background = DefaultBackground
	}
	if o.Foreground == ([3]uint8{}) {
		o.Foreground = DefaultForeground
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	png, err := squarePNG(128, o.Foreground)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{ln: ln, opts: o, conns: make(chan *Conn, 4096), png: png}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the host:port racd connects to (RACD_GUACD_ADDR).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening and closes every connection.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	all := s.all
	s.mu.Unlock()
	s.ln.Close()
	for _, c := range all {
		c.Close()
	}
	s.wg.Wait()
}

// Next waits for the next accepted connection (each is handed out once, in order).
func (s *Server) Next(ctx context.Context) (*Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("guacdtest: no connection arrived: %w", ctx.Err())
	}
}

// Count returns how many connections were accepted so far.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.all)
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		c := newConn(s, nc)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.all = append(s.all, c)
		s.wg.Add(1)
		s.mu.Unlock()
		select {
		case s.conns <- c:
		default: // nobody takes connections from the queue: the connection is still served
		}
		go func() {
			defer s.wg.Done()
			c.serve()
		}()
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// Handshake is what a client sent before ready.
type Handshake struct {
	Protocol    string
	Offered     []string // the parameter names sent in args (without the version)
	Order       []string // opcodes received, select to connect
	Size        []string // width, height, dpi
	Audio       []string
	Video       []string
	Image       []string
	Timezone    string
	HasTimezone bool
	Version     string            // the first connect value
	Values      map[string]string // connect values by parameter name
	ConnectArgs []string          // the connect values as sent, version first
	// Required lists the parameters guacd asked for after ready (Options.Prompt), and
	// Answered the values the client gave for them in argv streams.
	Required []string
	Answered map[string]string
}

// Credential is the value of a connection parameter: the client's answer to the
// prompt when it gave one, else the connect value.
func (h *Handshake) Credential(name string) string {
	if v, ok := h.Answered[name]; ok {
		return v
	}
	return h.Values[name]
}

// Conn is one client connection to the test guacd.
type Conn struct {
	s  *Server
	nc net.Conn
	ID string // the connection id sent with ready ($<uuid>)

	wmu sync.Mutex // serializes writes

	mu        sync.Mutex
	cond      *sync.Cond
	handshake *Handshake
	log       []guacproto.Instruction
	done      bool
	err       error
	opened    bool     // the first frame was sent
	resized   []string // the last size the client asked for before that

	readyCh chan struct{}
	doneCh  chan struct{}
	once    sync.Once

	prompt prompt // argv streams (read loop only) and the answers
}

func newConn(s *Server, nc net.Conn) *Conn {
	var id [16]byte
	_, _ = rand.Read(id[:])
	c := &Conn{s: s, nc: nc, ID: "$" + formatUUID(id), readyCh: make(chan struct{}), doneCh: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Ready is closed once ready was sent.
func (c *Conn) Ready() <-chan struct{} { return c.readyCh }

// Done is closed once the connection is closed, by either side.
func (c *Conn) Done() <-chan struct{} { return c.doneCh }

// Handshake returns what the client sent before ready (nil before it).
func (c *Conn) Handshake() *Handshake {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.handshake
}

// WaitReady waits until ready was sent and returns the handshake.
func (c *Conn) WaitReady(ctx context.Context) (*Handshake, error) {
	select {
	case <-c.readyCh:
		return c.Handshake(), nil
	default:
	}
	select {
	case <-c.readyCh:
		return c.Handshake(), nil
	case <-c.doneCh:
		select {
		case <-c.readyCh: // ready, then closed (an error right after ready)
			return c.Handshake(), nil
		default:
		}
		return c.Handshake(), fmt.Errorf("guacdtest: connection closed before ready: %v", c.Err())
	case <-ctx.Done():
		return c.Handshake(), fmt.Errorf("guacdtest: no ready: %w", ctx.Err())
	}
}

// Err is why the connection ended (nil while it is open or after a clean close).
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Received returns a copy of every instruction received after ready so far.
func (c *Conn) Received() []guacproto.Instruction {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]guacproto.Instruction(nil), c.log...)
}

// WaitFor waits until an instruction received after ready satisfies match (searching
// from the first) and returns it.
func (c *Conn) WaitFor(ctx context.Context, match func(guacproto.Instruction) bool) (guacproto.Instruction, error) {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; ; {
		for ; i < len(c.log); i++ {
			if match(c.log[i]) {
				return c.log[i], nil
			}
		}
		if c.done {
			return guacproto.Instruction{}, errors.New("guacdtest: connection closed before a matching instruction")
		}
		if ctx.Err() != nil {
			return guacproto.Instruction{}, ctx.Err()
		}
		c.cond.Wait()
	}
}

// Send writes instructions to the client.
func (c *Conn) Send(ins ...guacproto.Instruction) error {
	var buf []byte
	for _, in := range ins {
		buf = in.Append(buf)
	}
	return c.write(buf)
}

// SendRaw writes bytes as they are (for malformed-input tests).
func (c *Conn) SendRaw(b []byte) error { return c.write(b) }

func (c *Conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(b)
	return err
}

// Close ends the connection abruptly (guacd's child process going away mid-stream).
func (c *Conn) Close() { c.finish(nil) }

func (c *Conn) finish(err error) {
	c.once.Do(func() {
		c.nc.Close()
		c.mu.Lock()
		c.done = true
		c.err = err
		c.cond.Broadcast()
		c.mu.Unlock()
		close(c.doneCh)
	})
}

func (c *Conn) record(in guacproto.Instruction) {
	c.mu.Lock()
	c.log = append(c.log, in)
	c.cond.Broadcast()
	c.mu.Unlock()
}

// fail sends guacd's error instruction and closes.
func (c *Conn) fail(msg string, status int) {
	_ = c.Send(guacproto.New("error", msg, strconv.Itoa(status)))
	c.finish(fmt.Errorf("%s (%d)", msg, status))
}

func (c *Conn) serve() {
	defer c.finish(nil)
	sc := guacproto.NewScanner(c.nc, 0)
	read := func() (guacproto.Instruction, error) {
		raw, err := sc.Next()
		if err != nil {
			return guacproto.Instruction{}, err
		}
		return guacproto.Parse(raw)
	}
	h, err := c.handshake1(read)
	if err != nil {
		c.s.logf("guacdtest %s: handshake: %v", c.ID, err)
		return
	}
	if h == nil {
		return // silent: unknown protocol
	}
	c.mu.Lock()
	c.handshake = h
	c.mu.Unlock()
	if err := c.Send(guacproto.New("ready", c.ID)); err != nil {
		return
	}
	close(c.readyCh)
	c.s.logf("guacdtest %s: ready (%s)", c.ID, h.Protocol)
	if need := c.s.missing(h); len(need) > 0 {
		c.askFor(h, need, read)
		return
	}
	if !c.open(h) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.syncLoop(ctx)
	c.relayLoop(read)
}

// handshake1 runs guacd's side of the handshake. It returns nil, nil when guacd would
// stay silent (unknown protocol): the client must time out by itself.
func (c *Conn) handshake1(read func() (guacproto.Instruction, error)) (*Handshake, error) {
	sel, err := read()
	if err != nil {
		return nil, err
	}
	h := &Handshake{Order: []string{sel.Opcode}}
	if sel.Opcode != "select" || len(sel.Args) != 1 {
		c.fail("Expected select.", StatusClientBadRequest)
		return nil, fmt.Errorf("first instruction %q, want select", sel.Opcode)
	}
	h.Protocol = sel.Args[0]
	names := Args(h.Protocol)
	if slices.Contains(c.s.opts.Missing, h.Protocol) {
		names = nil
	}
	if names == nil {
		// guacd finds no plugin and says nothing at all; drain until the client leaves.
		c.mu.Lock()
		c.handshake = h
		c.mu.Unlock()
		for {
			if _, err := read(); err != nil {
				return nil, nil
			}
		}
	}
	h.Offered = names
	if err := c.Send(guacproto.New("args", append([]string{Version}, names...)...)); err != nil {
		return nil, err
	}
	for {
		in, err := read()
		if err != nil {
			return nil, err
		}
		h.Order = append(h.Order, in.Opcode)
		switch in.Opcode {
		case "size":
			h.Size = in.Args
		case "audio":
			h.Audio = in.Args
		case "video":
			h.Video = in.Args
		case "image":
			h.Image = in.Args
		case "timezone":
			if len(in.Args) == 1 {
				h.Timezone, h.HasTimezone = in.Args[0], true
			}
		case "connect":
			if len(in.Args) != len(names)+1 {
				c.fail("Client did not return the expected number of arguments.", StatusClientBadRequest)
				return nil, fmt.Errorf("connect with %d values, want %d", len(in.Args), len(names)+1)
			}
			h.ConnectArgs = in.Args
			h.Version = in.Args[0]
			h.Values = make(map[string]string, len(names))
			for i, n := range names {
				h.Values[n] = in.Args[i+1]
			}
			return h, nil
		default:
			c.fail("Unexpected handshake instruction.", StatusClientBadRequest)
			return nil, fmt.Errorf("handshake instruction %q", in.Opcode)
		}
	}
}

// relayLoop records and echoes what the client sends until it leaves or idles out.
func (c *Conn) relayLoop(read func() (guacproto.Instruction, error)) {
	for {
		_ = c.nc.SetReadDeadline(time.Now().Add(c.s.opts.IdleTimeout))
		in, err := read()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.fail("User is not responding.", StatusClientTimeout)
			}
			return
		}
		c.record(in)
		if c.argv(in) {
			continue // a value for a connection parameter: acknowledged, not echoed
		}
		switch in.Opcode {
		case "disconnect":
			return
		case "sync", "nop":
			continue
		case "size":
			c.mu.Lock()
			opened := c.opened
			if !opened {
				c.resized = in.Args // the screen opens at this size
			}
			c.mu.Unlock()
			if len(in.Args) >= 2 && !c.s.opts.NoDraw && opened {
				w, err1 := strconv.Atoi(in.Args[0])
				h, err2 := strconv.Atoi(in.Args[1])
				if err1 == nil && err2 == nil && w > 0 && h > 0 {
					if err := c.draw(w, h); err != nil {
						return
					}
				}
			}
		}
		if err := c.Send(guacproto.New("echo", append([]string{in.Opcode}, in.Args...)...)); err != nil {
			return
		}
	}
}

// IsEcho reports whether in is the echo of an instruction with opcode op whose
// arguments equal args.
func IsEcho(in guacproto.Instruction, op string, args ...string) bool {
	if in.Opcode != "echo" || len(in.Args) != len(args)+1 || in.Args[0] != op {
		return false
	}
	for i, a := range args {
		if in.Args[i+1] != a {
			return false
		}
	}
	return true
}
