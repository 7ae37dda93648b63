package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/racd/racd/internal/storetest"
)

// TestConnectionFlood pins the bound on open client connections (issue 9 §4): a racd
// allowed 512 client connections and 1024 file descriptors is flooded with 3,000 idle
// TCP connections and 1,000 slowloris requests that never finish their header. It
// holds no more connections than its bound, and throughout the flood
// /-/health/live/ answers on new connections and a client connected before the flood
// keeps getting answers on its keep-alive connection, each within a second.
// (Without the bound racd accepts until it runs out of descriptors; new connections
// then wait in the kernel's queue until the flood's header timeouts free some.)
func TestConnectionFlood(t *testing.T) {
	const (
		maxConns  = 512
		idle      = 3000
		slowloris = 1000
	)
	r := Start(t, storetest.SQLiteURL(t), fmt.Sprintf("RACD_MAX_CONNECTIONS=%d", maxConns))
	setFileLimit(t, r.cmd.Process.Pid, 1024)

	// A client connected before the flood, which keeps its connection.
	var reused, fresh int
	var mu sync.Mutex
	existing := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, IdleConnTimeout: time.Minute}}
	ask := func(c *http.Client, path string, token bool) (int, time.Duration, error) {
		req, _ := http.NewRequest("GET", r.URL+path, nil)
		if token {
			req.Header.Set("Authorization", "Bearer "+Token)
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
			mu.Lock()
			defer mu.Unlock()
			if i.Reused {
				reused++
			} else {
				fresh++
			}
		}}))
		start := time.Now()
		res, err := c.Do(req)
		if err != nil {
			return 0, time.Since(start), err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, time.Since(start), nil
	}
	if code, _, err := ask(existing, "/api/v3/providers/rac/", true); err != nil || code != 200 {
		t.Fatalf("before the flood: %d %v", code, err)
	}

	// The flood.
	var flood []net.Conn
	var fmu sync.Mutex
	var wg sync.WaitGroup
	dial := func(n int, first string) {
		defer wg.Done()
		for i := 0; i < n; i++ {
			c, err := net.DialTimeout("tcp", r.Addr(), 5*time.Second)
			if err != nil {
				continue // the kernel's queue is full: that is the flood working
			}
			if first != "" {
				_, _ = c.Write([]byte(first))
			}
			fmu.Lock()
			flood = append(flood, c)
			fmu.Unlock()
		}
	}
	for i := 0; i < 10; i++ {
		wg.Add(2)
		go dial(idle/10, "")
		go dial(slowloris/10, "GET /-/health/live/ HTTP/1.1\r\nHost: racd\r\nX-Slow: ")
	}
	wg.Wait()
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	stop := make(chan struct{})
	defer close(stop)
	go func() { // slowloris: one more header byte every 200ms on every connection
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			fmu.Lock()
			for _, c := range flood {
				_ = c.SetWriteDeadline(time.Now().Add(time.Millisecond))
				_, _ = c.Write([]byte("a"))
			}
			fmu.Unlock()
		}
	}()
	t.Logf("flood: %d connections opened", len(flood))

	// Throughout the flood (well inside the 10s header timeout that would end it).
	for i := 0; i < 10; i++ {
		if code, took, err := ask(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}, "/-/health/live/", false); err != nil || code != 200 || took > time.Second {
			t.Errorf("live during the flood: %d %v after %v", code, err, took)
		}
		if code, took, err := ask(existing, "/api/v3/providers/rac/", true); err != nil || code != 200 || took > time.Second {
			t.Errorf("existing client during the flood: %d %v after %v", code, err, took)
		}
		if n := openSockets(t, r.cmd.Process.Pid); n > maxConns+1 {
			t.Errorf("racd holds %d sockets, more than its %d client connections and its listener", n, maxConns)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if reused < 10 {
		t.Errorf("the existing client reused its connection %d times of 11 (%d new connections in all)", reused, fresh)
	}
	if !strings.Contains(r.Logs(), "client connection limit reached") {
		t.Error("racd did not report reaching its connection limit")
	}
}

// setFileLimit sets the file-descriptor limit of process pid (prlimit(2)).
func setFileLimit(t *testing.T, pid, n int) {
	t.Helper()
	lim := syscall.Rlimit{Cur: uint64(n), Max: uint64(n)}
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), uintptr(syscall.RLIMIT_NOFILE),
		uintptr(unsafe.Pointer(&lim)), 0, 0, 0); errno != 0 {
		t.Fatalf("prlimit: %v", errno)
	}
}

// openSockets counts the TCP sockets process pid holds (its listener and client
// connections; PostgreSQL connections would count too, so tests use SQLite).
func openSockets(t *testing.T, pid int) int {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}
