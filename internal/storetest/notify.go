package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// NotifierEnv is one database seen by two replicas, for the notifier conformance
// tests. On a backend that serves a single replica (SQLite) B is A.
type NotifierEnv struct {
	Store racd.Store    // replica A's store (implementing SQL, for fixtures)
	A, B  racd.Notifier // the replicas' notifiers
	// Rollback runs one statement in a transaction that then rolls back.
	Rollback func(ctx context.Context, q string, args ...any) error
	// Purge runs the janitor's purge of expired rows.
	Purge func(ctx context.Context) error
}

// RunNotifier runs the notifier conformance tests, each on a fresh environment.
func RunNotifier(t *testing.T, open func(t *testing.T) NotifierEnv) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h *H, env NotifierEnv)
	}{
		{"PublishReachesEveryReplica", testNoticePublish},
		{"EveryDeletionIsHeard", testNoticeDeletions},
		{"RolledBackDeleteIsNotHeard", testNoticeRollback},
		{"UnsubscribeStops", testNoticeUnsubscribe},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := open(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			t.Cleanup(cancel)
			tc.fn(t, &H{T: t, S: env.Store, Ctx: ctx}, env)
		})
	}
}

// inbox collects the notices a subscription hears.
type inbox struct {
	mu     sync.Mutex
	got    []racd.Notice
	arrive chan struct{}
}

func listenTo(t *testing.T, n racd.Notifier) *inbox {
	in := &inbox{arrive: make(chan struct{}, 1)}
	cancel := n.Subscribe(func(nt racd.Notice) {
		in.mu.Lock()
		in.got = append(in.got, nt)
		in.mu.Unlock()
		select {
		case in.arrive <- struct{}{}:
		default:
		}
	})
	t.Cleanup(cancel)
	return in
}

// wait reports whether a notice like want arrives within d.
func (in *inbox) wait(want racd.Notice, d time.Duration) bool {
	deadline := time.After(d)
	for {
		in.mu.Lock()
		for _, nt := range in.got {
			if nt == want {
				in.mu.Unlock()
				return true
			}
		}
		in.mu.Unlock()
		select {
		case <-in.arrive:
		case <-deadline:
			return false
		}
	}
}

// noticeWithin is how soon a notice must arrive: the gateway cuts a session within a
// second of its token's deletion, re-check included.
const noticeWithin = 800 * time.Millisecond

func testNoticePublish(t *testing.T, h *H, env NotifierEnv) {
	a, b := listenTo(t, env.A), listenTo(t, env.B)
	nt := racd.Notice{Kind: racd.NoticeSessionStarted, ID: h.UUID(), Seq: 7}
	if err := env.A.Publish(h.Ctx, nt); err != nil {
		t.Fatal(err)
	}
	if !b.wait(nt, noticeWithin) {
		t.Fatalf("replica B did not hear %+v: %+v", nt, b.got)
	}
	if !a.wait(nt, noticeWithin) {
		t.Fatalf("replica A did not hear its own %+v: %+v", nt, a.got)
	}
}

// testNoticeDeletions: a connection token's deletion is heard on the other replica
// whatever deleted it: the API, a cascade from its endpoint, its provider or its user,
// or the janitor's purge of expired tokens.
func testNoticeDeletions(t *testing.T, h *H, env NotifierEnv) {
	b := listenTo(t, env.B)
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	heard := func(what, token string) {
		t.Helper()
		want := racd.Notice{Kind: racd.NoticeConnectionTokenDeleted, ID: token}
		if !b.wait(want, noticeWithin) {
			t.Fatalf("%s: replica B did not hear the deletion of %s (heard %+v)", what, token, b.got)
		}
	}
	ep := h.Endpoint("e1", p.ID)
	tok := h.ConnectionToken(p.ID, ep, h.User("u1"))
	if err := h.S.ConnectionTokens().Delete(h.Ctx, tok, Audit); err != nil {
		t.Fatal(err)
	}
	heard("API delete", tok)

	ep2 := h.Endpoint("e2", p.ID)
	tok1, tok2 := h.ConnectionToken(p.ID, ep2, h.User("u2")), h.ConnectionToken(p.ID, ep2, h.User("u3"))
	if err := h.S.Endpoints().Delete(h.Ctx, ep2, Audit); err != nil {
		t.Fatal(err)
	}
	heard("endpoint cascade", tok1)
	heard("endpoint cascade", tok2)

	u := h.User("u4")
	tok = h.ConnectionToken(p.ID, h.Endpoint("e3", p.ID), u)
	if err := h.S.Users().Delete(h.Ctx, u, Audit); err != nil {
		t.Fatal(err)
	}
	heard("user cascade", tok)

	expired := h.ConnectionToken(p.ID, h.Endpoint("e4", p.ID), h.User("u5"))
	h.Exec("UPDATE connection_tokens SET expires = $1 WHERE uuid = $2", time.Now().Add(-time.Second).UnixMicro(), expired)
	if err := env.Purge(h.Ctx); err != nil {
		t.Fatal(err)
	}
	heard("janitor", expired)

	tok = h.ConnectionToken(p.ID, h.Endpoint("e5", p.ID), h.User("u6"))
	if err := h.S.Providers().Delete(h.Ctx, p.ID, Audit); err != nil {
		t.Fatal(err)
	}
	heard("provider cascade", tok)
}

func testNoticeRollback(t *testing.T, h *H, env NotifierEnv) {
	b := listenTo(t, env.B)
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	tok := h.ConnectionToken(p.ID, h.Endpoint("e", p.ID), h.User("u"))
	if err := env.Rollback(h.Ctx, "DELETE FROM connection_tokens WHERE uuid = $1", tok); err != nil {
		t.Fatal(err)
	}
	// A committed write afterwards makes SQLite's notifier look at its notice rows.
	h.Flow("other", "authorization")
	if b.wait(racd.Notice{Kind: racd.NoticeConnectionTokenDeleted, ID: tok}, 1500*time.Millisecond) {
		t.Fatal("a delete that rolled back was heard")
	}
	if _, err := h.S.ConnectionTokens().Get(h.Ctx, tok); err != nil {
		t.Fatalf("token after the rollback: %v", err)
	}
}

func testNoticeUnsubscribe(t *testing.T, h *H, env NotifierEnv) {
	var mu sync.Mutex
	count := 0
	cancel := env.B.Subscribe(func(racd.Notice) {
		mu.Lock()
		count++
		mu.Unlock()
	})
	b := listenTo(t, env.B)
	first := racd.Notice{Kind: racd.NoticeSessionStarted, ID: h.UUID(), Seq: 1}
	if err := env.A.Publish(h.Ctx, first); err != nil {
		t.Fatal(err)
	}
	if !b.wait(first, noticeWithin) {
		t.Fatal("first notice not heard")
	}
	cancel()
	second := racd.Notice{Kind: racd.NoticeSessionStarted, ID: h.UUID(), Seq: 2}
	if err := env.A.Publish(h.Ctx, second); err != nil {
		t.Fatal(err)
	}
	if !b.wait(second, noticeWithin) {
		t.Fatal("second notice not heard")
	}
	mu.Lock()
	defer mu.Unlock()
	if count != 1 {
		t.Fatalf("the cancelled subscription heard %d notices, want 1", count)
	}
}
