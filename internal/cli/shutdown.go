package cli

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/racd/racd/internal/httpapi"
)

// inflight tracks the requests being served, so that those still running when the
// shutdown deadline passes can be named in the log. Each request gets its request id
// here (reusing a sane X-Request-Id), and the API answers with the same id.
type inflight struct {
	mu   sync.Mutex
	reqs map[*inflightReq]struct{}
}

type inflightReq struct {
	id, method, path string
	started          time.Time
}

func newInflight() *inflight { return &inflight{reqs: map[*inflightReq]struct{}{}} }

// wrap counts next's requests in and out.
func (f *inflight) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := httpapi.RequestID(r)
		r.Header.Set("X-Request-Id", id)
		e := &inflightReq{id: id, method: r.Method, path: r.URL.Path, started: time.Now()}
		f.mu.Lock()
		f.reqs[e] = struct{}{}
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			delete(f.reqs, e)
			f.mu.Unlock()
		}()
		next.ServeHTTP(w, r)
	})
}

// running returns the requests in flight.
func (f *inflight) running() []*inflightReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*inflightReq, 0, len(f.reqs))
	for e := range f.reqs {
		out = append(out, e)
	}
	return out
}

// drained waits until no request is in flight or ctx ends; it reports which.
func (f *inflight) drained(ctx context.Context) bool {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for len(f.running()) > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

// shutdown stops srv after a signal: it stops accepting connections and lets the
// requests in flight finish for up to timeout (RACD_SHUTDOWN_TIMEOUT). Requests still
// running then (including WebSocket connections, which http.Server.Shutdown does not
// wait for) are logged one by one with their request id, their contexts are cancelled
// (cancelRequests: the server's base context), and their connections closed.
func shutdown(srv *http.Server, f *inflight, cancelRequests context.CancelFunc, timeout time.Duration, log *slog.Logger) error {
	log.Info("shutting down", "timeout", timeout.String(), "in_flight", len(f.running()))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if f.drained(ctx) {
		return nil
	}
	for _, e := range f.running() {
		log.Warn("request cut at shutdown deadline", "request_id", e.id, "method", e.method, "path", e.path,
			"running", time.Since(e.started).Round(time.Millisecond).String(), "timeout", timeout.String())
	}
	cancelRequests()
	_ = srv.Close()
	// Give the cut handlers a moment to return, so their own log lines are written.
	grace, cancelGrace := context.WithTimeout(context.Background(), time.Second)
	defer cancelGrace()
	f.drained(grace)
	return nil
}
