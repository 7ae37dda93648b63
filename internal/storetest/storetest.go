package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
)

// SQL is what the suite needs from a backend beyond racd.Store: running one statement,
// written for both dialects with $N placeholders, to arrange rows that no Store method
// creates yet (users, groups, roles, grants, applications, outposts, endpoints,
// connection tokens) and to look at what a change left behind. A store that does not
// offer it skips the tests that need it.
type SQL interface {
	ExecSQL(ctx context.Context, query string, args ...any) error
	// QueryIntSQL returns the single integer the query selects.
	QueryIntSQL(ctx context.Context, query string, args ...any) (int64, error)
}

// Test is one named conformance test.
type Test struct {
	Name string
	Fn   func(t *testing.T, h *H)
}

// Section is the conformance tests of one resource. Resources add theirs to Sections.
type Section struct {
	Name  string
	Tests []Test
}

// Sections lists every section Run runs, in order. Add a resource by appending its
// section here (one file per resource in this package).
func Sections() []Section {
	return []Section{
		{"Providers", providerTests},
		{"Flows", flowTests},
		{"PropertyMappings", mappingTests},
		{"Auth", authTests},
		{"Events", eventTests},
		{"Applications", applicationTests},
		{"Endpoints", endpointTests},
		{"Identity", identityTests},
		{"References", referenceTests},
		{"Superusers", superuserTests},
		{"Secrets", secretTests},
		{"ConnectionTokens", connectionTokenTests},
		{"Gateway", gatewayTests},
	}
}

// applicationTests are the application and outpost tests of Applications, as a
// section of the whole suite.
var applicationTests = []Test{
	{"ApplicationLifecycle", func(t *testing.T, h *H) { testApplicationLifecycle(t, h.S) }},
	{"ApplicationValidation", func(t *testing.T, h *H) { testApplicationValidation(t, h.S) }},
	{"OutpostLifecycle", func(t *testing.T, h *H) { testOutpostLifecycle(t, h.S) }},
	{"OutpostValidation", func(t *testing.T, h *H) { testOutpostValidation(t, h.S) }},
	{"OutpostAccount", func(t *testing.T, h *H) { testOutpostAccount(t, h.S) }},
}

// Run runs the conformance suite: every test of every section gets a fresh, migrated
// store from open.
func Run(t *testing.T, open func(t *testing.T) racd.Store) {
	for _, sec := range Sections() {
		t.Run(sec.Name, func(t *testing.T) {
			for _, tc := range sec.Tests {
				t.Run(tc.Name, func(t *testing.T) {
					t.Parallel()
					s := open(t)
					ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
					t.Cleanup(cancel)
					tc.Fn(t, &H{T: t, S: s, Ctx: ctx})
				})
			}
		})
	}
}

// H is what a conformance test works with: the store under test and helpers that
// arrange fixtures and fail the test on error.
type H struct {
	T   *testing.T
	S   racd.Store
	Ctx context.Context
	seq atomic.Int64
}

// Audit is the actor every change in the suite is made by.
var Audit = racd.Audit{
	User:      racd.UserRef{ID: 1, Username: "akadmin", Email: "root@example.com"},
	Request:   racd.RequestInfo{Method: "POST", Path: "/api/v3/test/", UserAgent: "storetest", ClientIP: "192.0.2.1", RequestID: "req-1"},
	Superuser: true,
}

func (h *H) sql() SQL {
	h.T.Helper()
	db, ok := h.S.(SQL)
	if !ok {
		h.T.Skip("the store does not implement storetest.SQL; this test arranges rows with SQL")
	}
	return db
}

// Exec runs a statement ($N placeholders) and fails the test on error.
func (h *H) Exec(q string, args ...any) {
	h.T.Helper()
	if err := h.sql().ExecSQL(h.Ctx, q, args...); err != nil {
		h.T.Fatalf("%s: %v", q, err)
	}
}

// Int runs a query selecting one integer.
func (h *H) Int(q string, args ...any) int64 {
	h.T.Helper()
	n, err := h.sql().QueryIntSQL(h.Ctx, q, args...)
	if err != nil {
		h.T.Fatalf("%s: %v", q, err)
	}
	return n
}

// UUID returns a fresh UUID.
func (h *H) UUID() string {
	h.T.Helper()
	id, err := racd.NewUUID(nil)
	if err != nil {
		h.T.Fatal(err)
	}
	return id
}

// Ref returns a reference to id as a client would write it.
func Ref(id string) racd.Ref { return racd.Ref{Raw: id, ID: id} }

// Refs returns references to ids.
func Refs(ids ...string) []racd.Ref {
	out := make([]racd.Ref, len(ids))
	for i, id := range ids {
		out[i] = Ref(id)
	}
	return out
}

// Flow creates a flow.
func (h *H) Flow(slug, designation string) *racd.Flow {
	h.T.Helper()
	f, err := h.S.Flows().Create(h.Ctx, &racd.FlowInput{
		Name: racd.Some("Flow " + slug), Slug: racd.Some(slug), Title: racd.Some("Title " + slug), Designation: racd.Some(designation),
	}, Audit)
	if err != nil {
		h.T.Fatalf("create flow %s: %v", slug, err)
	}
	return f
}

// Mapping creates a RAC property mapping with static settings.
func (h *H) Mapping(name string) *racd.PropertyMapping {
	h.T.Helper()
	m, err := h.S.PropertyMappings().Create(h.Ctx, &racd.PropertyMappingInput{
		Name: racd.Some(name), StaticSettings: racd.Some(json.RawMessage(`{"k":"` + name + `"}`)),
	}, Audit)
	if err != nil {
		h.T.Fatalf("create mapping %s: %v", name, err)
	}
	return m
}

// ProviderInput returns the input of a provider named name authorized by flow.
func ProviderInput(name, flow string) *racd.ProviderInput {
	return &racd.ProviderInput{Name: racd.Some(name), AuthorizationFlow: racd.Some(Ref(flow))}
}

// Provider creates a provider; mod adjusts the input first.
func (h *H) Provider(name, flow string, mod ...func(*racd.ProviderInput)) *racd.Provider {
	h.T.Helper()
	in := ProviderInput(name, flow)
	for _, m := range mod {
		m(in)
	}
	p, err := h.S.Providers().Create(h.Ctx, in, Audit)
	if err != nil {
		h.T.Fatalf("create provider %s: %v", name, err)
	}
	return p
}

// User inserts an active, non-superuser user and returns its id.
func (h *H) User(username string) int64 {
	h.T.Helper()
	return h.Int("INSERT INTO users (uuid, username, name, email, is_active, date_joined, last_updated, password_change_date) VALUES ($1, $2, $3, $4, $5, $6, $6, $6) RETURNING id",
		h.UUID(), username, "User "+username, username+"@example.com", true, time.Now().UnixMicro())
}

// Group inserts a group with parents (none, or "" for none) and returns its UUID.
func (h *H) Group(name, parent string, superuser bool, moreParents ...string) string {
	h.T.Helper()
	id := h.UUID()
	h.Exec("INSERT INTO groups (uuid, num_pk, name, is_superuser) VALUES ($1, $2, $3, $4)",
		id, 5000+h.seq.Add(1), name, superuser)
	for _, p := range append([]string{parent}, moreParents...) {
		if p != "" {
			h.Exec("INSERT INTO group_parents (group_uuid, parent_uuid) VALUES ($1, $2)", id, p)
		}
	}
	return id
}

// AddToGroup makes user a member of group.
func (h *H) AddToGroup(group string, user int64) {
	h.T.Helper()
	h.Exec("INSERT INTO group_users (group_uuid, user_id) VALUES ($1, $2)", group, user)
}

// Role inserts a role attached to group and returns its UUID.
func (h *H) Role(name, group string) string {
	h.T.Helper()
	id := h.UUID()
	h.Exec("INSERT INTO roles (uuid, name) VALUES ($1, $2)", id, name)
	h.Exec("INSERT INTO group_roles (group_uuid, role_uuid) VALUES ($1, $2)", group, id)
	return id
}

// Grant gives user perm (full codename) on objectPK ("" for global).
func (h *H) Grant(user int64, perm, objectPK string) {
	h.T.Helper()
	h.Exec("INSERT INTO user_permissions (user_id, permission, object_pk) VALUES ($1, $2, $3)", user, perm, objectPK)
}

// RoleGrant gives role perm on objectPK.
func (h *H) RoleGrant(role, perm, objectPK string) {
	h.T.Helper()
	h.Exec("INSERT INTO role_permissions (role_uuid, permission, object_pk) VALUES ($1, $2, $3)", role, perm, objectPK)
}

// Application inserts an application whose main provider is provider (0 for none).
func (h *H) Application(slug, name string, provider int64) string {
	h.T.Helper()
	id := h.UUID()
	var p any
	if provider != 0 {
		p = provider
	}
	h.Exec("INSERT INTO applications (uuid, name, slug, provider_id) VALUES ($1, $2, $3, $4)", id, name, slug, p)
	return id
}

// Outpost inserts a rac outpost holding providers.
func (h *H) Outpost(name string, providers ...int64) string {
	h.T.Helper()
	id := h.UUID()
	h.Exec("INSERT INTO outposts (uuid, name, type, config) VALUES ($1, $2, 'rac', '{}')", id, name)
	for _, p := range providers {
		h.Exec("INSERT INTO outpost_providers (outpost_uuid, provider_id) VALUES ($1, $2)", id, p)
	}
	return id
}

// Endpoint inserts an endpoint of provider with mappings.
func (h *H) Endpoint(name string, provider int64, mappings ...string) string {
	h.T.Helper()
	id := h.UUID()
	h.Exec("INSERT INTO endpoints (uuid, name, provider_id, protocol, host, settings, auth_mode, maximum_connections) VALUES ($1, $2, $3, 'rdp', 'host:3389', '{}', 'static', 1)",
		id, name, provider)
	for _, m := range mappings {
		h.Exec("INSERT INTO endpoint_property_mappings (endpoint_uuid, mapping_uuid) VALUES ($1, $2)", id, m)
	}
	return id
}

// ConnectionToken inserts a live connection token for endpoint of provider.
func (h *H) ConnectionToken(provider int64, endpoint string, user int64) string {
	h.T.Helper()
	id := h.UUID()
	now := time.Now()
	h.Exec("INSERT INTO connection_tokens (uuid, token_hash, provider_id, endpoint_uuid, user_id, settings, created, expires) VALUES ($1, $2, $3, $4, $5, '{}', $6, $7)",
		id, []byte(id), provider, endpoint, user, now.UnixMicro(), now.Add(time.Hour).UnixMicro())
	return id
}

// Events returns the events recorded for one object, oldest first. Events of one
// microsecond (fast changes in a row) keep the order of their actions: created,
// updated, deleted; two updates in one microsecond stay in no particular order.
func (h *H) Events(app, pk string) []*racd.Event {
	h.T.Helper()
	evs, _, err := h.S.Events().List(h.Ctx, racd.EventQuery{ListQuery: page(racd.ListQuery{PageSize: 1000,
		Ordering: []racd.OrderTerm{{Field: "created"}}}), App: &app, PK: &pk})
	if err != nil {
		h.T.Fatalf("list events: %v", err)
	}
	rank := map[string]int{racd.EventModelCreated: 0, racd.EventModelUpdated: 1, racd.EventModelDeleted: 2}
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].Created.Equal(evs[j].Created) {
			return evs[i].Created.Before(evs[j].Created)
		}
		return rank[evs[i].Action] < rank[evs[j].Action]
	})
	return evs
}

// EventContext decodes an event's stored context.
func (h *H) EventContext(e *racd.Event) map[string]any {
	h.T.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.ContextJSON, &m); err != nil {
		h.T.Fatalf("event context %s: %v", e.ContextJSON, err)
	}
	return m
}

// Diff returns an event's diff as field → [previous, new] JSON texts.
func (h *H) Diff(e *racd.Event) map[string][2]string {
	h.T.Helper()
	ctx := h.EventContext(e)
	raw, _ := ctx["diff"].(map[string]any)
	out := map[string][2]string{}
	for f, v := range raw {
		m, _ := v.(map[string]any)
		p, _ := json.Marshal(m["previous_value"])
		n, _ := json.Marshal(m["new_value"])
		out[f] = [2]string{string(p), string(n)}
	}
	return out
}

// WantFieldErrors fails unless err is a *racd.FieldErrors with exactly want, in order
// (field → messages).
func WantFieldErrors(t *testing.T, err error, want ...FieldMsgs) {
	t.Helper()
	fe, ok := racd.AsFieldErrors(err)
	if !ok {
		t.Fatalf("error %v (%T), want field errors %v", err, err, want)
	}
	got := []FieldMsgs{}
	for _, f := range fe.Fields() {
		got = append(got, FieldMsgs{f, fe.Messages(f)})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("field errors\n got %v\nwant %v", got, want)
	}
}

// FieldMsgs is one field's expected messages.
type FieldMsgs struct {
	Field string
	Msgs  []string
}

// F is a FieldMsgs constructor.
func F(field string, msgs ...string) FieldMsgs { return FieldMsgs{field, msgs} }

// WantNotFound fails unless err is racd.ErrNotFound.
func WantNotFound(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, racd.ErrNotFound) {
		t.Fatalf("error %v, want racd.ErrNotFound", err)
	}
}

// names returns the names of providers, in order.
func names(ps []*racd.Provider) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// sorted returns a sorted copy.
func sorted(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}

// page is the usual first page of 100.
func page(q racd.ListQuery) racd.ListQuery {
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PageSize == 0 {
		q.PageSize = 100
	}
	if !q.Visible.All && q.Visible.Perm == "" {
		q.Visible = racd.Everything
	}
	return q
}
