package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

// TestSuperuserRules (issue 9 §1), through the API on both databases: a delegated
// administrator holding every global permission on users, groups and tokens cannot
// touch the superuser groups or accounts, make anyone a superuser, or mint a reserved,
// managed or everlasting token; a superuser cannot leave the instance without an
// active superuser or make a group its own ancestor.
func TestSuperuserRules(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		admins := e.MustAdmin(200, "GET", "/api/v3/core/groups/?name="+strings.ReplaceAll(racd.BootstrapGroupName, " ", "%20"), nil)["results"].([]any)[0].(map[string]any)
		adminsPath := "/api/v3/core/groups/" + admins["pk"].(string) + "/"
		akadmin := int64(admins["users"].([]any)[0].(float64))
		akadminPath := fmt.Sprintf("/api/v3/core/users/%d/", akadmin)
		child := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "admins-child", "parent": admins["pk"]})
		childPath := "/api/v3/core/groups/" + child["pk"].(string) + "/"
		plain := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "plain"})["pk"].(string)

		id, key := e.User("delegate")
		var perms []string
		for _, m := range []string{"authentik_core.user", "authentik_core.group", "authentik_core.token"} {
			app, model, _ := strings.Cut(m, ".")
			for _, action := range []string{"view", "add", "change", "delete"} {
				perms = append(perms, app+"."+action+"_"+model)
			}
		}
		e.Grant(id, "", "", perms...)
		self := fmt.Sprintf("/api/v3/core/users/%d/", id)
		type call struct {
			name, method, path string
			body               any
			status             int
			want               string // the body, when set
		}
		forbidden := `{"detail":"You do not have permission to perform this action."}`
		for _, c := range []call{
			{"rename the superuser group", "PATCH", adminsPath, map[string]any{"name": "mine"}, 403, forbidden},
			{"delete the superuser group", "DELETE", adminsPath, nil, 403, forbidden},
			{"rename a group under it", "PATCH", childPath, map[string]any{"name": "mine"}, 403, forbidden},
			{"delete a group under it", "DELETE", childPath, nil, 403, forbidden},
			{"join it", "PATCH", self, map[string]any{"groups": []any{admins["pk"]}}, 403, forbidden},
			{"join it by add_user", "POST", adminsPath + "add_user/", map[string]any{"pk": id}, 403, forbidden},
			{"hang a group under it", "PATCH", "/api/v3/core/groups/" + plain + "/", map[string]any{"parent": admins["pk"]}, 403, forbidden},
			{"make a group a superuser group", "PATCH", "/api/v3/core/groups/" + plain + "/", map[string]any{"is_superuser": true}, 400,
				`{"is_superuser":["User does not have permission to set superuser status to True."]}`},
			{"deactivate akadmin", "PATCH", akadminPath, map[string]any{"is_active": false}, 403, forbidden},
			{"delete akadmin", "DELETE", akadminPath, nil, 403, forbidden},
			{"take the bootstrap token's identifier", "POST", "/api/v3/core/tokens/", map[string]any{"identifier": racd.BootstrapTokenIdentifier}, 400,
				`{"identifier":["` + racd.MsgReservedIdentifier + `"]}`},
			{"set managed", "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "m", "managed": "goauthentik.io/outpost/x"}, 400,
				`{"managed":["` + racd.MsgManagedBySuperusers + `"]}`},
			{"a token past the maximum lifetime", "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "far",
				"expires": time.Now().Add(racd.DefaultTokenMaxLifetime + time.Hour).UTC().Format(time.RFC3339)}, 400, ""},
			{"rename itself akadmin2", "PATCH", self, map[string]any{"username": "akadmin2"}, 200, ""},
		} {
			r := e.As(key, c.method, c.path, c.body)
			if r.Status != c.status || c.want != "" && string(r.Body) != c.want {
				t.Errorf("%s: %s, want %d %s", c.name, r, c.status, c.want)
			}
		}
		// Its own token without an expiry expires after the default lifetime.
		r := e.As(key, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "mine", "expires": nil, "expiring": false})
		tok := r.Map(t)
		exp, err := time.Parse(time.RFC3339Nano, fmt.Sprint(tok["expires"]))
		if r.Status != 201 || tok["expiring"] != true || err != nil || time.Until(exp) > racd.DefaultTokenLifetime+time.Minute {
			t.Errorf("a delegate's token without expiry: %s", r)
		}
		// Nor may it rename its token to the bootstrap token's identifier, set managed
		// on it or make it outlive the maximum (or never expire) by a change.
		for _, c := range []call{
			{"rename its token to the bootstrap token's identifier", "PATCH", "/api/v3/core/tokens/mine/",
				map[string]any{"identifier": racd.BootstrapTokenIdentifier}, 400, `{"identifier":["` + racd.MsgReservedIdentifier + `"]}`},
			{"set managed on its token", "PATCH", "/api/v3/core/tokens/mine/", map[string]any{"managed": "goauthentik.io/outpost/x"}, 400,
				`{"managed":["` + racd.MsgManagedBySuperusers + `"]}`},
			{"move its token's expiry past the maximum", "PATCH", "/api/v3/core/tokens/mine/", map[string]any{"identifier": "mine",
				"expires": time.Now().Add(racd.DefaultTokenMaxLifetime + time.Hour).UTC().Format(time.RFC3339)}, 400, ""},
		} {
			if r := e.As(key, c.method, c.path, c.body); r.Status != c.status || c.want != "" && string(r.Body) != c.want {
				t.Errorf("%s: %s, want %d %s", c.name, r, c.status, c.want)
			}
		}
		if r := e.As(key, "PATCH", "/api/v3/core/tokens/mine/", map[string]any{"expiring": false, "expires": nil}); r.Status != 200 || r.Map(t)["expiring"] != true || r.Map(t)["expires"] == nil {
			t.Errorf("make its token never expire: %s", r)
		}
		if got := superusers(t, e); got != "akadmin" {
			t.Errorf("superusers after the delegate's attempts: %s", got)
		}

		// The superuser itself cannot take the last active superuser away.
		last := func(field string) string { return fmt.Sprintf(`{%q:[%q]}`, field, racd.MsgLastSuperuser) }
		for _, c := range []call{
			{"deactivate the last superuser", "PATCH", akadminPath, map[string]any{"is_active": false}, 400, last("is_active")},
			{"leave the last superuser group", "PATCH", akadminPath, map[string]any{"groups": []any{}}, 400, last("groups")},
			{"delete the last superuser", "DELETE", akadminPath, nil, 400, last("non_field_errors")},
			{"demote the last superuser group", "PATCH", adminsPath, map[string]any{"is_superuser": false}, 400, last("is_superuser")},
			{"empty it", "PATCH", adminsPath, map[string]any{"users": []any{}}, 400, last("users")},
			{"delete it", "DELETE", adminsPath, nil, 400, last("non_field_errors")},
			{"remove_user", "POST", adminsPath + "remove_user/", map[string]any{"pk": akadmin}, 400, last("non_field_errors")},
			{"make a group its own grandparent", "PATCH", adminsPath, map[string]any{"parent": child["pk"]}, 400,
				`{"parent":["` + racd.MsgGroupCycle + `"]}`},
		} {
			if r := e.Admin(c.method, c.path, c.body); r.Status != c.status || string(r.Body) != c.want {
				t.Errorf("%s: %s, want %d %s", c.name, r, c.status, c.want)
			}
		}
		if got := superusers(t, e); got != "akadmin" {
			t.Errorf("superusers after the refusals: %s", got)
		}
		// With a second superuser, akadmin may go.
		second := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "second", "name": "S", "groups": []any{admins["pk"]}})
		secondKey := e.TokenFor(int64(second["pk"].(float64)), "second-token")
		e.MustAdmin(200, "PATCH", akadminPath, map[string]any{"is_active": false})
		if r := e.As(secondKey, "GET", "/api/v3/core/users/?is_superuser=true&is_active=true", nil); r.Count() != 1 || !strings.Contains(string(r.Body), `"username":"second"`) {
			t.Errorf("superusers: %s", r)
		}
	})
}

// superusers lists the active superusers' usernames, sorted, comma-separated.
func superusers(t *testing.T, e *apitest.Env) string {
	t.Helper()
	page := e.MustAdmin(200, "GET", "/api/v3/core/users/?is_superuser=true&is_active=true&ordering=username", nil)
	var names []string
	for _, u := range page["results"].([]any) {
		names = append(names, u.(map[string]any)["username"].(string))
	}
	return strings.Join(names, ",")
}

// TestSuperuserOutpostAccount (issue 9 §1), through the API on both databases: an
// outpost finds its service account by name, which a holder of change_user may give
// any user before a superuser promotes it. Changing or deleting the outpost then
// leaves that superuser alone: its name, its grants and its account stay, and the
// instance keeps its last active superuser.
func TestSuperuserOutpostAccount(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		admins := e.MustAdmin(200, "GET", "/api/v3/core/groups/?is_superuser=true", nil)["results"].([]any)[0].(map[string]any)
		flow := e.Flow("authz", "authorization")
		p := e.Provider(map[string]any{"name": "p", "authorization_flow": flow})
		o := e.MustAdmin(201, "POST", "/api/v3/outposts/instances/", map[string]any{"name": "edge", "type": "rac", "providers": []any{p["pk"]}, "config": map[string]any{}})
		account := "ak-outpost-" + strings.ReplaceAll(o["pk"].(string), "-", "")
		found := e.MustAdmin(200, "GET", "/api/v3/core/users/?username="+account, nil)["results"].([]any)
		if len(found) != 1 {
			t.Fatalf("the outpost's account: %v", found)
		}
		e.MustAdmin(200, "PATCH", fmt.Sprintf("/api/v3/core/users/%v/", found[0].(map[string]any)["pk"]), map[string]any{"username": "old-account"})
		victim := int64(e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "victim", "name": "Victim"})["pk"].(float64))
		victimPath := fmt.Sprintf("/api/v3/core/users/%d/", victim)
		_, key := e.User("delegate", "authentik_core.view_user", "authentik_core.change_user", "authentik_outposts.view_outpost",
			"authentik_outposts.change_outpost", "authentik_outposts.delete_outpost", "authentik_providers_rac.view_racprovider")
		if r := e.As(key, "PATCH", victimPath, map[string]any{"username": account}); r.Status != 200 {
			t.Fatalf("rename the victim: %s", r)
		}
		// A superuser promotes it and deactivates akadmin: it is the last active one.
		e.MustAdmin(200, "PATCH", victimPath, map[string]any{"groups": []any{admins["pk"]}})
		victimKey := e.TokenFor(victim, "victim-token")
		e.MustAdmin(200, "PATCH", fmt.Sprintf("/api/v3/core/users/%v/", admins["users"].([]any)[0]), map[string]any{"is_active": false})
		outpost := "/api/v3/outposts/instances/" + o["pk"].(string) + "/"
		if r := e.As(key, "PATCH", outpost, map[string]any{"name": "edge2", "providers": []any{p["pk"]}}); r.Status != 200 {
			t.Fatalf("change the outpost: %s", r)
		}
		if r := e.As(key, "DELETE", outpost, nil); r.Status != 204 {
			t.Fatalf("delete the outpost: %s", r)
		}
		r := e.As(victimKey, "GET", victimPath, nil)
		if r.Status != 200 || r.Map(t)["name"] != "Victim" || r.Map(t)["is_superuser"] != true {
			t.Errorf("the superuser after the outpost went: %s", r)
		}
		if got := e.As(victimKey, "GET", "/api/v3/core/users/?is_superuser=true&is_active=true", nil); got.Count() != 1 {
			t.Errorf("active superusers: %s", got)
		}
	})
}
