package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
)

// Tests of what authentik's clients from 2024.8 on read and write on users, roles and
// users/me (README, "Clients"), on both databases.

// TestUserRolesGivenDirectly: a role given to a user directly (User.roles, or
// rbac/roles/{uuid}/add_user/) is listed on the user, counts for what the user may
// see and do like a role of one of its groups, and is taken back by remove_user.
func TestUserRolesGivenDirectly(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p1 := pkOf(e.Provider(map[string]any{"name": "p1", "authorization_flow": flow}))
		p2 := pkOf(e.Provider(map[string]any{"name": "p2", "authorization_flow": flow}))
		viewers := pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "viewers"}))
		editors := pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "editors"}))
		e.MustAdmin(200, "POST", "/api/v3/rbac/permissions/assigned_by_roles/"+viewers+"/assign/", map[string]any{
			"permissions": []string{"view_racprovider"}, "model": "authentik_providers_rac.racprovider", "object_pk": p1})
		e.MustAdmin(200, "POST", "/api/v3/rbac/permissions/assigned_by_roles/"+editors+"/assign/", map[string]any{
			"permissions": []string{"view_racprovider", "change_racprovider"}, "model": "authentik_providers_rac.racprovider", "object_pk": p2})

		// Given at creation: listed, and counting.
		u := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "ann", "name": "Ann", "roles": []string{viewers}})
		id := int64(u["pk"].(float64))
		if fmt.Sprint(u["roles"]) != "["+viewers+"]" || fmt.Sprint(u["roles_obj"]) != "[map[name:viewers pk:"+viewers+"]]" {
			t.Fatalf("created user's roles: %v %v", u["roles"], u["roles_obj"])
		}
		key := e.TokenFor(id, "ann-token")
		ids := func() []string {
			r := e.As(key, "GET", "/api/v3/providers/rac/?ordering=pk", nil)
			if r.Status != 200 {
				return []string{strconv.Itoa(r.Status)}
			}
			var out []string
			for _, o := range r.Map(t)["results"].([]any) {
				out = append(out, pkOf(o.(map[string]any)))
			}
			return out
		}
		if got := ids(); !slices.Equal(got, []string{p1}) {
			t.Fatalf("with viewers given directly the user lists %v, want [%s]", got, p1)
		}
		if r := e.As(key, "PATCH", "/api/v3/providers/rac/"+p2+"/", map[string]any{"name": "x"}); r.Status != 404 {
			t.Fatalf("change p2 before editors: %s", r)
		}

		// add_user: 204, then the role counts (view and change), and shows.
		path := "/api/v3/rbac/roles/" + editors + "/"
		if r := e.Admin("POST", path+"add_user/", map[string]any{"pk": id}); r.Status != 204 || len(r.Body) != 0 {
			t.Fatalf("add_user: %s", r)
		}
		if got := ids(); !slices.Equal(got, []string{p1, p2}) {
			t.Fatalf("after add_user the user lists %v, want [%s %s]", got, p1, p2)
		}
		if r := e.As(key, "PATCH", "/api/v3/providers/rac/"+p2+"/", map[string]any{"name": "renamed"}); r.Status != 200 {
			t.Fatalf("change p2 through editors: %s", r)
		}
		got := e.MustAdmin(200, "GET", "/api/v3/core/users/"+strconv.FormatInt(id, 10)+"/", nil)
		if fmt.Sprint(got["roles"]) != fmt.Sprint(sortedStrings(editors, viewers)) ||
			fmt.Sprint(got["roles_obj"]) != "[map[name:editors pk:"+editors+"] map[name:viewers pk:"+viewers+"]]" {
			t.Errorf("user's roles after add_user: %v %v", got["roles"], got["roles_obj"])
		}
		if r := e.Admin("GET", "/api/v3/core/users/"+strconv.FormatInt(id, 10)+"/?include_roles=false", nil); r.Map(t)["roles_obj"] != nil {
			t.Errorf("include_roles=false: roles_obj %v, want null", r.Map(t)["roles_obj"])
		}
		// add_user twice is fine; remove_user takes it back, twice too.
		e.MustAdmin(204, "POST", path+"add_user/", map[string]any{"pk": id})
		e.MustAdmin(204, "POST", path+"remove_user/", map[string]any{"pk": id})
		e.MustAdmin(204, "POST", path+"remove_user/", map[string]any{"pk": id})
		if got := ids(); !slices.Equal(got, []string{p1}) {
			t.Fatalf("after remove_user the user lists %v, want [%s]", got, p1)
		}
		// The change is recorded as an update of the user.
		// The change is recorded as an update of the user (the second, idle
		// remove_user records one without a diff, as a PATCH {} does).
		evs := e.Events(t) // newest first
		if m := evs[0].Context["model"].(map[string]any); evs[0].Action != "model_updated" || m["model_name"] != "user" ||
			fmt.Sprint(m["pk"]) != strconv.FormatInt(id, 10) || len(evs[0].Context["diff"].(map[string]any)) != 0 {
			t.Errorf("the idle remove_user's event: %s %v", evs[0].Action, evs[0].Context)
		}
		if d, _ := evs[1].Context["diff"].(map[string]any)["roles"].(map[string]any); fmt.Sprint(d["previous_value"]) != fmt.Sprint(sortedStrings(editors, viewers)) ||
			fmt.Sprint(d["new_value"]) != "["+viewers+"]" {
			t.Errorf("remove_user's event diff: %v", evs[1].Context["diff"])
		}
		// Through the user resource: PATCH roles replaces them.
		e.MustAdmin(200, "PATCH", "/api/v3/core/users/"+strconv.FormatInt(id, 10)+"/", map[string]any{"roles": []string{editors}})
		if got := ids(); !slices.Equal(got, []string{p2}) {
			t.Fatalf("after PATCH roles=[editors] the user lists %v, want [%s]", got, p2)
		}
		// Deleting a role takes it from its holders.
		e.MustAdmin(204, "DELETE", path, nil)
		if got := ids(); got[0] != "403" {
			t.Fatalf("after the role's deletion the user lists %v, want 403", got)
		}
	})
}

// TestUserRolesRules: only superusers give roles, through users or add_user (a user
// administrator must not raise itself); bad bodies are a 400, a missing user or role
// a 404, and a role the caller may not view is a missing one.
func TestUserRolesRules(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		role := pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "powerful"}))
		e.MustAdmin(200, "POST", "/api/v3/rbac/permissions/assigned_by_roles/"+role+"/assign/", map[string]any{"permissions": []string{"authentik_core.change_user"}})
		// A user administrator: may view and change every user and role, and add users.
		admID, admKey := e.User("useradmin", "authentik_core.view_user", "authentik_core.change_user", "authentik_core.add_user",
			"authentik_rbac.view_role", "authentik_rbac.change_role")
		target, _ := e.User("target")
		tp := "/api/v3/core/users/" + strconv.FormatInt(target, 10) + "/"
		me := "/api/v3/core/users/" + strconv.FormatInt(admID, 10) + "/"
		runSteps(t, e, []step{
			{"non-superuser gives itself a role", admKey, "PATCH", me, `{"roles":["` + role + `"]}`, 403, "", "permission"},
			{"non-superuser gives another a role", admKey, "PUT", tp, `{"username":"target","name":"t","roles":["` + role + `"]}`, 403, "", "permission"},
			{"non-superuser creates a user with a role", admKey, "POST", "/api/v3/core/users/", `{"username":"new","name":"n","roles":["` + role + `"]}`, 403, "", "permission"},
			{"non-superuser sends the same roles", admKey, "PATCH", tp, `{"roles":[],"name":"renamed"}`, 200, "", `"name":"renamed"`},
			{"non-superuser add_user", admKey, "POST", "/api/v3/rbac/roles/" + role + "/add_user/", `{"pk":` + strconv.FormatInt(admID, 10) + `}`, 403, "", "permission"},
			{"non-superuser remove_user", admKey, "POST", "/api/v3/rbac/roles/" + role + "/remove_user/", `{"pk":` + strconv.FormatInt(target, 10) + `}`, 403, "", "permission"},
			{"anonymous add_user", "", "POST", "/api/v3/rbac/roles/" + role + "/add_user/", `{"pk":1}`, 403, "", ""},
			{"add_user without pk", adm, "POST", "/api/v3/rbac/roles/" + role + "/add_user/", `{}`, 400, `{"pk":["This field is required."]}`, ""},
			{"add_user with a bad pk", adm, "POST", "/api/v3/rbac/roles/" + role + "/add_user/", `{"pk":"x"}`, 400, `{"pk":["A valid integer is required."]}`, ""},
			{"add_user of a missing user", adm, "POST", "/api/v3/rbac/roles/" + role + "/add_user/", `{"pk":99999}`, 404, `{"detail":"Not found."}`, ""},
			{"add_user to a missing role", adm, "POST", "/api/v3/rbac/roles/" + missingUUID + "/add_user/", `{"pk":1}`, 404, `{"detail":"Not found."}`, ""},
			{"add_user to a malformed role key", adm, "POST", "/api/v3/rbac/roles/nope/add_user/", `{"pk":1}`, 404, `{"detail":"Not found."}`, ""},
			{"add_user is POST only", adm, "GET", "/api/v3/rbac/roles/" + role + "/add_user/", "", 405, "", ""},
			{"missing role in roles", adm, "PATCH", tp, `{"roles":["` + missingUUID + `"]}`, 400, `{"roles":["Invalid pk \"` + missingUUID + `\" - object does not exist."]}`, ""},
			{"malformed role in roles", adm, "PATCH", tp, `{"roles":["nope"]}`, 400, `{"roles":["“nope” is not a valid UUID."]}`, ""},
			{"roles not a list", adm, "PATCH", tp, `{"roles":"x"}`, 400, `{"roles":["Expected a list of items but got type \"str\"."]}`, ""},
		})
		// Nothing of the refused writes stuck.
		if n := e.QueryInt("SELECT count(*) FROM user_roles"); n != 0 {
			t.Errorf("%d user_roles rows after refused writes", n)
		}
		// A caller that may view no role at all gets 403 at add_user; one that views
		// another role gets 404 for this one (visibility first).
		_, noRoleKey := e.User("norole", "authentik_core.view_user")
		other := pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "other"}))
		oneID, oneKey := e.User("onerole")
		e.Grant(oneID, "authentik_rbac.role", other, "authentik_rbac.view_role")
		runSteps(t, e, []step{
			{"no view on any role", noRoleKey, "POST", "/api/v3/rbac/roles/" + role + "/add_user/", `{"pk":1}`, 403, "", ""},
			{"no view on this role", oneKey, "POST", "/api/v3/rbac/roles/" + role + "/add_user/", `{"pk":1}`, 404, `{"detail":"Not found."}`, ""},
		})
	})
}

// TestUsersMeNewerKeys: users/me's user lists every role the user holds (directly,
// through its groups and their ancestors) by name, is_current, and users holds the
// user; 2024.6's keys keep their order ahead of the new ones.
func TestUsersMeNewerKeys(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		id, key := e.User("ann")
		direct := pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "b-direct"}))
		ofGroup := pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "a-of-group"}))
		ofParent := pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "c-of-parent"}))
		pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "d-not-held"}))
		parent := pkOf(e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "parent", "roles": []string{ofParent}}))
		e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "team", "parent": parent, "roles": []string{ofGroup}, "users": []int64{id}})
		e.MustAdmin(204, "POST", "/api/v3/rbac/roles/"+direct+"/add_user/", map[string]any{"pk": id})
		r := e.As(key, "GET", "/api/v3/core/users/me/", nil)
		if r.Status != 200 {
			t.Fatal(r)
		}
		var me struct {
			User  map[string]any   `json:"user"`
			Users []map[string]any `json:"users"`
		}
		var raw struct {
			User json.RawMessage `json:"user"`
		}
		if json.Unmarshal(r.Body, &me) != nil || json.Unmarshal(r.Body, &raw) != nil {
			t.Fatal(r)
		}
		want := fmt.Sprintf("[map[name:a-of-group pk:%s] map[name:b-direct pk:%s] map[name:c-of-parent pk:%s]]", ofGroup, direct, ofParent)
		if fmt.Sprint(me.User["roles"]) != want || me.User["is_current"] != true {
			t.Errorf("me.user roles %v is_current %v, want %s true", me.User["roles"], me.User["is_current"], want)
		}
		if len(me.Users) != 1 || me.Users[0]["pk"] != float64(id) || me.Users[0]["is_current"] != true || fmt.Sprint(me.Users[0]["roles"]) != want {
			t.Errorf("me.users = %v, want the user itself", me.Users)
		}
		if got := apitest.KeyOrder(t, r.Body); !slices.Equal(got, []string{"user", "users"}) {
			t.Errorf("users/me keys %v", got)
		}
		wantPrefix(t, "users/me user", apitest.KeyOrder(t, raw.User), []string{"pk", "username", "name", "is_active", "is_superuser", "groups",
			"email", "avatar", "uid", "settings", "type", "system_permissions"}, "roles", "is_current")
		// A superuser's roles are what it holds too (here: none).
		admin := e.MustAdmin(200, "GET", "/api/v3/core/users/me/", nil)["user"].(map[string]any)
		if fmt.Sprint(admin["roles"]) != "[]" {
			t.Errorf("akadmin's roles %v, want []", admin["roles"])
		}
	})
}

// TestUserTimestamps: date_joined, password_change_date and last_updated (authentik
// 2025.2, 2025.6): all three at creation; an update moves last_updated only; a new
// password moves password_change_date and last_updated; the time filters select by
// them.
func TestUserTimestamps(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		before := time.Now().UTC().Add(-time.Second)
		u := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "ann", "name": "Ann"})
		pk := pkOf(u)
		at := func(m map[string]any, key string) time.Time {
			t.Helper()
			v, err := time.Parse(time.RFC3339Nano, fmt.Sprint(m[key]))
			if err != nil {
				t.Fatalf("%s = %v: %v", key, m[key], err)
			}
			return v
		}
		joined := at(u, "date_joined")
		if joined.Before(before) || !at(u, "password_change_date").Equal(joined) || at(u, "last_updated").Before(joined) {
			t.Fatalf("new user's times %v %v %v", u["date_joined"], u["password_change_date"], u["last_updated"])
		}
		time.Sleep(5 * time.Millisecond)
		v := e.MustAdmin(200, "PATCH", "/api/v3/core/users/"+pk+"/", map[string]any{"name": "Ann B"})
		if !at(v, "last_updated").After(at(u, "last_updated")) || !at(v, "password_change_date").Equal(joined) || !at(v, "date_joined").Equal(joined) {
			t.Fatalf("after an update: %v %v %v", v["date_joined"], v["password_change_date"], v["last_updated"])
		}
		time.Sleep(5 * time.Millisecond)
		e.MustAdmin(204, "POST", "/api/v3/core/users/"+pk+"/set_password/", map[string]any{"password": "a long passphrase here"})
		w := e.MustAdmin(200, "GET", "/api/v3/core/users/"+pk+"/", nil)
		if !at(w, "password_change_date").After(at(v, "last_updated")) || !at(w, "last_updated").Equal(at(w, "password_change_date")) {
			t.Fatalf("after a new password: %v %v", w["password_change_date"], w["last_updated"])
		}
		// The token owner's user_obj carries them too.
		e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "ann-token", "user": u["pk"]})
		tok := e.MustAdmin(200, "GET", "/api/v3/core/tokens/ann-token/", nil)["user_obj"].(map[string]any)
		if tok["date_joined"] != w["date_joined"] || tok["last_updated"] != w["last_updated"] {
			t.Errorf("token's user_obj times %v %v", tok["date_joined"], tok["last_updated"])
		}
		count := func(q string) int {
			t.Helper()
			r := e.Admin("GET", "/api/v3/core/users/?username=ann&"+q, nil)
			if r.Status != 200 {
				t.Fatalf("%s: %s", q, r)
			}
			return r.Count()
		}
		iso := func(x time.Time) string { return strings.ReplaceAll(x.Format(time.RFC3339Nano), "+", "%2B") }
		for q, want := range map[string]int{
			"date_joined=" + iso(joined):                      1,
			"date_joined__gt=" + iso(joined):                  0,
			"date_joined__lt=" + iso(joined.Add(time.Second)): 1,
			"last_updated__gt=" + iso(at(v, "last_updated")):  1,
			"last_updated__lt=" + iso(joined):                 0,
			"last_login__isnull=true":                         1,
			"last_login__isnull=false":                        0,
			"last_login__gt=" + iso(before):                   0,
		} {
			if got := count(q); got != want {
				t.Errorf("?%s: %d users, want %d", q, got, want)
			}
		}
		if r := e.Admin("GET", "/api/v3/core/users/?date_joined__gt=yesterday", nil); r.Status != 400 || string(r.Body) != `{"date_joined__gt":["Enter a valid date/time."]}` {
			t.Errorf("bad time filter: %s", r)
		}
		if got := count("ordering=-last_updated"); got != 1 {
			t.Errorf("ordering by last_updated: %d", got)
		}
	})
}

// TestRoleAndUserFilters: the role filters of authentik 2025.10 to 2026.8 (name;
// users and groups, also as ak_groups, with inherited; managed) and the users filters
// by role; a user, group or role the caller may not view matches nothing.
func TestRoleAndUserFilters(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		role := func(name string) string {
			return pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": name}))
		}
		direct, ofGroup, ofParent, unused := role("direct"), role("of-group"), role("of-parent"), role("unused")
		id, _ := e.User("ann")
		sid := strconv.FormatInt(id, 10)
		parent := pkOf(e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "parent", "roles": []string{ofParent}}))
		group := pkOf(e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "team", "parent": parent, "roles": []string{ofGroup}, "users": []int64{id}}))
		e.MustAdmin(200, "PATCH", "/api/v3/core/users/"+sid+"/", map[string]any{"roles": []string{direct}})
		// A caller that may view every role but no user, group or other role.
		_, rolesOnly := e.User("roles-only", "authentik_rbac.view_role")
		viewerID, roleViewer := e.User("one-role", "authentik_core.view_user")
		e.Grant(viewerID, "authentik_rbac.role", ofGroup, "authentik_rbac.view_role")
		names := func(key, path string) string {
			t.Helper()
			r := e.As(key, "GET", path, nil)
			if r.Status != 200 {
				return r.String()
			}
			var out []string
			for _, o := range r.Map(t)["results"].([]any) {
				m := o.(map[string]any)
				if n, ok := m["username"]; ok {
					out = append(out, n.(string))
				} else {
					out = append(out, m["name"].(string))
				}
			}
			return strings.Join(out, ",")
		}
		const roles = "/api/v3/rbac/roles/"
		for _, c := range []struct{ key, path, want string }{
			{adm, roles + "?name=direct", "direct"},
			{adm, roles + "?name=dir", ""},
			{adm, roles + "?group__name=team", "of-group"},
			{adm, roles + "?users=" + sid, "direct"},
			{adm, roles + "?users=" + sid + "&inherited=true", "direct,of-group,of-parent"},
			{adm, roles + "?users=99999", ""},
			{adm, roles + "?groups=" + group, "of-group"},
			{adm, roles + "?ak_groups=" + group, "of-group"},
			{adm, roles + "?groups=" + group + "&inherited=true", "of-group,of-parent"},
			{adm, roles + "?groups=" + parent + "&inherited=true", "of-parent"},
			{adm, roles + "?managed=x", ""},
			{adm, roles + "?managed__isnull=true", "direct,of-group,of-parent,unused"},
			{adm, roles + "?managed__isnull=false", ""},
			{rolesOnly, roles + "?users=" + sid + "&inherited=true", ""},
			{rolesOnly, roles + "?groups=" + group, ""},
			{rolesOnly, roles + "?name=unused", "unused"},
			{adm, "/api/v3/core/users/?roles_by_name=direct", "ann"},
			{adm, "/api/v3/core/users/?roles_by_name=of-group", ""},
			{adm, "/api/v3/core/users/?roles_by_pk=" + direct + "&roles_by_pk=" + unused, "ann"},
			{adm, "/api/v3/core/users/?roles_by_pk=" + unused, ""},
			{roleViewer, "/api/v3/core/users/?roles_by_pk=" + direct, ""},
			{roleViewer, "/api/v3/core/users/?roles_by_name=direct", ""},
		} {
			if got := names(c.key, c.path); got != c.want {
				t.Errorf("%s: %q, want %q", c.path, got, c.want)
			}
		}
		runSteps(t, e, []step{
			{"bad group", adm, "GET", roles + "?groups=nope", "", 400, `{"groups":["Enter a valid UUID."]}`, ""},
			{"bad user", adm, "GET", roles + "?users=x", "", 400, `{"users":["Enter a number."]}`, ""},
			{"bad role pk", adm, "GET", "/api/v3/core/users/?roles_by_pk=nope", "", 400, `{"roles_by_pk":["“nope” is not a valid UUID."]}`, ""},
		})
	})
}

// wantPrefix checks that keys starts with old (2024.6's keys, in its order) and that
// the keys after them are added, in that order.
func wantPrefix(t *testing.T, what string, keys, old []string, added ...string) {
	t.Helper()
	if !slices.Equal(keys, append(slices.Clone(old), added...)) {
		t.Errorf("%s keys:\n got %v\nwant %v then %v", what, keys, old, added)
	}
}

func sortedStrings(s ...string) []string {
	slices.Sort(s)
	return s
}
