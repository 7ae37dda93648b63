package storetest

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/racd/racd/internal/racd"
)

var flowTests = []Test{
	{"CRUD", testFlowCRUD},
	{"Validation", testFlowValidation},
	{"List", testFlowList},
	{"DeleteEffectsOnProviders", testFlowDeleteEffects},
	{"UsedBy", testFlowUsedBy},
	{"UnstorableStrings", testUnstorableStrings},
}

// testUnstorableStrings: strings no backend stores (NUL bytes, invalid UTF-8; the API
// refuses them in bodies) may still arrive in filters and path ids. They match
// nothing, on every backend, and are never an error.
func testUnstorableStrings(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	h.Provider("p", f.UUID)
	m := h.Mapping("m")
	if _, err := h.S.PropertyMappings().Update(h.Ctx, m.UUID, &racd.PropertyMappingInput{Managed: racd.Some("id-1")}, Audit); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"authz\x00", "\xff", "a\xc3"} {
		_, err := h.S.Flows().Get(h.Ctx, bad)
		WantNotFound(t, err)
		WantNotFound(t, h.S.Flows().Delete(h.Ctx, bad, Audit))
		_, err = h.S.Flows().UsedBy(h.Ctx, bad, func(string) racd.Visibility { return racd.Everything })
		WantNotFound(t, err)
		fs, n, err := h.S.Flows().List(h.Ctx, racd.FlowQuery{ListQuery: page(racd.ListQuery{Search: []string{bad}}), Slug: &bad})
		if err != nil || n != 0 || len(fs) != 0 {
			t.Errorf("flows with slug %q: %d %v", bad, n, err)
		}
		ps, n, err := h.S.Providers().List(h.Ctx, racd.ProviderQuery{ListQuery: page(racd.ListQuery{}), NameIExact: &bad})
		if err != nil || n != 0 || len(ps) != 0 {
			t.Errorf("providers named %q: %d %v", bad, n, err)
		}
		ps, n, err = h.S.Providers().List(h.Ctx, racd.ProviderQuery{ListQuery: page(racd.ListQuery{Search: []string{"p", bad}})})
		if err != nil || n != 0 || len(ps) != 0 {
			t.Errorf("providers searched for %q: %d %v", bad, n, err)
		}
		ms, n, err := h.S.PropertyMappings().List(h.Ctx, racd.PropertyMappingQuery{ListQuery: page(racd.ListQuery{}), Managed: []string{bad, "id-1"}, Name: nil})
		if err != nil || n != 1 || len(ms) != 1 || ms[0].UUID != m.UUID {
			t.Errorf("mappings managed by %q or id-1: %d %v", bad, n, err)
		}
		ms, n, err = h.S.PropertyMappings().List(h.Ctx, racd.PropertyMappingQuery{ListQuery: page(racd.ListQuery{}), Name: &bad})
		if err != nil || n != 0 || len(ms) != 0 {
			t.Errorf("mappings named %q: %d %v", bad, n, err)
		}
	}
}

func testFlowCRUD(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	if _, ok := racd.ParseUUID(f.UUID); !ok || f.Name != "Flow authz" || f.PolicyEngineMode != "any" || f.Layout != "stacked" ||
		f.DeniedAction != "message_continue" || f.Authentication != "none" || f.CompatibilityMode {
		t.Fatalf("created flow %+v", f)
	}
	got, err := h.S.Flows().Get(h.Ctx, "authz")
	if err != nil || *got != *f {
		t.Fatalf("get: %v %+v", err, got)
	}
	_, err = h.S.Flows().Get(h.Ctx, "nope")
	WantNotFound(t, err)
	up, err := h.S.Flows().Update(h.Ctx, "authz", &racd.FlowInput{Slug: racd.Some("renamed"), Layout: racd.Some("sidebar_left"), CompatibilityMode: racd.Some(true)}, Audit)
	if err != nil || up.Slug != "renamed" || up.Layout != "sidebar_left" || !up.CompatibilityMode || up.Name != f.Name || up.UUID != f.UUID {
		t.Fatalf("update: %v %+v", err, up)
	}
	_, err = h.S.Flows().Get(h.Ctx, "authz")
	WantNotFound(t, err)
	_, err = h.S.Flows().Update(h.Ctx, "authz", &racd.FlowInput{}, Audit)
	WantNotFound(t, err)
	if err := h.S.Flows().Delete(h.Ctx, "renamed", Audit); err != nil {
		t.Fatal(err)
	}
	WantNotFound(t, h.S.Flows().Delete(h.Ctx, "renamed", Audit))
	evs := h.Events("authentik_flows", f.UUID)
	if len(evs) != 3 || evs[0].Action != racd.EventModelCreated || evs[1].Action != racd.EventModelUpdated || evs[2].Action != racd.EventModelDeleted {
		t.Fatalf("flow events: %d", len(evs))
	}
	if d := h.Diff(evs[1]); len(d) != 3 || d["slug"] != [2]string{`"authz"`, `"renamed"`} {
		t.Fatalf("flow update diff: %v", d)
	}
}

func testFlowValidation(t *testing.T, h *H) {
	h.Flow("taken", "authorization")
	_, err := h.S.Flows().Create(h.Ctx, &racd.FlowInput{Name: racd.Some(" "), Slug: racd.Some("taken"), Title: racd.Some("t"), Designation: racd.Some("bogus")}, Audit)
	WantFieldErrors(t, err, F("name", racd.MsgBlank), F("slug", "Flow with this slug already exists."), F("designation", racd.MsgInvalidChoice("bogus")))
	_, err = h.S.Flows().Create(h.Ctx, &racd.FlowInput{Name: racd.Some("n"), Slug: racd.Some("has space"), Title: racd.Some("t"), Designation: racd.Some("recovery")}, Audit)
	WantFieldErrors(t, err, F("slug", racd.MsgInvalidSlug))
	other := h.Flow("other", "authorization")
	_, err = h.S.Flows().Update(h.Ctx, "other", &racd.FlowInput{Slug: racd.Some("taken")}, Audit)
	WantFieldErrors(t, err, F("slug", "Flow with this slug already exists."))
	if _, err := h.S.Flows().Update(h.Ctx, "other", &racd.FlowInput{Slug: racd.Some("other")}, Audit); err != nil {
		t.Fatalf("keeping its own slug: %v", err)
	}
	if n := h.Int("SELECT count(*) FROM flows"); n != 2 {
		t.Fatalf("%d flows", n)
	}
	_ = other
}

func testFlowList(t *testing.T, h *H) {
	h.Flow("b-authz", "authorization")
	h.Flow("a-authn", "authentication")
	h.Flow("c-enroll", "enrollment")
	list := func(q racd.FlowQuery) []string {
		t.Helper()
		q.ListQuery = page(q.ListQuery)
		fs, n, err := h.S.Flows().List(h.Ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, f := range fs {
			out = append(out, f.Slug)
		}
		if n != len(out) {
			t.Fatalf("count %d for %d rows", n, len(out))
		}
		return out
	}
	des := "authorization"
	slug := "c-enroll"
	for _, c := range []struct {
		q    racd.FlowQuery
		want string
	}{
		{racd.FlowQuery{}, "[a-authn b-authz c-enroll]"},
		{racd.FlowQuery{ListQuery: racd.ListQuery{Ordering: []racd.OrderTerm{{Field: "designation", Desc: true}}}}, "[c-enroll b-authz a-authn]"},
		{racd.FlowQuery{Designation: &des}, "[b-authz]"},
		{racd.FlowQuery{Slug: &slug}, "[c-enroll]"},
		{racd.FlowQuery{ListQuery: racd.ListQuery{Search: []string{"AUTH"}}}, "[a-authn b-authz]"},
	} {
		if got := fmt.Sprint(list(c.q)); got != c.want {
			t.Errorf("flows %+v: %s, want %s", c.q, got, c.want)
		}
	}
}

func testFlowDeleteEffects(t *testing.T, h *H) {
	authz := h.Flow("authz", "authorization")
	other := h.Flow("other", "authorization")
	authn := h.Flow("authn", "authentication")
	doomed := h.Provider("doomed", authz.UUID, func(in *racd.ProviderInput) { in.AuthenticationFlow = racd.Some(Ref(authn.UUID)) })
	kept := h.Provider("kept", other.UUID, func(in *racd.ProviderInput) { in.AuthenticationFlow = racd.Some(Ref(authn.UUID)) })
	u := h.User("alice")
	ep := h.Endpoint("ep", doomed.ID)
	h.ConnectionToken(doomed.ID, ep, u)
	h.Grant(u, viewProvider, strconv.FormatInt(doomed.ID, 10))

	// Deleting an authentication flow sets it to null on the providers using it.
	if err := h.S.Flows().Delete(h.Ctx, "authn", Audit); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{doomed.ID, kept.ID} {
		p, err := h.S.Providers().Get(h.Ctx, id)
		if err != nil || p.AuthenticationFlow != "" {
			t.Fatalf("provider %d after its authentication flow went: %v %+v", id, err, p)
		}
	}
	// Deleting an authorization flow deletes its providers, with their own events and cascades.
	if err := h.S.Flows().Delete(h.Ctx, "authz", Audit); err != nil {
		t.Fatal(err)
	}
	_, err := h.S.Providers().Get(h.Ctx, doomed.ID)
	WantNotFound(t, err)
	if _, err := h.S.Providers().Get(h.Ctx, kept.ID); err != nil {
		t.Fatalf("provider of another flow: %v", err)
	}
	for q, want := range map[string]int64{
		"SELECT count(*) FROM endpoints":         0,
		"SELECT count(*) FROM connection_tokens": 0,
		"SELECT count(*) FROM user_permissions":  0,
		"SELECT count(*) FROM providers":         1,
	} {
		if n := h.Int(q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	evs := h.Events("authentik_providers_rac", strconv.FormatInt(doomed.ID, 10))
	if len(evs) == 0 || evs[len(evs)-1].Action != racd.EventModelDeleted {
		t.Errorf("no model_deleted event for the provider deleted with its flow")
	}
}

func testFlowUsedBy(t *testing.T, h *H) {
	authz := h.Flow("authz", "authorization")
	a := h.Provider("b-prov", authz.UUID)
	b := h.Provider("a-prov", authz.UUID, func(in *racd.ProviderInput) { in.AuthenticationFlow = racd.Some(Ref(authz.UUID)) })
	all := func(string) racd.Visibility { return racd.Everything }
	got, err := h.S.Flows().UsedBy(h.Ctx, "authz", all)
	if err != nil {
		t.Fatal(err)
	}
	ref := func(p *racd.Provider, action string) racd.UsedBy {
		return racd.UsedBy{Object: racd.ObjectRef{App: "authentik_providers_rac", ModelName: "racprovider", PK: strconv.FormatInt(p.ID, 10), Name: p.Name}, Action: action}
	}
	want := []racd.UsedBy{ref(b, "cascade"), ref(a, "cascade"), ref(b, "set_null")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("flow used_by\n got %v\nwant %v", got, want)
	}
	u := h.User("alice")
	h.Grant(u, viewProvider, strconv.FormatInt(a.ID, 10))
	got, _ = h.S.Flows().UsedBy(h.Ctx, "authz", func(perm string) racd.Visibility { return racd.Visibility{UserID: u, Perm: perm} })
	if fmt.Sprint(got) != fmt.Sprint([]racd.UsedBy{ref(a, "cascade")}) {
		t.Fatalf("flow used_by for alice: %v", got)
	}
	_, err = h.S.Flows().UsedBy(h.Ctx, "nope", all)
	WantNotFound(t, err)
}
