package storetest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// connectionTokenTests are the connection token tests of the suite.
var connectionTokenTests = []Test{
	{"Launch", testLaunch},
	{"LaunchLimit", testLaunchLimit},
	{"ReadUpdateDelete", testConnectionTokenCRUD},
	{"ListVisibility", testConnectionTokenList},
	{"UsedByAlikeFromEverySide", testConnectionTokenUsedBy},
}

// launch issues a token for user on endpoint with a hash derived from n.
func (h *H) launch(ep string, user int64, n int) (*racd.Launch, error) {
	return h.S.ConnectionTokens().Launch(h.Ctx, racd.LaunchRequest{EndpointUUID: ep, UserID: user, TokenHash: []byte("hash-" + strconv.Itoa(n)),
		Settings: json.RawMessage(`{"k":"v"}`)}, Audit)
}

func testLaunch(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	pm2, pm1, em := h.Mapping("p-2"), h.Mapping("p-1"), h.Mapping("e-1")
	p := h.Provider("p", f.UUID, func(in *racd.ProviderInput) {
		in.PropertyMappings = racd.Some(Refs(pm2.UUID, pm1.UUID))
		in.ConnectionExpiry = racd.Some("minutes=30")
	})
	u := h.User("alice")
	ep := h.Endpoint("desk", p.ID, em.UUID)
	before := time.Now()
	l, err := h.launch(ep, u, 1)
	if err != nil {
		t.Fatal(err)
	}
	tok := l.Token
	if tok.UUID == "" || tok.ProviderID != p.ID || tok.Endpoint == nil || tok.Endpoint.UUID != ep || tok.Provider == nil ||
		tok.Provider.ID != p.ID || tok.Endpoint.Provider == nil || tok.User.ID != u || tok.User.Username != "alice" ||
		string(tok.Settings) != `{"k":"v"}` || tok.Expires == nil ||
		tok.Expires.Before(before.Add(29*time.Minute)) || tok.Expires.After(time.Now().Add(31*time.Minute)) {
		t.Fatalf("launched %+v", tok)
	}
	var names []string
	for _, m := range append(append([]*racd.PropertyMapping{}, l.ProviderMappings...), l.EndpointMappings...) {
		names = append(names, m.Name)
	}
	if fmt.Sprint(names) != "[p-1 p-2 e-1]" || len(l.ProviderMappings) != 2 {
		t.Errorf("mappings %v, want the provider's by name, then the endpoint's", names)
	}
	evs := h.Events("authentik_providers_rac", tok.UUID)
	if len(evs) != 1 || evs[0].Action != racd.EventModelCreated || h.Diff(evs[0])["user"] != [2]string{"null", strconv.FormatInt(u, 10)} {
		t.Fatalf("launch events %+v", evs)
	}
	// No fixed expiry for a zero connection_expiry.
	zero := h.Provider("zero", f.UUID, func(in *racd.ProviderInput) { in.ConnectionExpiry = racd.Some("hours=0") })
	l, err = h.launch(h.Endpoint("zero-desk", zero.ID), u, 2)
	if err != nil || l.Token.Expires != nil {
		t.Fatalf("launch with hours=0: %+v %v", l, err)
	}
	_, err = h.launch(h.UUID(), u, 3)
	WantNotFound(t, err)
}

func testLaunchLimit(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	u := h.User("alice")
	ep := h.Endpoint("desk", p.ID) // maximum_connections 1
	if _, err := h.launch(ep, u, 1); err != nil {
		t.Fatal(err)
	}
	_, err := h.launch(ep, u, 2)
	WantFieldErrors(t, err, F(racd.NonFieldErrors, racd.MsgConnLimit))
	// An expired token no longer counts.
	h.Exec("UPDATE connection_tokens SET expires = $1", time.Now().Add(-time.Second).UnixMicro())
	if _, err := h.launch(ep, u, 3); err != nil {
		t.Fatalf("launch after the only token expired: %v", err)
	}
	// Concurrent launches on an endpoint with room for two: exactly two win.
	ep2 := h.Endpoint("pair", p.ID)
	h.Exec("UPDATE endpoints SET maximum_connections = 2 WHERE uuid = $1", ep2)
	errs := make(chan error, 6)
	for i := 0; i < 6; i++ {
		go func() { _, err := h.launch(ep2, u, 10+i); errs <- err }()
	}
	won := 0
	for i := 0; i < 6; i++ {
		if err := <-errs; err == nil {
			won++
		} else if _, ok := racd.AsFieldErrors(err); !ok {
			t.Errorf("concurrent launch: %v", err)
		}
	}
	if won != 2 {
		t.Fatalf("%d concurrent launches won, want 2", won)
	}
}

func testConnectionTokenCRUD(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p, p2 := h.Provider("p", f.UUID), h.Provider("p2", f.UUID)
	u := h.User("alice")
	ep, ep2 := h.Endpoint("desk", p.ID), h.Endpoint("desk2", p2.ID)
	l, err := h.launch(ep, u, 1)
	if err != nil {
		t.Fatal(err)
	}
	id := l.Token.UUID
	got, err := h.S.ConnectionTokens().Get(h.Ctx, id)
	if err != nil || got.Endpoint.UUID != ep || got.Endpoint.Provider == nil || got.Provider == nil || got.User.ID != u {
		t.Fatalf("get: %+v %v", got, err)
	}
	missing := h.UUID()
	_, err = h.S.ConnectionTokens().Update(h.Ctx, id, &racd.ConnectionTokenInput{Provider: racd.Some(ref(99999)), Endpoint: racd.Some(Ref(missing))}, Audit)
	WantFieldErrors(t, err, F("provider", racd.MsgDoesNotExist("99999")), F("endpoint", racd.MsgDoesNotExist(missing)))
	got, err = h.S.ConnectionTokens().Update(h.Ctx, id, &racd.ConnectionTokenInput{Provider: racd.Some(ref(p2.ID)), Endpoint: racd.Some(Ref(ep2))}, Audit)
	if err != nil || got.ProviderID != p2.ID || got.Provider == nil || got.Provider.ID != p2.ID || got.Endpoint.UUID != ep2 ||
		got.Endpoint.Name != "desk2" || got.User.ID != u {
		t.Fatalf("update: %+v %v", got, err)
	}
	if err := h.S.ConnectionTokens().Delete(h.Ctx, id, Audit); err != nil {
		t.Fatal(err)
	}
	_, err = h.S.ConnectionTokens().Get(h.Ctx, id)
	WantNotFound(t, err)
	// An expired token is gone for every operation, before the janitor purges it.
	l, err = h.launch(ep, u, 2)
	if err != nil {
		t.Fatal(err)
	}
	h.Exec("UPDATE connection_tokens SET expires = $1 WHERE uuid = $2", time.Now().Add(-time.Second).UnixMicro(), l.Token.UUID)
	_, err = h.S.ConnectionTokens().Get(h.Ctx, l.Token.UUID)
	WantNotFound(t, err)
	_, err = h.S.ConnectionTokens().Update(h.Ctx, l.Token.UUID, &racd.ConnectionTokenInput{}, Audit)
	WantNotFound(t, err)
	WantNotFound(t, h.S.ConnectionTokens().Delete(h.Ctx, l.Token.UUID, Audit))
}

func testConnectionTokenList(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	alice, bob := h.User("alice"), h.User("bob")
	epA, epB := h.Endpoint("a-desk", p.ID), h.Endpoint("b-desk", p.ID)
	h.Exec("UPDATE endpoints SET maximum_connections = -1")
	mine := h.ConnectionToken(p.ID, epB, alice)
	theirs := h.ConnectionToken(p.ID, epA, bob)
	other := h.ConnectionToken(p.ID, epB, bob)
	expired := h.ConnectionToken(p.ID, epA, alice)
	h.Exec("UPDATE connection_tokens SET expires = $1 WHERE uuid = $2", time.Now().Add(-time.Second).UnixMicro(), expired)
	list := func(q racd.ConnectionTokenQuery) string {
		t.Helper()
		ts, n, err := h.S.ConnectionTokens().List(h.Ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tk := range ts {
			got = append(got, map[string]string{mine: "mine", theirs: "theirs", other: "other", expired: "expired"}[tk.UUID])
		}
		return fmt.Sprint(n, sorted(got))
	}
	all := racd.ConnectionTokenVisibility{Visible: racd.Everything}
	view := "authentik_providers_rac.view_connectiontoken"
	aliceOnly := racd.ConnectionTokenVisibility{OwnerID: alice, Visible: racd.Visibility{UserID: alice, Perm: view}}
	for _, c := range []struct {
		q    racd.ConnectionTokenQuery
		want string
	}{
		{racd.ConnectionTokenQuery{ListQuery: page(racd.ListQuery{}), Tokens: all}, "3 [mine other theirs]"},
		{racd.ConnectionTokenQuery{ListQuery: page(racd.ListQuery{}), Tokens: aliceOnly}, "1 [mine]"},
		{racd.ConnectionTokenQuery{ListQuery: page(racd.ListQuery{}), Tokens: all, User: &bob}, "2 [other theirs]"},
		{racd.ConnectionTokenQuery{ListQuery: page(racd.ListQuery{}), Tokens: all, Endpoint: &epB}, "2 [mine other]"},
		{racd.ConnectionTokenQuery{ListQuery: page(racd.ListQuery{Search: []string{"a-DESK"}}), Tokens: all}, "1 [theirs]"},
	} {
		if got := list(c.q); got != c.want {
			t.Errorf("list %+v = %q, want %q", c.q, got, c.want)
		}
	}
	h.Grant(alice, view, theirs)
	if got := list(racd.ConnectionTokenQuery{ListQuery: page(racd.ListQuery{}), Tokens: aliceOnly}); got != "2 [mine theirs]" {
		t.Errorf("alice with view on one of bob's tokens sees %q", got)
	}
}

// testConnectionTokenUsedBy: a connection token appears in the used_by lists of its
// provider, its endpoint and its user in the same shape, and an expired one in none of
// them (expired tokens are never listed).
func testConnectionTokenUsedBy(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	u := h.User("alice")
	ep := h.Endpoint("ep", p.ID)
	live := h.ConnectionToken(p.ID, ep, u)
	expired := h.UUID()
	past := time.Now().Add(-time.Minute).UnixMicro()
	h.Exec("INSERT INTO connection_tokens (uuid, token_hash, provider_id, endpoint_uuid, user_id, settings, created, expires) VALUES ($1, $2, $3, $4, $5, '{}', $6, $7)",
		expired, []byte(expired), p.ID, ep, u, past-1000, past)
	want := fmt.Sprint(racd.UsedBy{Action: racd.ActionCascade, Object: racd.ObjectRef{App: "authentik_providers_rac", ModelName: "connectiontoken",
		PK: live, Name: "RAC Connection token " + live + " to " + strconv.FormatInt(p.ID, 10) + "/" + ep}})
	all := func(string) racd.Visibility { return racd.Everything }
	sides := map[string]func() ([]racd.UsedBy, error){
		"provider": func() ([]racd.UsedBy, error) { return h.S.Providers().UsedBy(h.Ctx, p.ID, all) },
		"endpoint": func() ([]racd.UsedBy, error) { return h.S.Endpoints().UsedBy(h.Ctx, ep, all) },
		"user":     func() ([]racd.UsedBy, error) { return h.S.Users().UsedBy(h.Ctx, u, all) },
	}
	for side, usedBy := range sides {
		got, err := usedBy()
		if err != nil {
			t.Fatalf("%s: %v", side, err)
		}
		var tokens []string
		for _, ub := range got {
			if ub.Object.ModelName == "connectiontoken" {
				tokens = append(tokens, fmt.Sprint(ub))
			}
		}
		if len(tokens) != 1 || tokens[0] != want {
			t.Errorf("%s used_by lists connection tokens %v, want only %s", side, tokens, want)
		}
	}
}
