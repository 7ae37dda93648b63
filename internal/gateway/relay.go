package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/coder/websocket"

	"github.com/racd/racd/internal/guacproto"
)

// pumpToBrowser relays guacd's instructions to the page until either side stops.
// Instructions guacd sent together travel as one WebSocket message of whole
// instructions (at most maxBatch bytes, or one instruction if larger); the write
// blocks while the browser does not read, and the next read from guacd waits for it,
// so a slow browser slows guacd down through TCP instead of filling memory.
func (s *session) pumpToBrowser(sc *guacproto.Scanner) Reason {
	ctx := context.Background() // the session's end closes the connection instead
	var sawError, sawDisconnect bool
	each := func(raw []byte) {
		switch string(guacproto.Opcode(raw)) {
		case "error":
			sawError = true
		case "disconnect":
			sawDisconnect = true
		}
	}
	for {
		batch, err := sc.NextBatch(maxBatch, each)
		if err != nil {
			switch {
			case errors.Is(err, guacproto.ErrMalformed), errors.Is(err, guacproto.ErrTooLong):
				return ReasonUpstreamBad
			case sawError:
				return ReasonGuacdError
			}
			return ReasonGuacdClosed
		}
		if err := s.ws.Write(ctx, websocket.MessageText, batch); err != nil {
			return ReasonBrowserClosed
		}
		n := int64(len(batch))
		s.toBrowser.Add(n)
		s.g.toBrowser.Add(n)
		if sawError {
			s.mu.Lock()
			s.guacdErrors = true
			s.mu.Unlock()
		}
		if sawDisconnect {
			return ReasonGuacdClosed
		}
	}
}

// pingReply is the tunnel's answer to the page's ping: the same internal instruction.
func pingReply(ts []byte) []byte {
	return guacproto.New("", "ping", string(ts)).Encode()
}

// pumpToGuacd relays the page's instructions to guacd until either side stops. Each
// WebSocket message must hold whole instructions. The tunnel's internal instructions
// (empty opcode) never reach guacd: a ping is answered with the same ping, as
// guacamole-client's tunnel does, and the others are dropped.
func (s *session) pumpToGuacd(c net.Conn) Reason {
	ctx := s.readCtx
	max := s.g.cfg.MaxInstruction
	s.ws.SetReadLimit(int64(max))
	for {
		typ, rd, err := s.ws.Reader(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				return ReasonOverrun
			}
			return ReasonBrowserClosed
		}
		s.lastRead.Store(time.Now().UnixNano())
		bp := s.g.bufPool.Get().(*[]byte)
		msg, err := readAll((*bp)[:0], rd, max)
		if err != nil {
			s.g.bufPool.Put(bp)
			if errors.Is(err, errTooBig) || websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				return ReasonOverrun
			}
			return ReasonBrowserClosed
		}
		if typ != websocket.MessageText {
			s.g.bufPool.Put(bp)
			return ReasonBadRequest
		}
		r, stop := s.forward(c, msg)
		if cap(msg) <= 2*max {
			*bp = msg[:0]
			s.g.bufPool.Put(bp)
		}
		if stop {
			return r
		}
	}
}

// forward sends one message's instructions to guacd, answering and dropping internal
// ones. stop reports that the relay must end, for r.
func (s *session) forward(c net.Conn, msg []byte) (r Reason, stop bool) {
	internal, disconnect := false, false
	err := guacproto.Split(msg, s.g.cfg.MaxInstruction, func(raw []byte) error {
		switch op := guacproto.Opcode(raw); {
		case len(op) == 0:
			internal = true
		case string(op) == "disconnect":
			disconnect = true
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, guacproto.ErrTooLong) {
			return ReasonOverrun, true
		}
		return ReasonBadRequest, true
	}
	out := msg
	if internal {
		out = make([]byte, 0, len(msg))
		_ = guacproto.Split(msg, s.g.cfg.MaxInstruction, func(raw []byte) error {
			if len(guacproto.Opcode(raw)) > 0 {
				out = append(out, raw...)
				return nil
			}
			in, err := guacproto.Parse(raw)
			if err == nil && len(in.Args) >= 2 && in.Args[0] == "ping" {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := s.ws.Write(ctx, websocket.MessageText, pingReply([]byte(in.Args[1])))
				cancel()
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	if len(out) > 0 {
		if _, err := c.Write(out); err != nil {
			return ReasonGuacdClosed, true
		}
		n := int64(len(out))
		s.fromBrowser.Add(n)
		s.g.toGuacd.Add(n)
	}
	if disconnect {
		return ReasonBrowserClosed, true
	}
	return Reason{}, false
}

var errTooBig = errors.New("message too big")

// readAll reads r to its end into buf, refusing more than max bytes.
func readAll(buf []byte, r io.Reader, max int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= max+1 {
				return buf, errTooBig
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > max {
			return buf, errTooBig
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
