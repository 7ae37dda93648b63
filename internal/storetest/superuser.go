package storetest

import (
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// superuserTests pin issue 9 §1 in every store: nobody becomes a superuser who was not
// made one by a superuser, and no change leaves the instance without one.
var superuserTests = []Test{
	{"GroupRules", testSuperuserGroupRules},
	{"UserRules", testSuperuserUserRules},
	{"LastSuperuser", testLastSuperuser},
	{"LastSuperuserConcurrent", testLastSuperuserConcurrent},
	{"GroupCycles", testGroupCycles},
	{"TokenRules", testNonSuperuserTokens},
	{"Bootstrap", testBootstrapNeverPromotes},
	{"KeptReferences", testKeptReferences},
	{"OutsideWriters", testSuperuserRulesOutsideWriters},
}

// actor is an Audit of user id, who is not a superuser and views what vis grants.
func actor(id int64) racd.Audit {
	a := Audit
	a.User = racd.UserRef{ID: id, Username: "actor"}
	a.Superuser = false
	a.Visible = func(perm string) racd.Visibility { return racd.Visibility{UserID: id, Perm: perm} }
	return a
}

// wantForbidden fails unless err is racd.ErrForbidden.
func wantForbidden(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, racd.ErrForbidden) {
		t.Errorf("%s: %v, want forbidden", what, err)
	}
}

// superusers returns the usernames of the active superusers.
func (h *H) superusers() map[string]bool {
	h.T.Helper()
	yes, active := true, true
	us, _, err := h.S.Users().List(h.Ctx, racd.UserQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1000, Visible: racd.Everything},
		IsSuperuser: &yes, IsActive: &active})
	if err != nil {
		h.T.Fatal(err)
	}
	out := map[string]bool{}
	for _, u := range us {
		out[u.Username] = true
	}
	return out
}

// testSuperuserGroupRules: an actor who is not a superuser may not change, rename or
// delete a group whose members are superusers (itself or through a parent), nor set
// is_superuser, a parent, members or roles anywhere; it may rename an ordinary group.
func testSuperuserGroupRules(t *testing.T, h *H) {
	root := h.User("root")
	admins := h.Group("admins", "", true)
	h.AddToGroup(admins, root)
	child := h.Group("admins-child", admins, false)
	plain := h.Group("plain", "", false)
	other := h.Group("other", "", false)
	u := h.User("delegate")
	role := h.Role("r", other)
	a := actor(u)
	h.Grant(u, "authentik_core.view_user", "")
	h.Grant(u, "authentik_core.view_group", "")
	h.Grant(u, "authentik_rbac.view_role", "")
	for _, g := range []string{admins, child} {
		_, err := h.S.Groups().Update(h.Ctx, g, &racd.GroupInput{Name: racd.Some("renamed")}, a)
		wantForbidden(t, "rename a superuser group", err)
		_, err = h.S.Groups().Update(h.Ctx, g, &racd.GroupInput{Attributes: racd.Some(json.RawMessage(`{"a":1}`))}, a)
		wantForbidden(t, "change a superuser group", err)
		_, err = h.S.Groups().Update(h.Ctx, g, &racd.GroupInput{}, a)
		wantForbidden(t, "PATCH {} a superuser group", err)
		wantForbidden(t, "delete a superuser group", h.S.Groups().Delete(h.Ctx, g, a))
	}
	wantForbidden(t, "add a member", h.S.SetGroupMember(h.Ctx, plain, u, true, a))
	wantForbidden(t, "remove a member", h.S.SetGroupMember(h.Ctx, admins, root, false, a))
	for name, in := range map[string]*racd.GroupInput{
		"parent":  {Parent: racd.Some(Ref(admins))},
		"members": {Users: racd.Some(refs(u))},
		"roles":   {Roles: racd.Some(Refs(role))},
	} {
		_, err := h.S.Groups().Update(h.Ctx, plain, in, a)
		wantForbidden(t, "set a group's "+name, err)
		in.Name = racd.Some("new-" + name)
		_, err = h.S.Groups().Create(h.Ctx, in, a)
		wantForbidden(t, "create a group with "+name, err)
	}
	_, err := h.S.Groups().Update(h.Ctx, plain, &racd.GroupInput{IsSuperuser: racd.Some(true)}, a)
	WantFieldErrors(t, err, F("is_superuser", racd.MsgSetSuperuser(true)))
	_, err = h.S.Groups().Create(h.Ctx, &racd.GroupInput{Name: racd.Some("sneaky"), IsSuperuser: racd.Some(true)}, a)
	WantFieldErrors(t, err, F("is_superuser", racd.MsgSetSuperuser(true)))
	if _, err := h.S.Groups().Update(h.Ctx, plain, &racd.GroupInput{Name: racd.Some("plain-renamed"), IsSuperuser: racd.Some(false)}, a); err != nil {
		t.Errorf("rename an ordinary group: %v", err)
	}
	if err := h.S.Groups().Delete(h.Ctx, plain, a); err != nil {
		t.Errorf("delete an ordinary group: %v", err)
	}
	if got := h.superusers(); len(got) != 1 || !got["root"] {
		t.Errorf("superusers after the refusals: %v", got)
	}
}

// testSuperuserUserRules: an actor who is not a superuser may not change or delete a
// superuser's account, nor give anyone (itself included) groups.
func testSuperuserUserRules(t *testing.T, h *H) {
	root := h.User("root")
	admins := h.Group("admins", "", true)
	h.AddToGroup(admins, root)
	u := h.User("delegate")
	h.Grant(u, "authentik_core.view_group", "")
	a := actor(u)
	_, err := h.S.Users().Update(h.Ctx, root, &racd.UserInput{IsActive: racd.Some(false)}, a)
	wantForbidden(t, "deactivate a superuser", err)
	_, err = h.S.Users().Update(h.Ctx, root, &racd.UserInput{Name: racd.Some("x")}, a)
	wantForbidden(t, "rename a superuser", err)
	wantForbidden(t, "delete a superuser", h.S.Users().Delete(h.Ctx, root, a))
	_, err = h.S.Users().Update(h.Ctx, u, &racd.UserInput{Groups: racd.Some(Refs(admins))}, a)
	wantForbidden(t, "join a superuser group", err)
	in := userInput("sneaky")
	in.Groups = racd.Some(Refs(admins))
	_, err = h.S.Users().Create(h.Ctx, in, a)
	wantForbidden(t, "create a superuser", err)
	// Its own account, otherwise, it may change (a rename to akadmin included: a
	// later bootstrap does not promote it, see Bootstrap).
	if _, err := h.S.Users().Update(h.Ctx, u, &racd.UserInput{Username: racd.Some(racd.BootstrapUsername)}, a); err != nil {
		t.Errorf("rename itself: %v", err)
	}
	if got := h.superusers(); len(got) != 1 || !got["root"] {
		t.Errorf("superusers: %v", got)
	}
}

// testLastSuperuser: every way of taking the last active superuser away is refused
// (deactivate, delete, leave the group, demote or delete the group, move a group away
// from its superuser parent), on the field that would do it; with a second active
// superuser each goes through.
func testLastSuperuser(t *testing.T, h *H) {
	root := h.User("root")
	admins := h.Group("admins", "", true)
	h.AddToGroup(admins, root)
	sub := h.Group("sub", admins, false)
	second := h.User("second")
	h.AddToGroup(sub, second)
	h.Exec("UPDATE users SET is_active = FALSE WHERE id = $1", second) // an inactive superuser does not count
	last := func(field string) FieldMsgs { return F(field, racd.MsgLastSuperuser) }
	_, err := h.S.Users().Update(h.Ctx, root, &racd.UserInput{IsActive: racd.Some(false)}, Audit)
	WantFieldErrors(t, err, last("is_active"))
	_, err = h.S.Users().Update(h.Ctx, root, &racd.UserInput{Groups: racd.Some([]racd.Ref{})}, Audit)
	WantFieldErrors(t, err, last("groups"))
	WantFieldErrors(t, h.S.Users().Delete(h.Ctx, root, Audit), last(racd.NonFieldErrors))
	_, err = h.S.Groups().Update(h.Ctx, admins, &racd.GroupInput{IsSuperuser: racd.Some(false)}, Audit)
	WantFieldErrors(t, err, last("is_superuser"))
	_, err = h.S.Groups().Update(h.Ctx, admins, &racd.GroupInput{Users: racd.Some([]racd.IntRef{})}, Audit)
	WantFieldErrors(t, err, last("users"))
	WantFieldErrors(t, h.S.Groups().Delete(h.Ctx, admins, Audit), last(racd.NonFieldErrors))
	WantFieldErrors(t, h.S.SetGroupMember(h.Ctx, admins, root, false, Audit), last(racd.NonFieldErrors))
	if got := h.superusers(); len(got) != 1 || !got["root"] {
		t.Fatalf("superusers after the refusals: %v", got)
	}
	// Through a parent: root only in sub, sub moved away from admins.
	if err := h.S.SetGroupMember(h.Ctx, sub, root, true, Audit); err != nil {
		t.Fatal(err)
	}
	if err := h.S.SetGroupMember(h.Ctx, admins, root, false, Audit); err != nil {
		t.Fatal(err)
	}
	_, err = h.S.Groups().Update(h.Ctx, sub, &racd.GroupInput{Parent: racd.Some(racd.Ref{})}, Audit)
	WantFieldErrors(t, err, last("parent"))
	WantFieldErrors(t, h.S.Groups().Delete(h.Ctx, admins, Audit), last(racd.NonFieldErrors))
	// With a second active superuser, the same changes go through.
	if _, err := h.S.Users().Update(h.Ctx, second, &racd.UserInput{IsActive: racd.Some(true)}, Audit); err != nil {
		t.Fatal(err)
	}
	if _, err := h.S.Users().Update(h.Ctx, root, &racd.UserInput{IsActive: racd.Some(false)}, Audit); err != nil {
		t.Errorf("deactivate one of two: %v", err)
	}
	if err := h.S.Users().Delete(h.Ctx, root, Audit); err != nil {
		t.Errorf("delete one of two: %v", err)
	}
	if got := h.superusers(); len(got) != 1 || !got["second"] {
		t.Errorf("superusers: %v", got)
	}
	// An instance without any (before the first bootstrap) may still change users.
	h.Exec("DELETE FROM group_users")
	lone := h.User("lone")
	if _, err := h.S.Users().Update(h.Ctx, lone, &racd.UserInput{IsActive: racd.Some(false)}, Audit); err != nil {
		t.Errorf("no superuser to begin with: %v", err)
	}
}

// testLastSuperuserConcurrent: two superusers deactivating each other at once leave
// one of them: the writes that may take superusers away take turns.
func testLastSuperuserConcurrent(t *testing.T, h *H) {
	admins := h.Group("admins", "", true)
	for round := 0; round < 5; round++ {
		a, b := h.User("a"+strconv.Itoa(round)), h.User("b"+strconv.Itoa(round))
		h.Exec("DELETE FROM group_users")
		h.AddToGroup(admins, a)
		h.AddToGroup(admins, b)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range []int64{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = h.S.Users().Update(h.Ctx, id, &racd.UserInput{IsActive: racd.Some(false)}, Audit)
			}()
		}
		wg.Wait()
		if got := h.superusers(); len(got) != 1 {
			t.Fatalf("round %d: active superusers %v after deactivating both at once (%v, %v)", round, got, errs[0], errs[1])
		}
	}
}

// testGroupCycles: a group's parent may not be the group or one of its descendants.
func testGroupCycles(t *testing.T, h *H) {
	a := h.createGroup(groupInput("a"))
	b := h.createGroup(&racd.GroupInput{Name: racd.Some("b"), Parent: racd.Some(Ref(a.UUID))})
	c := h.createGroup(&racd.GroupInput{Name: racd.Some("c"), Parent: racd.Some(Ref(b.UUID))})
	for _, p := range []string{b.UUID, c.UUID} {
		_, err := h.S.Groups().Update(h.Ctx, a.UUID, &racd.GroupInput{Parent: racd.Some(Ref(p))}, Audit)
		WantFieldErrors(t, err, F("parent", racd.MsgGroupCycle))
	}
	_, err := h.S.Groups().Update(h.Ctx, a.UUID, &racd.GroupInput{Parent: racd.Some(Ref(a.UUID))}, Audit)
	WantFieldErrors(t, err, F("parent", racd.MsgGroupOwnParent))
	if n := h.Int("SELECT count(*) FROM groups WHERE uuid NOT IN (SELECT group_uuid FROM group_parents)"); n != 1 {
		t.Errorf("%d groups without a parent, want 1", n)
	}
	// Moving a group elsewhere in the tree is fine.
	d := h.createGroup(groupInput("d"))
	if _, err := h.S.Groups().Update(h.Ctx, c.UUID, &racd.GroupInput{Parent: racd.Some(Ref(d.UUID))}, Audit); err != nil {
		t.Errorf("reparent: %v", err)
	}
}

// testNonSuperuserTokens: an actor who is not a superuser writes only its own tokens,
// which always expire (by default racd.DefaultTokenLifetime, at most the store's
// maximum lifetime), never with a managed key or the bootstrap token's identifier;
// another user's token does not exist for it. A superuser may do all of it.
func testNonSuperuserTokens(t *testing.T, h *H) {
	u, other := h.User("u"), h.User("other")
	a := actor(u)
	before := time.Now()
	tok, err := h.S.Tokens().Create(h.Ctx, &racd.TokenInput{Identifier: racd.Some("mine"), User: racd.Some(ref(other)),
		Expiring: racd.Some(false), Expires: racd.Some[*time.Time](nil), Key: sealed("mine")}, a)
	if err != nil {
		t.Fatal(err)
	}
	if tok.UserID != u || !tok.Expiring || tok.Expires == nil || tok.Expires.Before(before.Add(racd.DefaultTokenLifetime-time.Minute)) ||
		tok.Expires.After(time.Now().Add(racd.DefaultTokenLifetime+time.Minute)) {
		t.Fatalf("a non-superuser's token: user %d expiring %v expires %v", tok.UserID, tok.Expiring, tok.Expires)
	}
	far := time.Now().Add(racd.DefaultTokenMaxLifetime + time.Hour)
	_, err = h.S.Tokens().Update(h.Ctx, "mine", &racd.TokenInput{Expires: racd.Some(&far)}, a)
	if fe, ok := racd.AsFieldErrors(err); !ok || len(fe.Fields()) != 1 || !fe.Has("expires") {
		t.Errorf("expires past the maximum lifetime: %v", err)
	}
	near := time.Now().Add(racd.DefaultTokenMaxLifetime - time.Hour)
	if _, err := h.S.Tokens().Update(h.Ctx, "mine", &racd.TokenInput{Expires: racd.Some(&near)}, a); err != nil {
		t.Errorf("expires within the maximum lifetime: %v", err)
	}
	tok, err = h.S.Tokens().Update(h.Ctx, "mine", &racd.TokenInput{Expires: racd.Some[*time.Time](nil), Expiring: racd.Some(false)}, a)
	if err != nil || !tok.Expiring || tok.Expires == nil || tok.Expires.After(time.Now().Add(racd.DefaultTokenLifetime+time.Minute)) {
		t.Errorf("expires null: %v %+v", err, tok)
	}
	_, err = h.S.Tokens().Create(h.Ctx, &racd.TokenInput{Identifier: racd.Some(racd.BootstrapTokenIdentifier), Key: sealed("b")}, a)
	WantFieldErrors(t, err, F("identifier", racd.MsgReservedIdentifier))
	_, err = h.S.Tokens().Update(h.Ctx, "mine", &racd.TokenInput{Identifier: racd.Some(racd.BootstrapTokenIdentifier)}, a)
	WantFieldErrors(t, err, F("identifier", racd.MsgReservedIdentifier))
	_, err = h.S.Tokens().Create(h.Ctx, &racd.TokenInput{Identifier: racd.Some("managed"), Managed: racd.Some("goauthentik.io/x"), Key: sealed("m")}, a)
	WantFieldErrors(t, err, F("managed", racd.MsgManagedBySuperusers))
	_, err = h.S.Tokens().Update(h.Ctx, "mine", &racd.TokenInput{Managed: racd.Some("goauthentik.io/x")}, a)
	WantFieldErrors(t, err, F("managed", racd.MsgManagedBySuperusers))
	theirs := h.createToken("theirs", other)
	_, err = h.S.Tokens().Update(h.Ctx, theirs.Identifier, &racd.TokenInput{Description: racd.Some("mine now")}, a)
	WantNotFound(t, err)
	// A superuser may do each of these.
	if _, err := h.S.Tokens().Create(h.Ctx, &racd.TokenInput{Identifier: racd.Some(racd.BootstrapTokenIdentifier), Managed: racd.Some("goauthentik.io/x"),
		User: racd.Some(ref(other)), Expiring: racd.Some(false), Key: sealed("b")}, Audit); err != nil {
		t.Errorf("a superuser's reserved, managed, non-expiring token for another user: %v", err)
	}
}

// testBootstrapNeverPromotes: bootstrap creates akadmin and its group only when the
// user it created is gone and the name is free; a later start never promotes a user
// it did not create, whatever it is named now, nor changes memberships.
func testBootstrapNeverPromotes(t *testing.T, h *H) {
	res, err := h.S.BootstrapAdmin(h.Ctx, &racd.SealedKey{Hash: []byte("h1"), Ciphertext: []byte("c1")})
	if err != nil || !res.CreatedUser || !res.CreatedToken || res.Foreign {
		t.Fatalf("first bootstrap: %+v %v", res, err)
	}
	admin := res.UserID
	// A superuser renames akadmin and demotes... a second superuser first, so the
	// rename is no threat; a non-superuser takes the name.
	second := h.User("second")
	h.AddToGroup(h.Group("other-admins", "", true), second)
	if _, err := h.S.Users().Update(h.Ctx, admin, &racd.UserInput{Username: racd.Some("root")}, Audit); err != nil {
		t.Fatal(err)
	}
	mallory := h.User("mallory")
	if _, err := h.S.Users().Update(h.Ctx, mallory, &racd.UserInput{Username: racd.Some(racd.BootstrapUsername)}, actor(mallory)); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"root": true, "second": true}
	check := func(when string) {
		t.Helper()
		res, err := h.S.BootstrapAdmin(h.Ctx, &racd.SealedKey{Hash: []byte("h2"), Ciphertext: []byte("c2")})
		if err != nil || res.CreatedUser || res.CreatedToken {
			t.Fatalf("%s: bootstrap again: %+v %v", when, res, err)
		}
		got := h.superusers()
		if len(got) != len(want) {
			t.Fatalf("%s: superusers %v, want %v", when, got, want)
		}
		for u := range want {
			if !got[u] {
				t.Fatalf("%s: superusers %v, want %v", when, got, want)
			}
		}
	}
	check("renamed")
	// A superuser takes root out of the group (demotes it deliberately): a restart
	// gives it nothing back.
	if _, err := h.S.Users().Update(h.Ctx, admin, &racd.UserInput{Groups: racd.Some([]racd.Ref{})}, Audit); err != nil {
		t.Fatal(err)
	}
	delete(want, "root")
	check("demoted")
	// root deleted: the user bootstrap created is gone, but the name akadmin is
	// mallory's. mallory is not promoted and gets no token.
	if err := h.S.Users().Delete(h.Ctx, admin, Audit); err != nil {
		t.Fatal(err)
	}
	res, err = h.S.BootstrapAdmin(h.Ctx, &racd.SealedKey{Hash: []byte("h3"), Ciphertext: []byte("c3")})
	if err != nil || !res.Foreign || res.CreatedUser || res.CreatedToken {
		t.Fatalf("bootstrap with a foreign akadmin: %+v %v", res, err)
	}
	if got := h.superusers(); len(got) != 1 || !got["second"] {
		t.Fatalf("superusers %v", got)
	}
	// Once the name is free again, bootstrap makes a new akadmin of its own.
	if err := h.S.Users().Delete(h.Ctx, mallory, Audit); err != nil {
		t.Fatal(err)
	}
	res, err = h.S.BootstrapAdmin(h.Ctx, &racd.SealedKey{Hash: []byte("h4"), Ciphertext: []byte("c4")})
	if err != nil || !res.CreatedUser || !res.CreatedToken {
		t.Fatalf("bootstrap after akadmin is gone: %+v %v", res, err)
	}
	if got := h.superusers(); len(got) != 2 || !got[racd.BootstrapUsername] {
		t.Fatalf("superusers %v", got)
	}
}

// testKeptReferences: a reference an object already makes may be sent again by an
// actor who cannot view its target (a body read back from a GET); only a new
// reference must be visible.
func testKeptReferences(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	m := h.Mapping("m")
	ep := h.Endpoint("desk", p.ID, m.UUID)
	u := h.User("u")
	a := actor(u)
	in := endpointInput("desk", p.ID)
	in.PropertyMappings = racd.Some(Refs(m.UUID))
	if _, err := h.S.Endpoints().Update(h.Ctx, ep, in, a); err != nil {
		t.Errorf("resend an endpoint's references: %v", err)
	}
	m2 := h.Mapping("m2")
	in.PropertyMappings = racd.Some(Refs(m.UUID, m2.UUID))
	_, err := h.S.Endpoints().Update(h.Ctx, ep, in, a)
	WantFieldErrors(t, err, F("property_mappings", racd.MsgDoesNotExist(m2.UUID)))
}

// testSuperuserRulesOutsideWriters: the writes that do not go through a resource's
// writer hold the same rules. Only superusers assign or unassign permissions and set a
// superuser's password; an outpost's writes and its deletion leave alone a superuser
// who bears the name of its service account (a holder of change_user may give any
// user that name before a superuser promotes it), so deleting the outpost never
// deletes the last active superuser.
func testSuperuserRulesOutsideWriters(t *testing.T, h *H) {
	root := h.User("root")
	admins := h.Group("admins", "", true)
	h.AddToGroup(admins, root)
	u := h.User("delegate")
	a := actor(u)
	view := "authentik_core.view_user"
	wantForbidden(t, "assign a permission", h.S.AssignPermissions(h.Ctx, racd.PermissionHolder{UserID: u}, []string{view}, "", a))
	h.Grant(u, view, "")
	wantForbidden(t, "unassign a permission", h.S.UnassignPermissions(h.Ctx, racd.PermissionHolder{UserID: u}, []string{view}, "", a))
	wantForbidden(t, "set a superuser's password", h.S.SetPassword(h.Ctx, root, "hash", "", a))
	if err := h.S.SetPassword(h.Ctx, u, "hash", "", a); err != nil {
		t.Errorf("set an ordinary user's password: %v", err)
	}
	if err := h.S.SetPassword(h.Ctx, root, "hash", "", Audit); err != nil {
		t.Errorf("a superuser sets a superuser's password: %v", err)
	}

	// The outpost's account renamed away, root given its name and made the last active
	// superuser.
	ids := providers(t, h.S, 2)
	key := &racd.SealedKey{Hash: []byte("outpost-key-hash"), Ciphertext: []byte("sealed")}
	o, err := h.S.Outposts().Create(h.Ctx, &racd.OutpostInput{Name: racd.Some("edge"), Type: racd.Some("rac"), Providers: racd.Some(refs(ids[0])),
		Config: racd.Some(json.RawMessage(`{}`)), ServiceKey: key}, Audit)
	if err != nil {
		t.Fatal(err)
	}
	h.Exec("UPDATE users SET username = 'renamed-account' WHERE username = $1", o.ServiceAccountUsername())
	if _, err := h.S.Users().Update(h.Ctx, root, &racd.UserInput{Username: racd.Some(o.ServiceAccountUsername())}, Audit); err != nil {
		t.Fatal(err)
	}
	h.Grant(u, "authentik_providers_rac.view_racprovider", ref(ids[1]).Raw)
	if _, err := h.S.Outposts().Update(h.Ctx, o.UUID, &racd.OutpostInput{Name: racd.Some("edge2"), Providers: racd.Some(refs(ids[1])), ServiceKey: key}, a); err != nil {
		t.Fatalf("change the outpost: %v", err)
	}
	gs, err := h.S.UserGrants(h.Ctx, root)
	if err != nil || len(gs) != 0 {
		t.Errorf("the superuser's grants after the outpost changed: %v %v", gs, err)
	}
	if err := h.S.Outposts().Delete(h.Ctx, o.UUID, a); err != nil {
		t.Fatalf("delete the outpost: %v", err)
	}
	got, err := h.S.Users().Get(h.Ctx, root)
	if err != nil || got.Name != "User root" || !got.IsSuperuser {
		t.Errorf("the superuser after the outpost went: %+v %v", got, err)
	}
	if got := h.superusers(); len(got) != 1 || !got[o.ServiceAccountUsername()] {
		t.Errorf("superusers: %v", got)
	}
}
