package gateway

import (
	"bufio"
	"encoding/binary"
	"net"
	"net/http"
)

// Writing WebSocket frames in one system call each.
//
// coder/websocket writes a frame's header into its bufio.Writer and then the payload:
// with the 4 KiB writer net/http hands over on Hijack, a 64 KiB message leaves as a
// 4 KiB write followed by the rest, two system calls and two TCP segments (the
// browser wakes up for each). hijackResponse gives it instead a tiny bufio.Writer over
// a frameWriter, which follows the frame boundaries of what passes through and holds
// back the start of a frame (at most frameHold bytes: its header and the first few
// payload bytes) until the rest of that frame arrives, then sends both with one
// writev. The library writes each frame whole under its write lock and flushes at the
// end of every message, so nothing is held past the write that produced it.

// frameHold is the bufio.Writer's size, and so the most bytes a frameWriter holds.
const frameHold = 64

// frameWriting returns w wrapped so that the connection a WebSocket upgrade hijacks
// from it writes through a frameWriter; w itself when it cannot be hijacked (the
// upgrade then fails as it would have).
func frameWriting(w http.ResponseWriter) http.ResponseWriter {
	for rw := w; ; {
		switch t := rw.(type) {
		case http.Hijacker:
			return &hijackResponse{ResponseWriter: w, hj: t}
		case interface{ Unwrap() http.ResponseWriter }:
			rw = t.Unwrap()
		default:
			return w
		}
	}
}

// hijackResponse is a response whose Hijack hands over a frame-aware writer.
type hijackResponse struct {
	http.ResponseWriter
	hj   http.Hijacker
	conn net.Conn // the hijacked connection, once hijacked
}

// hijackedConn returns the connection the WebSocket upgrade of w took over, or nil.
func hijackedConn(w http.ResponseWriter) net.Conn {
	if h, ok := w.(*hijackResponse); ok {
		return h.conn
	}
	return nil
}

// Hijack takes over the connection like the wrapped response, with a frameWriter in
// place of net/http's buffered writer (empty at this point: the upgrade's answer was
// flushed before the hijack).
func (h *hijackResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := h.hj.Hijack()
	h.conn = conn
	if err != nil || brw.Writer.Buffered() > 0 {
		return conn, brw, err // (pending bytes: not net/http's behaviour; keep them in order)
	}
	fw := &frameWriter{send: func(b *net.Buffers) (int64, error) { return b.WriteTo(conn) }}
	return conn, bufio.NewReadWriter(brw.Reader, bufio.NewWriterSize(fw, frameHold)), nil
}

// frameWriter passes a stream of WebSocket frames on, holding back a frame's start
// until its end has arrived. It is used by one writer at a time (the library writes
// frames under its own lock).
type frameWriter struct {
	// send writes its buffers (consuming them) with one system call where the
	// connection allows (writev on TCP).
	send func(*net.Buffers) (int64, error)
	held [frameHold]byte
	n    int // bytes held

	// The frame being passed: its header bytes so far (a header is 2 to 14 bytes)
	// until it is complete, then how many payload bytes are still to come.
	hdr       [14]byte
	hdrLen    int
	remaining uint64

	bufs net.Buffers
}

// Write passes p on, or holds it while it ends inside a frame and fits.
func (w *frameWriter) Write(p []byte) (int, error) {
	w.advance(p)
	if w.hdrLen > 0 || w.remaining > 0 { // p ends inside a frame
		if w.n+len(p) <= len(w.held) {
			w.n += copy(w.held[w.n:], p)
			return len(p), nil
		}
	}
	held := w.n
	if held > 0 {
		w.bufs = append(w.bufs[:0], w.held[:held], p)
	} else {
		w.bufs = append(w.bufs[:0], p)
	}
	w.n = 0
	bufs := w.bufs // send consumes the slice header it is given
	n, err := w.send(&bufs)
	clear(w.bufs[:cap(w.bufs)])
	return max(0, int(n)-held), err
}

// advance follows the frame boundaries through p.
func (w *frameWriter) advance(p []byte) {
	for len(p) > 0 {
		if w.hdrLen == 0 && w.remaining > 0 {
			k := uint64(len(p))
			if k > w.remaining {
				k = w.remaining
			}
			w.remaining -= k
			p = p[k:]
			continue
		}
		// In a header: collect its bytes until it is complete.
		w.hdr[w.hdrLen] = p[0]
		w.hdrLen++
		p = p[1:]
		if need := headerLen(w.hdr[:w.hdrLen]); w.hdrLen == need {
			w.remaining = payloadLen(w.hdr[:need])
			w.hdrLen = 0
		}
	}
}

// headerLen is the length of the frame header that starts with b (at least 2 bytes
// must be known to tell; until then it asks for 2).
func headerLen(b []byte) int {
	if len(b) < 2 {
		return 2
	}
	n := 2
	switch b[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b[1]&0x80 != 0 {
		n += 4 // masking key
	}
	return n
}

// payloadLen is the payload length of the complete header h.
func payloadLen(h []byte) uint64 {
	switch l := h[1] & 0x7f; l {
	case 126:
		return uint64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		return binary.BigEndian.Uint64(h[2:10])
	default:
		return uint64(l)
	}
}
