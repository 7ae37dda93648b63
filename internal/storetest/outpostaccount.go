package storetest

import (
	"context"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// testOutpostAccount: an outpost written with a service key gets its service account
// and API token in the same transaction (found by the key's hash, live, viewing the
// outpost and its providers, grants following the providers); a write without a key
// makes none; deleting the outpost deletes both, each with its event.
func testOutpostAccount(t *testing.T, s racd.Store) {
	ctx := context.Background()
	ids := providers(t, s, 2)
	key := &racd.SealedKey{Hash: []byte("outpost-key-hash"), Ciphertext: []byte("sealed")}
	o, err := s.Outposts().Create(ctx, &racd.OutpostInput{Name: racd.Some("edge"), Type: racd.Some("rac"), Providers: racd.Some(refs(ids[0])),
		Config: racd.Some(json.RawMessage(`{}`)), ServiceKey: key}, audit)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	cred, err := s.CredentialByHash(ctx, key.Hash)
	if err != nil {
		t.Fatalf("the outpost's token: %v", err)
	}
	if cred.Identifier != o.TokenIdentifier() || cred.Intent != racd.IntentAPI || cred.Expiring || !cred.Live(time.Now().Add(1000*time.Hour)) ||
		cred.User.Username != o.ServiceAccountUsername() || cred.User.IsSuperuser {
		t.Fatalf("credential %+v", cred)
	}
	username := o.ServiceAccountUsername()
	us, _, err := s.Users().List(ctx, racd.UserQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 10, Visible: racd.Everything}, Username: &username})
	if err != nil || len(us) != 1 || us[0].Type != racd.UserTypeInternalServiceAccount || us[0].Path != racd.OutpostUserPath ||
		us[0].Name != "Outpost edge Service-Account" {
		t.Fatalf("service account %+v %v", us, err)
	}
	grants := func() map[string]bool {
		gs, err := s.UserGrants(ctx, cred.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, g := range gs {
			out[g.Permission+"@"+g.ObjectPK] = true
		}
		return out
	}
	want := func(provider int64) map[string]bool {
		return map[string]bool{
			racd.OutpostModel.Perm(racd.PermView) + "@" + o.UUID:             true,
			racd.ProviderModel.Perm(racd.PermView) + "@" + ref(provider).Raw: true,
		}
	}
	if g := grants(); !maps.Equal(g, want(ids[0])) {
		t.Fatalf("grants %v, want %v", g, want(ids[0]))
	}
	if _, err := s.Outposts().Update(ctx, o.UUID, &racd.OutpostInput{Providers: racd.Some(refs(ids[1])), ServiceKey: key}, audit); err != nil {
		t.Fatal(err)
	}
	if g := grants(); !maps.Equal(g, want(ids[1])) {
		t.Fatalf("grants after the providers changed: %v, want %v", g, want(ids[1]))
	}
	if n := events(t, s, racd.EventModelCreated, "token"); n != 1 {
		t.Errorf("token model_created events: %d", n)
	}
	if err := s.Outposts().Delete(ctx, o.UUID, audit); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CredentialByHash(ctx, key.Hash); err != racd.ErrNotFound {
		t.Fatalf("the deleted outpost's token: %v", err)
	}
	for _, model := range []string{"token", "user", "outpost"} {
		if n := events(t, s, racd.EventModelDeleted, model); n != 1 {
			t.Errorf("%s model_deleted events: %d", model, n)
		}
	}
	// Without a key (not through the API), no account is made.
	bare, err := s.Outposts().Create(ctx, &racd.OutpostInput{Name: racd.Some("bare"), Type: racd.Some("rac"), Providers: racd.Some(refs(ids[1])),
		Config: racd.Some(json.RawMessage(`{}`))}, audit)
	if err != nil {
		t.Fatal(err)
	}
	username = bare.ServiceAccountUsername()
	if _, n, err := s.Users().List(ctx, racd.UserQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 10, Visible: racd.Everything}, Username: &username}); err != nil || n != 0 {
		t.Fatalf("an outpost written without a key has an account: %d %v", n, err)
	}
}
