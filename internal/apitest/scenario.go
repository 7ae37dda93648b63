package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// Callers a Scenario can act as, beyond the superuser (the zero value, As "") and the
// users tests make. AddCallers makes them.
const (
	AsNone               = "none"     // no Authorization header at all
	AsUnknown            = "unknown"  // a well-formed key no token has
	AsExpired            = "expired"  // an expiring api token whose expiry has passed
	AsRecovery           = "recovery" // a live token of intent recovery
	AsVerify             = "verification"
	AsAppPass            = "app_password"
	AsNoExpiry           = "expiring-null"        // an expiring api token without an expiry time (valid)
	AsExpiredNonExpiring = "expired-not-expiring" // expires in the past but expiring=false (valid)
	AsInactive           = "inactive"             // an api token of a deactivated user
	AsNoPerm             = "noperm"               // an active user with an api token and no permission
)

// callerKeys are the keys of the tokens AddCallers inserts.
var callerKeys = map[string]string{
	AsUnknown:            "no-such-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789",
	AsExpired:            "expired-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789",
	AsRecovery:           "recovery-token-0123456789abcdefghijklmnopqrstuvwxyz012345678",
	AsInactive:           "inactive-token-0123456789abcdefghijklmnopqrstuvwxyz012345678",
	AsNoPerm:             "noperm-token-0123456789abcdefghijklmnopqrstuvwxyz01234567890",
	AsVerify:             "verify-token-0123456789abcdefghijklmnopqrstuvwxyz01234567890",
	AsAppPass:            "apppass-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789",
	AsNoExpiry:           "noexpiry-token-0123456789abcdefghijklmnopqrstuvwxyz012345678",
	AsExpiredNonExpiring: "expired-nonexpiring-token-0123456789abcdefghijklmnopqrstuvw",
}

// AddCallers inserts the users and tokens behind the As* callers (with SQL: some of
// them the API refuses to make) and returns e.
func (e *Env) AddCallers() *Env {
	e.T.Helper()
	var adminID int64
	e.QueryRow("SELECT id FROM users WHERE username = $1", []any{racd.BootstrapUsername}, &adminID)
	inactive := e.InsertUser("inactive-user", false)
	noperm := e.InsertUser("noperm-user", true)
	past := time.Now().Add(-time.Hour).UnixMicro()
	future := time.Now().Add(24 * time.Hour).UnixMicro()
	for _, tk := range []struct {
		as, identifier, intent string
		user                   int64
		expiring               bool
		expires                *int64
	}{
		{AsExpired, "expired", racd.IntentAPI, adminID, true, &past},
		{AsRecovery, "recovery", racd.IntentRecovery, adminID, true, &future},
		{AsInactive, "inactive", racd.IntentAPI, inactive, false, nil},
		{AsNoPerm, "noperm", racd.IntentAPI, noperm, true, &future},
		{AsVerify, "verification", racd.IntentVerification, adminID, false, nil},
		{AsAppPass, "app-password", racd.IntentAppPassword, adminID, false, nil},
		{AsNoExpiry, "no-expiry", racd.IntentAPI, adminID, true, nil},
		{AsExpiredNonExpiring, "expired-not-expiring", racd.IntentAPI, adminID, false, &past},
	} {
		e.InsertToken(tk.identifier, callerKeys[tk.as], tk.intent, tk.user, tk.expiring, tk.expires)
	}
	for as, key := range callerKeys {
		e.CallerKeys[as] = key
	}
	e.CallerKeys[""] = AdminToken
	return e
}

// Expand replaces {name} placeholders with e.Vars.
func (e *Env) Expand(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, 2*len(e.Vars))
	for k, v := range e.Vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Scenario is one HTTP exchange and what must come back.
type Scenario struct {
	Name   string
	As     string            // caller: "" the superuser, an As* constant, or a key of CallerKeys
	Header map[string]string // extra request headers; they override the caller's
	Method string
	Path   string // {placeholders} are expanded
	CT     string // Content-Type; "" means application/json when there is a body
	Body   string // raw body; {placeholders} are expanded
	Status int
	Want   string // the exact body ("" with WantEmpty: must be empty)
	// Subset is JSON the body must contain: objects by key (recursively), arrays
	// element by element with the same length, scalars equal.
	Subset    string
	Prefix    string // the body must start with this
	WantEmpty bool
	NoWrite   bool // nothing may be written (row counts unchanged)
	Check     func(t *testing.T, e *Env, r *Resp)
}

// Send sends s's request.
func (e *Env) Send(s Scenario) *Resp {
	e.T.Helper()
	req := Request{Method: s.Method, Path: e.Expand(s.Path), Body: e.Expand(s.Body), ContentType: s.CT, Header: map[string]string{}}
	switch key, ok := e.CallerKeys[s.As]; {
	case s.As == "":
		req.Token = AdminToken
	case ok:
		req.Token = key
	case s.As != AsNone:
		e.T.Fatalf("scenario %s: unknown caller %q (AddCallers makes the As* ones)", s.Name, s.As)
	}
	for k, v := range s.Header {
		req.Header[k] = v
	}
	return e.Do(req)
}

// Run runs every scenario in order, each as a subtest.
func (e *Env) Run(t *testing.T, scenarios []Scenario) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range scenarios {
		if seen[s.Name] {
			t.Fatalf("duplicate scenario name %q", s.Name)
		}
		seen[s.Name] = true
		t.Run(s.Name, func(t *testing.T) {
			e.T = t
			var before map[string]int64
			if s.NoWrite {
				before = e.Counts()
			}
			r := e.Send(s)
			if r.Status != s.Status {
				t.Fatalf("%s %s: status %d, want %d\n%s", s.Method, s.Path, r.Status, s.Status, r.Body)
			}
			if s.Want != "" || s.WantEmpty {
				if want := e.Expand(s.Want); string(r.Body) != want {
					t.Errorf("body:\n got %s\nwant %s", r.Body, want)
				}
			}
			if s.Prefix != "" && !bytes.HasPrefix(r.Body, []byte(e.Expand(s.Prefix))) {
				t.Errorf("body %s does not start with %s", r.Body, e.Expand(s.Prefix))
			}
			if s.Subset != "" {
				if msg := JSONSubset(t, e.Expand(s.Subset), r.Body); msg != "" {
					t.Errorf("%s\nbody: %s", msg, r.Body)
				}
			}
			if s.Status != 204 && len(r.Body) > 0 {
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				if !json.Valid(r.Body) {
					t.Errorf("body is not JSON: %s", r.Body)
				}
			}
			if s.NoWrite {
				if after := e.Counts(); !reflect.DeepEqual(before, after) {
					t.Errorf("rows changed: before %v after %v", before, after)
				}
			}
			if s.Check != nil {
				s.Check(t, e, r)
			}
		})
	}
	e.T = t
}

// JSONSubset reports how got fails to contain want (see Scenario.Subset), or "".
func JSONSubset(t testing.TB, want string, got []byte) string {
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad subset JSON %s: %v", want, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return "body is not JSON: " + err.Error()
	}
	return subsetAt("$", w, g)
}

func subsetAt(path string, w, g any) string {
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %v, want an object", path, g)
		}
		keys := make([]string, 0, len(wv))
		for k := range wv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gk, ok := gv[k]
			if !ok {
				return fmt.Sprintf("%s: missing key %q", path, k)
			}
			if msg := subsetAt(path+"."+k, wv[k], gk); msg != "" {
				return msg
			}
		}
		return ""
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("%s: got %v, want %d items like %v", path, g, len(wv), w)
		}
		for i := range wv {
			if msg := subsetAt(fmt.Sprintf("%s[%d]", path, i), wv[i], gv[i]); msg != "" {
				return msg
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(w, g) {
			return fmt.Sprintf("%s: got %#v, want %#v", path, g, w)
		}
		return ""
	}
}

// KeyOrder returns the keys of a JSON object in the order they appear.
func KeyOrder(t testing.TB, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// StoredEvent is an event as stored, with its user and context decoded.
type StoredEvent struct {
	*racd.Event
	Context map[string]any
	User    map[string]any
}

// Events returns the stored events, newest first.
func (e *Env) Events(t testing.TB) []StoredEvent {
	t.Helper()
	evs, _, err := e.Store.Events().List(context.Background(), racd.EventQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1000, Visible: racd.Everything}})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]StoredEvent, len(evs))
	for i, ev := range evs {
		out[i] = StoredEvent{Event: ev}
		if err := json.Unmarshal(ev.ContextJSON, &out[i].Context); err != nil {
			t.Fatalf("event context: %v %s", err, ev.ContextJSON)
		}
		if err := json.Unmarshal(ev.UserJSON, &out[i].User); err != nil {
			t.Fatalf("event user: %v %s", err, ev.UserJSON)
		}
	}
	return out
}
