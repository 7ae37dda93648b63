package e2e

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tcpProxy forwards connections from a local port to upstream. It simulates a database
// server going away without touching the shared server: Down closes the listener and
// every forwarded connection (pooled connections break, new ones are refused); Up
// listens again on the same port.
type tcpProxy struct {
	t        testing.TB
	addr     string
	upstream string

	frozen atomic.Bool

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func newTCPProxy(t testing.TB, upstream string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{t: t, upstream: upstream, conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Down)
	return p
}

// Up listens again on the proxy's port.
func (p *tcpProxy) Up() {
	p.t.Helper()
	var ln net.Listener
	var err error
	// The port was ours a moment ago; retry briefly in case the kernel lags.
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.frozen.Load() {
				// A server that accepts but never answers.
				if p.track(c, c) {
					p.wg.Add(1)
					go p.pipe(c, c)
				}
				continue
			}
			up, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			if !p.track(c, up) {
				continue
			}
			p.wg.Add(2)
			go p.pipe(c, up)
			go p.pipe(up, c)
		}
	}()
}

// track registers a forwarded pair unless the proxy went down meanwhile.
func (p *tcpProxy) track(a, b net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		a.Close()
		b.Close()
		return false
	}
	p.conns[a], p.conns[b] = struct{}{}, struct{}{}
	return true
}

// pipe forwards src to dst until either side closes; while the proxy is frozen, what
// src sends is dropped.
func (p *tcpProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}

// Freeze makes the database a black hole: connections stay open (and new ones are
// accepted) but nothing is answered, as in a network partition.
func (p *tcpProxy) Freeze() { p.frozen.Store(true) }

// Thaw ends a freeze; the connections it stalled are broken (their protocol state is
// lost), new ones work.
func (p *tcpProxy) Thaw() {
	p.frozen.Store(false)
	p.Sever()
}

// Down closes the listener and every connection, and waits for the forwarding to end.
func (p *tcpProxy) Down() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.closeConnsLocked()
	p.mu.Unlock()
	p.wg.Wait()
}

// Sever closes every forwarded connection but keeps accepting new ones: what a
// database restart looks like to a pool that reconnects after it.
func (p *tcpProxy) Sever() {
	p.mu.Lock()
	p.closeConnsLocked()
	p.mu.Unlock()
}

func (p *tcpProxy) closeConnsLocked() {
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // reset, like a server process that died
		}
		c.Close()
	}
	p.conns = map[net.Conn]struct{}{}
}

// Conns returns how many connections (both sides) are forwarded now.
func (p *tcpProxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}
