package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

// TestOutpostServiceAccount: creating an outpost makes its service account
// (ak-outpost-<uuid hex>, internal_service_account) and its non-expiring API token
// (the token_identifier the outpost names); a superuser reads the key through
// view_key and the token authenticates as the account, which sees the outpost and its
// providers only; grants follow the providers; deleting the outpost removes both, and
// the key stops working at once.
func TestOutpostServiceAccount(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p1 := e.Provider(map[string]any{"name": "served", "authorization_flow": flow})["pk"]
		p2 := e.Provider(map[string]any{"name": "other", "authorization_flow": flow})["pk"]

		// A refused create writes nothing: no account appears.
		users := func() float64 {
			return e.MustAdmin(200, "GET", "/api/v3/core/users/?page_size=1", nil)["pagination"].(map[string]any)["count"].(float64)
		}
		before := users()
		e.MustAdmin(400, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "bad", "type": "nope", "providers": []any{p1}, "config": map[string]any{}})
		if users() != before {
			t.Fatal("a refused outpost created a user")
		}

		o := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "edge", "type": "rac", "providers": []any{p1}, "config": map[string]any{}})
		uuid := o["pk"].(string)
		ident := o["token_identifier"].(string)
		username := "ak-outpost-" + strings.ReplaceAll(uuid, "-", "")
		if ident != "ak-outpost-"+uuid+"-api" {
			t.Fatalf("token_identifier %q", ident)
		}
		list := e.MustAdmin(200, "GET", "/api/v3/core/users/?username="+username, nil)["results"].([]any)
		if len(list) != 1 {
			t.Fatalf("service account %s: %v", username, list)
		}
		u := list[0].(map[string]any)
		if u["type"] != "internal_service_account" || u["path"] != "goauthentik.io/outposts" || u["name"] != "Outpost edge Service-Account" ||
			u["is_active"] != true || u["is_superuser"] != false {
			t.Fatalf("service account %v", u)
		}
		tok := e.MustAdmin(200, "GET", "/api/v3/core/tokens/"+ident+"/", nil)
		if tok["intent"] != "api" || tok["expiring"] != false || tok["expires"] != nil || tok["user"] != u["pk"] ||
			tok["managed"] != "goauthentik.io/outpost/"+ident {
			t.Fatalf("outpost token %v", tok)
		}
		key := e.MustAdmin(200, "GET", "/api/v3/core/tokens/"+ident+"/view_key/", nil)["key"].(string)
		if len(key) != 60 {
			t.Fatalf("key of %d characters", len(key))
		}

		// The key authenticates as the account, which sees its outpost and providers only.
		me := e.As(key, "GET", "/api/v3/core/users/me/", nil)
		if me.Status != 200 || !strings.Contains(string(me.Body), `"username":"`+username+`"`) {
			t.Fatalf("me with the outpost's key: %d %s", me.Status, me.Body)
		}
		for _, c := range []struct {
			method, path string
			want         int
		}{
			{"GET", "/api/v3/outposts/instances/" + uuid + "/", 200},
			{"GET", fmt.Sprintf("/api/v3/providers/rac/%v/", p1), 200},
			{"GET", fmt.Sprintf("/api/v3/providers/rac/%v/", p2), 404},
			{"PATCH", "/api/v3/outposts/instances/" + uuid + "/", 403},
			{"POST", "/api/v3/providers/rac/", 403},
			{"GET", "/api/v3/core/users/", 403},
		} {
			if r := e.As(key, c.method, c.path, map[string]any{}); r.Status != c.want {
				t.Errorf("outpost key: %s %s → %d %s, want %d", c.method, c.path, r.Status, r.Body, c.want)
			}
		}
		// Grants follow the providers; the account's name follows the outpost's.
		e.MustAdmin(200, "PATCH", "/api/v3/outposts/instances/"+uuid+"/", map[string]any{"name": "edge-2", "providers": []any{p2}})
		if r := e.As(key, "GET", fmt.Sprintf("/api/v3/providers/rac/%v/", p2), nil); r.Status != 200 {
			t.Fatalf("new provider with the outpost's key: %d", r.Status)
		}
		if r := e.As(key, "GET", fmt.Sprintf("/api/v3/providers/rac/%v/", p1), nil); r.Status != 404 {
			t.Fatalf("old provider with the outpost's key: %d", r.Status)
		}
		if n := e.MustAdmin(200, "GET", "/api/v3/core/users/?name=Outpost+edge-2+Service-Account", nil)["pagination"].(map[string]any)["count"]; n != 1.0 {
			t.Fatalf("renamed account: %v", n)
		}

		// A user who is not a superuser cannot read the key, even holding view on tokens.
		id, other := e.User("mallory")
		e.Grant(id, "", "", "authentik_core.view_token")
		if r := e.As(other, "GET", "/api/v3/core/tokens/"+ident+"/view_key/", nil); r.Status != 404 && r.Status != 403 {
			t.Fatalf("view_key by a non-superuser: %d %s", r.Status, r.Body)
		}

		// Deleting the outpost removes both, recorded; the key stops working at once.
		e.MustAdmin(204, "DELETE", "/api/v3/outposts/instances/"+uuid+"/", nil)
		if r := e.As(key, "GET", "/api/v3/core/users/me/", nil); r.Status != 403 || !strings.Contains(string(r.Body), "Token invalid/expired") {
			t.Fatalf("the deleted outpost's key: %d %s", r.Status, r.Body)
		}
		e.MustAdmin(404, "GET", "/api/v3/core/tokens/"+ident+"/", nil)
		if n := e.MustAdmin(200, "GET", "/api/v3/core/users/?username="+username, nil)["pagination"].(map[string]any)["count"]; n != 0.0 {
			t.Fatalf("service account left after the delete: %v", n)
		}
		for _, model := range []string{"token", "user", "outpost"} {
			ev := e.MustAdmin(200, "GET", "/api/v3/events/events/?action=model_deleted&context_model_name="+model, nil)
			if ev["pagination"].(map[string]any)["count"].(float64) != 1 {
				t.Errorf("model_deleted events for %s: %v", model, ev["pagination"])
			}
		}
		if strings.Contains(string(e.Admin("GET", "/api/v3/events/events/?page_size=1000", nil).Body), key) {
			t.Fatal("the key reached an event")
		}
	})
}

// TestOutpostServiceAccountBackfill: an outpost stored without a service account (as
// before racd made them) gets one, with its token, on its next write through the API.
func TestOutpostServiceAccountBackfill(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p := int64(e.Provider(map[string]any{"name": "served", "authorization_flow": flow})["pk"].(float64))
		o, err := e.Store.Outposts().Create(context.Background(), &racd.OutpostInput{
			Name: racd.Some("old"), Type: racd.Some("rac"), Providers: racd.Some([]racd.IntRef{{ID: p}}), Config: racd.Some(racd.EmptyObject),
		}, racd.Audit{})
		if err != nil {
			t.Fatal(err)
		}
		e.MustAdmin(404, "GET", "/api/v3/core/tokens/"+o.TokenIdentifier()+"/", nil)
		e.MustAdmin(200, "PATCH", "/api/v3/outposts/instances/"+o.UUID+"/", map[string]any{"name": "old-2"})
		key := e.MustAdmin(200, "GET", "/api/v3/core/tokens/"+o.TokenIdentifier()+"/view_key/", nil)["key"].(string)
		if r := e.As(key, "GET", "/api/v3/outposts/instances/"+o.UUID+"/", nil); r.Status != 200 {
			t.Fatalf("backfilled key: %d %s", r.Status, r.Body)
		}
	})
}
