package storetest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

var authTests = []Test{
	{"BootstrapIdempotent", testBootstrap},
	{"CredentialByHash", testCredentialByHash},
	{"UserGrants", testUserGrants},
	{"Ping", testPing},
}

var eventTests = []Test{
	{"RecordGetList", testEvents},
}

func sealed(key string) racd.SealedKey {
	return racd.SealedKey{Hash: []byte("hash:" + key), Ciphertext: []byte("sealed:" + key)}
}

func testBootstrap(t *testing.T, h *H) {
	// Replicas starting together on an empty database: exactly one creates the token.
	const n = 4
	type result struct {
		created bool
		err     error
	}
	res := make(chan result, n)
	for i := 0; i < n; i++ {
		go func() {
			c, err := h.S.Bootstrap(h.Ctx, sealed("k1"))
			res <- result{c, err}
		}()
	}
	wins := 0
	for i := 0; i < n; i++ {
		r := <-res
		if r.err != nil {
			t.Errorf("concurrent bootstrap: %v", r.err)
		}
		if r.created {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent bootstraps created the token, want 1", wins, n)
	}
	for _, k := range []string{"k1", "k2"} {
		created, err := h.S.Bootstrap(h.Ctx, sealed(k))
		if err != nil || created {
			t.Fatalf("bootstrap again with %s: created=%v %v", k, created, err)
		}
	}
	cr, err := h.S.CredentialByHash(h.Ctx, sealed("k1").Hash)
	if err != nil {
		t.Fatal(err)
	}
	if cr.Identifier != racd.BootstrapTokenIdentifier || cr.Intent != racd.IntentAPI || cr.Expiring || cr.Expires != nil ||
		cr.User.Username != racd.BootstrapUsername || !cr.User.IsSuperuser || !cr.User.IsActive || !cr.Live(time.Now()) ||
		string(cr.KeyHash) != "hash:k1" {
		t.Fatalf("bootstrap credential %+v", cr)
	}
	// The existing token is never overwritten by another key.
	_, err = h.S.CredentialByHash(h.Ctx, sealed("k2").Hash)
	WantNotFound(t, err)
	for q, want := range map[string]int64{
		"SELECT count(*) FROM users": 1, "SELECT count(*) FROM groups": 1, "SELECT count(*) FROM group_users": 1, "SELECT count(*) FROM tokens": 1,
		"SELECT count(*) FROM tokens WHERE key_sealed = $1": 1,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{sealed("k1").Ciphertext}
		}
		if n := h.Int(q, args...); n != want {
			t.Errorf("%s = %d after every bootstrap, want %d", q, n, want)
		}
	}
}

func testCredentialByHash(t *testing.T, h *H) {
	u := h.User("alice")
	exp := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	h.Exec("INSERT INTO tokens (uuid, identifier, key_hash, key_sealed, intent, user_id, description, expiring, expires) VALUES ($1, $2, $3, $4, 'api', $5, '', $6, $7)",
		h.UUID(), "alice-token", []byte("alice-hash"), []byte("x"), u, true, exp.UnixMicro())
	cr, err := h.S.CredentialByHash(h.Ctx, []byte("alice-hash"))
	if err != nil {
		t.Fatal(err)
	}
	if cr.User.ID != u || cr.User.Username != "alice" || cr.User.IsSuperuser || cr.User.Email != "alice@example.com" ||
		cr.Identifier != "alice-token" || !cr.Expiring || cr.Expires == nil || !cr.Expires.Equal(exp) || string(cr.KeyHash) != "alice-hash" {
		t.Fatalf("credential %+v", cr)
	}
	if !cr.Live(time.Now()) || cr.Live(exp.Add(time.Second)) {
		t.Fatal("expiry not honoured")
	}
	// Membership of a superuser group, through a parent, makes a superuser.
	root := h.Group("root", "", true)
	h.AddToGroup(h.Group("leaf", root, false), u)
	cr, err = h.S.CredentialByHash(h.Ctx, []byte("alice-hash"))
	if err != nil || !cr.User.IsSuperuser {
		t.Fatalf("superuser through a parent group: %v %+v", err, cr)
	}
	_, err = h.S.CredentialByHash(h.Ctx, []byte("nope"))
	WantNotFound(t, err)
}

func testUserGrants(t *testing.T, h *H) {
	u := h.User("alice")
	h.Grant(u, "authentik_providers_rac.add_racprovider", "")
	h.Grant(u, viewProvider, "7")
	parent := h.Group("parent", "", false)
	child := h.Group("child", parent, false)
	h.AddToGroup(child, u)
	h.RoleGrant(h.Role("parent-role", parent), "authentik_providers_rac.view_endpoint", "")
	h.RoleGrant(h.Role("child-role", child), viewProvider, "7") // duplicate of a direct grant
	unrelated := h.Role("unrelated", h.Group("other", "", false))
	h.RoleGrant(unrelated, "authentik_providers_rac.delete_racprovider", "")
	h.Grant(h.User("bob"), "authentik_providers_rac.change_racprovider", "")
	gs, err := h.S.UserGrants(h.Ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range gs {
		got = append(got, g.Permission+"@"+g.ObjectPK)
	}
	sort.Strings(got)
	want := "[authentik_providers_rac.add_racprovider@ authentik_providers_rac.view_endpoint@ authentik_providers_rac.view_racprovider@7]"
	if fmt.Sprint(got) != want {
		t.Fatalf("grants %v, want %s", got, want)
	}
	gs, err = h.S.UserGrants(h.Ctx, h.User("carol"))
	if err != nil || len(gs) != 0 {
		t.Fatalf("grants of a user without any: %v %v", gs, err)
	}
}

func testPing(t *testing.T, h *H) {
	if err := h.S.Ping(h.Ctx); err != nil {
		t.Fatal(err)
	}
}

func testEvents(t *testing.T, h *H) {
	e := &racd.Event{Action: racd.EventConfigurationError, Message: "mapping failed", User: racd.UserRef{ID: 1, Username: "akadmin"},
		Extra: map[string]any{"mapping": "m"}}
	if err := h.S.Events().Record(h.Ctx, e); err != nil {
		t.Fatal(err)
	}
	if e.UUID == "" {
		t.Fatal("RecordEvent did not assign a UUID")
	}
	got, err := h.S.Events().Get(h.Ctx, e.UUID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := h.EventContext(got)
	if got.Action != racd.EventConfigurationError || ctx["message"] != "mapping failed" || ctx["mapping"] != "m" ||
		!got.Expires.After(got.Created.Add(364*24*time.Hour)) || !strings.Contains(string(got.UserJSON), `"akadmin"`) {
		t.Fatalf("event %+v %s", got, got.ContextJSON)
	}
	_, err = h.S.Events().Get(h.Ctx, "00000000-0000-4000-8000-000000000001")
	WantNotFound(t, err)
	f := h.Flow("authz", "authorization")
	h.Provider("p", f.UUID)
	action := racd.EventModelCreated
	evs, n, err := h.S.Events().List(h.Ctx, racd.EventQuery{ListQuery: page(racd.ListQuery{}), Action: &action})
	if err != nil || n != 2 || len(evs) != 2 {
		t.Fatalf("model_created events: %d %v", n, err)
	}
	// Newest first by default.
	if evs[0].Created.Before(evs[1].Created) {
		t.Fatalf("events not newest first: %v then %v", evs[0].Created, evs[1].Created)
	}
	evs, n, err = h.S.Events().List(h.Ctx, racd.EventQuery{ListQuery: page(racd.ListQuery{Search: []string{"CONFIGURATION"}})})
	if err != nil || n != 1 || evs[0].UUID != e.UUID {
		t.Fatalf("search events: %d %v", n, err)
	}
}
