package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// newCaller creates a user with an API token through the users and tokens API and
// returns the user's id and key.
func newCaller(t *testing.T, e *apitest.Env, username string) (int64, string) {
	t.Helper()
	r := e.Admin("POST", "/api/v3/core/users/", map[string]any{"username": username, "name": username})
	if r.Status != 201 {
		t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	id := int64(r.Map(t)["pk"].(float64))
	e.MustAdmin(201, "POST", "/api/v3/core/tokens/", map[string]any{
		"identifier": username + "-token", "intent": "api", "user": id, "expiring": false,
	})
	key := e.MustAdmin(200, "GET", "/api/v3/core/tokens/"+username+"-token/view_key/", nil)["key"].(string)
	return id, key
}

// TestEventsVisibility: no view_event → 403 on list and retrieve; view_event on one
// event → that event only (others 404); global view_event → everything.
func TestEventsVisibility(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		e := apitest.New(t, backend)
		flow := e.Flow("authz", "authorization")
		e.Provider(map[string]any{"name": "p", "authorization_flow": flow})
		id, key := newCaller(t, e, "auditor")
		evs := eventsOf(t, e, "?context_model_name=racprovider")
		if len(evs) != 1 {
			t.Fatalf("events: %v", evs)
		}
		provEvent := evs[0]["pk"].(string)
		flowEvent := eventsOf(t, e, "?context_model_name=flow")[0]["pk"].(string)

		as := func(path string) *apitest.Resp {
			return e.Do(apitest.Request{Method: "GET", Path: path, Token: key})
		}
		forbidden := `{"detail":"You do not have permission to perform this action."}`
		for _, path := range []string{"/api/v3/events/events/", "/api/v3/events/events/" + provEvent + "/"} {
			if r := as(path); r.Status != 403 || string(r.Body) != forbidden {
				t.Errorf("without view_event %s: %d %s", path, r.Status, r.Body)
			}
		}

		assign := fmt.Sprintf("/api/v3/rbac/permissions/assigned_by_users/%d/assign/", id)
		e.MustAdmin(200, "POST", assign, map[string]any{
			"permissions": []string{"authentik_events.view_event"}, "model": "authentik_events.event", "object_pk": provEvent,
		})
		r := as("/api/v3/events/events/")
		if r.Status != 200 {
			t.Fatalf("list with one event: %d %s", r.Status, r.Body)
		}
		res := r.Map(t)["results"].([]any)
		if len(res) != 1 || res[0].(map[string]any)["pk"] != provEvent {
			t.Errorf("visible events: %s", r.Body)
		}
		if r := as("/api/v3/events/events/" + provEvent + "/"); r.Status != 200 {
			t.Errorf("retrieve granted event: %d %s", r.Status, r.Body)
		}
		if r := as("/api/v3/events/events/" + flowEvent + "/"); r.Status != 404 {
			t.Errorf("retrieve other event: %d %s", r.Status, r.Body)
		}

		e.MustAdmin(200, "POST", assign, map[string]any{"permissions": []string{"authentik_events.view_event"}})
		r = as("/api/v3/events/events/?page_size=1000")
		if r.Status != 200 {
			t.Fatalf("list with global view_event: %d %s", r.Status, r.Body)
		}
		all := len(eventsOf(t, e, "?page_size=1000"))
		if got := len(r.Map(t)["results"].([]any)); got != all {
			t.Errorf("global view_event sees %d of %d events", got, all)
		}
	})
}
