package httpapi_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
)

// Groups with several parents (authentik 2025.12's Group.parents) beside 2024.6's
// single parent, through the API on both databases.

// groupAPI is the few calls these tests make on groups.
type groupAPI struct {
	t *testing.T
	e *apitest.Env
}

func (g groupAPI) create(name string, fields map[string]any) string {
	g.t.Helper()
	body := map[string]any{"name": name}
	for k, v := range fields {
		body[k] = v
	}
	return g.e.MustAdmin(201, "POST", "/api/v3/core/groups/", body)["pk"].(string)
}

func (g groupAPI) get(key, pk, query string) map[string]any {
	g.t.Helper()
	r := g.e.As(key, "GET", "/api/v3/core/groups/"+pk+"/"+query, nil)
	if r.Status != 200 {
		g.t.Fatalf("GET group %s%s: %s", pk, query, r)
	}
	return r.Map(g.t)
}

func (g groupAPI) patch(key, pk string, body any) *apitest.Resp {
	g.t.Helper()
	return g.e.As(key, "PATCH", "/api/v3/core/groups/"+pk+"/", body)
}

// joined renders a JSON list of strings, or of objects by key ("" for the list itself),
// as "a,b".
func joined(v any, key string) string {
	if v == nil {
		return "<nil>"
	}
	var out []string
	for _, x := range v.([]any) {
		if key != "" {
			x = x.(map[string]any)[key]
		}
		out = append(out, fmt.Sprint(x))
	}
	return strings.Join(out, ",")
}

// TestGroupParentsRoundTrip: parents written are read back by name, the first of them
// is 2024.6's parent, the *_obj lists are null unless asked for and hold the
// RelatedGroup shape, and a PATCH replaces the parents.
func TestGroupParentsRoundTrip(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		g := groupAPI{t, e}
		b := g.create("b-second", map[string]any{"attributes": map[string]any{"k": "v"}})
		a := g.create("a-first", map[string]any{"is_superuser": false})
		c := g.create("c-child", map[string]any{"parents": []string{b, a, b}})
		got := g.get(apitest.AdminToken, c, "")
		if joined(got["parents"], "") != a+","+b || got["parent"] != a || got["parent_name"] != "a-first" {
			t.Errorf("parents %v, parent %v, parent_name %v; want %s,%s by name, the first as parent", got["parents"], got["parent"], got["parent_name"], a, b)
		}
		for _, k := range []string{"parents_obj", "children_obj", "inherited_roles_obj"} {
			if v, ok := got[k]; !ok || v != nil {
				t.Errorf("%s = %v (present %v) without include_*, want null", k, v, ok)
			}
		}
		got = g.get(apitest.AdminToken, c, "?include_parents=true")
		objs := got["parents_obj"].([]any)
		if joined(objs, "name") != "a-first,b-second" || joined(objs, "group_uuid") != a+","+b || joined(objs, "pk") != a+","+b {
			t.Errorf("parents_obj = %v", objs)
		}
		if second := objs[1].(map[string]any); second["is_superuser"] != false || fmt.Sprint(second["attributes"]) != "map[k:v]" {
			t.Errorf("parents_obj[1] = %v", second)
		}
		// A PATCH replaces the parents; [] removes them all.
		if r := g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{b}}); r.Status != 200 ||
			joined(r.Map(t)["parents"], "") != b || r.Map(t)["parent"] != b || r.Map(t)["parent_name"] != "b-second" {
			t.Errorf("PATCH parents [b]: %s", r)
		}
		if r := g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{}}); r.Status != 200 ||
			joined(r.Map(t)["parents"], "") != "" || r.Map(t)["parent"] != nil || r.Map(t)["parent_name"] != nil {
			t.Errorf("PATCH parents []: %s", r)
		}
		// A missing parent, the group itself: 400 on parents, nothing written.
		missing := "7d0c4f3e-9a51-4b43-8a8e-2f5d3c1e0b6a"
		for body, want := range map[string]string{
			`{"parents":["` + a + `","` + missing + `"]}`: `{"parents":["Invalid pk \"` + missing + `\" - object does not exist."]}`,
			`{"parents":["` + c + `"]}`:                   `{"parents":["` + racd.MsgGroupOwnParent + `"]}`,
			`{"parents":"` + a + `"}`:                     `{"parents":["Expected a list of items but got type \"str\"."]}`,
		} {
			if r := g.patch(apitest.AdminToken, c, body); r.Status != 400 || string(r.Body) != want {
				t.Errorf("PATCH %s: %s, want 400 %s", body, r, want)
			}
		}
		if got := g.get(apitest.AdminToken, c, ""); joined(got["parents"], "") != "" {
			t.Errorf("parents after refused writes: %v", got["parents"])
		}
		// The list answers the same keys.
		page := e.MustAdmin(200, "GET", "/api/v3/core/groups/?name=c-child&include_parents=true&include_children=true&include_inherited_roles=true", nil)
		row := page["results"].([]any)[0].(map[string]any)
		for _, k := range []string{"parents", "parents_obj", "children", "children_obj", "inherited_roles_obj"} {
			if v, ok := row[k]; !ok || v == nil {
				t.Errorf("list row's %s = %v", k, v)
			}
		}
	})
}

// TestGroupChildrenInverse: a group's children are the groups that have it among their
// parents, by name; they follow every change of those parents and deletions on either
// side, and a parent's used_by lists them.
func TestGroupChildrenInverse(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		g := groupAPI{t, e}
		p := g.create("parent", nil)
		other := g.create("other", nil)
		y := g.create("y-child", map[string]any{"parents": []string{p, other}})
		x := g.create("x-child", map[string]any{"parent": p})
		children := func(pk string) (string, string) {
			got := g.get(apitest.AdminToken, pk, "?include_children=true")
			return joined(got["children"], ""), joined(got["children_obj"], "name")
		}
		if ids, names := children(p); ids != x+","+y || names != "x-child,y-child" {
			t.Errorf("children %s (%s), want %s,%s (x-child,y-child)", ids, names, x, y)
		}
		if ids, _ := children(other); ids != y {
			t.Errorf("other's children %s, want %s", ids, y)
		}
		r := e.Admin("GET", "/api/v3/core/groups/"+p+"/used_by/", nil)
		if !strings.Contains(string(r.Body), `"pk":"`+x+`"`) || !strings.Contains(string(r.Body), `"pk":"`+y+`"`) ||
			!strings.Contains(string(r.Body), `"action":"set_null"`) {
			t.Errorf("used_by of the parent: %s", r)
		}
		g.patch(apitest.AdminToken, y, map[string]any{"parents": []string{other}})
		if ids, _ := children(p); ids != x {
			t.Errorf("children after y left: %s, want %s", ids, x)
		}
		e.MustAdmin(204, "DELETE", "/api/v3/core/groups/"+x+"/", nil)
		if ids, names := children(p); ids != "" || names != "" {
			t.Errorf("children after x's deletion: %s (%s)", ids, names)
		}
		e.MustAdmin(204, "DELETE", "/api/v3/core/groups/"+other+"/", nil)
		if got := g.get(apitest.AdminToken, y, ""); joined(got["parents"], "") != "" || got["parent"] != nil {
			t.Errorf("y after its parent's deletion: parents %v, parent %v", got["parents"], got["parent"])
		}
	})
}

// TestGroupParentAs2024: a 2024.6 client that knows only parent sees what it saw
// before: parent and parent_name, the first parent by name; writing back the parent
// it read keeps every parent; another parent replaces them all; null removes them;
// parent beside parents may only agree with it; a user's groups_obj shows the same
// parent.
func TestGroupParentAs2024(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		g := groupAPI{t, e}
		a, b, z := g.create("a-first", nil), g.create("b-second", nil), g.create("z-other", nil)
		c := g.create("team", map[string]any{"parent": b})
		got := g.get(apitest.AdminToken, c, "")
		if got["parent"] != b || got["parent_name"] != "b-second" || joined(got["parents"], "") != b {
			t.Errorf("created with parent: %v", got)
		}
		g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{b, a}})
		// A read-modify-write with the parent as read (PUT and PATCH) keeps both.
		got = g.get(apitest.AdminToken, c, "")
		if got["parent"] != a {
			t.Fatalf("parent of a group with parents a, b: %v, want %s", got["parent"], a)
		}
		put := map[string]any{"name": "team2", "is_superuser": false, "parent": got["parent"], "users": got["users"], "attributes": got["attributes"], "roles": got["roles"]}
		if r := e.Admin("PUT", "/api/v3/core/groups/"+c+"/", put); r.Status != 200 || joined(r.Map(t)["parents"], "") != a+","+b || r.Map(t)["name"] != "team2" {
			t.Errorf("PUT with the parent as read: %s", r)
		}
		if r := g.patch(apitest.AdminToken, c, map[string]any{"parent": a}); r.Status != 200 || joined(r.Map(t)["parents"], "") != a+","+b {
			t.Errorf("PATCH parent as read: %s", r)
		}
		// Another parent, even one of the parents, becomes the only one.
		if r := g.patch(apitest.AdminToken, c, map[string]any{"parent": b}); r.Status != 200 || joined(r.Map(t)["parents"], "") != b || r.Map(t)["parent"] != b {
			t.Errorf("PATCH parent b: %s", r)
		}
		g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{b, z}})
		if r := g.patch(apitest.AdminToken, c, map[string]any{"parent": nil}); r.Status != 200 || joined(r.Map(t)["parents"], "") != "" || r.Map(t)["parent"] != nil {
			t.Errorf("PATCH parent null: %s", r)
		}
		// Both sent: parents decides; parent null, one of them or as shown is fine.
		g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{b}})
		if r := g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{a, z}, "parent": nil}); r.Status != 200 || joined(r.Map(t)["parents"], "") != a+","+z {
			t.Errorf("parents [a, z] with parent null: %s", r)
		}
		if r := g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{z, a}, "parent": z}); r.Status != 200 || joined(r.Map(t)["parents"], "") != a+","+z {
			t.Errorf("parents [z, a] with parent z: %s", r)
		}
		if r := g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{b}, "parent": a}); r.Status != 200 || joined(r.Map(t)["parents"], "") != b {
			t.Errorf("parents [b] with parent as shown (a): %s", r)
		}
		want := `{"parent":["` + racd.MsgParentNotInParents + `"]}`
		if r := g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{a}, "parent": z}); r.Status != 400 || string(r.Body) != want {
			t.Errorf("parents [a] with parent z: %s, want 400 %s", r, want)
		}
		// A user's groups_obj shows 2024.6's parent of each group.
		g.patch(apitest.AdminToken, c, map[string]any{"parents": []string{z, b}})
		u := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": "ann", "name": "Ann", "groups": []string{c}})
		ug := u["groups_obj"].([]any)[0].(map[string]any)
		if ug["parent"] != b || ug["parent_name"] != "b-second" {
			t.Errorf("user's groups_obj: %v, want parent %s (b-second)", ug, b)
		}
	})
}

// TestGroupCycleThroughSecondParent: the cycle check follows every parent, on parents
// and on parent alike.
func TestGroupCycleThroughSecondParent(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		g := groupAPI{t, e}
		x, y := g.create("a-x", nil), g.create("b-y", nil)
		z := g.create("z", map[string]any{"parents": []string{x, y}}) // y is z's second parent by name
		w := g.create("w", map[string]any{"parent": z})
		cycle := func(field string) string { return `{"` + field + `":["` + racd.MsgGroupCycle + `"]}` }
		for _, c := range []struct {
			name, body, want string
		}{
			{"y under its child", `{"parents":["` + z + `"]}`, cycle("parents")},
			{"y under its grandchild", `{"parents":["` + x + `","` + w + `"]}`, cycle("parents")},
			{"y under its child by parent", `{"parent":"` + z + `"}`, cycle("parent")},
			{"y under its grandchild by parent", `{"parent":"` + w + `"}`, cycle("parent")},
		} {
			if r := g.patch(apitest.AdminToken, y, c.body); r.Status != 400 || string(r.Body) != c.want {
				t.Errorf("%s: %s, want 400 %s", c.name, r, c.want)
			}
		}
		if got := g.get(apitest.AdminToken, y, ""); joined(got["parents"], "") != "" {
			t.Errorf("y's parents after the refusals: %v", got["parents"])
		}
		// Elsewhere in the tree is fine: x under y (z then reaches y twice).
		if r := g.patch(apitest.AdminToken, x, map[string]any{"parents": []string{y}}); r.Status != 200 {
			t.Errorf("x under y: %s", r)
		}
		// A parent the group already has stays allowed beside a new one.
		if r := g.patch(apitest.AdminToken, w, map[string]any{"parents": []string{z, x}}); r.Status != 200 {
			t.Errorf("w under z and x: %s", r)
		}
	})
}

// TestGroupHiddenRelatives (issue 9 §3): parents_obj, children, children_obj and
// inherited_roles_obj show only the groups and roles the caller may view (parents,
// the group's own field, keeps every key, and a hidden parent the group already has
// may be sent back); a parent the caller may not view is refused exactly like a
// missing one.
func TestGroupHiddenRelatives(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		g := groupAPI{t, e}
		role := func(name string) string {
			return e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": name})["pk"].(string)
		}
		shownRole, hiddenRole := role("shown-role"), role("hidden-role")
		hidden := g.create("a-hidden", map[string]any{"roles": []string{hiddenRole}})
		shown := g.create("b-shown", map[string]any{"roles": []string{shownRole}})
		grp := g.create("team", map[string]any{"parents": []string{hidden, shown}})
		hiddenChild := g.create("hidden-child", map[string]any{"parent": shown})
		other := g.create("other-hidden", nil)
		id, key := e.User("caller")
		for _, pk := range []string{grp, shown} {
			e.Grant(id, "authentik_core.group", pk, "authentik_core.view_group")
		}
		e.Grant(id, "authentik_core.group", grp, "authentik_core.change_group")
		e.Grant(id, "authentik_rbac.role", shownRole, "authentik_rbac.view_role")

		all := "?include_parents=true&include_children=true&include_inherited_roles=true"
		for _, who := range []string{key, apitest.AdminToken} {
			admin := who == apitest.AdminToken
			want := func(caller, superuser string) string {
				if admin {
					return superuser
				}
				return caller
			}
			got := g.get(who, grp, all)
			checks := []struct{ what, got, want string }{
				{"parents", joined(got["parents"], ""), hidden + "," + shown},
				{"parent", fmt.Sprint(got["parent"]), hidden},
				{"parent_name", fmt.Sprint(got["parent_name"]), want("<nil>", "a-hidden")},
				{"parents_obj", joined(got["parents_obj"], "name"), want("b-shown", "a-hidden,b-shown")},
				{"inherited_roles_obj", joined(got["inherited_roles_obj"], "name"), want("shown-role", "hidden-role,shown-role")},
			}
			sh := g.get(who, shown, all)
			checks = append(checks,
				struct{ what, got, want string }{"shown's children", joined(sh["children"], ""), want(grp, hiddenChild+","+grp)},
				struct{ what, got, want string }{"shown's children_obj", joined(sh["children_obj"], "name"), want("team", "hidden-child,team")})
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("as admin %v: %s = %q, want %q", admin, c.what, c.got, c.want)
				}
			}
		}
		// The caller sends back what it read: the hidden parent it already has passes.
		if r := g.patch(key, grp, map[string]any{"name": "team2", "parents": []string{hidden, shown}, "parent": hidden}); r.Status != 200 {
			t.Errorf("PATCH with the parents as read: %s", r)
		}
		// A new parent it may not view is refused as a missing one is, and neither is
		// written.
		missing := "7d0c4f3e-9a51-4b43-8a8e-2f5d3c1e0b6a"
		for _, field := range []string{"parents", "parent"} {
			ans := map[string]string{}
			for what, pk := range map[string]string{"hidden": other, "missing": missing} {
				var v any = pk
				if field == "parents" {
					v = []string{hidden, shown, pk}
				}
				r := g.patch(key, grp, map[string]any{field: v})
				ans[what] = fmt.Sprint(r.Status, " ", string(r.Body))
			}
			if ans["hidden"] != ans["missing"] || strings.HasPrefix(ans["hidden"], "2") {
				t.Errorf("%s: a hidden group answers %s, a missing one %s", field, ans["hidden"], ans["missing"])
			}
		}
		if got := g.get(apitest.AdminToken, grp, ""); joined(got["parents"], "") != hidden+","+shown {
			t.Errorf("parents after the refusals: %v", got["parents"])
		}
	})
}

// TestSuperuserThroughSecondParent: members of a group whose second parent (by name)
// is a superuser group are superusers and hold the roles of that parent; only
// superusers change such a group; and no change of parents (nor the superuser
// group's deletion) may take the last active superuser away.
func TestSuperuserThroughSecondParent(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		g := groupAPI{t, e}
		admins := e.MustAdmin(200, "GET", "/api/v3/core/groups/?is_superuser=true", nil)["results"].([]any)[0].(map[string]any)["pk"].(string)
		plain := g.create("a-plain", nil) // first by name: the superuser group is the second parent
		e.Flow("authz", "authorization")
		viewer := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": "flow-viewer"})["pk"].(string)
		e.MustAdmin(200, "POST", "/api/v3/rbac/permissions/assigned_by_roles/"+viewer+"/assign/",
			map[string]any{"permissions": []string{"authentik_flows.view_flow"}})
		roles := g.create("b-roles", map[string]any{"roles": []string{viewer}})
		uid, ukey := e.User("ann")
		vid, vkey := e.User("bob")
		team := g.create("team", map[string]any{"parents": []string{plain, admins}, "users": []int64{uid}})
		g.create("team-b", map[string]any{"parents": []string{plain, roles}, "users": []int64{vid}})
		if got := g.get(apitest.AdminToken, team, ""); got["parent"] != plain {
			t.Fatalf("team's parent %v, want a-plain", got["parent"])
		}
		if r := e.As(ukey, "GET", fmt.Sprintf("/api/v3/core/users/%d/", uid), nil); r.Status != 200 || r.Map(t)["is_superuser"] != true {
			t.Errorf("ann through the second parent: %s", r)
		}
		if got := superusers(t, e); got != "akadmin,ann" {
			t.Errorf("superusers: %s, want akadmin,ann", got)
		}
		if r := e.As(vkey, "GET", "/api/v3/flows/instances/authz/", nil); r.Status != 200 {
			t.Errorf("bob reads the flow through the role of his group's second parent: %s", r)
		}
		// A delegated administrator may not change or delete the group.
		_, dkey := e.User("delegate", "authentik_core.view_group", "authentik_core.change_group", "authentik_core.delete_group",
			"authentik_core.add_group", "authentik_core.view_user")
		forbidden := `{"detail":"You do not have permission to perform this action."}`
		for _, c := range []struct {
			name, method, path string
			body               any
		}{
			{"rename it", "PATCH", "/api/v3/core/groups/" + team + "/", map[string]any{"name": "mine"}},
			{"delete it", "DELETE", "/api/v3/core/groups/" + team + "/", nil},
			{"hang a group under the superuser group as a second parent", "PATCH", "/api/v3/core/groups/" + roles + "/",
				map[string]any{"parents": []string{plain, admins}}},
			{"create a group under it", "POST", "/api/v3/core/groups/", map[string]any{"name": "sneaky", "parents": []string{plain, admins}}},
		} {
			if r := e.As(dkey, c.method, c.path, c.body); r.Status != 403 || string(r.Body) != forbidden {
				t.Errorf("delegate: %s: %s, want 403", c.name, r)
			}
		}
		// ann is the last active superuser once akadmin is deactivated (by ann: the
		// bootstrap key is akadmin's).
		if r := e.As(ukey, "PATCH", "/api/v3/core/users/"+fmt.Sprint(akadminID(t, e))+"/", map[string]any{"is_active": false}); r.Status != 200 {
			t.Fatalf("ann deactivates akadmin: %s", r)
		}
		last := func(field string) string { return `{"` + field + `":["` + racd.MsgLastSuperuser + `"]}` }
		for _, c := range []struct {
			name, method, path string
			body               any
			want               string
		}{
			{"drop the second parent", "PATCH", "/api/v3/core/groups/" + team + "/", map[string]any{"parents": []string{plain}}, last("parents")},
			{"replace the parents by parent", "PATCH", "/api/v3/core/groups/" + team + "/", map[string]any{"parent": roles}, last("parent")},
			{"clear the parents by parent", "PATCH", "/api/v3/core/groups/" + team + "/", map[string]any{"parent": nil}, last("parent")},
			{"delete the superuser group", "DELETE", "/api/v3/core/groups/" + admins + "/", nil, last("non_field_errors")},
		} {
			if r := e.As(ukey, c.method, c.path, c.body); r.Status != 400 || string(r.Body) != c.want {
				t.Errorf("%s: %s, want 400 %s", c.name, r, c.want)
			}
		}
		// parent sent back as read (a-plain) changes nothing, and so is no demotion.
		if r := e.As(ukey, "PATCH", "/api/v3/core/groups/"+team+"/", map[string]any{"parent": plain}); r.Status != 200 {
			t.Errorf("parent as read: %s", r)
		}
		if r := e.As(ukey, "GET", "/api/v3/core/users/?is_superuser=true&is_active=true", nil); r.Count() != 1 || !strings.Contains(string(r.Body), `"username":"ann"`) {
			t.Errorf("active superusers after the refusals: %s, want ann", r)
		}
	})
}

// akadminID is the bootstrap superuser's id.
func akadminID(t *testing.T, e *apitest.Env) int64 {
	t.Helper()
	page := e.MustAdmin(200, "GET", "/api/v3/core/users/?username=akadmin", nil)
	ids := []int64{}
	for _, u := range page["results"].([]any) {
		ids = append(ids, int64(u.(map[string]any)["pk"].(float64)))
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if len(ids) != 1 {
		t.Fatalf("akadmin: %v", ids)
	}
	return ids[0]
}
