package storetest

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// connectionTokenTests are the connection token tests of the suite.
var connectionTokenTests = []Test{
	{"UsedByAlikeFromEverySide", testConnectionTokenUsedBy},
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
		"provider": func() ([]racd.UsedBy, error) { return h.S.ProviderUsedBy(h.Ctx, p.ID, all) },
		"endpoint": func() ([]racd.UsedBy, error) { return h.S.EndpointUsedBy(h.Ctx, ep, all) },
		"user":     func() ([]racd.UsedBy, error) { return h.S.UserUsedBy(h.Ctx, u, all) },
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
