package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/racd/racd/internal/storetest"
)

// TestBootstrapTokenChanged: a RACD_BOOTSTRAP_TOKEN that no longer matches the stored
// bootstrap token gives a warning naming neither key; the same key gives none.
func TestBootstrapTokenChanged(t *testing.T) {
	const first, second = "bootstrap-key-first-0123456789", "bootstrap-key-second-0123456789"
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			vars := map[string]string{"RACD_DATABASE_URL": storetest.URL(t, backend), "RACD_SECRET_KEY": secret,
				"RACD_LISTEN": "127.0.0.1:0", "RACD_BOOTSTRAP_TOKEN": first}
			const warning = `level=WARN msg="RACD_BOOTSTRAP_TOKEN does not match the stored bootstrap token`
			logs := serveOnce(t, vars)
			if !strings.Contains(logs, "created bootstrap admin token") || strings.Contains(logs, warning) {
				t.Fatalf("first start:\n%s", logs)
			}
			if logs := serveOnce(t, vars); strings.Contains(logs, warning) || strings.Contains(logs, "created bootstrap") {
				t.Fatalf("same key again:\n%s", logs)
			}
			vars["RACD_BOOTSTRAP_TOKEN"] = second
			logs = serveOnce(t, vars)
			if !strings.Contains(logs, warning) || !strings.Contains(logs, "identifier=racd-bootstrap-token") {
				t.Fatalf("changed key, no warning:\n%s", logs)
			}
			if strings.Contains(logs, first) || strings.Contains(logs, second) {
				t.Fatalf("a key reached the log:\n%s", logs)
			}
		})
	}
}

// TestBootstrapNeverPromotes (issue 9 §1), through the API and restarts of racd serve
// on both databases: once the superuser bootstrap created is gone, a user who renamed
// itself akadmin is neither promoted nor given the bootstrap token by the next start
// (which warns); once nobody is named akadmin, a start creates a new akadmin of its
// own with the token. A rename of the bootstrap's superuser changes nothing.
func TestBootstrapNeverPromotes(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			const key = "bootstrap-never-promotes-key-0123456789"
			vars := map[string]string{"RACD_DATABASE_URL": storetest.URL(t, backend), "RACD_SECRET_KEY": secret,
				"RACD_LISTEN": "127.0.0.1:0", "RACD_BOOTSTRAP_TOKEN": key, "RACD_AUTH_CACHE_TTL": "0"}
			s := startServe(t, vars)
			api := func(key, method, path string, body any) (int, map[string]any) {
				t.Helper()
				return apiCall(t, s.Addr, key, method, path, body)
			}
			_, admins := api(key, "GET", "/api/v3/core/groups/?is_superuser=true", nil)
			group := admins["results"].([]any)[0].(map[string]any)["pk"].(string)
			_, second := api(key, "POST", "/api/v3/core/users/", map[string]any{"username": "second", "name": "S", "groups": []any{group}})
			secondID := int64(second["pk"].(float64))
			api(key, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "second-key", "user": secondID, "expiring": false})
			_, k := api(key, "GET", "/api/v3/core/tokens/second-key/view_key/", nil)
			secondKey := k["key"].(string)
			_, me := api(key, "GET", "/api/v3/core/users/me/", nil)
			akadmin := int64(me["user"].(map[string]any)["pk"].(float64))
			// A restart after a rename of akadmin, and of another user to akadmin,
			// changes nothing.
			if code, _ := api(secondKey, "PATCH", fmt.Sprintf("/api/v3/core/users/%d/", akadmin), map[string]any{"username": "root"}); code != 200 {
				t.Fatalf("rename akadmin: %d", code)
			}
			_, mallory := api(secondKey, "POST", "/api/v3/core/users/", map[string]any{"username": "mallory", "name": "M"})
			malloryID := int64(mallory["pk"].(float64))
			api(secondKey, "POST", fmt.Sprintf("/api/v3/rbac/permissions/assigned_by_users/%d/assign/", malloryID),
				map[string]any{"permissions": []string{"authentik_core.change_user", "authentik_core.view_user"}, "model": "authentik_core.user", "object_pk": fmt.Sprint(malloryID)})
			api(secondKey, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "mallory-key", "user": malloryID, "expiring": false})
			_, k = api(secondKey, "GET", "/api/v3/core/tokens/mallory-key/view_key/", nil)
			malloryKey := k["key"].(string)
			// The name is free: mallory takes it.
			if code, _ := api(malloryKey, "PATCH", fmt.Sprintf("/api/v3/core/users/%d/", malloryID), map[string]any{"username": "akadmin"}); code != 200 {
				t.Fatalf("mallory renames itself akadmin: %d", code)
			}
			superusers := func() string {
				t.Helper()
				_, page := api(secondKey, "GET", "/api/v3/core/users/?is_superuser=true&is_active=true&ordering=username", nil)
				var names []string
				for _, u := range page["results"].([]any) {
					names = append(names, u.(map[string]any)["username"].(string))
				}
				return strings.Join(names, ",")
			}
			s.Stop()
			s = startServe(t, vars)
			if got := superusers(); got != "root,second" {
				t.Fatalf("after a restart: superusers %s", got)
			}
			// root (the bootstrap's superuser) deleted: the next start finds mallory named
			// akadmin.
			if code, _ := api(secondKey, "DELETE", fmt.Sprintf("/api/v3/core/users/%d/", akadmin), nil); code != 204 {
				t.Fatalf("delete root: %d", code)
			}
			s.Stop()
			s = startServe(t, vars)
			if got := superusers(); got != "second" {
				t.Fatalf("a start promoted mallory: superusers %s", got)
			}
			if !strings.Contains(s.Logs(), "RACD_BOOTSTRAP_TOKEN ignored") {
				t.Errorf("no warning:\n%s", s.Logs())
			}
			if code, _ := api(key, "GET", "/api/v3/core/users/me/", nil); code != 403 {
				t.Errorf("mallory got the bootstrap token: %d", code)
			}
			// Once the name is free, a start makes a new akadmin with the token.
			if code, _ := api(secondKey, "DELETE", fmt.Sprintf("/api/v3/core/users/%d/", malloryID), nil); code != 204 {
				t.Fatalf("delete mallory: %d", code)
			}
			s.Stop()
			s = startServe(t, vars)
			if got := superusers(); got != "akadmin,second" {
				t.Fatalf("after akadmin was gone: superusers %s", got)
			}
			if code, me := api(key, "GET", "/api/v3/core/users/me/", nil); code != 200 || me["user"].(map[string]any)["username"] != "akadmin" {
				t.Errorf("the bootstrap token: %d %v", code, me)
			}
		})
	}
}

// apiCall sends one JSON request to the API at addr with key.
func apiCall(t *testing.T, addr, key, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+addr+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}
