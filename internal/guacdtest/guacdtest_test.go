package guacdtest

import (
	"context"
	"net"
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
