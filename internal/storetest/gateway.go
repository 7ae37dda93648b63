package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// gatewayTests are the tests of what the connection gateway asks of storage.
var gatewayTests = []Test{
	{"TokenByHash", testGatewayToken},
	{"ClaimOnce", testGatewayClaim},
	{"SessionGenerations", testGatewaySessions},
	{"DeleteOnDisconnect", testGatewayDeleteOnDisconnect},
}

// gatewayFixture is a provider (deleting tokens on disconnect when del), an endpoint
// with a provider and an endpoint mapping, a user and a live token of theirs.
func gatewayFixture(h *H, del bool) (p *racd.Provider, ep, token string, user int64) {
	f := h.Flow("authz", "authorization")
	pm := h.Mapping("b-provider-mapping")
	p = h.Provider("p", f.UUID, func(in *racd.ProviderInput) {
		in.DeleteTokenOnDisconnect = racd.Some(del)
		in.PropertyMappings = racd.Some(Refs(pm.UUID))
	})
	em := h.Mapping("a-endpoint-mapping")
	ep = h.Endpoint("desk", p.ID, em.UUID)
	user = h.User("alice")
	token = h.ConnectionToken(p.ID, ep, user)
	return p, ep, token, user
}

func testGatewayToken(t *testing.T, h *H) {
	p, ep, token, user := gatewayFixture(h, false)
	gt, err := h.S.GatewayToken(h.Ctx, []byte(token))
	if err != nil {
		t.Fatal(err)
	}
	if gt.Token.UUID != token || gt.Token.Endpoint.UUID != ep || gt.Token.Endpoint.Provider == nil || gt.Token.Endpoint.Provider.ID != p.ID ||
		gt.Token.Provider == nil || gt.Token.User.ID != user || gt.Token.User.Username != "alice" || gt.ClaimHash != nil || gt.BrowserSession != "" {
		t.Fatalf("token = %+v", gt)
	}
	if len(gt.ProviderMappings) != 1 || gt.ProviderMappings[0].Name != "b-provider-mapping" ||
		len(gt.EndpointMappings) != 1 || gt.EndpointMappings[0].Name != "a-endpoint-mapping" {
		t.Fatalf("mappings: provider %v, endpoint %v", gt.ProviderMappings, gt.EndpointMappings)
	}
	if _, err := h.S.GatewayToken(h.Ctx, []byte("no such hash")); !errors.Is(err, racd.ErrNotFound) {
		t.Fatalf("unknown hash: %v, want ErrNotFound", err)
	}
	h.Exec("UPDATE connection_tokens SET expires = $1 WHERE uuid = $2", time.Now().Add(-time.Second).UnixMicro(), token)
	if _, err := h.S.GatewayToken(h.Ctx, []byte(token)); !errors.Is(err, racd.ErrNotFound) {
		t.Fatalf("expired token: %v, want ErrNotFound", err)
	}
}

// testGatewayClaim: of browsers racing for a fresh token exactly one wins, and the
// winner keeps it.
func testGatewayClaim(t *testing.T, h *H) {
	_, _, token, _ := gatewayFixture(h, false)
	var wg sync.WaitGroup
	won := make([]bool, 8)
	errs := make([]error, 8)
	for i := range won {
		wg.Add(1)
		go func() {
			defer wg.Done()
			won[i], errs[i] = h.S.ClaimConnectionToken(h.Ctx, token, []byte{byte(i), 1, 2, 3})
		}()
	}
	wg.Wait()
	winner := -1
	for i := range won {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if won[i] {
			if winner >= 0 {
				t.Fatalf("claims %d and %d both won", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("no claim won")
	}
	if ok, err := h.S.ClaimConnectionToken(h.Ctx, token, []byte{byte(winner), 1, 2, 3}); err != nil || !ok {
		t.Fatalf("the winner claims again: %v %v", ok, err)
	}
	gt, err := h.S.GatewayToken(h.Ctx, []byte(token))
	if err != nil || string(gt.ClaimHash) != string([]byte{byte(winner), 1, 2, 3}) {
		t.Fatalf("stored claim %x, %v", gt.ClaimHash, err)
	}
	if _, err := h.S.ClaimConnectionToken(h.Ctx, h.UUID(), []byte("x")); !errors.Is(err, racd.ErrNotFound) {
		t.Fatalf("claim of a missing token: %v, want ErrNotFound", err)
	}
}

func testGatewaySessions(t *testing.T, h *H) {
	_, _, token, _ := gatewayFixture(h, false)
	var last int64
	for i := 0; i < 3; i++ {
		gen, err := h.S.StartConnectionSession(h.Ctx, token)
		if err != nil || gen <= last {
			t.Fatalf("session %d: gen %d after %d, %v", i, gen, last, err)
		}
		last = gen
	}
	if _, err := h.S.StartConnectionSession(h.Ctx, h.UUID()); !errors.Is(err, racd.ErrNotFound) {
		t.Fatalf("session of a missing token: %v, want ErrNotFound", err)
	}
	live, err := h.S.LiveConnectionTokens(h.Ctx, []string{token, h.UUID()})
	if err != nil || len(live) != 1 || !live[token] {
		t.Fatalf("live = %v, %v", live, err)
	}
	if live, err := h.S.LiveConnectionTokens(h.Ctx, nil); err != nil || len(live) != 0 {
		t.Fatalf("live of none = %v, %v", live, err)
	}
}

// testGatewayDeleteOnDisconnect: a token is deleted after its last session ended and
// the grace passed, only when its provider says so, never while a later session lives,
// and the sweep finds what the timers missed.
func testGatewayDeleteOnDisconnect(t *testing.T, h *H) {
	p, _, token, _ := gatewayFixture(h, true)
	gen, err := h.S.StartConnectionSession(h.Ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	// Live session: nothing to delete.
	if ok, err := h.S.DeleteDisconnectedToken(h.Ctx, token, gen, time.Now(), Audit); err != nil || ok {
		t.Fatalf("delete while live: %v %v", ok, err)
	}
	if err := h.S.EndConnectionSession(h.Ctx, token, gen); err != nil {
		t.Fatal(err)
	}
	// Within the grace: the session ended after the cut-off.
	if ok, err := h.S.DeleteDisconnectedToken(h.Ctx, token, gen, time.Now().Add(-time.Minute), Audit); err != nil || ok {
		t.Fatalf("delete within the grace: %v %v", ok, err)
	}
	// A reconnect started a later session: the old generation deletes nothing.
	gen2, err := h.S.StartConnectionSession(h.Ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.S.DeleteDisconnectedToken(h.Ctx, token, gen, time.Now().Add(time.Minute), Audit); err != nil || ok {
		t.Fatalf("delete by an old session: %v %v", ok, err)
	}
	if err := h.S.EndConnectionSession(h.Ctx, token, gen2); err != nil {
		t.Fatal(err)
	}
	ok, err := h.S.DeleteDisconnectedToken(h.Ctx, token, gen2, time.Now().Add(time.Second), Audit)
	if err != nil || !ok {
		t.Fatalf("delete after the grace: %v %v", ok, err)
	}
	if _, err := h.S.ConnectionTokens().Get(h.Ctx, token); !errors.Is(err, racd.ErrNotFound) {
		t.Fatalf("token after deletion: %v", err)
	}
	if evs := h.Events(racd.ConnectionTokenModel.App, token); len(evs) == 0 || evs[len(evs)-1].Action != racd.EventModelDeleted {
		t.Fatalf("no model_deleted event for the token: %v", evs)
	}

	// The sweep: a token of this provider whose session ended long ago goes; one of a
	// provider that keeps tokens stays, and so does one whose session is live.
	ep2 := h.Endpoint("desk2", p.ID)
	swept := h.ConnectionToken(p.ID, ep2, h.User("bob"))
	liveOne := h.ConnectionToken(p.ID, ep2, h.User("carol"))
	f := h.Flow("authz2", "authorization")
	keep := h.Provider("keeps", f.UUID)
	kept := h.ConnectionToken(keep.ID, h.Endpoint("desk3", keep.ID), h.User("dave"))
	for _, tok := range []string{swept, kept} {
		g, err := h.S.StartConnectionSession(h.Ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.S.EndConnectionSession(h.Ctx, tok, g); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.S.StartConnectionSession(h.Ctx, liveOne); err != nil {
		t.Fatal(err)
	}
	n, err := h.S.DeleteDisconnectedTokens(h.Ctx, time.Now().Add(time.Second))
	if err != nil || n != 1 {
		t.Fatalf("sweep deleted %d, %v; want 1", n, err)
	}
	live, err := h.S.LiveConnectionTokens(h.Ctx, []string{swept, liveOne, kept})
	if err != nil || live[swept] || !live[liveOne] || !live[kept] {
		t.Fatalf("after the sweep: %v %v", live, err)
	}
}
