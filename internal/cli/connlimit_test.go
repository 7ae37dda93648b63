package cli

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestConnLimiterOrder pins whom the connection bound closes to make room: first the
// connection that has waited longest without sending a whole request header, then the
// longest idle keep-alive one, never one whose request is being served; when every
// connection is being served, the newcomer is closed.
func TestConnLimiterOrder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	lim := newConnLimiter(ln, 3, slog.New(slog.DiscardHandler))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			<-release
		}
		_, _ = io.WriteString(w, "ok")
	})}
	lim.wire(srv)
	go func() { _ = srv.Serve(lim) }()
	defer srv.Close()
	addr := ln.Addr().String()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	get := func(c net.Conn, path string) {
		if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	answered := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b) == "ok"
	}
	closed := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := c.Read(make([]byte, 1))
		return err != nil && !strings.Contains(err.Error(), "timeout")
	}
	// settle waits until the limiter counts open connections and those pending and idle
	// as want says (each step's newcomer must find the others where the test put them,
	// however slowly the server gets to them); a closing connection is counted out once
	// the server has closed it.
	settle := func(open, pending, idle int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			lim.mu.Lock()
			o, p, i := lim.open, lim.pending.Len(), lim.idle.Len()
			lim.mu.Unlock()
			if o == open && p == pending && i == idle {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("limiter holds %d open, %d pending, %d idle; want %d, %d, %d", o, p, i, open, pending, idle)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	serving := dial()
	get(serving, "/block")
	idle := dial()
	get(idle, "/")
	if !answered(idle) {
		t.Fatal("idle connection's first request")
	}
	pending := dial()
	_, _ = io.WriteString(pending, "GET / HTTP/1.1\r\n") // a header that never ends
	settle(3, 1, 1)

	// At the bound (3): a newcomer replaces the pending connection.
	first := dial()
	settle(3, 1, 1)
	if !closed(pending) {
		t.Fatal("the pending connection was not the one closed")
	}
	// The newcomer, pending in turn, is replaced by the next one; idle survives.
	second := dial()
	settle(3, 1, 1)
	if !closed(first) {
		t.Fatal("the oldest pending connection was not closed")
	}
	get(idle, "/")
	if !answered(idle) {
		t.Fatal("the idle keep-alive connection was closed while pending ones remained")
	}
	// second sends its request: with no pending connection left, the next newcomer
	// replaces the longest idle one.
	get(second, "/")
	if !answered(second) {
		t.Fatal("second connection's request")
	}
	settle(3, 0, 2)
	third := dial()
	settle(3, 1, 1)
	if !closed(idle) {
		t.Fatal("the longest idle connection was not closed")
	}
	get(third, "/block")
	get(second, "/block")
	settle(3, 0, 0)
	// Every connection is being served: a newcomer is closed at once.
	fourth := dial()
	if !closed(fourth) {
		t.Fatal("a newcomer was kept while every connection was being served")
	}
	close(release)
	for _, c := range []net.Conn{serving, second, third} {
		if !answered(c) {
			t.Fatal("a connection being served was closed")
		}
	}
}
