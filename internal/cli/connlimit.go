package cli

import (
	"container/list"
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxConnections is how many client connections serve keeps open unless
// configured (RACD_MAX_CONNECTIONS).
const DefaultMaxConnections = 1024

// connLimiter bounds the number of open client connections. Refusing or queueing
// connections past the bound would let a flood of idle or half-open connections (or
// of slowloris requests that never finish their header) shut everyone else out until
// their timeouts ran out; instead, a connection arriving at the bound takes the place
// of the connection that has waited longest without a request being served: first
// those that have not sent a whole request header yet, then idle keep-alive ones. A
// connection whose request is being served (or that was hijacked, as a WebSocket is)
// is never closed; when every connection is busy, the newcomer is closed at once.
//
// It wraps the listener, and needs the server's ConnState and ConnContext hooks and
// its handler (see wire) to tell the phases of a connection apart.
type connLimiter struct {
	net.Listener
	max int
	log *slog.Logger

	mu      sync.Mutex
	open    int
	pending list.List // *limitedConn without a request being served, oldest first
	idle    list.List // *limitedConn idle between requests, oldest first
	warned  time.Time // last warning that the bound was reached
}

// limitedConn is one accepted client connection.
type limitedConn struct {
	net.Conn
	l      *connLimiter
	el     *list.Element // in l.pending or l.idle; nil while serving or hijacked
	in     *list.List    // the list el is in
	closed bool          // counted out of l.open
}

type connKey struct{}

func newConnLimiter(ln net.Listener, max int, log *slog.Logger) *connLimiter {
	if max <= 0 {
		max = DefaultMaxConnections
	}
	return &connLimiter{Listener: ln, max: max, log: log}
}

// wire sets srv's hooks and wraps its handler so that the limiter sees each
// connection's phases.
func (l *connLimiter) wire(srv *http.Server) {
	next := srv.Handler
	srv.ConnState = l.connState
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) }
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*limitedConn); ok {
			l.move(c, nil) // serving: never closed to make room
		}
		next.ServeHTTP(w, r)
	})
}

// Accept returns the next connection, making room for it at the bound.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		raw, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &limitedConn{Conn: raw, l: l}
		l.mu.Lock()
		var victim *limitedConn
		if l.open >= l.max {
			victim = l.oldestLocked()
			if victim == nil {
				l.warnLocked("every connection is serving a request: refused a new one")
				l.mu.Unlock()
				raw.Close()
				continue
			}
			l.forgetLocked(victim)
			l.warnLocked("closed the connection that waited longest to make room for a new one")
		}
		l.open++
		c.el, c.in = l.pending.PushBack(c), &l.pending
		l.mu.Unlock()
		if victim != nil {
			victim.Conn.Close() // its server goroutine sees the error and ends
		}
		return c, nil
	}
}

// oldestLocked is the connection to close first, or nil.
func (l *connLimiter) oldestLocked() *limitedConn {
	for _, q := range []*list.List{&l.pending, &l.idle} {
		if e := q.Front(); e != nil {
			return e.Value.(*limitedConn)
		}
	}
	return nil
}

// forgetLocked counts c out.
func (l *connLimiter) forgetLocked(c *limitedConn) {
	if c.closed {
		return
	}
	c.closed = true
	l.open--
	if c.el != nil {
		c.in.Remove(c.el)
		c.el, c.in = nil, nil
	}
}

func (l *connLimiter) warnLocked(msg string) {
	if now := time.Now(); now.Sub(l.warned) > 10*time.Second {
		l.warned = now
		l.log.Warn("client connection limit reached: "+msg, "max_connections", l.max)
	}
}

// move puts c at the back of q (nil: in no list).
func (l *connLimiter) move(c *limitedConn, q *list.List) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.closed {
		return
	}
	if c.el != nil {
		c.in.Remove(c.el)
		c.el, c.in = nil, nil
	}
	if q != nil {
		c.el, c.in = q.PushBack(c), q
	}
}

// connState follows the server's view of each connection: a request header being read
// (StateActive before the handler runs) is pending, a keep-alive connection between
// requests idle.
func (l *connLimiter) connState(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*limitedConn)
	if !ok {
		return
	}
	switch st {
	case http.StateActive:
		l.move(c, &l.pending)
	case http.StateIdle:
		l.move(c, &l.idle)
	case http.StateHijacked:
		l.move(c, nil)
	case http.StateClosed:
		l.mu.Lock()
		l.forgetLocked(c)
		l.mu.Unlock()
	}
}

// Close closes the connection and counts it out.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	c.l.forgetLocked(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}
