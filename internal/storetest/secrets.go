package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/racd/racd/internal/racd"
)

// secretTests pin issue 9 §2 in every store: secret connection parameters are kept
// apart from settings, sealed, never in an event, and opened only for a connection.
var secretTests = []Test{
	{"SealedAtRest", testSecretsSealedAtRest},
	{"OpenedForConnections", testSecretsOpenedForConnections},
	{"StoredInClearBefore", testSecretsStoredInClearBefore},
	{"LaunchTarget", testLaunchTarget},
}

// plaintexts are the secret values the tests write; none may be found in clear in
// any settings or secrets column, or in any event.
var plaintexts = []string{"hunter2-endpoint", "hunter2-provider", "hunter2-mapping", "hunter2-launch", "marked-token-value"}

// wantNoPlaintext fails when a secret value is stored in clear anywhere.
func (h *H) wantNoPlaintext(t *testing.T) {
	t.Helper()
	for _, p := range plaintexts {
		for _, q := range []string{
			"SELECT count(*) FROM providers WHERE CAST(settings AS TEXT) LIKE $1 OR secrets LIKE $1",
			"SELECT count(*) FROM endpoints WHERE CAST(settings AS TEXT) LIKE $1 OR secrets LIKE $1",
			"SELECT count(*) FROM property_mappings WHERE CAST(static_settings AS TEXT) LIKE $1 OR static_secrets LIKE $1",
			"SELECT count(*) FROM connection_tokens WHERE CAST(settings AS TEXT) LIKE $1 OR secrets LIKE $1",
			"SELECT count(*) FROM events WHERE CAST(context AS TEXT) LIKE $1",
		} {
			if n := h.Int(q, "%"+p+"%"); n != 0 {
				t.Errorf("%q in clear: %s = %d", p, q, n)
			}
		}
	}
}

// testSecretsSealedAtRest: a write's settings lose their secret parameters (guacd's
// credentials and what racd-secret-keys marks) to Secrets, sealed at rest; reads show
// the rest in its order and the secrets' names only; events show the names masked;
// a write without settings keeps them, one with settings replaces them.
func testSecretsSealedAtRest(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p, err := h.S.Providers().Create(h.Ctx, &racd.ProviderInput{Name: racd.Some("p"), AuthorizationFlow: racd.Some(Ref(f.UUID)),
		Settings: racd.Some(json.RawMessage(`{"gateway-password":"hunter2-provider","color-depth":16}`))}, Audit)
	if err != nil {
		t.Fatal(err)
	}
	in := endpointInput("desk", p.ID)
	in.Settings = racd.Some(json.RawMessage(`{"username":"u","password":"hunter2-endpoint","x-token":"marked-token-value","racd-secret-keys":["x-token"]}`))
	e, err := h.S.Endpoints().Create(h.Ctx, in, Audit)
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.S.PropertyMappings().Create(h.Ctx, &racd.PropertyMappingInput{Name: racd.Some("m"),
		StaticSettings: racd.Some(json.RawMessage(`{"sftp-password":"hunter2-mapping"}`))}, Audit)
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.S.Endpoints().Get(h.Ctx, e.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Settings) != `{"username":"u","racd-secret-keys":["x-token"]}` || !reflect.DeepEqual(got.Secrets.Names(), []string{"password", "x-token"}) ||
		got.Secrets.Plain != nil {
		t.Errorf("endpoint read back: settings %s, secrets %v (plain %v)", got.Settings, got.Secrets.Names(), got.Secrets.Plain)
	}
	gp, _ := h.S.Providers().Get(h.Ctx, p.ID)
	gm, _ := h.S.PropertyMappings().Get(h.Ctx, m.UUID)
	if string(gp.Settings) != `{"color-depth":16}` || !reflect.DeepEqual(gp.Secrets.Names(), []string{"gateway-password"}) ||
		string(gm.StaticSettings) != `{}` || !reflect.DeepEqual(gm.StaticSecrets.Names(), []string{"sftp-password"}) {
		t.Errorf("provider %s %v, mapping %s %v", gp.Settings, gp.Secrets.Names(), gm.StaticSettings, gm.StaticSecrets.Names())
	}
	// A change without settings keeps the secrets; a change of settings replaces them.
	if _, err := h.S.Endpoints().Update(h.Ctx, e.UUID, &racd.EndpointInput{Name: racd.Some("desk 2")}, Audit); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.S.Endpoints().Get(h.Ctx, e.UUID); !reflect.DeepEqual(got.Secrets.Names(), []string{"password", "x-token"}) {
		t.Errorf("a rename lost the secrets: %v", got.Secrets.Names())
	}
	h.wantNoPlaintext(t)
	evs := h.Events("authentik_providers_rac", e.UUID)
	if len(evs) != 2 || !strings.Contains(string(evs[0].ContextJSON), `\"password\":\"`+racd.MaskedValue+`\"`) &&
		!strings.Contains(string(evs[0].ContextJSON), `"password":"`+racd.MaskedValue+`"`) {
		t.Errorf("the create event does not show the password masked: %s", evs[0].ContextJSON)
	}
	if _, err := h.S.Endpoints().Update(h.Ctx, e.UUID, &racd.EndpointInput{Settings: racd.Some(json.RawMessage(`{"username":"v"}`))}, Audit); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.S.Endpoints().Get(h.Ctx, e.UUID); len(got.Secrets.Names()) != 0 || string(got.Settings) != `{"username":"v"}` {
		t.Errorf("new settings without secrets: %s %v", got.Settings, got.Secrets.Names())
	}
	h.wantNoPlaintext(t)
}

// testSecretsOpenedForConnections: what a connection is made with (a launch and the
// gateway's token) holds every layer's secrets in clear, the launch's own included.
func testSecretsOpenedForConnections(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	m, err := h.S.PropertyMappings().Create(h.Ctx, &racd.PropertyMappingInput{Name: racd.Some("m"),
		StaticSettings: racd.Some(json.RawMessage(`{"sftp-password":"hunter2-mapping"}`))}, Audit)
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.S.Providers().Create(h.Ctx, &racd.ProviderInput{Name: racd.Some("p"), AuthorizationFlow: racd.Some(Ref(f.UUID)),
		PropertyMappings: racd.Some(Refs(m.UUID)), Settings: racd.Some(json.RawMessage(`{"gateway-password":"hunter2-provider"}`))}, Audit)
	if err != nil {
		t.Fatal(err)
	}
	in := endpointInput("desk", p.ID)
	in.Settings = racd.Some(json.RawMessage(`{"password":"hunter2-endpoint"}`))
	e, err := h.S.Endpoints().Create(h.Ctx, in, Audit)
	if err != nil {
		t.Fatal(err)
	}
	u := h.User("alice")
	l, err := h.S.ConnectionTokens().Launch(h.Ctx, racd.LaunchRequest{EndpointUUID: e.UUID, UserID: u, TokenHash: []byte("h1"),
		Settings: json.RawMessage(`{"passphrase":"hunter2-launch","username":"alice"}`)}, Audit)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, l *racd.Launch) {
		t.Helper()
		tok := l.Token
		for name, got := range map[string]json.RawMessage{
			"endpoint password": tok.Endpoint.Secrets.Plain["password"], "provider gateway-password": tok.Endpoint.Provider.Secrets.Plain["gateway-password"],
			"launch passphrase": tok.Secrets.Plain["passphrase"], "mapping sftp-password": l.ProviderMappings[0].StaticSecrets.Plain["sftp-password"],
		} {
			if !strings.Contains(string(got), "hunter2") {
				t.Errorf("%s: %s is %q", what, name, got)
			}
		}
		if string(tok.Settings) != `{"username":"alice"}` {
			t.Errorf("%s: the token's settings %s", what, tok.Settings)
		}
	}
	check("launch", l)
	gt, err := h.S.GatewayToken(h.Ctx, []byte("h1"))
	if err != nil {
		t.Fatal(err)
	}
	check("gateway", &gt.Launch)
	// Elsewhere they stay sealed.
	ct, err := h.S.ConnectionTokens().Get(h.Ctx, l.Token.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if ct.Secrets.Plain != nil || ct.Endpoint.Secrets.Plain != nil || ct.Endpoint.Provider.Secrets.Plain != nil {
		t.Errorf("a read opened secrets")
	}
	h.wantNoPlaintext(t)
}

// testSecretsStoredInClearBefore: rows written before secrets were sealed (secrets
// NULL) lose their secret parameters to sealed secrets once, at start.
func testSecretsStoredInClearBefore(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	ep := h.Endpoint("desk", p.ID)
	h.Exec("UPDATE endpoints SET settings = $1, secrets = NULL WHERE uuid = $2", `{"password":"hunter2-endpoint","username":"u"}`, ep)
	h.Exec("UPDATE providers SET secrets = NULL")
	st, ok := h.S.(interface {
		SealStoredSecrets(ctx context.Context) (int, error)
	})
	if !ok {
		t.Fatal("the store has no SealStoredSecrets: settings stored in clear by an older racd would stay in clear")
	}
	n, err := st.SealStoredSecrets(h.Ctx)
	if err != nil || n != 1 {
		t.Fatalf("sealed %d rows: %v", n, err)
	}
	if n, _ := st.SealStoredSecrets(h.Ctx); n != 0 {
		t.Errorf("a second pass sealed %d rows", n)
	}
	got, err := h.S.Endpoints().Get(h.Ctx, ep)
	if err != nil || string(got.Settings) != `{"username":"u"}` || !reflect.DeepEqual(got.Secrets.Names(), []string{"password"}) {
		t.Fatalf("after sealing: %v %s %v", err, got.Settings, got.Secrets.Names())
	}
	l, err := h.launch(ep, h.User("alice"), 1)
	if err != nil || string(l.Token.Endpoint.Secrets.Plain["password"]) != `"hunter2-endpoint"` {
		t.Fatalf("launch after sealing: %v %v", err, l)
	}
	h.wantNoPlaintext(t)
}

// testLaunchTarget: a launch's own settings may not choose where the connection goes
// (one message on settings per such key) unless its caller may change the endpoint;
// nothing is written.
func testLaunchTarget(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	ep := h.Endpoint("desk", p.ID)
	u := h.User("alice")
	req := racd.LaunchRequest{EndpointUUID: ep, UserID: u, TokenHash: []byte("h1"),
		Settings: json.RawMessage(`{"hostname":"evil.example","wol-broadcast-addr":"10.255.255.255","recording-path":"/etc","username":"alice","password":"pw"}`)}
	_, err := h.S.ConnectionTokens().Launch(h.Ctx, req, Audit)
	WantFieldErrors(t, err, F("settings", racd.MsgTargetSetting("hostname"), racd.MsgTargetSetting("recording-path"), racd.MsgTargetSetting("wol-broadcast-addr")))
	if n := h.Int("SELECT count(*) FROM connection_tokens"); n != 0 {
		t.Fatalf("%d tokens after a refused launch", n)
	}
	req.MayChooseTarget = true
	l, err := h.S.ConnectionTokens().Launch(h.Ctx, req, Audit)
	if err != nil {
		t.Fatalf("a caller who may change the endpoint: %v", err)
	}
	if !strings.Contains(string(l.Token.Settings), "evil.example") {
		t.Errorf("its settings: %s", l.Token.Settings)
	}
}
