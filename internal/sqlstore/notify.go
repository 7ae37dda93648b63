package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/racd/racd/internal/racd"
)

// Notifier is racd.Notifier on the store's database. On PostgreSQL notices travel by
// NOTIFY on the channel racd_<schema>: Publish sends one, a trigger sends one for every
// deleted connection token when its transaction commits, and a dedicated connection
// LISTENs (reconnecting with back-off, after which subscribers get NoticeResync because
// notices sent meanwhile are lost). On SQLite, which serves one replica, Publish
// delivers in-process, and the trigger's rows in the notices table are read after each
// committed write (and once a second, for writes by another process on the same file).
type Notifier struct {
	s      *Store
	log    func(msg string, args ...any)
	cancel context.CancelFunc
	wg     sync.WaitGroup

	channel string // PostgreSQL: the NOTIFY channel

	poke chan struct{} // SQLite: a write committed
	last int64         // SQLite: the last notice row read

	mu      sync.Mutex
	subs    map[int]func(racd.Notice)
	nextSub int
	queue   []racd.Notice
	wake    chan struct{}
}

var _ racd.Notifier = (*Notifier)(nil)

// Notice rows older than noticeKeep are pruned (every reader has seen them: each
// polls at least once a second).
const noticeKeep = time.Minute

// NewNotifier starts the store's notifier; Close stops it. On PostgreSQL it returns
// once it listens, so no notice committed after it returns is missed.
func (s *Store) NewNotifier(ctx context.Context) (*Notifier, error) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n := &Notifier{s: s, cancel: cancel, subs: map[int]func(racd.Notice){}, wake: make(chan struct{}, 1),
		log: func(msg string, args ...any) { s.log.Warn(msg, args...) }}
	n.wg.Add(1)
	go n.dispatch(runCtx)
	if s.d.sqlite() {
		if err := s.read().queryRow(ctx, "SELECT coalesce(max(seq), 0) FROM notices").Scan(&n.last); err != nil {
			n.Close()
			return nil, classify(err)
		}
		n.poke = make(chan struct{}, 1)
		hook := func() {
			select {
			case n.poke <- struct{}{}:
			default:
			}
		}
		s.committed.Store(&hook)
		n.wg.Add(1)
		go n.pollSQLite(runCtx)
		return n, nil
	}
	var schema string
	if err := s.read().queryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		n.Close()
		return nil, classify(err)
	}
	n.channel = "racd_" + schema
	listening := make(chan error, 1)
	n.wg.Add(1)
	go n.listen(runCtx, listening)
	select {
	case err := <-listening:
		if err != nil {
			n.Close()
			return nil, err
		}
	case <-ctx.Done():
		n.Close()
		return nil, ctx.Err()
	}
	return n, nil
}

// Close stops the notifier; subscribers hear nothing more.
func (n *Notifier) Close() {
	if n.s.d.sqlite() {
		n.s.committed.Store(nil)
	}
	n.cancel()
	n.wg.Wait()
}

// Subscribe implements racd.Notifier.
func (n *Notifier) Subscribe(fn func(racd.Notice)) func() {
	n.mu.Lock()
	defer n.mu.Unlock()
	id := n.nextSub
	n.nextSub++
	n.subs[id] = fn
	return func() {
		n.mu.Lock()
		delete(n.subs, id)
		n.mu.Unlock()
	}
}

// noticeJSON is a notice on the wire (a NOTIFY payload).
type noticeJSON struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Seq  int64  `json:"seq,omitempty"`
}

// Publish implements racd.Notifier.
func (n *Notifier) Publish(ctx context.Context, nt racd.Notice) error {
	if n.s.d.sqlite() {
		n.enqueue(nt)
		return nil
	}
	payload, err := json.Marshal(noticeJSON(nt))
	if err != nil {
		return err
	}
	var ignored string
	return classify(n.s.read().queryRow(ctx, "SELECT CAST(pg_notify($1, $2) AS TEXT)", n.channel, string(payload)).Scan(&ignored))
}

func (n *Notifier) enqueue(nt racd.Notice) {
	n.mu.Lock()
	n.queue = append(n.queue, nt)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// dispatch hands queued notices to the subscribers, in order, on one goroutine.
func (n *Notifier) dispatch(ctx context.Context) {
	defer n.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		}
		for {
			n.mu.Lock()
			if len(n.queue) == 0 {
				n.mu.Unlock()
				break
			}
			nt := n.queue[0]
			n.queue = n.queue[1:]
			subs := make([]func(racd.Notice), 0, len(n.subs))
			for _, fn := range n.subs {
				subs = append(subs, fn)
			}
			n.mu.Unlock()
			for _, fn := range subs {
				fn(nt)
			}
		}
	}
}

// pollSQLite reads the notice rows triggers wrote, after each committed write and
// once a second, and prunes old rows now and then.
func (n *Notifier) pollSQLite(ctx context.Context) {
	defer n.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastPrune := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.poke:
		case <-tick.C:
		}
		got, err := n.readNotices(ctx)
		if err != nil && ctx.Err() == nil {
			n.log("reading notices failed", "err", err)
		}
		if got && time.Since(lastPrune) > noticeKeep/2 {
			lastPrune = time.Now()
			if err := n.s.write(ctx, func(c conn) error {
				_, err := c.exec(ctx, "DELETE FROM notices WHERE created < $1", micros(n.s.now().Add(-noticeKeep)))
				return err
			}); err != nil && ctx.Err() == nil {
				n.log("pruning notices failed", "err", err)
			}
		}
	}
}

// readNotices enqueues the notice rows after the last one read. SQLite's single
// writer numbers rows in commit order, so none is skipped.
func (n *Notifier) readNotices(ctx context.Context) (bool, error) {
	got := false
	for {
		count := 0
		err := queryEach(ctx, n.s.read(), "SELECT seq, kind, id FROM notices WHERE seq > $1 ORDER BY seq LIMIT 500", []any{n.last},
			func(rows *sql.Rows) error {
				var nt racd.Notice
				var seq int64
				if err := rows.Scan(&seq, &nt.Kind, &nt.ID); err != nil {
					return err
				}
				n.last = seq
				count++
				n.enqueue(nt)
				return nil
			})
		if err != nil {
			return got, err
		}
		got = got || count > 0
		if count < 500 {
			return got, nil
		}
	}
}

// listen keeps a PostgreSQL connection LISTENing on the channel and enqueues what
// arrives; it reconnects with back-off and then tells subscribers to resync.
func (n *Notifier) listen(ctx context.Context, listening chan<- error) {
	defer n.wg.Done()
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := n.listenOnce(ctx, func() {
			backoff = 100 * time.Millisecond
			if first {
				first = false
				listening <- nil
				return
			}
			n.enqueue(racd.Notice{Kind: racd.NoticeResync})
		})
		if ctx.Err() != nil {
			return
		}
		if first {
			first = false
			listening <- err
			return
		}
		n.log("listening for notices failed; reconnecting", "err", err, "retry_in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (n *Notifier) listenOnce(ctx context.Context, listening func()) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, n.s.url)
	cancel()
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{n.channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	listening()
	for {
		msg, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var p noticeJSON
		if err := json.Unmarshal([]byte(msg.Payload), &p); err != nil || p.Kind == "" {
			n.log("ignoring a malformed notice", "channel", msg.Channel)
			continue
		}
		n.enqueue(racd.Notice(p))
	}
}
