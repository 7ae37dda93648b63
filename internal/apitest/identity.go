package apitest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// User creates a user holding grants (full codenames; "perm@pk" for a grant on one
// object) and no groups, and returns its id and the key of a non-expiring API token it
// owns — all through the users, tokens and permissions API.
func (e *Env) User(username string, grants ...string) (int64, string) {
	e.T.Helper()
	u := e.MustAdmin(201, "POST", "/api/v3/core/users/", map[string]any{"username": username, "name": username})
	id := int64(u["pk"].(float64))
	for _, g := range grants {
		perm, pk, _ := strings.Cut(g, "@")
		model := ""
		if pk != "" { // app.action_model → app.model
			app, codename, _ := strings.Cut(perm, ".")
			_, name, _ := strings.Cut(codename, "_")
			model = app + "." + name
		}
		e.Grant(id, model, pk, perm)
	}
	return id, e.TokenFor(id, username+"-token")
}

// TokenFor creates a non-expiring API token identified by identifier for user id and
// returns its key (read back through view_key).
func (e *Env) TokenFor(id int64, identifier string) string {
	e.T.Helper()
	e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{"identifier": identifier, "user": id, "expiring": false, "intent": "api"})
	return e.MustAdmin(200, "GET", "/api/v3/core/tokens/"+identifier+"/view_key/", nil)["key"].(string)
}

// Grant assigns perms to user id through the API: globally when model is "", else on
// the object model/pk.
func (e *Env) Grant(id int64, model, pk string, perms ...string) {
	e.T.Helper()
	e.MustAdmin(200, "POST", "/api/v3/rbac/permissions/assigned_by_users/"+strconv.FormatInt(id, 10)+"/assign/", assignBody(model, pk, perms))
}

// GrantThroughRole creates a role holding perms (on model/pk, or globally when model is
// ""), a group linked to it, and puts user id in the group.
func (e *Env) GrantThroughRole(id int64, name, model, pk string, perms ...string) {
	e.T.Helper()
	role := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": name + "-role"})["pk"].(string)
	e.MustAdmin(200, "POST", "/api/v3/rbac/permissions/assigned_by_roles/"+role+"/assign/", assignBody(model, pk, perms))
	e.MustAdmin(201, "POST", "/api/v3/core/groups/", map[string]any{"name": name + "-group", "roles": []string{role}, "users": []int64{id}})
}

// GrantThroughDirectRole creates a role holding perms (on model/pk, or globally when
// model is "") and gives it to user id directly (rbac/roles/{uuid}/add_user/).
func (e *Env) GrantThroughDirectRole(id int64, name, model, pk string, perms ...string) {
	e.T.Helper()
	role := e.MustAdmin(201, "POST", "/api/v3/rbac/roles/", map[string]any{"name": name + "-direct-role"})["pk"].(string)
	e.MustAdmin(200, "POST", "/api/v3/rbac/permissions/assigned_by_roles/"+role+"/assign/", assignBody(model, pk, perms))
	e.MustAdmin(204, "POST", "/api/v3/rbac/roles/"+role+"/add_user/", map[string]any{"pk": id})
}

func assignBody(model, pk string, perms []string) map[string]any {
	b := map[string]any{"permissions": perms}
	if model != "" {
		b["model"], b["object_pk"] = model, pk
	}
	return b
}

// Count returns pagination.count of a list answer.
func (r *Resp) Count() int {
	var p struct {
		Pagination struct {
			Count int `json:"count"`
		} `json:"pagination"`
	}
	_ = json.Unmarshal(r.Body, &p)
	return p.Pagination.Count
}

// String shows an answer in failure messages.
func (r *Resp) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }
