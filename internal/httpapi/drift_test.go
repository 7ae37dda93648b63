package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
)

// TestOneUIDPerUser: a user has one uid wherever the API shows it — the user itself,
// users/me, a group's members, a token's owner, a connection token's user, a launch's
// answer — and it is authentik's: the hex SHA-256 of "<pk>-<install id>".
func TestOneUIDPerUser(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		id, key := e.User("ann")
		pk := strconv.FormatInt(id, 10)
		sum := sha256.Sum256([]byte(pk + "-" + e.Keys.InstallID()))
		want := hex.EncodeToString(sum[:])
		flow := e.Flow("authz", "authorization")
		prov := e.Provider(map[string]any{"name": "p", "authorization_flow": flow})["pk"]
		ep := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", map[string]any{"name": "desk", "provider": prov, "protocol": "rdp",
			"host": "desk:3389", "auth_mode": "prompt", "maximum_connections": -1})["pk"].(string)
		e.Grant(id, "authentik_providers_rac.endpoint", ep, "authentik_providers_rac.view_endpoint")
		group := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "g", "users": []int64{id}})["pk"].(string)
		launch := e.As(key, "POST", "/api/v3/rac/endpoints/"+ep+"/launch/", nil)
		if launch.Status != 201 {
			t.Fatalf("launch: %s", launch)
		}
		var l struct {
			ConnectionToken struct {
				PK   string `json:"pk"`
				User struct {
					UID string `json:"uid"`
				} `json:"user"`
			} `json:"connection_token"`
		}
		if err := json.Unmarshal(launch.Body, &l); err != nil {
			t.Fatal(err)
		}
		uid := func(r *apitest.Resp, path ...any) string {
			t.Helper()
			v := r.JSON(t)
			for _, p := range path {
				switch k := p.(type) {
				case string:
					v = v.(map[string]any)[k]
				case int:
					v = v.([]any)[k]
				}
			}
			s, _ := v.(string)
			return s
		}
		got := map[string]string{
			"user":                  uid(e.Admin("GET", "/api/v3/core/users/"+pk+"/", nil), "uid"),
			"users/me":              uid(e.As(key, "GET", "/api/v3/core/users/me/", nil), "user", "uid"),
			"group member":          uid(e.Admin("GET", "/api/v3/core/groups/"+group+"/", nil), "users_obj", 0, "uid"),
			"token owner":           uid(e.Admin("GET", "/api/v3/core/tokens/ann-token/", nil), "user_obj", "uid"),
			"connection token user": uid(e.Admin("GET", "/api/v3/rac/connection_tokens/"+l.ConnectionToken.PK+"/", nil), "user", "uid"),
			"launch answer":         l.ConnectionToken.User.UID,
		}
		for where, u := range got {
			if u != want {
				t.Errorf("uid of ann in the %s = %q, want %q", where, u, want)
			}
		}
	})
}

// TestTimesInISOFormat: every time the API shows is Python's isoformat as DRF renders
// it, microseconds never trimmed (05.120000Z, not 05.12Z) — a connection token's user
// as much as the user itself.
func TestTimesInISOFormat(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		id, key := e.User("ann")
		login := time.Date(2024, 6, 1, 12, 30, 5, 120000000, time.UTC)
		e.Exec("UPDATE users SET last_login = $1 WHERE id = $2", login.UnixMicro(), id)
		const want = "2024-06-01T12:30:05.120000Z"
		flow := e.Flow("authz", "authorization")
		prov := e.Provider(map[string]any{"name": "p", "authorization_flow": flow})["pk"]
		ep := e.MustAdmin(201, "POST", "/api/v3/rac/endpoints/", map[string]any{"name": "desk", "provider": prov, "protocol": "rdp",
			"host": "desk:3389", "auth_mode": "prompt"})["pk"].(string)
		e.Grant(id, "authentik_providers_rac.endpoint", ep, "authentik_providers_rac.view_endpoint")
		ct := e.As(key, "POST", "/api/v3/rac/endpoints/"+ep+"/launch/", nil).Map(t)["connection_token"].(map[string]any)["pk"].(string)
		user := e.Admin("GET", "/api/v3/core/users/"+fmt.Sprint(id)+"/", nil).Map(t)
		token := e.Admin("GET", "/api/v3/rac/connection_tokens/"+ct+"/", nil).Map(t)
		for where, got := range map[string]any{"user": user["last_login"], "connection token's user": token["user"].(map[string]any)["last_login"]} {
			if got != want {
				t.Errorf("last_login of the %s = %v, want %s", where, got, want)
			}
		}
	})
}
