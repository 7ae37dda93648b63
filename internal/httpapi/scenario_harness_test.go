package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/storetest"
)

// Callers a scenario can act as. The zero value is the superuser.
const (
	asAdmin              = ""
	asNone               = "none"     // no Authorization header at all
	asUnknown            = "unknown"  // a well-formed key no token has
	asExpired            = "expired"  // an expiring api token whose expiry has passed
	asRecovery           = "recovery" // a live token of intent recovery
	asVerify             = "verification"
	asAppPass            = "app_password"
	asNoExpiry           = "expiring-null"        // an expiring api token without an expiry time (valid)
	asExpiredNonExpiring = "expired-not-expiring" // expires in the past but expiring=false (valid)
	asInactive           = "inactive"             // an api token of a deactivated user
	asNoPerm             = "noperm"               // an active user with an api token and no permission
)

// Keys of the extra tokens the fixture inserts.
var fixtureKeys = map[string]string{
	asUnknown:            "no-such-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789",
	asExpired:            "expired-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789",
	asRecovery:           "recovery-token-0123456789abcdefghijklmnopqrstuvwxyz012345678",
	asInactive:           "inactive-token-0123456789abcdefghijklmnopqrstuvwxyz012345678",
	asNoPerm:             "noperm-token-0123456789abcdefghijklmnopqrstuvwxyz01234567890",
	asVerify:             "verify-token-0123456789abcdefghijklmnopqrstuvwxyz01234567890",
	asAppPass:            "apppass-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789",
	asNoExpiry:           "noexpiry-token-0123456789abcdefghijklmnopqrstuvwxyz012345678",
	asExpiredNonExpiring: "expired-nonexpiring-token-0123456789abcdefghijklmnopqrstuvw",
}

// fixture is an API on a fresh database with a raw connection to the same database
// (to insert rows the API cannot create and to count rows) and named objects whose
// identifiers scenarios refer to as {name}.
type fixture struct {
	t       testing.TB
	env     *apitest.Env
	db      *sql.DB
	backend string
	vars    map[string]string
}

// newFixture starts an API on backend and inserts the extra users and tokens.
func newFixture(t testing.TB, backend string) *fixture {
	t.Helper()
	dbURL := storetest.URL(t, backend)
	env := apitest.NewWithURL(t, dbURL)
	var db *sql.DB
	var err error
	if backend == "sqlite" {
		path, perr := sqlstore.SQLitePath(dbURL)
		if perr != nil {
			t.Fatal(perr)
		}
		db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)")
	} else {
		db, err = sql.Open("pgx", dbURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, env: env, db: db, backend: backend, vars: map[string]string{}}
	var adminID int64
	f.queryRow("SELECT id FROM users WHERE username = $1", []any{racd.BootstrapUsername}, &adminID)
	inactive := f.insertUser("inactive-user", false)
	noperm := f.insertUser("noperm-user", true)
	past := time.Now().Add(-time.Hour).UnixMicro()
	future := time.Now().Add(24 * time.Hour).UnixMicro()
	f.insertToken("expired", fixtureKeys[asExpired], racd.IntentAPI, adminID, true, &past)
	f.insertToken("recovery", fixtureKeys[asRecovery], racd.IntentRecovery, adminID, true, &future)
	f.insertToken("inactive", fixtureKeys[asInactive], racd.IntentAPI, inactive, false, nil)
	f.insertToken("noperm", fixtureKeys[asNoPerm], racd.IntentAPI, noperm, true, &future)
	f.insertToken("verification", fixtureKeys[asVerify], racd.IntentVerification, adminID, false, nil)
	f.insertToken("app-password", fixtureKeys[asAppPass], racd.IntentAppPassword, adminID, false, nil)
	f.insertToken("no-expiry", fixtureKeys[asNoExpiry], racd.IntentAPI, adminID, true, nil)
	f.insertToken("expired-not-expiring", fixtureKeys[asExpiredNonExpiring], racd.IntentAPI, adminID, false, &past)
	return f
}

func (f *fixture) rebind(q string) string {
	if f.backend == "sqlite" {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(f.rebind(q), args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) queryRow(q string, args []any, dest ...any) {
	f.t.Helper()
	if err := f.db.QueryRow(f.rebind(q), args...).Scan(dest...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) insertUser(username string, active bool) int64 {
	f.t.Helper()
	uuid, _ := racd.NewUUID(nil)
	var id int64
	f.queryRow(`INSERT INTO users (uuid, username, name, is_active, date_joined) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		[]any{uuid, username, username, active, time.Now().UnixMicro()}, &id)
	return id
}

func (f *fixture) insertToken(identifier, key, intent string, userID int64, expiring bool, expires *int64) {
	f.t.Helper()
	uuid, _ := racd.NewUUID(nil)
	sealed, err := f.env.Keys.Seal(key)
	if err != nil {
		f.t.Fatal(err)
	}
	var exp any
	if expires != nil {
		exp = *expires
	}
	f.exec(`INSERT INTO tokens (uuid, identifier, key_hash, key_sealed, intent, user_id, expiring, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		uuid, identifier, f.env.Keys.Hash(key), sealed, intent, userID, expiring, exp)
}

// counts returns the number of rows of the tables a write may touch.
func (f *fixture) counts() map[string]int {
	f.t.Helper()
	out := map[string]int{}
	for _, table := range []string{"providers", "provider_property_mappings", "flows", "property_mappings", "events"} {
		var n int
		f.queryRow("SELECT count(*) FROM "+table, nil, &n)
		out[table] = n
	}
	return out
}

// expand replaces {name} placeholders with the fixture's variables.
func (f *fixture) expand(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, 2*len(f.vars))
	for k, v := range f.vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// scenario is one HTTP exchange and what must come back.
type scenario struct {
	name   string
	as     string            // caller (as* constants); "" is the superuser
	header map[string]string // extra request headers; they override the caller's
	method string
	path   string // {placeholders} are expanded
	ct     string // Content-Type; "" means application/json when there is a body
	body   string // raw body; {placeholders} are expanded
	status int
	want   string // the exact body ("" with wantEmpty: must be empty)
	// subset is JSON the body must contain: objects by key (recursively), arrays
	// element by element with the same length, scalars equal.
	subset    string
	prefix    string // the body must start with this
	wantEmpty bool
	noWrite   bool // nothing may be written (row counts unchanged)
	check     func(t *testing.T, f *fixture, r *apitest.Resp)
}

// do sends s's request.
func (f *fixture) do(s scenario) *apitest.Resp {
	f.t.Helper()
	req := apitest.Request{Method: s.method, Path: f.expand(s.path), Body: f.expand(s.body), ContentType: s.ct, Header: map[string]string{}}
	switch s.as {
	case asAdmin:
		req.Token = apitest.AdminToken
	case asNone:
	default:
		req.Token = fixtureKeys[s.as]
	}
	for k, v := range s.header {
		req.Header[k] = v
	}
	return f.env.Do(req)
}

// run runs every scenario in order on f, each as a subtest.
func (f *fixture) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range scenarios {
		if seen[s.name] {
			t.Fatalf("duplicate scenario name %q", s.name)
		}
		seen[s.name] = true
		t.Run(s.name, func(t *testing.T) {
			f.t = t
			var before map[string]int
			if s.noWrite {
				before = f.counts()
			}
			r := f.do(s)
			if r.Status != s.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", s.method, s.path, r.Status, s.status, r.Body)
			}
			if s.want != "" || s.wantEmpty {
				if want := f.expand(s.want); string(r.Body) != want {
					t.Errorf("body:\n got %s\nwant %s", r.Body, want)
				}
			}
			if s.prefix != "" && !bytes.HasPrefix(r.Body, []byte(f.expand(s.prefix))) {
				t.Errorf("body %s does not start with %s", r.Body, f.expand(s.prefix))
			}
			if s.subset != "" {
				if msg := jsonSubset(t, f.expand(s.subset), r.Body); msg != "" {
					t.Errorf("%s\nbody: %s", msg, r.Body)
				}
			}
			if s.status != 204 && len(r.Body) > 0 {
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				if !json.Valid(r.Body) {
					t.Errorf("body is not JSON: %s", r.Body)
				}
			}
			if s.noWrite {
				if after := f.counts(); !reflect.DeepEqual(before, after) {
					t.Errorf("rows changed: before %v after %v", before, after)
				}
			}
			if s.check != nil {
				s.check(t, f, r)
			}
		})
	}
	f.t = t
}

// jsonSubset reports how got fails to contain want, or "".
func jsonSubset(t testing.TB, want string, got []byte) string {
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

// keyOrder returns the keys of a JSON object in the order they appear.
func keyOrder(t testing.TB, raw []byte) []string {
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

// events returns the stored events, newest first, with their decoded context.
func (f *fixture) events(t testing.TB) []storedEvent {
	t.Helper()
	evs, _, err := f.env.Store.Events().List(context.Background(), racd.EventQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1000, Visible: racd.Everything}})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]storedEvent, len(evs))
	for i, e := range evs {
		out[i] = storedEvent{Event: e}
		if err := json.Unmarshal(e.ContextJSON, &out[i].Context); err != nil {
			t.Fatalf("event context: %v %s", err, e.ContextJSON)
		}
		if err := json.Unmarshal(e.UserJSON, &out[i].User); err != nil {
			t.Fatalf("event user: %v %s", err, e.UserJSON)
		}
	}
	return out
}

type storedEvent struct {
	*racd.Event
	Context map[string]any
	User    map[string]any
}
