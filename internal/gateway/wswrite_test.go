package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// recordingConn records what each of a frameWriter's system calls would write.
type recordingConn struct {
	writes [][]byte
}

func (c *recordingConn) send(b *net.Buffers) (int64, error) {
	p := bytes.Join(*b, nil)
	c.writes = append(c.writes, p)
	*b = nil
	return int64(len(p)), nil
}

// frame encodes one WebSocket frame as the library writes it: header, then payload.
func frame(fin bool, opcode byte, masked bool, payload []byte) (header []byte) {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	h := []byte{b0, 0}
	switch n := len(payload); {
	case n > 65535:
		h[1] = 127
		h = binary.BigEndian.AppendUint64(h, uint64(n))
	case n > 125:
		h[1] = 126
		h = binary.BigEndian.AppendUint16(h, uint16(n))
	default:
		h[1] = byte(n)
	}
	if masked {
		h[1] |= 0x80
		h = append(h, 1, 2, 3, 4)
	}
	return h
}

// TestFrameWriter: frames of every header form pass through unchanged and in order;
// after each message's flush everything written so far has reached the connection
// (nothing is held past it), and a message written whole took one system call
// whatever its size; frames that are not flushed separately (a fragmented message)
// still arrive whole.
func TestFrameWriter(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	conn := &recordingConn{}
	bw := bufio.NewWriterSize(&frameWriter{send: conn.send}, frameHold)
	var want []byte
	delivered, sent := 0, 0 // writes checked, and the bytes they held
	sizes := []int{0, 1, 60, 62, 63, 64, 125, 126, 200, 4096, 65535, 65536, 300000}
	for i := 0; i < 400; i++ {
		n := sizes[r.IntN(len(sizes))]
		if r.IntN(3) == 0 {
			n = r.IntN(70000)
		}
		payload := bytes.Repeat([]byte{byte('a' + i%26)}, n)
		fin := r.IntN(5) != 0
		h := frame(fin, byte(1+r.IntN(2)), r.IntN(4) == 0, payload)
		before, whole := len(conn.writes), bw.Buffered() == 0
		bw.Write(h)
		bw.Write(payload)
		want = append(append(want, h...), payload...)
		if !fin {
			continue // the library flushes at a message's end only
		}
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := bytes.Join(conn.writes[delivered:], nil); !bytes.Equal(got, want[sent:]) {
			t.Fatalf("frame %d (%d bytes): %d bytes reached the connection, want %d", i, n, sent+len(got), len(want))
		}
		delivered, sent = len(conn.writes), len(want)
		if k := len(conn.writes) - before; whole && k != 1 {
			t.Fatalf("frame %d (%d bytes) took %d system calls, want 1", i, n, k)
		}
	}
}

// TestFrameWriterWebSocket: messages of every size through the library, over a real
// connection whose upgrade went through frameWriting, arrive whole, also while the
// server's reader answers a ping (its pong is written between the messages).
func TestFrameWriterWebSocket(t *testing.T) {
	sizes := []int{1, 62, 63, 64, 65, 125, 126, 127, 4000, 4096, 5000, 65535, 65536, 70000, 256 << 10}
	done, closeNow := make(chan error, 1), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := frameWriting(w).(*hijackResponse); !ok {
			done <- http.ErrNotSupported
			return
		}
		ws, err := websocket.Accept(frameWriting(w), r, nil)
		if err != nil {
			done <- err
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		ctx = ws.CloseRead(ctx) // reads in the background: answers pings while writing
		for round := 0; round < 20; round++ {
			for i, n := range sizes {
				if err := ws.Write(ctx, websocket.MessageText, []byte(strings.Repeat(string(rune('a'+i)), n))); err != nil {
					done <- err
					return
				}
			}
		}
		<-closeNow
		done <- ws.Close(websocket.StatusNormalClosure, "")
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	defer c.CloseNow()
	read := make(chan error, 1)
	go func() {
		for round := 0; round < 20; round++ {
			for i, n := range sizes {
				_, msg, err := c.Read(ctx)
				if err != nil {
					read <- err
					return
				}
				if want := strings.Repeat(string(rune('a'+i)), n); string(msg) != want {
					read <- fmt.Errorf("message %d: %d bytes, want %d", i, len(msg), n)
					return
				}
			}
		}
		_, _, err := c.Read(ctx)
		if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			read <- fmt.Errorf("after the messages: %v, want a normal close", err)
			return
		}
		read <- nil
	}()
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	close(closeNow)
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
