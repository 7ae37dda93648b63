package storetest

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/racd/racd/internal/racd"
)

// Applications is the conformance suite of racd.ApplicationStore and
// racd.OutpostStore, and of what they make a provider report: open must return a
// store on a fresh, migrated, empty database.
func Applications(t *testing.T, open func(t *testing.T) racd.Store) {
	t.Run("ApplicationLifecycle", func(t *testing.T) { testApplicationLifecycle(t, open(t)) })
	t.Run("ApplicationValidation", func(t *testing.T) { testApplicationValidation(t, open(t)) })
	t.Run("OutpostLifecycle", func(t *testing.T) { testOutpostLifecycle(t, open(t)) })
	t.Run("OutpostValidation", func(t *testing.T) { testOutpostValidation(t, open(t)) })
	t.Run("OutpostAccount", func(t *testing.T) { testOutpostAccount(t, open(t)) })
}

var audit = racd.Audit{User: racd.UserRef{ID: 1, Username: "akadmin"}, Request: racd.RequestInfo{Method: "POST", Path: "/storetest/"}, Superuser: true}

// providers creates a flow and n providers named p1..pn and returns their IDs.
func providers(t *testing.T, s racd.Store, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	f, err := s.Flows().Create(ctx, &racd.FlowInput{Name: racd.Some("authz"), Slug: racd.Some("authz"), Title: racd.Some("authz"),
		Designation: racd.Some("authorization")}, audit)
	if err != nil {
		t.Fatalf("create flow: %v", err)
	}
	ids := make([]int64, n)
	for i := range ids {
		p, err := s.Providers().Create(ctx, &racd.ProviderInput{Name: racd.Some("p" + strconv.Itoa(i+1)),
			AuthorizationFlow: racd.Some(racd.Ref{Raw: f.UUID, ID: f.UUID})}, audit)
		if err != nil {
			t.Fatalf("create provider: %v", err)
		}
		ids[i] = p.ID
	}
	return ids
}

func ref(id int64) racd.IntRef { return racd.IntRef{Raw: strconv.FormatInt(id, 10), ID: id} }

func refs(ids ...int64) []racd.IntRef {
	out := make([]racd.IntRef, len(ids))
	for i, id := range ids {
		out[i] = ref(id)
	}
	return out
}

func mustProvider(t *testing.T, s racd.Store, id int64) *racd.Provider {
	t.Helper()
	p, err := s.Providers().Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get provider %d: %v", id, err)
	}
	return p
}

// events counts the events of action on model.
func events(t *testing.T, s racd.Store, action, model string) int {
	t.Helper()
	_, n, err := s.Events().List(context.Background(), racd.EventQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 1, Visible: racd.Everything},
		Action: &action, Model: &model})
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	return n
}

func testApplicationLifecycle(t *testing.T, s racd.Store) {
	ctx := context.Background()
	ids := providers(t, s, 3)
	p1, p2, p3 := ids[0], ids[1], ids[2]
	a, err := s.Applications().Create(ctx, &racd.ApplicationInput{Name: racd.Some("App"), Slug: racd.Some("app"),
		Provider: racd.Some(ref(p1)), BackchannelProviders: racd.Some(refs(p2, p2))}, audit)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if a.UUID == "" || a.PolicyEngineMode != "any" || a.Provider == nil || a.Provider.ID != p1 ||
		len(a.BackchannelProviders) != 1 || len(a.BackchannelProviderObjs) != 1 || a.BackchannelProviderObjs[0].ID != p2 {
		t.Fatalf("created %+v", a)
	}
	if p := mustProvider(t, s, p1); p.Application != (racd.AppRef{Slug: "app", Name: "App"}) || p.BackchannelApplication != (racd.AppRef{}) {
		t.Errorf("p1 reports %+v / %+v", p.Application, p.BackchannelApplication)
	}
	if p := mustProvider(t, s, p2); p.BackchannelApplication != (racd.AppRef{Slug: "app", Name: "App"}) {
		t.Errorf("p2 reports %+v", p.BackchannelApplication)
	}
	got, err := s.Applications().Get(ctx, "app")
	if err != nil || got.UUID != a.UUID || got.Provider == nil {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := s.Applications().Get(ctx, "nope"); err != racd.ErrNotFound {
		t.Errorf("get unknown: %v", err)
	}
	// Update: rename, move the provider, replace the backchannel list.
	a, err = s.Applications().Update(ctx, "app", &racd.ApplicationInput{Slug: racd.Some("app2"), Provider: racd.Some(ref(p3)),
		BackchannelProviders: racd.Some(refs(p1))}, audit)
	if err != nil || a.Slug != "app2" || a.ProviderID != p3 || len(a.BackchannelProviders) != 1 || a.BackchannelProviders[0] != p1 {
		t.Fatalf("update: %+v %v", a, err)
	}
	if p := mustProvider(t, s, p2); p.BackchannelApplication != (racd.AppRef{}) {
		t.Errorf("p2 still backchannel: %+v", p.BackchannelApplication)
	}
	if p := mustProvider(t, s, p1); p.Application != (racd.AppRef{}) || p.BackchannelApplication.Slug != "app2" {
		t.Errorf("p1 after update: %+v %+v", p.Application, p.BackchannelApplication)
	}
	list, count, err := s.Applications().List(ctx, racd.ApplicationQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 10, Visible: racd.Everything}})
	if err != nil || count != 1 || len(list) != 1 || list[0].Provider == nil || list[0].Provider.ID != p3 {
		t.Fatalf("list: %d %+v %v", count, list, err)
	}
	used, err := s.Applications().UsedBy(ctx, "app2", func(string) racd.Visibility { return racd.Everything })
	if err != nil || len(used) != 1 || used[0].Action != racd.ActionSetNull || used[0].Object.PK != strconv.FormatInt(p1, 10) {
		t.Errorf("used_by: %+v %v", used, err)
	}
	// Deleting the provider nulls the application's provider.
	if err := s.Providers().Delete(ctx, p3, audit); err != nil {
		t.Fatal(err)
	}
	if a, err := s.Applications().Get(ctx, "app2"); err != nil || a.ProviderID != 0 || a.Provider != nil {
		t.Errorf("after provider delete: %+v %v", a, err)
	}
	// Deleting the application keeps its backchannel provider, released.
	if err := s.Applications().Delete(ctx, "app2", audit); err != nil {
		t.Fatal(err)
	}
	if p := mustProvider(t, s, p1); p.BackchannelApplication != (racd.AppRef{}) {
		t.Errorf("p1 after application delete: %+v", p.BackchannelApplication)
	}
	if err := s.Applications().Delete(ctx, "app2", audit); err != racd.ErrNotFound {
		t.Errorf("delete twice: %v", err)
	}
	for action, want := range map[string]int{racd.EventModelCreated: 1, racd.EventModelUpdated: 1, racd.EventModelDeleted: 1} {
		if n := events(t, s, action, "application"); n != want {
			t.Errorf("%s events: %d, want %d", action, n, want)
		}
	}
}

func testApplicationValidation(t *testing.T, s racd.Store) {
	ctx := context.Background()
	ids := providers(t, s, 1)
	if _, err := s.Applications().Create(ctx, &racd.ApplicationInput{Name: racd.Some("A"), Slug: racd.Some("a"), Provider: racd.Some(ref(ids[0]))}, audit); err != nil {
		t.Fatal(err)
	}
	_, err := s.Applications().Create(ctx, &racd.ApplicationInput{Name: racd.Some(" "), Slug: racd.Some("a"), Provider: racd.Some(ref(ids[0])),
		BackchannelProviders: racd.Some(refs(ids[0], 999)), MetaLaunchURL: racd.Some("nope"), PolicyEngineMode: racd.Some("most")}, audit)
	fe, ok := racd.AsFieldErrors(err)
	if !ok {
		t.Fatalf("want field errors, got %v", err)
	}
	want := map[string]string{
		"name": racd.MsgBlank, "slug": racd.MsgUnique("Application", "slug"), "provider": racd.MsgUnique("Application", "provider"),
		"backchannel_providers": racd.MsgDoesNotExist("999"), "meta_launch_url": racd.MsgInvalidURL,
		"policy_engine_mode": racd.MsgInvalidChoice("most"),
	}
	order := []string{"name", "slug", "provider", "backchannel_providers", "meta_launch_url", "policy_engine_mode"}
	if fields := fe.Fields(); len(fields) != len(order) {
		t.Fatalf("fields %v, want %v", fields, order)
	}
	for i, f := range fe.Fields() {
		if f != order[i] || fe.Messages(f)[0] != want[f] {
			t.Errorf("%s: %v (position %d), want %q", f, fe.Messages(f), i, want[f])
		}
	}
	if _, n, _ := s.Applications().List(ctx, racd.ApplicationQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 10, Visible: racd.Everything}}); n != 1 {
		t.Errorf("invalid input wrote something: %d applications", n)
	}
}

func testOutpostLifecycle(t *testing.T, s racd.Store) {
	ctx := context.Background()
	ids := providers(t, s, 2)
	o, err := s.Outposts().Create(ctx, &racd.OutpostInput{Name: racd.Some("edge"), Type: racd.Some("rac"), Providers: racd.Some(refs(ids[1], ids[0])),
		Config: racd.Some(json.RawMessage(`{"refresh_interval":"minutes=1"}`))}, audit)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(o.Providers) != 2 || o.Providers[0] != ids[0] || len(o.ProviderObjs) != 2 || o.RefreshIntervalSeconds() != 60 ||
		o.TokenIdentifier() != "ak-outpost-"+o.UUID+"-api" {
		t.Fatalf("created %+v", o)
	}
	if p := mustProvider(t, s, ids[0]); len(p.Outposts) != 1 || p.Outposts[0] != "Outpost edge" {
		t.Errorf("outpost_set %v", p.Outposts)
	}
	if _, err := s.Outposts().Update(ctx, o.UUID, &racd.OutpostInput{Name: racd.Some("edge2"), Providers: racd.Some(refs(ids[1]))}, audit); err != nil {
		t.Fatal(err)
	}
	if p := mustProvider(t, s, ids[0]); len(p.Outposts) != 0 {
		t.Errorf("p1 outpost_set after update: %v", p.Outposts)
	}
	if err := s.Providers().Delete(ctx, ids[1], audit); err != nil {
		t.Fatal(err)
	}
	got, err := s.Outposts().Get(ctx, o.UUID)
	if err != nil || len(got.Providers) != 0 {
		t.Fatalf("outpost after its provider's deletion: %+v %v", got, err)
	}
	yes := true
	if _, n, err := s.Outposts().List(ctx, racd.OutpostQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 10, Visible: racd.Everything}, ProvidersIsNull: &yes}); err != nil || n != 1 {
		t.Errorf("providers__isnull: %d %v", n, err)
	}
	if err := s.Outposts().Delete(ctx, o.UUID, audit); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Outposts().Get(ctx, o.UUID); err != racd.ErrNotFound {
		t.Errorf("get deleted: %v", err)
	}
	for action, want := range map[string]int{racd.EventModelCreated: 1, racd.EventModelUpdated: 1, racd.EventModelDeleted: 1} {
		if n := events(t, s, action, "outpost"); n != want {
			t.Errorf("%s events: %d, want %d", action, n, want)
		}
	}
}

func testOutpostValidation(t *testing.T, s racd.Store) {
	ctx := context.Background()
	ids := providers(t, s, 1)
	cases := []struct {
		in    racd.OutpostInput
		field string
		msg   string
	}{
		{racd.OutpostInput{Name: racd.Some("x"), Type: racd.Some("proxy"), Providers: racd.Some(refs(ids[0])), Config: racd.Some(racd.EmptyObject)},
			"providers", racd.MsgOutpostType("proxy")},
		{racd.OutpostInput{Name: racd.Some("x"), Type: racd.Some("rac"), Providers: racd.Some(refs()), Config: racd.Some(racd.EmptyObject)},
			"providers", racd.MsgEmptyList},
		{racd.OutpostInput{Name: racd.Some("x"), Type: racd.Some("rac"), Providers: racd.Some(refs(ids[0] + 100)), Config: racd.Some(racd.EmptyObject)},
			"providers", racd.MsgDoesNotExist(strconv.FormatInt(ids[0]+100, 10))},
		{racd.OutpostInput{Name: racd.Some("x"), Type: racd.Some("rac"), Providers: racd.Some(refs(ids[0])), Config: racd.Some(racd.EmptyObject),
			ServiceConnection: racd.Some(racd.Ref{Raw: "3fa85f64-5717-4562-b3fc-2c963f66afa6", ID: "3fa85f64-5717-4562-b3fc-2c963f66afa6"})},
			"service_connection", racd.MsgDoesNotExist("3fa85f64-5717-4562-b3fc-2c963f66afa6")},
	}
	for _, c := range cases {
		_, err := s.Outposts().Create(ctx, &c.in, audit)
		fe, ok := racd.AsFieldErrors(err)
		if !ok || len(fe.Fields()) != 1 || fe.Fields()[0] != c.field || fe.Messages(c.field)[0] != c.msg {
			t.Errorf("want %s: %s, got %v", c.field, c.msg, err)
		}
	}
	if _, n, _ := s.Outposts().List(ctx, racd.OutpostQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 10, Visible: racd.Everything}}); n != 0 {
		t.Errorf("invalid input wrote %d outposts", n)
	}
}
