package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

var identityTests = []Test{
	{"Users", testUsers},
	{"UserValidation", testUserValidation},
	{"Superuser", testCreateSuperuser},
	{"Groups", testGroups},
	{"GroupValidation", testGroupValidation},
	{"Roles", testRoles},
	{"RoleHolders", testRoleHolders},
	{"Tokens", testTokens},
	{"TokenValidation", testTokenValidation},
	{"Permissions", testPermissions},
}

func userInput(username string) *racd.UserInput {
	return &racd.UserInput{Username: racd.Some(username), Name: racd.Some("User " + username)}
}

func groupInput(name string) *racd.GroupInput { return &racd.GroupInput{Name: racd.Some(name)} }

func (h *H) createGroup(in *racd.GroupInput) *racd.Group {
	h.T.Helper()
	g, err := h.S.Groups().Create(h.Ctx, in, Audit)
	if err != nil {
		h.T.Fatalf("create group: %v", err)
	}
	return g
}

func testUsers(t *testing.T, h *H) {
	g1 := h.createGroup(groupInput("b-group"))
	g2 := h.createGroup(groupInput("a-group"))
	in := userInput(" ann ")
	in.Groups = racd.Some(Refs(g1.UUID, g2.UUID, g1.UUID))
	in.Email = racd.Some("ann@example.com")
	u, err := h.S.Users().Create(h.Ctx, in, Audit)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.UUID == "" || u.Username != "ann" || !u.IsActive || u.Path != "users" || u.Type != "internal" ||
		u.IsSuperuser || len(u.Groups) != 2 || u.Groups[0].Name != "a-group" || u.Groups[1].Name != "b-group" || u.DateJoined.IsZero() {
		t.Fatalf("created %+v", u)
	}
	for _, get := range []func() (*racd.User, error){
		func() (*racd.User, error) { return h.S.Users().Get(h.Ctx, u.ID) },
		func() (*racd.User, error) {
			us, _, err := h.S.Users().List(h.Ctx, racd.UserQuery{ListQuery: page(racd.ListQuery{}), Username: strPtr("ann")})
			if len(us) != 1 {
				return nil, fmt.Errorf("%d users named ann (%v)", len(us), err)
			}
			return us[0], err
		},
	} {
		got, err := get()
		if err != nil || got.ID != u.ID || len(got.Groups) != 2 || got.Email != "ann@example.com" {
			t.Fatalf("get: %+v %v", got, err)
		}
	}
	// A superuser group, through a parent, makes a superuser; the group list is
	// replaced as a whole.
	root := h.createGroup(&racd.GroupInput{Name: racd.Some("root"), IsSuperuser: racd.Some(true)})
	leaf := h.createGroup(&racd.GroupInput{Name: racd.Some("leaf"), Parent: racd.Some(Ref(root.UUID))})
	u, err = h.S.Users().Update(h.Ctx, u.ID, &racd.UserInput{Groups: racd.Some(Refs(leaf.UUID)), IsActive: racd.Some(false)}, Audit)
	if err != nil || !u.IsSuperuser || len(u.Groups) != 1 || u.Groups[0].UUID != leaf.UUID || u.Groups[0].ParentName != "root" || u.IsActive || u.Username != "ann" {
		t.Fatalf("update: %+v %v", u, err)
	}
	if n := h.Int("SELECT count(*) FROM group_users WHERE user_id = $1", u.ID); n != 1 {
		t.Errorf("%d memberships after the update, want 1", n)
	}
	other := h.User("zed")
	for _, c := range []struct {
		q    racd.UserQuery
		want string
	}{
		{racd.UserQuery{ListQuery: page(racd.ListQuery{})}, "2 [ann zed]"},
		{racd.UserQuery{ListQuery: page(racd.ListQuery{}), IsSuperuser: boolPtr(true)}, "1 [ann]"},
		{racd.UserQuery{ListQuery: page(racd.ListQuery{}), IsActive: boolPtr(true)}, "1 [zed]"},
		{racd.UserQuery{ListQuery: page(racd.ListQuery{Search: []string{"ZED@EXAMPLE"}})}, "1 [zed]"},
		{racd.UserQuery{ListQuery: page(racd.ListQuery{}), IDs: []int64{other}}, "1 [zed]"},
		{racd.UserQuery{ListQuery: page(racd.ListQuery{}), Username: strPtr("ann")}, "1 [ann]"},
	} {
		us, n, err := h.S.Users().List(h.Ctx, c.q)
		var names []string
		for _, x := range us {
			names = append(names, x.Username)
		}
		if got := fmt.Sprint(n, names); err != nil || got != c.want {
			t.Errorf("list %+v = %s %v, want %s", c.q, got, err, c.want)
		}
	}
	tok := h.createToken("ann-token", u.ID)
	if err := h.S.Users().Delete(h.Ctx, u.ID, Audit); err != nil {
		t.Fatal(err)
	}
	_, err = h.S.Users().Get(h.Ctx, u.ID)
	WantNotFound(t, err)
	_, err = h.S.Tokens().Get(h.Ctx, tok.Identifier)
	WantNotFound(t, err)
	WantNotFound(t, h.S.Users().Delete(h.Ctx, u.ID, Audit))
	evs := h.Events("authentik_core", strconv.FormatInt(u.ID, 10))
	if len(evs) != 3 || evs[2].Action != racd.EventModelDeleted || h.Diff(evs[2])["groups"] != [2]string{`["` + leaf.UUID + `"]`, "null"} {
		t.Fatalf("user events %+v", evs)
	}
}

func boolPtr(b bool) *bool { return &b }

func testUserValidation(t *testing.T, h *H) {
	h.User("taken")
	missing := h.UUID()
	in := userInput("taken")
	in.Groups = racd.Some(Refs(missing))
	in.Type = racd.Some("internal_service_account")
	_, err := h.S.Users().Create(h.Ctx, in, Audit)
	WantFieldErrors(t, err, F("username", racd.MsgUniqueField), F("groups", racd.MsgDoesNotExist(missing)), F("type", racd.MsgInternalSA))
	if n := h.Int("SELECT count(*) FROM users"); n != 1 {
		t.Fatalf("an invalid user was stored (%d users)", n)
	}
	u := h.User("ann")
	// Renaming to one's own name is no clash.
	if _, err := h.S.Users().Update(h.Ctx, u, userInput("ann"), Audit); err != nil {
		t.Fatal(err)
	}
	_, err = h.S.Users().Update(h.Ctx, 99999, userInput("x"), Audit)
	WantNotFound(t, err)
}

func testCreateSuperuser(t *testing.T, h *H) {
	u, err := h.S.CreateSuperuser(h.Ctx, userInput("root"), Audit)
	if err != nil || !u.IsSuperuser || len(u.Groups) != 1 || u.Groups[0].Name != racd.BootstrapGroupName {
		t.Fatalf("superuser %+v %v", u, err)
	}
	u, err = h.S.CreateSuperuser(h.Ctx, userInput("root2"), Audit)
	if err != nil || !u.IsSuperuser {
		t.Fatalf("second superuser %+v %v", u, err)
	}
	if n := h.Int("SELECT count(*) FROM groups"); n != 1 {
		t.Errorf("%d groups, want the one superuser group", n)
	}
}

func testGroups(t *testing.T, h *H) {
	ann, bob := h.User("ann"), h.User("bob")
	r1, err := h.S.Roles().Create(h.Ctx, &racd.RoleInput{Name: racd.Some("r1")}, Audit)
	if err != nil {
		t.Fatal(err)
	}
	parent := h.createGroup(groupInput("parent"))
	in := groupInput("team")
	in.Users = racd.Some(refs(bob, ann, bob))
	in.Roles = racd.Some(Refs(r1.UUID))
	in.Parent = racd.Some(Ref(parent.UUID))
	g := h.createGroup(in)
	if g.NumPK <= 1000 || g.NumPK == parent.NumPK || fmt.Sprint(g.Users) != fmt.Sprint(sortedInts(ann, bob)) || len(g.Members) != 2 ||
		g.Members[0].Username != "ann" || fmt.Sprint(g.Roles) != "["+r1.UUID+"]" || len(g.RoleObjs) != 1 || g.RoleObjs[0].Name != "r1" ||
		g.Parent != parent.UUID || g.ParentName != "parent" {
		t.Fatalf("created %+v", g)
	}
	g, err = h.S.Groups().Update(h.Ctx, g.UUID, &racd.GroupInput{Users: racd.Some(refs(ann)), Roles: racd.Some([]racd.Ref{}), Parent: racd.Some(racd.Ref{})}, Audit)
	if err != nil || fmt.Sprint(g.Users) != fmt.Sprint([]int64{ann}) || len(g.Roles) != 0 || g.Parent != "" || g.Name != "team" {
		t.Fatalf("update: %+v %v", g, err)
	}
	if err := h.S.SetGroupMember(h.Ctx, g.UUID, bob, racd.Join, Audit); err != nil {
		t.Fatal(err)
	}
	if err := h.S.SetGroupMember(h.Ctx, g.UUID, ann, racd.Leave, Audit); err != nil {
		t.Fatal(err)
	}
	WantNotFound(t, h.S.SetGroupMember(h.Ctx, g.UUID, 99999, racd.Join, Audit))
	g, err = h.S.Groups().Get(h.Ctx, g.UUID)
	if err != nil || fmt.Sprint(g.Users) != fmt.Sprint([]int64{bob}) {
		t.Fatalf("after add/remove: %+v %v", g, err)
	}
	gs, n, err := h.S.Groups().List(h.Ctx, racd.GroupQuery{ListQuery: page(racd.ListQuery{}), MemberIDs: []int64{bob}})
	if err != nil || n != 1 || gs[0].UUID != g.UUID {
		t.Fatalf("groups of bob: %d %v", n, err)
	}
	child := h.createGroup(&racd.GroupInput{Name: racd.Some("child"), Parent: racd.Some(Ref(g.UUID))})
	used, err := h.S.Groups().UsedBy(h.Ctx, g.UUID, func(string) racd.Visibility { return racd.Everything })
	if err != nil || len(used) != 1 || used[0].Object.PK != child.UUID || used[0].Object.Name != "Group child" || used[0].Action != racd.ActionSetNull {
		t.Fatalf("used_by %+v %v", used, err)
	}
	if err := h.S.Groups().Delete(h.Ctx, g.UUID, Audit); err != nil {
		t.Fatal(err)
	}
	child, err = h.S.Groups().Get(h.Ctx, child.UUID)
	if err != nil || child.Parent != "" {
		t.Fatalf("child after its parent went: %+v %v", child, err)
	}
	if n := h.Int("SELECT count(*) FROM group_users"); n != 0 {
		t.Errorf("%d memberships left of a deleted group", n)
	}
}

func sortedInts(a, b int64) []int64 {
	if a > b {
		a, b = b, a
	}
	return []int64{a, b}
}

func testGroupValidation(t *testing.T, h *H) {
	g := h.createGroup(groupInput("taken"))
	missing := h.UUID()
	in := groupInput("taken")
	in.Users = racd.Some(refs(99999))
	in.Roles = racd.Some(Refs(missing))
	in.Parent = racd.Some(Ref(missing))
	_, err := h.S.Groups().Create(h.Ctx, in, Audit)
	WantFieldErrors(t, err, F("name", racd.MsgUniqueField), F("parent", racd.MsgDoesNotExist(missing)),
		F("users", racd.MsgDoesNotExist("99999")), F("roles", racd.MsgDoesNotExist(missing)))
	_, err = h.S.Groups().Update(h.Ctx, g.UUID, &racd.GroupInput{Parent: racd.Some(Ref(g.UUID))}, Audit)
	WantFieldErrors(t, err, F("parent", racd.MsgGroupOwnParent))
}

func testRoles(t *testing.T, h *H) {
	r, err := h.S.Roles().Create(h.Ctx, &racd.RoleInput{Name: racd.Some(" admins ")}, Audit)
	if err != nil || r.UUID == "" || r.Name != "admins" {
		t.Fatalf("create: %+v %v", r, err)
	}
	_, err = h.S.Roles().Create(h.Ctx, &racd.RoleInput{Name: racd.Some("admins")}, Audit)
	WantFieldErrors(t, err, F("name", racd.MsgUnique("role", "name")))
	r, err = h.S.Roles().Update(h.Ctx, r.UUID, &racd.RoleInput{Name: racd.Some("admins 2")}, Audit)
	if err != nil || r.Name != "admins 2" {
		t.Fatalf("update: %+v %v", r, err)
	}
	g := h.createGroup(&racd.GroupInput{Name: racd.Some("g"), Roles: racd.Some(Refs(r.UUID))})
	rs, n, err := h.S.Roles().List(h.Ctx, racd.RoleQuery{ListQuery: page(racd.ListQuery{}), GroupName: &g.Name})
	if err != nil || n != 1 || rs[0].UUID != r.UUID {
		t.Fatalf("roles of g: %d %v", n, err)
	}
	h.RoleGrant(r.UUID, "authentik_flows.view_flow", "")
	if err := h.S.Roles().Delete(h.Ctx, r.UUID, Audit); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int64{"SELECT count(*) FROM roles": 0, "SELECT count(*) FROM group_roles": 0, "SELECT count(*) FROM role_permissions": 0} {
		if n := h.Int(q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	evs := h.Events("authentik_rbac", r.UUID)
	if len(evs) != 3 || evs[2].Action != racd.EventModelDeleted || h.Diff(evs[2])["name"] != [2]string{`"admins 2"`, "null"} {
		t.Fatalf("role events %+v", evs)
	}
}

// testRoleHolders: a role given to a user directly (authentik 2025.12) is listed on
// the user, counts among its grants and held roles beside its groups' roles (parents
// included), is given and taken back by superusers only (SetRoleHolder, or the user's
// roles), and goes with the role or the user.
func testRoleHolders(t *testing.T, h *H) {
	role := func(name string) *racd.Role {
		r, err := h.S.Roles().Create(h.Ctx, &racd.RoleInput{Name: racd.Some(name)}, Audit)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	direct, ofGroup, ofParent := role("b direct"), role("a of group"), role("c of parent")
	h.RoleGrant(direct.UUID, "authentik_flows.view_flow", "")
	h.RoleGrant(ofParent.UUID, "authentik_providers_rac.view_endpoint", "")
	ann := h.User("ann")
	parent := h.createGroup(&racd.GroupInput{Name: racd.Some("parent"), Roles: racd.Some(Refs(ofParent.UUID))})
	h.createGroup(&racd.GroupInput{Name: racd.Some("team"), Parent: racd.Some(Ref(parent.UUID)), Roles: racd.Some(Refs(ofGroup.UUID)),
		Users: racd.Some([]racd.IntRef{{Raw: strconv.FormatInt(ann, 10), ID: ann}})})
	if err := h.S.SetRoleHolder(h.Ctx, direct.UUID, ann, racd.Join, actor(ann)); !errors.Is(err, racd.ErrForbidden) {
		t.Fatalf("a non-superuser gives itself a role: %v", err)
	}
	if err := h.S.SetRoleHolder(h.Ctx, direct.UUID, ann, racd.Join, Audit); err != nil {
		t.Fatal(err)
	}
	WantNotFound(t, h.S.SetRoleHolder(h.Ctx, direct.UUID, 99999, racd.Join, Audit))
	WantNotFound(t, h.S.SetRoleHolder(h.Ctx, h.UUID(), ann, racd.Join, Audit))
	u, err := h.S.Users().Get(h.Ctx, ann)
	if err != nil || !slices.Equal(u.Roles, []string{direct.UUID}) || len(u.RoleObjs) != 1 || u.RoleObjs[0].Name != "b direct" {
		t.Fatalf("ann's roles %v %v %v", u.Roles, u.RoleObjs, err)
	}
	held, err := h.S.HeldRoles(h.Ctx, ann)
	var names []string
	for _, r := range held {
		names = append(names, r.Name)
	}
	if err != nil || strings.Join(names, ",") != "a of group,b direct,c of parent" {
		t.Errorf("held roles %v %v", names, err)
	}
	grants, err := h.S.UserGrants(h.Ctx, ann)
	got := map[string]bool{}
	for _, g := range grants {
		got[g.Permission] = true
	}
	if err != nil || !got["authentik_flows.view_flow"] || !got["authentik_providers_rac.view_endpoint"] || len(got) != 2 {
		t.Errorf("grants %v %v", grants, err)
	}
	// The user's roles through Update: only a superuser changes them.
	_, err = h.S.Users().Update(h.Ctx, ann, &racd.UserInput{Roles: racd.Some(Refs(ofGroup.UUID))}, actor(ann))
	wantForbidden(t, "a non-superuser changes its roles", err)
	if _, err := h.S.Users().Update(h.Ctx, ann, &racd.UserInput{Roles: racd.Some(Refs(ofGroup.UUID, direct.UUID))}, Audit); err != nil {
		t.Fatal(err)
	}
	if err := h.S.SetRoleHolder(h.Ctx, direct.UUID, ann, racd.Leave, Audit); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.S.UserGrants(h.Ctx, ann); len(got) != 1 || got[0].Permission != "authentik_providers_rac.view_endpoint" {
		t.Errorf("grants after leaving: %v", got)
	}
	if err := h.S.Roles().Delete(h.Ctx, ofGroup.UUID, Audit); err != nil {
		t.Fatal(err)
	}
	if n := h.Int("SELECT count(*) FROM user_roles"); n != 0 {
		t.Errorf("%d user_roles rows after the role's deletion", n)
	}
	h.Exec("INSERT INTO user_roles (user_id, role_uuid) VALUES ($1, $2)", ann, direct.UUID)
	if err := h.S.Users().Delete(h.Ctx, ann, Audit); err != nil {
		t.Fatal(err)
	}
	if n := h.Int("SELECT count(*) FROM user_roles"); n != 0 {
		t.Errorf("%d user_roles rows after the user's deletion", n)
	}
}

func (h *H) createToken(identifier string, user int64) *racd.Token {
	h.T.Helper()
	t, err := h.S.Tokens().Create(h.Ctx, &racd.TokenInput{Identifier: racd.Some(identifier), User: racd.Some(ref(user)),
		Key: sealed(identifier)}, Audit)
	if err != nil {
		h.T.Fatalf("create token %s: %v", identifier, err)
	}
	return t
}

func testTokens(t *testing.T, h *H) {
	ann := h.User("ann")
	before := time.Now()
	tok := h.createToken("ann-token", ann)
	if tok.UUID == "" || tok.Intent != racd.IntentAPI || !tok.Expiring || tok.Expires == nil || tok.User == nil || tok.User.ID != ann ||
		tok.Expires.Before(before.Add(racd.DefaultTokenLifetime-time.Second)) {
		t.Fatalf("created %+v", tok)
	}
	cr, err := h.S.CredentialByHash(h.Ctx, sealed("ann-token").Hash)
	if err != nil || cr.TokenUUID != tok.UUID || cr.User.ID != ann {
		t.Fatalf("credential: %+v %v", cr, err)
	}
	key, err := h.S.TokenKey(h.Ctx, "ann-token", Audit)
	if err != nil || string(key) != string(sealed("ann-token").Ciphertext) {
		t.Fatalf("key %q %v", key, err)
	}
	action := racd.EventSecretView
	if _, secretViews, err := h.S.Events().List(h.Ctx, racd.EventQuery{ListQuery: page(racd.ListQuery{}), Action: &action}); err != nil || secretViews != 1 {
		t.Errorf("%d secret_view events, want 1 (%v)", secretViews, err)
	}
	tok, err = h.S.Tokens().Update(h.Ctx, "ann-token", &racd.TokenInput{Description: racd.Some("for scripts"), Expiring: racd.Some(false),
		Expires: racd.Some[*time.Time](nil)}, Audit)
	if err != nil || tok.Description != "for scripts" || tok.Expiring || tok.Expires != nil || tok.User == nil {
		t.Fatalf("update: %+v %v", tok, err)
	}
	bob := h.User("bob")
	h.createToken("bob-token", bob)
	ts, n, err := h.S.Tokens().List(h.Ctx, racd.TokenQuery{ListQuery: page(racd.ListQuery{}), OwnerID: &bob})
	if err != nil || n != 1 || ts[0].Identifier != "bob-token" || ts[0].User == nil || ts[0].User.Username != "bob" {
		t.Fatalf("bob's tokens: %d %+v %v", n, ts, err)
	}
	_, n, err = h.S.Tokens().List(h.Ctx, racd.TokenQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 10}})
	if err != nil || n != 2 {
		t.Fatalf("every token (owner rules, no view permission): %d %v", n, err)
	}
	used, err := h.S.Users().UsedBy(h.Ctx, bob, func(string) racd.Visibility { return racd.Everything })
	if err != nil || len(used) != 1 || used[0].Object.Name != "Token bob-token" || used[0].Object.ModelName != "token" {
		t.Fatalf("bob used_by: %+v %v", used, err)
	}
	if err := h.S.Tokens().Delete(h.Ctx, "ann-token", Audit); err != nil {
		t.Fatal(err)
	}
	_, err = h.S.CredentialByHash(h.Ctx, sealed("ann-token").Hash)
	WantNotFound(t, err)
	_, err = h.S.TokenKey(h.Ctx, "ann-token", Audit)
	WantNotFound(t, err)
}

func testTokenValidation(t *testing.T, h *H) {
	ann := h.User("ann")
	h.createToken("taken", ann)
	_, err := h.S.Tokens().Create(h.Ctx, &racd.TokenInput{Identifier: racd.Some("taken"), User: racd.Some(ref(99999)),
		Intent: racd.Some(racd.IntentRecovery), Key: sealed("x")}, Audit)
	WantFieldErrors(t, err, F("identifier", racd.MsgUnique("token", "identifier")), F("intent", racd.MsgInvalidIntent(racd.IntentRecovery)),
		F("user", racd.MsgDoesNotExist("99999")))
	if n := h.Int("SELECT count(*) FROM tokens"); n != 1 {
		t.Fatalf("an invalid token was stored (%d tokens)", n)
	}
}

func testPermissions(t *testing.T, h *H) {
	ann := h.User("ann")
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	pk := strconv.FormatInt(p.ID, 10)
	view := "authentik_providers_rac.view_racprovider"
	if err := h.S.AssignPermissions(h.Ctx, racd.PermissionHolder{UserID: ann}, []string{view, view}, pk, Audit); err != nil {
		t.Fatal(err)
	}
	r, err := h.S.Roles().Create(h.Ctx, &racd.RoleInput{Name: racd.Some("r")}, Audit)
	if err != nil {
		t.Fatal(err)
	}
	h.createGroup(&racd.GroupInput{Name: racd.Some("g"), Users: racd.Some(refs(ann)), Roles: racd.Some(Refs(r.UUID))})
	if err := h.S.AssignPermissions(h.Ctx, racd.PermissionHolder{RoleUUID: r.UUID}, []string{"authentik_flows.view_flow"}, "", Audit); err != nil {
		t.Fatal(err)
	}
	grants, err := h.S.UserGrants(h.Ctx, ann)
	sort.Slice(grants, func(i, j int) bool { return grants[i].Permission < grants[j].Permission })
	if err != nil || fmt.Sprint(grants) != fmt.Sprint([]racd.Grant{{Permission: "authentik_flows.view_flow"}, {Permission: view, ObjectPK: pk}}) {
		t.Fatalf("grants %v %v", grants, err)
	}
	WantNotFound(t, h.S.AssignPermissions(h.Ctx, racd.PermissionHolder{UserID: 99999}, []string{view}, "", Audit))
	WantNotFound(t, h.S.AssignPermissions(h.Ctx, racd.PermissionHolder{RoleUUID: h.UUID()}, []string{view}, "", Audit))
	if err := h.S.UnassignPermissions(h.Ctx, racd.PermissionHolder{UserID: ann}, []string{view}, pk, Audit); err != nil {
		t.Fatal(err)
	}
	if grants, _ := h.S.UserGrants(h.Ctx, ann); len(grants) != 1 {
		t.Fatalf("grants after unassign: %v", grants)
	}
	evs := h.Events("authentik_core", strconv.FormatInt(ann, 10))
	if len(evs) < 2 || h.Diff(evs[len(evs)-1])["unassigned_permissions"][0] == "" {
		t.Fatalf("holder events %+v", evs)
	}
	for _, c := range []struct {
		model, pk, canonical string
		ok                   bool
	}{
		{"authentik_providers_rac.racprovider", " " + pk + " ", pk, true},
		{"authentik_providers_rac.racprovider", "99999", "", false},
		{"authentik_providers_rac.racprovider", "x", "", false},
		{"authentik_flows.flow", strings.ToUpper(f.UUID), f.UUID, true},
		{"authentik_flows.flow", h.UUID(), "", false},
		{"authentik_rbac.role", r.UUID, r.UUID, true},
		{"authentik_core.nothing", "1", "", false},
	} {
		got, ok, err := h.S.ObjectExists(h.Ctx, c.model, c.pk)
		if err != nil || ok != c.ok || got != c.canonical {
			t.Errorf("ObjectExists(%s, %q) = %q %v %v", c.model, c.pk, got, ok, err)
		}
	}
}
