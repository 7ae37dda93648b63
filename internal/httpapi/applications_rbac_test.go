package httpapi_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, to seed a caller

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/storetest"
)

// seedCaller creates an active user with an api token and the given grants
// ("codename" for a global grant, "codename@pk" for one object) straight in the
// database, and returns the token's key. The user and permission routes are not this
// file's subject.
func seedCaller(t *testing.T, e *apitest.Env, dbURL, username string, grants ...string) string {
	t.Helper()
	driver, dsn := "pgx", dbURL
	if strings.HasPrefix(dbURL, "sqlite://") {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(dbURL, "sqlite://")+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := func(s string) string {
		if driver == "sqlite" {
			return strings.ReplaceAll(s, "$", "?")
		}
		return s
	}
	var id int64
	if err := db.QueryRow(q("INSERT INTO users (uuid, username, date_joined) VALUES ($1, $2, $3) RETURNING id"),
		fmt.Sprintf("00000000-0000-4000-8000-%012d", len(username)), username, time.Now().UnixMicro()).Scan(&id); err != nil {
		t.Fatalf("insert user: %v", err)
	}
	key := "key-of-" + username + "-0123456789"
	sealed, err := e.Keys.Seal(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(q("INSERT INTO tokens (uuid, identifier, key_hash, key_sealed, intent, user_id, expiring) VALUES ($1, $2, $3, $4, 'api', $5, FALSE)"),
		fmt.Sprintf("00000000-0000-4000-9000-%012d", len(username)), "token-"+username, e.Keys.Hash(key), sealed, id); err != nil {
		t.Fatalf("insert token: %v", err)
	}
	for _, g := range grants {
		perm, pk, _ := strings.Cut(g, "@")
		if _, err := db.Exec(q("INSERT INTO user_permissions (user_id, permission, object_pk) VALUES ($1, $2, $3)"), id, perm, pk); err != nil {
			t.Fatalf("insert grant: %v", err)
		}
	}
	return key
}

// TestApplicationOutpostPermissions: the routes follow SPEC's permission table — a
// caller sees only the applications it may view, needs change/delete for writes and
// the global add permission to create; with no view permission anywhere, every route
// of the model is 403; used_by lists only what the caller may view.
func TestApplicationOutpostPermissions(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			dbURL := storetest.URL(t, backend)
			e := apitest.NewWithURL(t, dbURL)
			flow := e.Flow("authz", "authorization")
			p1 := int64(e.Provider(map[string]any{"name": "p1", "authorization_flow": flow})["pk"].(float64))
			app1 := e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "One", "slug": "one", "backchannel_providers": []int64{p1}})
			e.MustAdmin(201, "POST", "/api/v3/core/applications/", map[string]any{"name": "Two", "slug": "two"})
			out := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "o", "type": "rac", "providers": []int64{p1}, "config": map[string]any{}})
			bob := seedCaller(t, e, dbURL, "bob", "authentik_core.view_application@"+app1["pk"].(string))
			carol := seedCaller(t, e, dbURL, "carol", "authentik_core.view_application", "authentik_core.change_application",
				"authentik_outposts.view_outpost")
			cases := []struct {
				token, method, path, body string
				status                    int
				contains                  string
			}{
				{bob, "GET", "/api/v3/core/applications/", "", 200, `"count":1,`},
				{bob, "GET", "/api/v3/core/applications/one/", "", 200, `"slug":"one"`},
				{bob, "GET", "/api/v3/core/applications/two/", "", 404, `Not found.`},
				{bob, "GET", "/api/v3/core/applications/nope/", "", 404, `Not found.`},
				{bob, "PATCH", "/api/v3/core/applications/one/", `{"name":""}`, 403, `You do not have permission`},
				{bob, "DELETE", "/api/v3/core/applications/one/", "", 403, `You do not have permission`},
				{bob, "POST", "/api/v3/core/applications/", `{}`, 403, `You do not have permission`},
				{bob, "GET", "/api/v3/core/applications/one/used_by/", "", 200, `[]`}, // p1 is not visible to bob
				{bob, "GET", "/api/v3/outposts/instances/", "", 403, `You do not have permission`},
				{bob, "GET", "/api/v3/outposts/instances/default_settings/", "", 403, `You do not have permission`},
				{bob, "GET", "/api/v3/outposts/instances/" + out["pk"].(string) + "/", "", 403, `You do not have permission`},
				{carol, "GET", "/api/v3/core/applications/", "", 200, `"count":2,`},
				{carol, "PATCH", "/api/v3/core/applications/two/", `{"name":""}`, 400, `This field may not be blank.`},
				{carol, "PATCH", "/api/v3/core/applications/two/", `{"group":"g"}`, 200, `"group":"g"`},
				{carol, "DELETE", "/api/v3/core/applications/two/", "", 403, `You do not have permission`},
				{carol, "GET", "/api/v3/outposts/instances/", "", 200, `"count":1,`},
				{carol, "GET", "/api/v3/outposts/instances/default_settings/", "", 200, `"config":`},
				{carol, "PATCH", "/api/v3/outposts/instances/" + out["pk"].(string) + "/", `{}`, 403, `You do not have permission`},
				{"", "GET", "/api/v3/core/applications/", "", 403, `Authentication credentials were not provided.`},
				{"", "GET", "/api/v3/outposts/instances/" + out["pk"].(string) + "/", "", 403, `You do not have permission`},
			}
			for _, c := range cases {
				r := e.Do(apitest.Request{Method: c.method, Path: c.path, Body: c.body, Token: c.token})
				if r.Status != c.status || !strings.Contains(string(r.Body), c.contains) {
					t.Errorf("%s %s as %.10s: %d %s, want %d with %s", c.method, c.path, c.token, r.Status, r.Body, c.status, c.contains)
				}
			}
		})
	}
}
