package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/storetest"
)

// TestSuperusersRandomized (issue 9 §1): long seeded sequences of API calls by users
// who are not superusers, each holding random global and per-object permissions
// (change_user on themselves, delete_group, add_token, …) and calling whatever they
// may touch — renames to akadmin, group memberships, superuser flags, parents
// (2024.6's parent and the newer parents),
// deletions, tokens with reserved identifiers, permission assignments — with a few
// superuser calls and restarts of racd serve (which runs the bootstrap again) in
// between. After every step the set of active superusers (id, username) is what it
// was unless the step was a superuser's own call, and it is never empty. On both
// databases; the seed is printed, and RACD_TEST_SEED=<n> replays it.
func TestSuperusersRandomized(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RACD_TEST_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RACD_TEST_SEED: %v", err)
		}
		seed = n
	}
	steps := 1000
	if testing.Short() {
		steps = 200
	}
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Logf("seed %d (RACD_TEST_SEED=%d replays it)", seed, seed)
			f := &fuzzer{t: t, rnd: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), seed: seed,
				vars: map[string]string{"RACD_DATABASE_URL": storetest.URL(t, backend), "RACD_SECRET_KEY": secret,
					"RACD_LISTEN": "127.0.0.1:0", "RACD_BOOTSTRAP_TOKEN": fuzzAdminKey, "RACD_AUTH_CACHE_TTL": "0"}}
			st, err := sqlstore.Open(t.Context(), f.vars["RACD_DATABASE_URL"], sqlstore.Options{})
			f.start() // migrates
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			f.st = st
			if f.ring, err = keys.New(secret); err != nil {
				t.Fatal(err)
			}
			f.setup()
			f.want = f.superusers()
			for i := 0; i < steps; i++ {
				f.step = i
				switch r := f.rnd.IntN(100); {
				case r < 2:
					f.restart()
				case r < 10:
					f.superuserCall()
					f.want = f.superusers()
				default:
					f.actorCall()
				}
				f.check()
			}
			f.restart()
			f.check()
			t.Logf("%d steps, %d restarts, %d calls answered 2xx, %d refused", steps, f.restarts, f.ok, f.refused)
		})
	}
}

const fuzzAdminKey = "fuzz-bootstrap-admin-key-0123456789"

// fuzzer drives one racd serve on one database.
type fuzzer struct {
	t        *testing.T
	rnd      *rand.Rand
	seed     uint64
	vars     map[string]string
	srv      *served
	ring     *keys.Keyring
	st       *sqlstore.Store // reads who is a superuser, whatever the API keys may still do
	url      string
	step     int
	restarts int
	ok       int
	refused  int

	actors []actor  // users who are not superusers, with their keys
	users  []int64  // every user id ever made (some deleted since)
	groups []string // every group uuid ever made
	roles  []string // role uuids
	// outpost is an outpost whose service account the operator renamed away, so that
	// an actor may give its name (outpostAccount) to any user (issue 9 §1: changing or
	// deleting the outpost must leave a superuser of that name alone).
	outpost, outpostAccount string
	provider                int64
	want                    map[string]string // active superusers: id → username
	last                    string            // the last call, for failure messages
}

type actor struct {
	id  int64
	key string
}

func (f *fuzzer) start() {
	f.t.Helper()
	f.srv = startServe(f.t, f.vars)
	f.url = "http://" + f.srv.Addr
}

func (f *fuzzer) restart() {
	f.t.Helper()
	if code := f.srv.Stop(); code != 0 {
		f.fail("serve exited %d", code)
	}
	f.last = "restart"
	f.start()
	f.restarts++
	if !strings.Contains(f.srv.Logs(), "created bootstrap superuser") {
		return
	}
	// The superuser bootstrap created earlier is gone and the name akadmin was free:
	// bootstrap made a new akadmin, the operator's doing. Nothing else may change.
	got := f.superusers()
	added := 0
	for id, name := range got {
		if _, ok := f.want[id]; !ok {
			added++
			if name != racd.BootstrapUsername {
				f.fail("restart made %s a superuser", name)
			}
		}
	}
	if added != 1 || len(got) != len(f.want)+1 {
		f.fail("restart changed the superusers: %v, had %v", sorted(got), sorted(f.want))
	}
	f.want = got
}

func (f *fuzzer) fail(format string, args ...any) {
	f.t.Helper()
	f.t.Fatalf("seed %d, step %d (after %s): %s", f.seed, f.step, f.last, fmt.Sprintf(format, args...))
}

// call sends method path body with key and returns the status and decoded body.
func (f *fuzzer) call(key, method, path string, body any) (int, map[string]any) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.url+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.fail("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		f.fail("%s %s %v: %d %s", method, path, body, res.StatusCode, raw)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return res.StatusCode, m
}

func (f *fuzzer) admin(method, path string, body any) map[string]any {
	f.t.Helper()
	code, m := f.call(fuzzAdminKey, method, path, body)
	if code/100 != 2 {
		f.fail("setup %s %s: %d %v", method, path, code, m)
	}
	return m
}

// superusers returns the active superusers' usernames by id, read from the database.
func (f *fuzzer) superusers() map[string]string {
	f.t.Helper()
	yes := true
	us, _, err := f.st.Users().List(f.t.Context(), racd.UserQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1000, Visible: racd.Everything},
		IsSuperuser: &yes, IsActive: &yes})
	if err != nil {
		f.fail("list superusers: %v", err)
	}
	out := map[string]string{}
	for _, u := range us {
		out[strconv.FormatInt(u.ID, 10)] = u.Username
	}
	return out
}

// isSuperuser reports whether user id is an active superuser now.
func (f *fuzzer) isSuperuser(id int64) bool {
	_, ok := f.want[strconv.FormatInt(id, 10)]
	return ok
}

func (f *fuzzer) check() {
	f.t.Helper()
	got := f.superusers()
	if len(got) == 0 {
		f.fail("no active superuser left")
	}
	if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(f.want)) {
		f.fail("superusers changed without a superuser's call: %v, want %v", sorted(got), sorted(f.want))
	}
}

func sorted(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// setup makes, as the bootstrap superuser, a second superuser, a group under the
// superuser group, ordinary groups with roles, a group with two parents whose second
// is the superuser group, and four users who are not superusers,
// each with random global and per-object permissions (some through roles).
func (f *fuzzer) setup() {
	admins := f.admin("GET", "/api/v3/core/groups/?is_superuser=true", nil)["results"].([]any)[0].(map[string]any)["pk"].(string)
	f.groups = append(f.groups, admins)
	root2 := f.admin("POST", "/api/v3/core/users/", map[string]any{"username": "root2", "name": "R", "groups": []any{admins}})
	f.users = append(f.users, int64(root2["pk"].(float64)))
	f.want = f.superusers()
	f.groups = append(f.groups, f.admin("POST", "/api/v3/core/groups/", map[string]any{"name": "admins-child", "parent": admins})["pk"].(string))
	for i := 0; i < 3; i++ {
		role := f.admin("POST", "/api/v3/rbac/roles/", map[string]any{"name": fmt.Sprintf("role%d", i)})["pk"].(string)
		f.roles = append(f.roles, role)
		f.groups = append(f.groups, f.admin("POST", "/api/v3/core/groups/", map[string]any{"name": fmt.Sprintf("team%d", i), "roles": []any{role}})["pk"].(string))
	}
	// A group whose second parent (by name) is the superuser group: its members are
	// superusers through that parent.
	aTeam := f.admin("POST", "/api/v3/core/groups/", map[string]any{"name": "a-team"})["pk"].(string)
	f.groups = append(f.groups, aTeam, f.admin("POST", "/api/v3/core/groups/", map[string]any{"name": "two-parents", "parents": []any{aTeam, admins}})["pk"].(string))
	for i := 0; i < 4; i++ {
		f.actors = append(f.actors, f.newActor(i))
	}
	flow := f.admin("POST", "/api/v3/flows/instances/", map[string]any{"name": "F", "slug": "authz", "title": "T", "designation": "authorization"})["pk"]
	f.provider = int64(f.admin("POST", "/api/v3/providers/rac/", map[string]any{"name": "p", "authorization_flow": flow})["pk"].(float64))
	f.newOutpost()
	op := racd.Audit{Superuser: true, Request: racd.RequestInfo{Method: "TEST", Path: "fuzz"}}
	for _, role := range f.roles {
		for _, p := range f.randomPerms() {
			_ = f.st.AssignPermissions(f.t.Context(), racd.PermissionHolder{RoleUUID: role}, []string{p.codename}, p.pk, op)
		}
	}
}

var fuzzModels = []string{"authentik_core.user", "authentik_core.group", "authentik_core.token", "authentik_rbac.role", "authentik_outposts.outpost"}

// newOutpost makes (through the store, as the operator) an outpost with its service
// account and renames the account away: its name is then free for any user.
func (f *fuzzer) newOutpost() {
	ctx := f.t.Context()
	op := racd.Audit{Superuser: true, Request: racd.RequestInfo{Method: "TEST", Path: "fuzz"}}
	key := fmt.Sprintf("fuzz-outpost-key-%d-%d", f.seed, f.step)
	sealed, err := f.ring.Seal(key)
	if err != nil {
		f.t.Fatal(err)
	}
	o, err := f.st.Outposts().Create(ctx, &racd.OutpostInput{Name: racd.Some(fmt.Sprintf("edge-%d", f.step)), Type: racd.Some("rac"),
		Providers: racd.Some([]racd.IntRef{{Raw: fmt.Sprint(f.provider), ID: f.provider}}), Config: racd.Some(json.RawMessage(`{}`)),
		ServiceKey: &racd.SealedKey{Hash: f.ring.Hash(key), Ciphertext: sealed}}, op)
	if err != nil {
		f.fail("new outpost: %v", err)
	}
	f.outpost, f.outpostAccount = o.UUID, o.ServiceAccountUsername()
	us, _, err := f.st.Users().List(ctx, racd.UserQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1, Visible: racd.Everything}, Username: &f.outpostAccount})
	if err != nil || len(us) != 1 {
		f.fail("the outpost's account: %v %v", us, err)
	}
	if _, err := f.st.Users().Update(ctx, us[0].ID, &racd.UserInput{Username: racd.Some(fmt.Sprintf("old-account-%d", f.step))}, op); err != nil {
		f.fail("rename the outpost's account: %v", err)
	}
}

// newActor makes (through the store, as the operator: the API's superusers may be
// gone by now) the user of actor slot i with a key and permissions: slot 0 a
// delegated administrator holding every permission on the identity models, slot 1 a
// user who may change itself, the others random ones; half of them also join a group
// whose role holds more.
func (f *fuzzer) newActor(i int) actor {
	ctx := f.t.Context()
	op := racd.Audit{Superuser: true, Request: racd.RequestInfo{Method: "TEST", Path: "fuzz"}}
	name := fmt.Sprintf("actor%d-%d", i, f.step)
	u, err := f.st.Users().Create(ctx, &racd.UserInput{Username: racd.Some(name), Name: racd.Some("A")}, op)
	if err != nil {
		f.fail("new actor: %v", err)
	}
	f.users = append(f.users, u.ID)
	key := fmt.Sprintf("fuzz-actor-key-%d-%d-%d", f.seed, i, f.step)
	sealed, err := f.ring.Seal(key)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Tokens().Create(ctx, &racd.TokenInput{Identifier: racd.Some(name + "-key"), User: racd.Some(racd.IntRef{ID: u.ID}),
		Expiring: racd.Some(false), Key: racd.SealedKey{Hash: f.ring.Hash(key), Ciphertext: sealed}}, op); err != nil {
		f.fail("new actor's token: %v", err)
	}
	perms := f.randomPerms()
	switch i {
	case 0:
		for _, m := range fuzzModels {
			app, model, _ := strings.Cut(m, ".")
			for _, action := range []string{"view", "add", "change", "delete"} {
				perms = append(perms, fuzzPerm{codename: app + "." + action + "_" + model})
			}
		}
	case 1:
		perms = append(perms, fuzzPerm{model: "authentik_core.user", codename: "authentik_core.change_user", pk: fmt.Sprint(u.ID)},
			fuzzPerm{codename: "authentik_core.view_user"}, fuzzPerm{codename: "authentik_core.view_group"})
	case 2: // a group administrator
		for _, action := range []string{"view", "add", "change", "delete"} {
			perms = append(perms, fuzzPerm{codename: "authentik_core." + action + "_group"})
		}
		perms = append(perms, fuzzPerm{codename: "authentik_core.view_user"})
	}
	for _, p := range perms {
		_ = f.st.AssignPermissions(ctx, racd.PermissionHolder{UserID: u.ID}, []string{p.codename}, p.pk, op)
	}
	if f.rnd.IntN(2) == 0 {
		_ = f.st.SetGroupMember(ctx, f.groups[2+f.rnd.IntN(3)], u.ID, racd.Join, op)
	}
	return actor{u.ID, key}
}

// randomPerms picks a few permissions: global or on one object (the actor itself, a
// superuser, a superuser group, an ordinary group).
type fuzzPerm struct{ model, codename, pk string }

func (f *fuzzer) randomPerms() []fuzzPerm {
	var out []fuzzPerm
	for n := 2 + f.rnd.IntN(8); n > 0; n-- {
		model := fuzzModels[f.rnd.IntN(len(fuzzModels))]
		app, name, _ := strings.Cut(model, ".")
		action := []string{"view", "add", "change", "delete"}[f.rnd.IntN(4)]
		p := fuzzPerm{model: model, codename: app + "." + action + "_" + name}
		if f.rnd.IntN(3) == 0 { // on one object
			switch name {
			case "user":
				p.pk = fmt.Sprint(f.pickUser())
			case "group":
				p.pk = f.pick(f.groups)
			case "role":
				p.pk = f.pick(f.roles)
			case "outpost":
				p.pk = f.outpost
			default:
				p.pk = "" // tokens: owner rules
			}
		}
		out = append(out, p)
	}
	return out
}

func (f *fuzzer) pick(s []string) string { return s[f.rnd.IntN(len(s))] }

// pickGroup is, half of the time, the superuser group, the group under it or the
// group with the superuser group as its second parent.
func (f *fuzzer) pickGroup() string {
	if f.rnd.IntN(2) == 0 {
		return f.groups[[]int{0, 1, 6}[f.rnd.IntN(3)]]
	}
	return f.pick(f.groups)
}

// pickUser is a user id: any made, a superuser, akadmin, or one of the actors.
func (f *fuzzer) pickUser() int64 {
	switch f.rnd.IntN(3) {
	case 0:
		n, _ := strconv.ParseInt(f.pickSuperuser(), 10, 64)
		return n
	case 1:
		if len(f.actors) > 0 {
			return f.actors[f.rnd.IntN(len(f.actors))].id
		}
	}
	return f.users[f.rnd.IntN(len(f.users))]
}

// someGroups is a random subset of the groups, the superuser group often among them.
func (f *fuzzer) someGroups() []any {
	out := []any{}
	for _, g := range f.groups {
		if f.rnd.IntN(3) == 0 {
			out = append(out, g)
		}
	}
	return out
}

func (f *fuzzer) someUsers(self int64) []any {
	out := []any{}
	for i := f.rnd.IntN(3); i > 0; i-- {
		out = append(out, f.pickUser())
	}
	if f.rnd.IntN(3) != 0 {
		out = append(out, self)
	}
	return out
}

// name is a username or group name worth trying: the bootstrap's names, a
// superuser's, the outpost's service account's, or a fresh one.
func (f *fuzzer) name() string {
	switch f.rnd.IntN(5) {
	case 3:
		return f.outpostAccount
	case 0:
		return racd.BootstrapUsername
	case 1:
		return racd.BootstrapGroupName
	case 2:
		_, name, _ := strings.Cut(f.pick(sorted(f.want)), "=")
		return name
	}
	return fmt.Sprintf("n%d", f.rnd.IntN(1000))
}

// actorCall makes one random call as a random actor.
func (f *fuzzer) actorCall() {
	slot := f.rnd.IntN(len(f.actors))
	a := f.actors[slot]
	var method, path string
	var body any
	user := fmt.Sprintf("/api/v3/core/users/%d/", f.pickUser())
	self := fmt.Sprintf("/api/v3/core/users/%d/", a.id)
	group := "/api/v3/core/groups/" + f.pickGroup() + "/"
	switch f.rnd.IntN(16) {
	case 0: // often the bootstrap's name, which a restart must not reward
		name := f.name()
		if f.rnd.IntN(2) == 0 {
			name = racd.BootstrapUsername
		}
		method, path, body = "PATCH", self, map[string]any{"username": name}
	case 1:
		method, path, body = "PATCH", user, map[string]any{"is_active": f.rnd.IntN(2) == 0, "name": "x"}
	case 2:
		method, path, body = "PATCH", []string{self, user}[f.rnd.IntN(2)], map[string]any{"groups": f.someGroups()}
	case 3:
		method, path, body = "POST", "/api/v3/core/users/", map[string]any{"username": f.name(), "name": "n", "groups": f.someGroups()}
	case 4:
		method, path = "DELETE", user
	case 5:
		method, path, body = "PATCH", group, map[string]any{"name": f.name(), "is_superuser": f.rnd.IntN(2) == 0}
	case 6:
		b := map[string]any{"users": f.someUsers(a.id)}
		switch f.rnd.IntN(3) {
		case 0:
			b["parent"] = f.pick(f.groups)
		case 1:
			b["parents"] = f.someGroups()
		default:
			b["roles"] = []any{f.pick(f.roles)}
		}
		method, path, body = "PATCH", group, b
	case 7:
		b := map[string]any{"name": f.name(), "is_superuser": f.rnd.IntN(3) == 0, "users": f.someUsers(a.id)}
		if f.rnd.IntN(2) == 0 {
			b["parent"] = []any{nil, f.pick(f.groups)}[f.rnd.IntN(2)]
		} else {
			b["parents"] = f.someGroups()
		}
		method, path, body = "POST", "/api/v3/core/groups/", b
	case 8:
		method, path = "DELETE", group
	case 9:
		method, path, body = "POST", group+[]string{"add_user/", "remove_user/"}[f.rnd.IntN(2)], map[string]any{"pk": f.pickUser()}
	case 10:
		method, path, body = "POST", "/api/v3/core/tokens/", map[string]any{
			"identifier": []string{racd.BootstrapTokenIdentifier, fmt.Sprintf("t%d", f.rnd.IntN(1000))}[f.rnd.IntN(2)],
			"user":       f.pickUser(), "expiring": false, "expires": nil, "managed": []any{nil, "goauthentik.io/x"}[f.rnd.IntN(2)]}
	case 11:
		method, path, body = "POST", fmt.Sprintf("/api/v3/rbac/permissions/assigned_by_users/%d/assign/", a.id),
			map[string]any{"permissions": []string{"authentik_core.change_group", "authentik_core.change_user"}}
	case 12:
		method, path, body = "PUT", group, map[string]any{"name": f.name(), "is_superuser": true, "users": f.someUsers(a.id)}
	case 13:
		method, path, body = "DELETE", "/api/v3/core/tokens/"+racd.BootstrapTokenIdentifier+"/", nil
	case 14: // the outpost finds its service account by name
		method, path, body = "PATCH", "/api/v3/outposts/instances/"+f.outpost+"/", map[string]any{"name": f.name(), "providers": []any{f.provider}}
	case 15:
		method, path = "DELETE", "/api/v3/outposts/instances/"+f.outpost+"/"
	}
	super := f.isSuperuser(a.id)
	f.last = fmt.Sprintf("actor %d (superuser %v): %s %s %v", a.id, super, method, path, body)
	code, m := f.call(a.key, method, path, body)
	if code == http.StatusForbidden && m["detail"] == "Token invalid/expired" {
		// Deleted or deactivated by another actor (or a superuser): once the call is
		// checked, a new user takes the slot (the operator's doing, which may join a
		// group a superuser made a superuser group), so that four actors stay live.
		f.check()
		f.actors[slot] = f.newActor(slot)
		f.want = f.superusers()
	}
	if super {
		f.want = f.superusers() // a superuser's own call may change who is one
	}
	if method == "DELETE" && strings.Contains(path, "/outposts/") && code/100 == 2 {
		f.check()
		f.newOutpost()
	}
	if code/100 == 2 {
		f.ok++
		if method == "POST" && strings.HasSuffix(path, "/core/users/") {
			f.users = append(f.users, int64(m["pk"].(float64)))
		}
		if method == "POST" && strings.HasSuffix(path, "/core/groups/") {
			f.groups = append(f.groups, m["pk"].(string))
		}
	} else {
		f.refused++
	}
}

// superuserCall makes one random call as the bootstrap superuser that changes who is a
// superuser or what they are named (a rename of akadmin makes the name free for
// others to take before the next restart).
func (f *fuzzer) superuserCall() {
	var method, path string
	var body any
	switch f.rnd.IntN(7) {
	case 6: // move a group under other parents (cycles and the last superuser's
		// demotion are refused)
		g := f.pickGroup()
		method, path, body = "PATCH", "/api/v3/core/groups/"+g+"/", map[string]any{"parents": f.someGroups()}
		if f.rnd.IntN(2) == 0 {
			body = map[string]any{"parent": []any{nil, f.pick(f.groups)}[f.rnd.IntN(2)]}
		}
	case 4: // delete a superuser (akadmin included: a restart then makes a new one,
		// unless someone else took the name by then; the last one is refused)
		method, path = "DELETE", "/api/v3/core/users/"+f.pickSuperuser()+"/"
	case 5: // deactivate one
		method, path, body = "PATCH", "/api/v3/core/users/"+f.pickSuperuser()+"/", map[string]any{"is_active": false}
	case 0: // rename a superuser (akadmin included)
		id := f.pickSuperuser()
		method, path, body = "PATCH", "/api/v3/core/users/"+id+"/", map[string]any{"username": fmt.Sprintf("root%d", f.rnd.IntN(1000))}
	case 1: // make an actor a superuser for a while
		a := f.actors[f.rnd.IntN(len(f.actors))]
		method, path, body = "POST", "/api/v3/core/groups/"+f.groups[0]+"/add_user/", map[string]any{"pk": a.id}
	case 2: // and take it back (the last superuser is refused)
		method, path, body = "POST", "/api/v3/core/groups/"+f.groups[0]+"/remove_user/", map[string]any{"pk": f.pickSuperuser()}
		if f.rnd.IntN(2) == 0 { // or a whole group
			method, path, body = "DELETE", "/api/v3/core/groups/"+f.pick(f.groups)+"/", nil
		}
	case 3:
		method, path, body = "PATCH", "/api/v3/core/users/"+f.pickSuperuser()+"/", map[string]any{"username": racd.BootstrapUsername}
	}
	f.last = fmt.Sprintf("bootstrap key: %s %s %v", method, path, body)
	// The bootstrap key's user is a superuser unless a superuser demoted or deleted it
	// (or its token); then this is a call like any other and may change nothing.
	super := false
	if t, err := f.st.Tokens().Get(f.t.Context(), racd.BootstrapTokenIdentifier); err == nil {
		super = f.isSuperuser(t.UserID)
	}
	f.call(fuzzAdminKey, method, path, body)
	if super {
		f.want = f.superusers()
	}
}

func (f *fuzzer) pickSuperuser() string {
	ids := sorted(f.want)
	id, _, _ := strings.Cut(ids[f.rnd.IntN(len(ids))], "=")
	return id
}
