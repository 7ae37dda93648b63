package httpapi_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

// step is one request of a scenario and what must come back: the status and, when
// set, the exact body or a substring of it.
type step struct {
	name   string
	as     string // token key; "" = anonymous
	method string
	path   string
	body   string
	status int
	exact  string
	has    string
}

func runSteps(t *testing.T, e *apitest.Env, steps []step) {
	t.Helper()
	for _, s := range steps {
		r := e.Do(apitest.Request{Method: s.method, Path: s.path, Body: s.body, Token: s.as})
		if r.Status != s.status {
			t.Errorf("%s: %s %s = %s, want %d", s.name, s.method, s.path, r, s.status)
			continue
		}
		if s.exact != "" && string(r.Body) != s.exact {
			t.Errorf("%s: body %s\nwant %s", s.name, r.Body, s.exact)
		}
		if s.has != "" && !strings.Contains(string(r.Body), s.has) {
			t.Errorf("%s: body %s does not contain %s", s.name, r.Body, s.has)
		}
	}
}

const adm = apitest.AdminToken

func TestUserValidation(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "taken", "name": ""})
		runSteps(t, e, []step{
			{"required", adm, "POST", "/api/v3/core/users/", `{}`, 400, `{"username":["This field is required."],"name":["This field is required."]}`, ""},
			{"blank, bad email, bad path, bad type, bad group, all at once", adm, "POST", "/api/v3/core/users/",
				`{"username":" ","name":"n","email":"nope","path":"/a","type":"robot","groups":["x"],"attributes":[]}`, 400,
				`{"username":["This field may not be blank."],"groups":["“x” is not a valid UUID."],"email":["Enter a valid email address."],"attributes":["Value must be a dictionary, and not have any duplicate keys."],"path":["No leading or trailing slashes allowed."],"type":["\"robot\" is not a valid choice."]}`, ""},
			{"unique username", adm, "POST", "/api/v3/core/users/", `{"username":"taken","name":"x"}`, 400, `{"username":["This field must be unique."]}`, ""},
			{"empty path segment", adm, "POST", "/api/v3/core/users/", `{"username":"p","name":"x","path":"a//b"}`, 400, `{"path":["No empty segments in user path allowed."]}`, ""},
			{"internal service account", adm, "POST", "/api/v3/core/users/", `{"username":"p","name":"x","type":"internal_service_account"}`, 400, `{"type":["Setting a user to internal service account is not allowed."]}`, ""},
			{"unknown group", adm, "POST", "/api/v3/core/users/", `{"username":"p","name":"x","groups":["` + missingUUID + `"]}`, 400, `{"groups":["Invalid pk \"` + missingUUID + `\" - object does not exist."]}`, ""},
			{"too long", adm, "POST", "/api/v3/core/users/", `{"username":"` + strings.Repeat("u", 151) + `","name":"x"}`, 400, `{"username":["Ensure this field has no more than 150 characters."]}`, ""},
			{"created with defaults", adm, "POST", "/api/v3/core/users/", `{"username":"fine","name":"Fine","email":"a@example.com"}`, 201, "", `"is_active":true,"last_login":null,"is_superuser":false,"groups":[],"groups_obj":[],"email":"a@example.com","avatar":`},
			{"PUT needs username and name", adm, "PUT", "/api/v3/core/users/2/", `{}`, 400, `{"username":["This field is required."],"name":["This field is required."]}`, ""},
			{"PATCH {} is a no-op", adm, "PATCH", "/api/v3/core/users/2/", `{}`, 200, "", `"username":"taken"`},
			{"id not a number", adm, "GET", "/api/v3/core/users/abc/", "", 404, `{"detail":"Not found."}`, ""},
			{"me requires credentials", "", "GET", "/api/v3/core/users/me/", "", 403, `{"detail":"Authentication credentials were not provided."}`, ""},
			{"me as admin", adm, "GET", "/api/v3/core/users/me/", "", 200, "", `{"user":{"pk":1,"username":"akadmin","name":"authentik Default Admin","is_active":true,"is_superuser":true,"groups":[{"name":"authentik Admins"`},
		})
	})
}

func TestGroupsAndRoles(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		g := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "ops"})["pk"].(string)
		role := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "viewer"})["pk"].(string)
		uid, key := e.User("limited")
		u := strconv.FormatInt(uid, 10)
		e.Grant(uid, "authentik_core.group", g, "authentik_core.view_group", "authentik_core.change_group")
		runSteps(t, e, []step{
			{"unique group name", adm, "POST", "/api/v3/core/groups/", `{"name":"ops"}`, 400, `{"name":["This field must be unique."]}`, ""},
			{"group field errors at once", adm, "POST", "/api/v3/core/groups/", `{"name":"","users":[true],"roles":"x","parent":"` + missingUUID + `","attributes":1}`, 400,
				`{"name":["This field may not be blank."],"parent":["Invalid pk \"` + missingUUID + `\" - object does not exist."],"users":["Incorrect type. Expected pk value, received bool."],"attributes":["Value must be a dictionary, and not have any duplicate keys."],"roles":["Expected a list of items but got type \"str\"."]}`, ""},
			{"unknown parent, user, role", adm, "POST", "/api/v3/core/groups/", `{"name":"x","parent":"` + missingUUID + `","users":[999],"roles":["` + missingUUID + `"]}`, 400,
				`{"parent":["Invalid pk \"` + missingUUID + `\" - object does not exist."],"users":["Invalid pk \"999\" - object does not exist."],"roles":["Invalid pk \"` + missingUUID + `\" - object does not exist."]}`, ""},
			{"own parent", adm, "PATCH", "/api/v3/core/groups/" + g + "/", `{"parent":"` + g + `"}`, 400, `{"parent":["Cannot set group as parent of itself."]}`, ""},
			{"bad uuid in path", adm, "GET", "/api/v3/core/groups/nope/", "", 404, `{"detail":"Not found."}`, ""},
			{"add_user", adm, "POST", "/api/v3/core/groups/" + g + "/add_user/", `{"pk":` + u + `}`, 204, "", ""},
			{"member listed", adm, "GET", "/api/v3/core/groups/" + g + "/", "", 200, "", `"users":[` + u + `],"users_obj":[{"pk":` + u + `,"username":"limited"`},
			{"include_users=false", adm, "GET", "/api/v3/core/groups/" + g + "/?include_users=false", "", 200, "", `"users_obj":null`},
			{"add_user unknown user", adm, "POST", "/api/v3/core/groups/" + g + "/add_user/", `{"pk":999}`, 404, `{"detail":"Not found."}`, ""},
			{"add_user without pk", adm, "POST", "/api/v3/core/groups/" + g + "/add_user/", `{}`, 400, `{"pk":["This field is required."]}`, ""},
			{"add_user not superuser", key, "POST", "/api/v3/core/groups/" + g + "/add_user/", `{"pk":` + u + `}`, 403, "", "permission"},
			{"non-superuser may rename", key, "PATCH", "/api/v3/core/groups/" + g + "/", `{"name":"ops2"}`, 200, "", `"name":"ops2"`},
			{"non-superuser may not set superuser", key, "PATCH", "/api/v3/core/groups/" + g + "/", `{"is_superuser":true}`, 400, `{"is_superuser":["User does not have permission to set superuser status to True."]}`, ""},
			{"non-superuser may not link roles", key, "PATCH", "/api/v3/core/groups/" + g + "/", `{"roles":["` + role + `"]}`, 403, "", "permission"},
			{"non-superuser may not change members", key, "PATCH", "/api/v3/core/groups/" + g + "/", `{"users":[]}`, 403, "", "permission"},
			{"non-superuser may resend members unchanged", key, "PATCH", "/api/v3/core/groups/" + g + "/", `{"users":[` + u + `]}`, 200, "", ""},
			{"remove_user", adm, "POST", "/api/v3/core/groups/" + g + "/remove_user/", `{"pk":` + u + `}`, 204, "", ""},
			{"unique role", adm, "POST", "/api/v3/rbac/roles/", `{"name":"viewer"}`, 400, `{"name":["role with this name already exists."]}`, ""},
			{"role required", adm, "POST", "/api/v3/rbac/roles/", `{}`, 400, `{"name":["This field is required."]}`, ""},
			{"roles list filtered by group", adm, "GET", "/api/v3/rbac/roles/?group__name=nope", "", 200, "", `"count":0`},
		})
	})
}

// TestRoleThroughParentGroup: a member of a child group holds the roles of the parent
// and becomes a superuser when the parent is a superuser group.
func TestRoleThroughParentGroup(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p := pkOf(e.Provider(map[string]any{"name": "p", "authorization_flow": flow}))
		uid, key := e.User("child-member")
		role := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "r"})["pk"].(string)
		e.MustAdmin(200, "POST", "/api/v3/rbac/permissions/assigned_by_roles/"+role+"/assign/", map[string]any{"permissions": []string{"view_racprovider"}, "model": "authentik_providers_rac.racprovider", "object_pk": p})
		parent := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "parent", "roles": []string{role}})["pk"].(string)
		e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "child", "parent": parent, "users": []int64{uid}})
		if r := e.As(key, "GET", "/api/v3/providers/rac/"+p+"/", nil); r.Status != 200 {
			t.Fatalf("view through parent's role: %s", r)
		}
		if r := e.As(key, "GET", "/api/v3/core/users/", nil); r.Status != 403 {
			t.Fatalf("users before superuser: %s", r)
		}
		e.MustAdmin(200, "PATCH", "/api/v3/core/groups/"+parent+"/", map[string]any{"is_superuser": true})
		if r := e.As(key, "GET", "/api/v3/core/users/", nil); r.Status != 200 {
			t.Fatalf("users as inherited superuser: %s", r)
		}
		if r := e.As(key, "GET", "/api/v3/core/users/me/", nil); !strings.Contains(string(r.Body), `"is_superuser":true`) {
			t.Fatalf("me: %s", r)
		}
	})
}

func TestTokens(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		uid, key := e.User("alice")
		_, otherKey := e.User("bob")
		before := time.Now().UTC()
		created := e.As(key, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "alice-1", "user": 1, "expiring": false})
		if created.Status != 201 {
			t.Fatalf("create: %s", created)
		}
		var tok map[string]any
		_ = json.Unmarshal(created.Body, &tok)
		// A caller who is not a superuser creates only its own, always expiring tokens.
		if tok["user"] != float64(uid) || tok["expiring"] != true || tok["intent"] != "api" {
			t.Errorf("owner rules not applied: %s", created.Body)
		}
		exp, err := time.Parse(time.RFC3339Nano, tok["expires"].(string))
		if err != nil || exp.Before(before.Add(29*time.Minute)) || exp.After(time.Now().Add(31*time.Minute)) {
			t.Errorf("default expiry %v, want about 30 minutes from now", tok["expires"])
		}
		runSteps(t, e, []step{
			{"identifier required", adm, "POST", "/api/v3/core/tokens/", `{}`, 400, `{"identifier":["This field is required."]}`, ""},
			{"identifier slug and intent", adm, "POST", "/api/v3/core/tokens/", `{"identifier":"a b","intent":"recovery","expires":"soon","user":"x"}`, 400,
				`{"identifier":["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."],"intent":["Invalid intent recovery"],"user":["Incorrect type. Expected pk value, received str."],"expires":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}`, ""},
			{"unique identifier", adm, "POST", "/api/v3/core/tokens/", `{"identifier":"alice-1"}`, 400, `{"identifier":["token with this identifier already exists."]}`, ""},
			{"unknown user", adm, "POST", "/api/v3/core/tokens/", `{"identifier":"z","user":999}`, 400, `{"user":["Invalid pk \"999\" - object does not exist."]}`, ""},
			{"owner lists own only", key, "GET", "/api/v3/core/tokens/", "", 200, "", `"count":2`},
			{"other user's token is 404", otherKey, "GET", "/api/v3/core/tokens/alice-1/", "", 404, `{"detail":"Not found."}`, ""},
			{"other user's view_key is 404", otherKey, "GET", "/api/v3/core/tokens/alice-1/view_key/", "", 404, `{"detail":"Not found."}`, ""},
			{"other user cannot delete", otherKey, "DELETE", "/api/v3/core/tokens/alice-1/", "", 404, "", ""},
			{"owner cannot move a token to another user", key, "PATCH", "/api/v3/core/tokens/alice-1/", `{"user":1,"expiring":false}`, 200, "", `"user":` + strconv.FormatInt(uid, 10) + `,`},
			{"anonymous view_key", "", "GET", "/api/v3/core/tokens/alice-1/view_key/", "", 403, `{"detail":"You do not have permission to perform this action."}`, ""},
			{"superuser sees all", adm, "GET", "/api/v3/core/tokens/?user__username=alice&ordering=-identifier", "", 200, "", `"count":2`},
		})
		// view_key gives the key to its owner, and the key works; a secret_view is recorded.
		vk := e.As(key, "GET", "/api/v3/core/tokens/alice-1/view_key/", nil)
		var k map[string]string
		if vk.Status != 200 || json.Unmarshal(vk.Body, &k) != nil || len(k["key"]) != 60 {
			t.Fatalf("view_key: %s", vk)
		}
		if r := e.As(k["key"], "GET", "/api/v3/core/users/me/", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"username":"alice"`) {
			t.Fatalf("new key: %s", r)
		}
		action, who := racd.EventSecretView, "alice"
		evs, n, err := e.Store.Events().List(context.Background(), racd.EventQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 100, Visible: racd.Everything}, Action: &action, Username: &who})
		if err != nil || n != 1 || !strings.Contains(string(evs[0].ContextJSON), "alice-1") || !strings.Contains(string(evs[0].UserJSON), "alice") {
			t.Fatalf("secret_view events: %d %v", n, err)
		}
		// Deleting the token revokes it at once.
		e.MustAdmin(204, "DELETE", "/api/v3/core/tokens/alice-1/", nil)
		if r := e.As(k["key"], "GET", "/api/v3/core/users/me/", nil); r.Status != 403 || string(r.Body) != `{"detail":"Token invalid/expired"}` {
			t.Fatalf("deleted token: %s", r)
		}
	})
}

// TestExpiredAndInactive: an expired token and the token of an inactive user are
// refused with 403 Token invalid/expired.
func TestExpiredAndInactive(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		uid, key := e.User("carol")
		past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "old", "user": uid, "expires": past})
		oldKey := e.MustAdmin(200, "GET", "/api/v3/core/tokens/old/view_key/", nil)["key"].(string)
		soon := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
		e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "soon", "user": uid, "expires": soon})
		soonKey := e.MustAdmin(200, "GET", "/api/v3/core/tokens/soon/view_key/", nil)["key"].(string)
		invalid := `{"detail":"Token invalid/expired"}`
		runSteps(t, e, []step{
			{"expired", oldKey, "GET", "/api/v3/core/users/me/", "", 403, invalid, ""},
			{"live", soonKey, "GET", "/api/v3/core/users/me/", "", 200, "", ""},
		})
		time.Sleep(1600 * time.Millisecond)
		runSteps(t, e, []step{{"expired while cached", soonKey, "GET", "/api/v3/core/users/me/", "", 403, invalid, ""}})
		e.MustAdmin(200, "PATCH", "/api/v3/core/users/"+strconv.FormatInt(uid, 10)+"/", map[string]any{"is_active": false})
		runSteps(t, e, []step{{"inactive user", key, "GET", "/api/v3/core/users/me/", "", 403, invalid, ""}})
	})
}

func TestPermissionAssignment(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		p := pkOf(e.Provider(map[string]any{"name": "p", "authorization_flow": flow}))
		uid, key := e.User("dave")
		u := strconv.FormatInt(uid, 10)
		role := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "r"})["pk"].(string)
		assign := "/api/v3/rbac/permissions/assigned_by_users/" + u + "/assign/"
		unassign := "/api/v3/rbac/permissions/assigned_by_users/" + u + "/unassign/"
		runSteps(t, e, []step{
			{"not a superuser", key, "POST", assign, `{"permissions":["authentik_providers_rac.view_racprovider"]}`, 403, "", "permission"},
			{"anonymous", "", "POST", assign, `{}`, 403, `{"detail":"You do not have permission to perform this action."}`, ""},
			{"permissions required", adm, "POST", assign, `{}`, 400, `{"permissions":["This field is required."]}`, ""},
			{"not a list", adm, "POST", assign, `{"permissions":"x"}`, 400, `{"permissions":["Expected a list of items but got type \"str\"."]}`, ""},
			{"model without object_pk", adm, "POST", assign, `{"permissions":["view_racprovider"],"model":"authentik_providers_rac.racprovider"}`, 400, `{"non_field_errors":["The fields model, object_pk must be used together."]}`, ""},
			{"global codename needs app label", adm, "POST", assign, `{"permissions":["view_racprovider"]}`, 400, `{"permissions":["When assigning global permissions, codename must be given as app_label.codename"]}`, ""},
			{"unknown model", adm, "POST", assign, `{"permissions":["view_x"],"model":"authentik_x.x","object_pk":"1"}`, 400, `{"model":["\"authentik_x.x\" is not a valid choice."]}`, ""},
			{"unknown permission", adm, "POST", assign, `{"permissions":["authentik_providers_rac.fly_racprovider"]}`, 400, `{"permissions":["Permission \"authentik_providers_rac.fly_racprovider\" does not exist."]}`, ""},
			{"permission of another model", adm, "POST", assign, `{"permissions":["authentik_flows.view_flow"],"model":"authentik_providers_rac.racprovider","object_pk":"` + p + `"}`, 400, "", "does not apply"},
			{"unknown object", adm, "POST", assign, `{"permissions":["view_racprovider"],"model":"authentik_providers_rac.racprovider","object_pk":"999"}`, 400, `{"object_pk":["Invalid pk \"999\" - object does not exist."]}`, ""},
			{"unknown user", adm, "POST", "/api/v3/rbac/permissions/assigned_by_users/999/assign/", `{"permissions":["authentik_providers_rac.view_racprovider"]}`, 404, `{"detail":"Not found."}`, ""},
			{"unknown role", adm, "POST", "/api/v3/rbac/permissions/assigned_by_roles/" + missingUUID + "/assign/", `{"permissions":["authentik_providers_rac.view_racprovider"]}`, 404, `{"detail":"Not found."}`, ""},
			{"before: no access", key, "GET", "/api/v3/providers/rac/" + p + "/", "", 403, "", ""},
			{"assign on the object", adm, "POST", assign, `{"permissions":["view_racprovider"],"model":"authentik_providers_rac.racprovider","object_pk":"0` + p + `"}`, 200, `[{"id":"authentik_providers_rac.view_racprovider:` + p + `"}]`, ""},
			{"after: access", key, "GET", "/api/v3/providers/rac/" + p + "/", "", 200, "", ""},
			{"assign twice is fine", adm, "POST", assign, `{"permissions":["view_racprovider"],"model":"authentik_providers_rac.racprovider","object_pk":"` + p + `"}`, 200, `[{"id":"authentik_providers_rac.view_racprovider:` + p + `"}]`, ""},
			{"unassign is PATCH", adm, "POST", unassign, `{"permissions":["view_racprovider"]}`, 405, "", ""},
			{"unassign", adm, "PATCH", unassign, `{"permissions":["view_racprovider"],"model":"authentik_providers_rac.racprovider","object_pk":"` + p + `"}`, 204, "", ""},
			{"after unassign", key, "GET", "/api/v3/providers/rac/" + p + "/", "", 403, "", ""},
			{"role assign globally", adm, "POST", "/api/v3/rbac/permissions/assigned_by_roles/" + role + "/assign/", `{"permissions":["authentik_providers_rac.add_racprovider","authentik_providers_rac.view_racprovider"]}`, 200, `[{"id":"authentik_providers_rac.add_racprovider"},{"id":"authentik_providers_rac.view_racprovider"}]`, ""},
			{"role unassign", adm, "PATCH", "/api/v3/rbac/permissions/assigned_by_roles/" + role + "/unassign/", `{"permissions":["authentik_providers_rac.add_racprovider"]}`, 204, "", ""},
		})
	})
}

// TestIdentityEvents: every create, update and delete of users, groups, roles and
// tokens records its event.
func TestIdentityEvents(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		u := pkOf(e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "ev", "name": "E"}))
		e.MustAdmin(200, "PATCH", "/api/v3/core/users/"+u+"/", map[string]any{"name": "E2"})
		g := pkOf(e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "evg"}))
		e.MustAdmin(200, "PATCH", "/api/v3/core/groups/"+g+"/", map[string]any{})
		r := pkOf(e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "evr"}))
		e.MustAdmin(200, "PUT", "/api/v3/rbac/roles/"+r+"/", map[string]any{"name": "evr2"})
		e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "evt", "user": 1})
		e.MustAdmin(200, "PATCH", "/api/v3/core/tokens/evt/", map[string]any{"description": "d"})
		for _, p := range []string{"/api/v3/core/tokens/evt/", "/api/v3/rbac/roles/" + r + "/", "/api/v3/core/groups/" + g + "/", "/api/v3/core/users/" + u + "/"} {
			e.MustAdmin(204, "DELETE", p, nil)
		}
		for _, model := range []string{"user", "group", "role", "token"} {
			m := model
			evs, _, err := e.Store.Events().List(context.Background(), racd.EventQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 100, Visible: racd.Everything}, Model: &m})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, ev := range evs {
				got[ev.Action]++
				if !strings.Contains(string(ev.UserJSON), "akadmin") {
					t.Errorf("%s event without the acting user: %s", model, ev.UserJSON)
				}
			}
			if got[racd.EventModelCreated] != 1 || got[racd.EventModelUpdated] != 1 || got[racd.EventModelDeleted] != 1 {
				t.Errorf("%s events: %v", model, got)
			}
		}
	})
}

// TestNonSuperuserCannotGrantThemselvesGroups: change_user does not let a caller put a
// user (itself included) into groups, nor change or delete a superuser.
func TestNonSuperuserCannotGrantThemselvesGroups(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		uid, key := e.User("mallory")
		u := strconv.FormatInt(uid, 10)
		e.Grant(uid, "", "", "authentik_core.view_user", "authentik_core.change_user", "authentik_core.add_user", "authentik_core.delete_user")
		admins := e.MustAdmin(200, "GET", "/api/v3/core/groups/?name=authentik%20Admins", nil)["results"].([]any)[0].(map[string]any)["pk"].(string)
		runSteps(t, e, []step{
			{"join the admins", key, "PATCH", "/api/v3/core/users/" + u + "/", `{"groups":["` + admins + `"]}`, 403, "", "permission"},
			{"create an admin", key, "POST", "/api/v3/core/users/", `{"username":"x","name":"x","groups":["` + admins + `"]}`, 403, "", "permission"},
			{"other changes are allowed", key, "PATCH", "/api/v3/core/users/" + u + "/", `{"name":"M","groups":[]}`, 200, "", `"is_superuser":false`},
			{"deactivate the superuser", key, "PATCH", "/api/v3/core/users/1/", `{"is_active":false}`, 403, "", "permission"},
			{"delete the superuser", key, "DELETE", "/api/v3/core/users/1/", "", 403, "", "permission"},
			{"view the superuser", key, "GET", "/api/v3/core/users/1/", "", 200, "", `"is_superuser":true`},
			{"assign itself permissions", key, "POST", "/api/v3/rbac/permissions/assigned_by_users/" + u + "/assign/", `{"permissions":["authentik_core.add_group"]}`, 403, "", ""},
		})
	})
}

// TestIdentityNeverFails500: hostile input on every identity route is a 4xx.
func TestIdentityNeverFails500(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		g := e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": "g"})["pk"].(string)
		r := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "r"})["pk"].(string)
		e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": "t", "user": 1})
		bodies := []string{`{"username":"a\u0000b","name":1,"groups":[null],"attributes":{"a":1,"a":2},"is_active":"maybe","type":true,"email":[]}`,
			`{"name":{"x":1},"users":[99999999999999999999,"abc",-1],"roles":[1],"parent":true,"is_superuser":null}`,
			`{"identifier":"` + strings.Repeat("x", 300) + `","user":1e300,"expires":"2024-13-45T99:00:00Z","expiring":"sometimes","intent":null,"managed":""}`,
			`{"permissions":[1,null],"model":5,"object_pk":{"a":1}}`, `{"pk":"x"}`, `{"pk":99999999999999999999}`, `[]`, `"x"`, `{`, `null`}
		paths := []string{"/api/v3/core/users/", "/api/v3/core/users/1/", "/api/v3/core/users/99999999999999999999/", "/api/v3/core/users/-1/",
			"/api/v3/core/groups/", "/api/v3/core/groups/" + g + "/", "/api/v3/core/groups/" + g + "/add_user/", "/api/v3/core/groups/not-a-uuid/",
			"/api/v3/rbac/roles/", "/api/v3/rbac/roles/" + r + "/", "/api/v3/core/tokens/", "/api/v3/core/tokens/t/", "/api/v3/core/tokens/%00/", "/api/v3/core/tokens/%ff/", "/api/v3/flows/instances/%00/",
			"/api/v3/rbac/permissions/assigned_by_users/1/assign/", "/api/v3/rbac/permissions/assigned_by_roles/" + r + "/unassign/"}
		for _, p := range paths {
			for _, m := range []string{"POST", "PUT", "PATCH"} {
				for _, b := range bodies {
					res := e.Do(apitest.Request{Method: m, Path: p, Body: b, Token: adm})
					if res.Status >= 500 {
						t.Errorf("%s %s %s = %s", m, p, b, res)
					}
				}
			}
		}
		for _, q := range []string{"?username=%00&identifier=%00&name=%00", "?uuid=zzz", "?is_active=maybe&is_superuser=2&page=0", "?page_size=-5&ordering=-nothing,username", "?members_by_pk=x", "?intent=bogus", "?search=%00%25_"} {
			for _, p := range []string{"/api/v3/core/users/", "/api/v3/core/groups/", "/api/v3/rbac/roles/", "/api/v3/core/tokens/", "/api/v3/flows/instances/"} {
				if res := e.Do(apitest.Request{Method: "GET", Path: p + q, Token: adm}); res.Status >= 500 {
					t.Errorf("GET %s%s = %s", p, q, res)
				}
			}
		}
	})
}
