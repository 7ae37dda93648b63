package portal_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/racd/racd/internal/racd"
)

// TestSetPasswordAPI: POST /core/users/{id}/set_password/ follows authentik's rule
// (visible user, reset_user_password globally or on the user), racd's (only superusers
// set a superuser's password), records password_set, ends the user's sessions, and the
// password reaches no event and no log line.
func TestSetPasswordAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		logs := &syncBuffer{}
		s := newSite(t, dbURL, siteOpts{log: logs})
		target := s.user("liam", "liams old password", true)
		other := s.user("mia", "mias password", true)
		helper := s.user("helper", "helpers password", true)
		akadmin, _, _ := s.Store.PasswordLogin(context.Background(), "akadmin")
		path := func(u *racd.User) string {
			return "/api/v3/core/users/" + strconv.FormatInt(u.ID, 10) + "/set_password/"
		}
		pk := func(u *racd.User) string { return strconv.FormatInt(u.ID, 10) }

		hb := newBrowser(t)
		hb.signIn(s.URL, signInPath, "helper", "helpers password")
		call := func(u *racd.User, body string) *page {
			t.Helper()
			return hb.api(s.URL, "POST", path(u), body, true)
		}
		const newPw = `{"password":"liams NEW pass phrase"}`
		// No permission anywhere: 403, even for an unknown id.
		if p := call(target, newPw); p.Status != 403 {
			t.Fatalf("no permissions: %d %s", p.Status, p.Body)
		}
		if p := hb.api(s.URL, "POST", "/api/v3/core/users/99999/set_password/", newPw, true); p.Status != 403 {
			t.Fatalf("no permissions, unknown id: %d %s", p.Status, p.Body)
		}
		// reset_user_password alone (no view): 403.
		s.grant(helper.ID, "", "", racd.PermResetUserPassword)
		if p := call(target, newPw); p.Status != 403 {
			t.Fatalf("reset without view: %d %s", p.Status, p.Body)
		}
		// view on liam only: mia is invisible (404); liam is visible, and the global
		// reset permission applies.
		s.grant(helper.ID, "authentik_core.user", pk(target), "authentik_core.view_user")
		if p := call(other, newPw); p.Status != 404 {
			t.Fatalf("invisible user: %d %s", p.Status, p.Body)
		}
		// The victim's browser session, ended by the change.
		vb := newBrowser(t)
		vb.signIn(s.URL, signInPath, "liam", "liams old password")
		for _, c := range []struct{ body, want string }{
			{`{}`, `{"password":["This field is required."]}`},
			{`{"password":""}`, `{"password":["This field may not be blank."]}`},
			{`{"password":null}`, `{"password":["This field may not be null."]}`},
			{`{"password":["x"]}`, `{"password":["Not a valid string."]}`},
			{`{"password":"` + strings.Repeat("a", 4097) + `"}`, `{"password":["Ensure this field has no more than 4096 characters."]}`},
		} {
			if p := call(target, c.body); p.Status != 400 || p.Body != c.want {
				t.Errorf("body %.40s: %d %s, want 400 %s", c.body, p.Status, p.Body, c.want)
			}
		}
		if p := call(target, newPw); p.Status != 204 || p.Body != "" {
			t.Fatalf("allowed: %d %s", p.Status, p.Body)
		}
		if p := vb.get(s.URL + "/if/user/"); p.Status != 303 {
			t.Fatalf("liam's session survived the new password: %d", p.Status)
		}
		if p := newBrowser(t).signIn(s.URL, signInPath, "liam", "liams old password"); p.Status != 200 {
			t.Fatalf("old password still works: %d", p.Status)
		}
		if p := newBrowser(t).signIn(s.URL, signInPath, "liam", "liams NEW pass phrase"); p.Status != 303 {
			t.Fatalf("new password refused: %d", p.Status)
		}
		// A superuser's password: only superusers set it, whatever the permissions.
		s.grant(helper.ID, "", "", "authentik_core.view_user")
		if p := call(akadmin, `{"password":"takeover"}`); p.Status != 403 {
			t.Fatalf("non-superuser set a superuser's password: %d %s", p.Status, p.Body)
		}
		// Object-level reset permission on mia only (global reset revoked).
		s.admin("PATCH", "/api/v3/rbac/permissions/assigned_by_users/"+pk(helper)+"/unassign/", `{"permissions":["`+racd.PermResetUserPassword+`"]}`)
		if p := call(other, `{"password":"mias new one"}`); p.Status != 403 {
			t.Fatalf("without reset on mia: %d %s", p.Status, p.Body)
		}
		s.grant(helper.ID, "authentik_core.user", pk(other), racd.PermResetUserPassword)
		if p := call(other, `{"password":"mias new one"}`); p.Status != 204 {
			t.Fatalf("object-level reset: %d %s", p.Status, p.Body)
		}
		if p := call(target, `{"password":"again"}`); p.Status != 403 {
			t.Fatalf("object-level reset on mia applied to liam: %d %s", p.Status, p.Body)
		}
		// A superuser sets anyone's, with a bearer token; setting one's own password in
		// the browser keeps that session.
		if p := s.admin("POST", path(akadmin), `{"password":"admins pass"}`); p.Status != 204 {
			t.Fatalf("superuser: %d %s", p.Status, p.Body)
		}
		ab := newBrowser(t)
		ab.signIn(s.URL, signInPath, "akadmin", "admins pass")
		if p := ab.api(s.URL, "POST", path(akadmin), `{"password":"admins second"}`, true); p.Status != 204 {
			t.Fatalf("own password: %d %s", p.Status, p.Body)
		}
		if p := ab.get(s.URL + "/if/user/"); p.Status != 200 {
			t.Fatalf("setting one's own password ended the session it came from: %d", p.Status)
		}

		// password_set events: actor, target, client address; no password anywhere.
		evs := events(t, s, racd.EventPasswordSet)
		if len(evs) < 4 {
			t.Fatalf("%d password_set events", len(evs))
		}
		var found bool
		for _, e := range evs {
			if strings.Contains(string(e.UserJSON), `"username":"helper"`) && strings.Contains(string(e.ContextJSON), `"name":"liam"`) && e.ClientIP != "" {
				found = true
			}
		}
		if !found {
			t.Fatalf("no password_set event by helper for liam: %s", evs[0].ContextJSON)
		}
		secrets := []string{"liams NEW pass phrase", "liams old password", "mias new one", "admins pass", "admins second", "takeover", "helpers password"}
		assertNoSecretInEvents(t, s, secrets...)
		out := logs.String()
		if !strings.Contains(out, "set_password") {
			t.Fatalf("the access log did not see the calls:\n%s", out)
		}
		for _, sec := range secrets {
			if strings.Contains(out, sec) {
				t.Fatalf("a password reached the log: %q", sec)
			}
		}
	})
}

// TestAuthenticatedSessionsAPI: users list and revoke their own sessions, superusers
// everyone's; a revoked session signs its browser out.
func TestAuthenticatedSessionsAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		s := newSite(t, dbURL, siteOpts{})
		s.user("nora", "noras password", true)
		s.user("otto", "ottos password", true)
		n1, n2, o1 := newBrowser(t), newBrowser(t), newBrowser(t)
		n1.signIn(s.URL, signInPath, "nora", "noras password")
		n2.signIn(s.URL, signInPath, "nora", "noras password")
		o1.signIn(s.URL, signInPath, "otto", "ottos password")
		type sessionJSON struct {
			UUID      string `json:"uuid"`
			Current   bool   `json:"current"`
			User      int64  `json:"user"`
			LastIP    string `json:"last_ip"`
			UserAgent struct {
				UserAgent struct{ Family string } `json:"user_agent"`
			} `json:"user_agent"`
			Expires *string `json:"expires"`
		}
		list := func(p *page) []sessionJSON {
			t.Helper()
			var v struct {
				Pagination struct{ Count int }
				Results    []sessionJSON
			}
			if p.Status != 200 {
				t.Fatalf("list: %d %s", p.Status, p.Body)
			}
			if err := json.Unmarshal([]byte(p.Body), &v); err != nil {
				t.Fatal(err)
			}
			return v.Results
		}
		mine := list(n1.api(s.URL, "GET", "/api/v3/core/authenticated_sessions/", "", false))
		if len(mine) != 2 || mine[0].User != mine[1].User || mine[0].Current == mine[1].Current || mine[0].Expires == nil || mine[0].UserAgent.UserAgent.Family == "" {
			t.Fatalf("nora's sessions: %+v", mine)
		}
		all := list(s.admin("GET", "/api/v3/core/authenticated_sessions/", ""))
		if len(all) != 3 {
			t.Fatalf("superuser sees %d sessions, want 3", len(all))
		}
		if got := list(s.admin("GET", "/api/v3/core/authenticated_sessions/?user__username=otto", "")); len(got) != 1 {
			t.Fatalf("filter by username: %d", len(got))
		}
		var other, ottos string
		for _, m := range mine {
			if !m.Current {
				other = m.UUID
			}
		}
		for _, a := range all {
			if a.User != mine[0].User {
				ottos = a.UUID
			}
		}
		// Another user's session is not there for nora.
		if p := n1.api(s.URL, "GET", "/api/v3/core/authenticated_sessions/"+ottos+"/", "", false); p.Status != 404 {
			t.Fatalf("otto's session for nora: %d", p.Status)
		}
		if p := n1.api(s.URL, "DELETE", "/api/v3/core/authenticated_sessions/"+ottos+"/", "", true); p.Status != 404 {
			t.Fatalf("nora revoking otto's session: %d", p.Status)
		}
		if p := n1.api(s.URL, "DELETE", "/api/v3/core/authenticated_sessions/"+other+"/", "", false); p.Status != 403 || !strings.Contains(p.Body, "CSRF") {
			t.Fatalf("revoke without the CSRF header: %d %s", p.Status, p.Body)
		}
		// Nora revokes her other session: that browser is signed out, this one is not.
		if p := n1.api(s.URL, "DELETE", "/api/v3/core/authenticated_sessions/"+other+"/", "", true); p.Status != 204 {
			t.Fatalf("revoke own: %d %s", p.Status, p.Body)
		}
		if p := n2.get(s.URL + "/if/user/"); p.Status != 303 {
			t.Fatalf("revoked browser still signed in: %d", p.Status)
		}
		if p := n1.get(s.URL + "/if/user/"); p.Status != 200 {
			t.Fatalf("revoking ended the wrong session: %d", p.Status)
		}
		// A superuser revokes anyone's.
		if p := s.admin("DELETE", "/api/v3/core/authenticated_sessions/"+ottos+"/", ""); p.Status != 204 {
			t.Fatalf("superuser revoke: %d", p.Status)
		}
		if p := o1.api(s.URL, "GET", "/api/v3/core/users/me/", "", false); p.Status != 403 {
			t.Fatalf("revoked session on the API: %d", p.Status)
		}
		if p := s.admin("GET", "/api/v3/core/authenticated_sessions/not-a-uuid/", ""); p.Status != 404 {
			t.Fatalf("bad uuid: %d", p.Status)
		}
		if p := s.admin("GET", "/api/v3/core/authenticated_sessions/?page=9", ""); p.Status != 404 {
			t.Fatalf("page past the end: %d", p.Status)
		}
		if n := len(events(t, s, racd.EventModelDeleted)); n != 2 {
			t.Fatalf("%d model_deleted events for 2 revocations", n)
		}
	})
}

// TestApplicationLaunchURL: an application whose provider is a RAC provider answers
// authentik's launch_url for RAC; meta_launch_url still wins; no provider, null.
func TestApplicationLaunchURL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		s := newSite(t, dbURL, siteOpts{})
		flow := s.admin("POST", "/api/v3/flows/instances/", `{"name":"A","slug":"authz","title":"A","designation":"authorization"}`)
		var f struct{ PK string }
		_ = json.Unmarshal([]byte(flow.Body), &f)
		prov := s.admin("POST", "/api/v3/providers/rac/", `{"name":"P","authorization_flow":"`+f.PK+`"}`)
		var p struct{ PK int64 }
		_ = json.Unmarshal([]byte(prov.Body), &p)
		pk := strconv.FormatInt(p.PK, 10)
		for _, c := range []struct{ body, want string }{
			{`{"name":"RAC","slug":"rac","provider":` + pk + `}`, `"launch_url":"goauthentik.io://providers/rac/launch"`},
			{`{"name":"Meta","slug":"meta","meta_launch_url":"https://%(username)s.example.com/"}`, `"launch_url":"https://akadmin.example.com/"`},
			{`{"name":"None","slug":"none"}`, `"launch_url":null`},
		} {
			if r := s.admin("POST", "/api/v3/core/applications/", c.body); r.Status != 201 || !strings.Contains(r.Body, c.want) {
				t.Errorf("%s: %d %s", c.body, r.Status, r.Body)
			}
		}
		if r := s.admin("GET", "/api/v3/core/applications/rac/", ""); !strings.Contains(r.Body, `"launch_url":"goauthentik.io://providers/rac/launch"`) {
			t.Errorf("retrieve: %s", r.Body)
		}
	})
}
