package guacdtest

import (
	"context"
	"encoding/base64"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/guacproto"
)

// client is a minimal Guacamole client for testing the test guacd itself.
type client struct {
	t  *testing.T
	nc net.Conn
	sc *guacproto.Scanner
}

func dial(t *testing.T, s *Server) *client {
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, sc: guacproto.NewScanner(nc, 0)}
}

func (c *client) send(ins ...guacproto.Instruction) {
	var b []byte
	for _, in := range ins {
		b = in.Append(b)
	}
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) read(timeout time.Duration) (guacproto.Instruction, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	raw, err := c.sc.Next()
	if err != nil {
		return guacproto.Instruction{}, err
	}
	return guacproto.Parse(raw)
}

func (c *client) handshake(protocol string, values map[string]string) []string {
	c.send(guacproto.New("select", protocol))
	args, err := c.read(2 * time.Second)
	if err != nil || args.Opcode != "args" {
		c.t.Fatalf("args: %v %q", err, args)
	}
	connect := []string{args.Args[0]}
	for _, n := range args.Args[1:] {
		connect = append(connect, values[n])
	}
	c.send(guacproto.New("size", "800", "600", "96"), guacproto.New("audio", "audio/L8"), guacproto.New("video"),
		guacproto.New("image", "image/png"), guacproto.New("timezone", "Europe/Berlin"), guacproto.New("connect", connect...))
	return args.Args
}

func TestHandshakeDrawEcho(t *testing.T) {
	s := Start(t, Options{SyncInterval: 50 * time.Millisecond})
	c := dial(t, s)
	args := c.handshake("ssh", map[string]string{"hostname": "h", "password": "p"})
	if args[0] != Version || strings.Join(args[1:], " ") != strings.Join(Args("ssh"), " ") || len(Args("ssh")) != 38 || len(Args("vnc")) != 44 || len(Args("rdp")) != 81 {
		t.Fatalf("args = %q", args)
	}
	ready, err := c.read(2 * time.Second)
	if err != nil || ready.Opcode != "ready" || !strings.HasPrefix(ready.Args[0], "$") {
		t.Fatalf("ready: %v %q", err, ready)
	}
	conn, err := s.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := conn.Handshake()
	if h.Values["hostname"] != "h" || h.Values["password"] != "p" || h.Version != Version || h.Timezone != "Europe/Berlin" ||
		strings.Join(h.Order, " ") != "select size audio video image timezone connect" {
		t.Fatalf("handshake = %+v", h)
	}
	seen := map[string]bool{}
	for !seen["sync"] {
		in, err := c.read(2 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		seen[in.Opcode] = true
	}
	for _, op := range []string{"size", "rect", "cfill", "img", "blob", "end"} {
		if !seen[op] {
			t.Errorf("first frame has no %s", op)
		}
	}
	c.send(guacproto.New("key", "65", "1"))
	for {
		in, err := c.read(2 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if IsEcho(in, "key", "65", "1") {
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := conn.WaitFor(ctx, func(in guacproto.Instruction) bool { return in.Opcode == "key" }); err != nil {
		t.Fatal(err)
	}
}

func TestFailureModes(t *testing.T) {
	s := Start(t, Options{IdleTimeout: 300 * time.Millisecond, NoDraw: true,
		Authenticate: func(h *Handshake) bool { return h.Values["password"] == "right" }})
	t.Run("authentication", func(t *testing.T) {
		c := dial(t, s)
		c.handshake("vnc", map[string]string{"password": "wrong"})
		var last guacproto.Instruction
		for {
			in, err := c.read(2 * time.Second)
			if err != nil {
				break
			}
			last = in
		}
		if last.Opcode != "error" || last.Args[1] != "769" {
			t.Fatalf("last instruction %q, want error 769", last)
		}
	})
	t.Run("idle", func(t *testing.T) {
		c := dial(t, s)
		c.handshake("rdp", map[string]string{"password": "right"})
		var last guacproto.Instruction
		for {
			in, err := c.read(2 * time.Second)
			if err != nil {
				break
			}
			if in.Opcode != "sync" {
				last = in
			}
		}
		if last.Opcode != "error" || last.Args[1] != "776" {
			t.Fatalf("last instruction %q, want error 776", last)
		}
	})
	t.Run("unknown protocol", func(t *testing.T) {
		c := dial(t, s)
		c.send(guacproto.New("select", "telnet"))
		if in, err := c.read(500 * time.Millisecond); err == nil {
			t.Fatalf("guacd answered %q to an unknown protocol", in)
		}
	})
	t.Run("wrong count", func(t *testing.T) {
		c := dial(t, s)
		c.send(guacproto.New("select", "ssh"))
		if _, err := c.read(time.Second); err != nil {
			t.Fatal(err)
		}
		c.send(guacproto.New("connect", "VERSION_1_5_0", "h"))
		in, err := c.read(time.Second)
		if err != nil || in.Opcode != "error" || in.Args[1] != "768" {
			t.Fatalf("%v %q, want error 768", err, in)
		}
	})
}

// TestPrompt: with a remote machine that demands credentials, the test guacd asks a
// 1.3.0+ client for the missing ones after ready (required), acknowledges each argv
// stream for a name it asked for and refuses others, draws nothing until every value
// arrived, and then opens the screen with the answers (or refuses them, 769); a
// client too old to be asked gets the authentication error at once.
func TestPrompt(t *testing.T) {
	s := Start(t, Options{Prompt: true, SyncInterval: time.Hour,
		Authenticate: func(h *Handshake) bool { return h.Credential("password") == "pässword 🔑" }})
	handshake := func(c *client, protocol, version string, values map[string]string) {
		c.t.Helper()
		c.send(guacproto.New("select", protocol))
		args, err := c.read(2 * time.Second)
		if err != nil || args.Opcode != "args" {
			c.t.Fatalf("args: %v %q", err, args)
		}
		connect := []string{version}
		for _, n := range args.Args[1:] {
			connect = append(connect, values[n])
		}
		c.send(guacproto.New("size", "800", "600", "96"), guacproto.New("audio"), guacproto.New("video"),
			guacproto.New("image", "image/png"), guacproto.New("connect", connect...))
		if in, err := c.read(2 * time.Second); err != nil || in.Opcode != "ready" {
			c.t.Fatalf("ready: %v %q", err, in)
		}
	}
	answer := func(c *client, stream, name, value string, blobs int) {
		c.send(guacproto.New("argv", stream, "text/plain", name))
		b := []byte(value)
		for i := 0; i < blobs; i++ {
			part := b[len(b)*i/blobs : len(b)*(i+1)/blobs]
			c.send(guacproto.New("blob", stream, base64.StdEncoding.EncodeToString(part)))
		}
		c.send(guacproto.New("end", stream))
	}
	t.Run("rdp", func(t *testing.T) {
		c := dial(t, s)
		handshake(c, "rdp", Version, map[string]string{"hostname": "desk"})
		req, err := c.read(2 * time.Second)
		if err != nil || req.Opcode != "required" || strings.Join(req.Args, " ") != "username domain password" {
			t.Fatalf("%v %q, want required username domain password", err, req)
		}
		c.send(guacproto.New("argv", "5", "text/plain", "hostname"))
		if in, err := c.read(2 * time.Second); err != nil || !slices.Equal(in.Args, []string{"5", "Not allowed.", "771"}) || in.Opcode != "ack" {
			t.Fatalf("argv for a name not asked for: %v %q, want ack 771", err, in)
		}
		answer(c, "1", "username", "ada", 2)
		answer(c, "2", "domain", "", 0)
		if in, err := c.read(2 * time.Second); err != nil || in.Opcode != "ack" || !slices.Equal(in.Args, []string{"1", "Ready for updated parameter.", "0"}) {
			t.Fatalf("argv username: %v %q, want ack 0", err, in)
		}
		if in, err := c.read(2 * time.Second); err != nil || in.Opcode != "ack" || in.Args[0] != "2" {
			t.Fatalf("argv domain: %v %q, want ack", err, in)
		}
		if in, err := c.read(300 * time.Millisecond); err == nil {
			t.Fatalf("guacd sent %q before the password arrived", in)
		}
		c.sc = guacproto.NewScanner(c.nc, 0) // the timed-out read left the scanner failed
		answer(c, "3", "password", "pässword 🔑", 3)
		for seen := map[string]bool{}; !seen["sync"]; {
			in, err := c.read(2 * time.Second)
			if err != nil {
				t.Fatalf("no first frame after the answers: %v", err)
			}
			seen[in.Opcode] = true
		}
		conn := s.conn(t, c)
		h := conn.Handshake()
		if !slices.Equal(h.Required, []string{"username", "domain", "password"}) || len(h.Answered) != 3 ||
			h.Answered["username"] != "ada" || h.Answered["domain"] != "" || h.Credential("password") != "pässword 🔑" {
			t.Fatalf("handshake after the prompt: %+v", h)
		}
	})
	t.Run("refused", func(t *testing.T) {
		c := dial(t, s)
		handshake(c, "rdp", Version, map[string]string{"username": "ada"}) // no domain asked: the username is there
		if req, err := c.read(2 * time.Second); err != nil || strings.Join(req.Args, " ") != "password" {
			t.Fatalf("%v %q, want required password", err, req)
		}
		answer(c, "1", "password", "wrong", 1)
		if last := lastInstruction(c); last.Opcode != "error" || !slices.Equal(last.Args, []string{"Authentication failure (invalid credentials?)", "769"}) {
			t.Fatalf("last instruction %q, want RDP's 769", last)
		}
	})
	t.Run("vnc", func(t *testing.T) {
		c := dial(t, s)
		handshake(c, "vnc", Version, nil)
		if req, err := c.read(2 * time.Second); err != nil || req.Opcode != "required" || strings.Join(req.Args, " ") != "password" {
			t.Fatalf("%v %q, want required password", err, req)
		}
	})
	t.Run("old client", func(t *testing.T) {
		c := dial(t, s)
		handshake(c, "rdp", "", nil) // protocol 1.0.0, as authentik's outpost declares
		if last := lastInstruction(c); last.Opcode != "error" || last.Args[1] != "769" {
			t.Fatalf("last instruction %q, want 769 without a prompt", last)
		}
	})
}

// lastInstruction reads until the connection ends and returns the last instruction.
func lastInstruction(c *client) guacproto.Instruction {
	var last guacproto.Instruction
	for {
		in, err := c.read(2 * time.Second)
		if err != nil {
			return last
		}
		last = in
	}
}

// conn finds the server's side of c.
func (s *Server) conn(t *testing.T, c *client) *Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range s.all {
		if sc.nc.RemoteAddr().String() == c.nc.LocalAddr().String() {
			return sc
		}
	}
	t.Fatal("no such connection")
	return nil
}
