package storetest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/racd/racd/internal/racd"
)

const viewProvider = "authentik_providers_rac.view_racprovider"

var providerTests = []Test{
	{"CreateDefaults", testProviderCreateDefaults},
	{"CreateValidation", testProviderCreateValidation},
	{"CreateInvalidWritesNothing", testProviderCreateInvalidWritesNothing},
	{"Get", testProviderGet},
	{"UpdatePUTKeepsUnsentFields", testProviderUpdatePUT},
	{"UpdatePATCH", testProviderUpdatePATCH},
	{"UpdateValidation", testProviderUpdateValidation},
	{"ListSearch", testProviderListSearch},
	{"ListOrdering", testProviderListOrdering},
	{"ListPagination", testProviderListPagination},
	{"ListFilters", testProviderListFilters},
	{"ListVisibility", testProviderListVisibility},
	{"ListQueryCount", testProviderListQueryCount},
	{"DerivedFields", testProviderDerived},
	{"DeleteCascades", testProviderDeleteCascades},
	{"UsedBy", testProviderUsedBy},
	{"Events", testProviderEvents},
}

func testProviderCreateDefaults(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("  rdp  ", f.UUID)
	if p.ID <= 0 || p.Name != "rdp" || p.AuthorizationFlow != f.UUID || p.AuthenticationFlow != "" ||
		p.ConnectionExpiry != "hours=8" || p.DeleteTokenOnDisconnect || string(p.Settings) != "{}" || len(p.PropertyMappings) != 0 {
		t.Fatalf("created provider %+v", p)
	}
	m1, m2 := h.Mapping("m1"), h.Mapping("m2")
	authn := h.Flow("authn", "authentication")
	q := h.Provider("full", f.UUID, func(in *racd.ProviderInput) {
		in.AuthenticationFlow = racd.Some(Ref(authn.UUID))
		in.PropertyMappings = racd.Some(Refs(m2.UUID, m1.UUID, m2.UUID))
		in.Settings = racd.Some(json.RawMessage(`{"a":{"b":1}}`))
		in.ConnectionExpiry = racd.Some(" minutes=5 ")
		in.DeleteTokenOnDisconnect = racd.Some(true)
	})
	got, err := h.S.Providers().Get(h.Ctx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := sorted([]string{m1.UUID, m2.UUID})
	if got.AuthenticationFlow != authn.UUID || fmt.Sprint(got.PropertyMappings) != fmt.Sprint(want) ||
		compactJSON(t, got.Settings) != `{"a":{"b":1}}` || got.ConnectionExpiry != "minutes=5" || !got.DeleteTokenOnDisconnect {
		t.Fatalf("stored provider %+v", got)
	}
	if q.ID <= p.ID {
		t.Fatalf("ids not increasing: %d then %d", p.ID, q.ID)
	}
}

func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("stored JSON %q: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func testProviderCreateValidation(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	m := h.Mapping("m1")
	h.Provider("taken", f.UUID)
	missing := "00000000-0000-4000-8000-000000000001"
	cases := []struct {
		name string
		in   *racd.ProviderInput
		want []FieldMsgs
	}{
		{"blank name", ProviderInput("   ", f.UUID), []FieldMsgs{F("name", racd.MsgBlank)}},
		{"name taken", ProviderInput("taken", f.UUID), []FieldMsgs{F("name", "provider with this name already exists.")}},
		{"name is case-sensitive and trimmed", ProviderInput(" taken ", f.UUID), []FieldMsgs{F("name", "provider with this name already exists.")}},
		{"missing authorization flow", &racd.ProviderInput{Name: racd.Some("x"), AuthorizationFlow: racd.Some(racd.Ref{Raw: "{" + missing + "}", ID: missing})},
			[]FieldMsgs{F("authorization_flow", `Invalid pk "{`+missing+`}" - object does not exist.`)}},
		{"everything wrong at once, in field order", func() *racd.ProviderInput {
			in := ProviderInput("taken", missing)
			in.AuthenticationFlow = racd.Some(Ref(missing))
			in.PropertyMappings = racd.Some(Refs(m.UUID, missing, "00000000-0000-4000-8000-000000000002"))
			in.ConnectionExpiry = racd.Some("hours=-1")
			return in
		}(), []FieldMsgs{
			F("name", "provider with this name already exists."),
			F("authentication_flow", racd.MsgDoesNotExist(missing)),
			F("authorization_flow", racd.MsgDoesNotExist(missing)),
			F("property_mappings", racd.MsgDoesNotExist(missing)),
			F("connection_expiry", racd.MsgNegativeExpiry),
		}},
		{"bad duration", func() *racd.ProviderInput {
			in := ProviderInput("x", f.UUID)
			in.ConnectionExpiry = racd.Some("forever")
			return in
		}(), []FieldMsgs{F("connection_expiry", racd.MsgBadDuration("forever"))}},
		{"decoder errors kept, reference checks skip that field", func() *racd.ProviderInput {
			in := &racd.ProviderInput{Name: racd.Some("x")}
			in.Errors.Add("authorization_flow", racd.MsgRequired)
			in.Errors.Add("name", "Not a valid string.")
			return in
		}(), []FieldMsgs{F("name", "Not a valid string."), F("authorization_flow", racd.MsgRequired)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.S.Providers().Create(h.Ctx, c.in, Audit)
			WantFieldErrors(t, err, c.want...)
		})
	}
	// Any flow designation is accepted.
	h.Provider("by enrollment", h.Flow("enroll", "enrollment").UUID)
}

func testProviderCreateInvalidWritesNothing(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	before := h.Int("SELECT count(*) FROM events")
	in := ProviderInput("x", f.UUID)
	in.PropertyMappings = racd.Some(Refs("00000000-0000-4000-8000-000000000001"))
	if _, err := h.S.Providers().Create(h.Ctx, in, Audit); err == nil {
		t.Fatal("invalid create succeeded")
	}
	if n := h.Int("SELECT count(*) FROM providers"); n != 0 {
		t.Fatalf("%d providers after a refused create", n)
	}
	if n := h.Int("SELECT count(*) FROM events"); n != before {
		t.Fatalf("events %d → %d after a refused create", before, n)
	}
	// The caller's input is not modified: running it again gives the same errors.
	_, err := h.S.Providers().Create(h.Ctx, in, Audit)
	WantFieldErrors(t, err, F("property_mappings", racd.MsgDoesNotExist("00000000-0000-4000-8000-000000000001")))
}

func testProviderGet(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	got, err := h.S.Providers().Get(h.Ctx, p.ID)
	if err != nil || got.Name != "p" || got.ID != p.ID {
		t.Fatalf("get: %v %+v", err, got)
	}
	_, err = h.S.Providers().Get(h.Ctx, p.ID+1000)
	WantNotFound(t, err)
	_, err = h.S.Providers().Get(h.Ctx, -1)
	WantNotFound(t, err)
}

func testProviderUpdatePUT(t *testing.T, h *H) {
	f, f2 := h.Flow("authz", "authorization"), h.Flow("authz2", "authorization")
	m := h.Mapping("m1")
	p := h.Provider("p", f.UUID, func(in *racd.ProviderInput) {
		in.PropertyMappings = racd.Some(Refs(m.UUID))
		in.Settings = racd.Some(json.RawMessage(`{"x":1}`))
		in.ConnectionExpiry = racd.Some("hours=1")
		in.DeleteTokenOnDisconnect = racd.Some(true)
	})
	// PUT with only the required fields: the optional ones keep their values.
	got, err := h.S.Providers().Update(h.Ctx, p.ID, ProviderInput("renamed", f2.UUID), Audit)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := h.S.Providers().Get(h.Ctx, p.ID)
	for _, x := range []*racd.Provider{got, stored} {
		if x.Name != "renamed" || x.AuthorizationFlow != f2.UUID || fmt.Sprint(x.PropertyMappings) != fmt.Sprint([]string{m.UUID}) ||
			compactJSON(t, x.Settings) != `{"x":1}` || x.ConnectionExpiry != "hours=1" || !x.DeleteTokenOnDisconnect {
			t.Fatalf("after PUT: %+v", x)
		}
	}
	// Keeping its own name is no conflict.
	if _, err := h.S.Providers().Update(h.Ctx, p.ID, ProviderInput("renamed", f2.UUID), Audit); err != nil {
		t.Fatalf("PUT with own name: %v", err)
	}
	_, err = h.S.Providers().Update(h.Ctx, p.ID+1000, ProviderInput("x", f.UUID), Audit)
	WantNotFound(t, err)
}

func testProviderUpdatePATCH(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	authn := h.Flow("authn", "authentication")
	m1, m2 := h.Mapping("m1"), h.Mapping("m2")
	p := h.Provider("p", f.UUID, func(in *racd.ProviderInput) {
		in.AuthenticationFlow = racd.Some(Ref(authn.UUID))
		in.PropertyMappings = racd.Some(Refs(m1.UUID))
	})
	steps := []struct {
		name  string
		in    racd.ProviderInput
		check func(p *racd.Provider) bool
	}{
		{"empty PATCH is a no-op", racd.ProviderInput{}, func(x *racd.Provider) bool {
			return x.Name == "p" && x.AuthenticationFlow == authn.UUID && len(x.PropertyMappings) == 1
		}},
		{"one field", racd.ProviderInput{ConnectionExpiry: racd.Some("minutes=3")}, func(x *racd.Provider) bool {
			return x.ConnectionExpiry == "minutes=3" && x.Name == "p" && x.AuthenticationFlow == authn.UUID
		}},
		{"replace mappings", racd.ProviderInput{PropertyMappings: racd.Some(Refs(m2.UUID, m1.UUID))}, func(x *racd.Provider) bool {
			return fmt.Sprint(x.PropertyMappings) == fmt.Sprint(sorted([]string{m1.UUID, m2.UUID}))
		}},
		{"clear mappings", racd.ProviderInput{PropertyMappings: racd.Some([]racd.Ref{})}, func(x *racd.Provider) bool {
			return len(x.PropertyMappings) == 0
		}},
		{"null authentication flow", racd.ProviderInput{AuthenticationFlow: racd.Some(racd.Ref{})}, func(x *racd.Provider) bool {
			return x.AuthenticationFlow == "" && x.ConnectionExpiry == "minutes=3"
		}},
		{"settings replaced whole", racd.ProviderInput{Settings: racd.Some(json.RawMessage(`{"n":2}`))}, func(x *racd.Provider) bool {
			return compactJSON(t, x.Settings) == `{"n":2}`
		}},
	}
	for _, st := range steps {
		in := st.in
		got, err := h.S.Providers().Update(h.Ctx, p.ID, &in, Audit)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		stored, err := h.S.Providers().Get(h.Ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !st.check(got) || !st.check(stored) {
			t.Fatalf("%s: returned %+v stored %+v", st.name, got, stored)
		}
	}
}

func testProviderUpdateValidation(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	h.Provider("other", f.UUID)
	p := h.Provider("p", f.UUID)
	missing := "00000000-0000-4000-8000-000000000009"
	_, err := h.S.Providers().Update(h.Ctx, p.ID, &racd.ProviderInput{
		Name: racd.Some("other"), AuthorizationFlow: racd.Some(Ref(missing)), ConnectionExpiry: racd.Some(""),
	}, Audit)
	WantFieldErrors(t, err, F("name", "provider with this name already exists."),
		F("authorization_flow", racd.MsgDoesNotExist(missing)), F("connection_expiry", racd.MsgBlank))
	got, _ := h.S.Providers().Get(h.Ctx, p.ID)
	if got.Name != "p" || got.AuthorizationFlow != f.UUID || got.ConnectionExpiry != "hours=8" {
		t.Fatalf("refused update changed the provider: %+v", got)
	}
}

func listProviders(t *testing.T, h *H, q racd.ProviderQuery) ([]*racd.Provider, int) {
	t.Helper()
	q.ListQuery = page(q.ListQuery)
	ps, n, err := h.S.Providers().List(h.Ctx, q)
	if err != nil {
		t.Fatalf("list %+v: %v", q, err)
	}
	return ps, n
}

func testProviderListSearch(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	for _, n := range []string{"Office RDP", "office vnc", "Lab SSH", "100% uptime", "snake_case", "Ünïcode", `back\slash`} {
		h.Provider(n, f.UUID)
	}
	cases := []struct {
		terms []string
		want  []string
	}{
		{nil, []string{"100% uptime", "Lab SSH", "Office RDP", "back\\slash", "office vnc", "snake_case", "Ünïcode"}},
		{[]string{`\`}, []string{`back\slash`}},
		{[]string{`K\S`}, []string{`back\slash`}},
		{[]string{`\%`}, []string{}},
		{[]string{"OFFICE"}, []string{"Office RDP", "office vnc"}},
		{[]string{"office", "rdp"}, []string{"Office RDP"}},
		{[]string{"office", "ssh"}, []string{}},
		{[]string{"%"}, []string{"100% uptime"}},
		{[]string{"_"}, []string{"snake_case"}},
		{[]string{"e_c"}, []string{"snake_case"}},
		{[]string{"ïc"}, []string{"Ünïcode"}},
		// Case folds for ASCII letters only, on every backend (text compares by code point).
		{[]string{"ÜNÏ"}, []string{}},
		{[]string{"üNï"}, []string{}},
		{[]string{"ÜnïCODE"}, []string{"Ünïcode"}},
	}
	for _, c := range cases {
		ps, n := listProviders(t, h, racd.ProviderQuery{ListQuery: racd.ListQuery{Search: c.terms}})
		if fmt.Sprint(names(ps)) != fmt.Sprint(c.want) || n != len(c.want) {
			t.Errorf("search %q: %q (count %d), want %q", c.terms, names(ps), n, c.want)
		}
	}
}

func testProviderListOrdering(t *testing.T, h *H) {
	fa, fb := h.Flow("a", "authorization"), h.Flow("b", "authorization")
	if fa.UUID > fb.UUID {
		fa, fb = fb, fa
	}
	authn := h.Flow("authn", "authentication")
	b := h.Provider("b", fb.UUID, func(in *racd.ProviderInput) { in.ConnectionExpiry = racd.Some("hours=2") })
	h.Provider("a", fa.UUID, func(in *racd.ProviderInput) {
		in.ConnectionExpiry = racd.Some("hours=3")
		in.AuthenticationFlow = racd.Some(Ref(authn.UUID))
	})
	c := h.Provider("C", fa.UUID, func(in *racd.ProviderInput) {
		in.ConnectionExpiry = racd.Some("hours=2")
		in.DeleteTokenOnDisconnect = racd.Some(true)
	})
	h.Application("zz-app", "Alpha app", b.ID)
	h.Application("aa-app", "Zulu app", c.ID)
	ord := func(terms ...string) []racd.OrderTerm {
		var out []racd.OrderTerm
		for _, s := range terms {
			if s[0] == '-' {
				out = append(out, racd.OrderTerm{Field: s[1:], Desc: true})
			} else {
				out = append(out, racd.OrderTerm{Field: s})
			}
		}
		return out
	}
	cases := []struct {
		terms []string
		want  []string
	}{
		{nil, []string{"C", "a", "b"}}, // default: name, by code point on both databases
		{[]string{"name"}, []string{"C", "a", "b"}},
		{[]string{"-name"}, []string{"b", "a", "C"}},
		{[]string{"pk"}, []string{"b", "a", "C"}},
		{[]string{"-pk"}, []string{"C", "a", "b"}},
		{[]string{"bogus"}, []string{"C", "a", "b"}},
		{[]string{"bogus", "-pk"}, []string{"C", "a", "b"}},
		{[]string{"connection_expiry"}, []string{"b", "C", "a"}}, // ties broken by pk
		{[]string{"connection_expiry", "-name"}, []string{"b", "C", "a"}},
		{[]string{"-connection_expiry", "name"}, []string{"a", "C", "b"}},
		{[]string{"-delete_token_on_disconnect"}, []string{"C", "b", "a"}},
		{[]string{"authorization_flow", "name"}, []string{"C", "a", "b"}},
		{[]string{"authentication_flow"}, []string{"a", "b", "C"}},  // nulls last
		{[]string{"-authentication_flow"}, []string{"b", "C", "a"}}, // nulls first
		{[]string{"application__slug"}, []string{"C", "b", "a"}},    // aa-app, zz-app, none
		{[]string{"-application__name"}, []string{"a", "C", "b"}},   // none, Zulu, Alpha
		{[]string{"application__name", "-pk"}, []string{"b", "C", "a"}},
	}
	for _, c := range cases {
		ps, _ := listProviders(t, h, racd.ProviderQuery{ListQuery: racd.ListQuery{Ordering: ord(c.terms...)}})
		if fmt.Sprint(names(ps)) != fmt.Sprint(c.want) {
			t.Errorf("ordering %v: %q, want %q", c.terms, names(ps), c.want)
		}
	}
}

func testProviderListPagination(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	var all []string
	for i := 0; i < 7; i++ {
		n := fmt.Sprintf("p%02d", i)
		h.Provider(n, f.UUID)
		all = append(all, n)
	}
	cases := []struct {
		page, size int
		want       []string
	}{
		{1, 3, all[0:3]}, {2, 3, all[3:6]}, {3, 3, all[6:7]}, {racd.LastPage, 3, all[6:7]},
		{racd.LastPage, 7, all}, {racd.LastPage, 100, all}, {1, 100, all}, {2, 6, all[6:]},
	}
	for _, c := range cases {
		ps, n := listProviders(t, h, racd.ProviderQuery{ListQuery: racd.ListQuery{Page: c.page, PageSize: c.size}})
		if fmt.Sprint(names(ps)) != fmt.Sprint(c.want) || n != 7 {
			t.Errorf("page %d size %d: %q count %d, want %q count 7", c.page, c.size, names(ps), n, c.want)
		}
	}
	for _, pg := range []int{4, 100} {
		_, _, err := h.S.Providers().List(h.Ctx, racd.ProviderQuery{ListQuery: page(racd.ListQuery{Page: pg, PageSize: 3})})
		if err != racd.ErrInvalidPage {
			t.Errorf("page %d past the end: %v, want ErrInvalidPage", pg, err)
		}
	}
	// An empty result has a first (and last) page, never an error.
	for _, pg := range []int{1, racd.LastPage} {
		ps, n, err := h.S.Providers().List(h.Ctx, racd.ProviderQuery{ListQuery: page(racd.ListQuery{Page: pg, Search: []string{"nothing"}})})
		if err != nil || len(ps) != 0 || n != 0 {
			t.Errorf("empty list page %d: %v %d %v", pg, names(ps), n, err)
		}
	}
}

func testProviderListFilters(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	a := h.Provider("Alpha", f.UUID)
	h.Provider("beta", f.UUID)
	h.Provider("alphabet", f.UUID)
	h.Provider("école", f.UUID)
	h.Application("app", "App", a.ID)
	yes, no := true, false
	for _, c := range []struct {
		q    racd.ProviderQuery
		want []string
	}{
		{racd.ProviderQuery{NameIExact: strPtr("alpha")}, []string{"Alpha"}},
		{racd.ProviderQuery{NameIExact: strPtr("ALPHA")}, []string{"Alpha"}},
		{racd.ProviderQuery{NameIExact: strPtr("alph")}, []string{}},
		{racd.ProviderQuery{NameIExact: strPtr("ÉCOLE")}, []string{}},
		{racd.ProviderQuery{NameIExact: strPtr("éCOLE")}, []string{"école"}},
		{racd.ProviderQuery{ApplicationIsNull: &yes}, []string{"alphabet", "beta", "école"}},
		{racd.ProviderQuery{ApplicationIsNull: &no}, []string{"Alpha"}},
		{racd.ProviderQuery{ApplicationIsNull: &yes, ListQuery: racd.ListQuery{Search: []string{"alpha"}}}, []string{"alphabet"}},
	} {
		ps, n := listProviders(t, h, c.q)
		if fmt.Sprint(names(ps)) != fmt.Sprint(c.want) || n != len(c.want) {
			t.Errorf("filter %+v: %q, want %q", c.q, names(ps), c.want)
		}
	}
}

func strPtr(s string) *string { return &s }

func testProviderListVisibility(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	var ps []*racd.Provider
	for i := 0; i < 5; i++ {
		ps = append(ps, h.Provider(fmt.Sprintf("p%d", i), f.UUID))
	}
	pk := func(i int) string { return strconv.FormatInt(ps[i].ID, 10) }
	u := h.User("alice")
	other := h.User("bob")
	parent := h.Group("parent", "", false)
	child := h.Group("child", parent, false)
	h.AddToGroup(child, u)
	role := h.Role("viewers", parent) // reached through the parent of the user's group
	h.Grant(u, viewProvider, pk(0))
	h.RoleGrant(role, viewProvider, pk(3))
	h.Grant(u, "authentik_providers_rac.change_racprovider", pk(1)) // another permission: not visible
	h.Grant(other, viewProvider, pk(2))                             // another user's grant
	h.Grant(u, "authentik_providers_rac.view_endpoint", pk(4))      // another model's permission
	vis := racd.Visibility{UserID: u, Perm: viewProvider}
	got, n := listProviders(t, h, racd.ProviderQuery{ListQuery: racd.ListQuery{Visible: vis}})
	if fmt.Sprint(names(got)) != "[p0 p3]" || n != 2 {
		t.Fatalf("visible to alice: %q (count %d), want [p0 p3]", names(got), n)
	}
	got, n = listProviders(t, h, racd.ProviderQuery{ListQuery: racd.ListQuery{Visible: vis, Search: []string{"3"}}})
	if fmt.Sprint(names(got)) != "[p3]" || n != 1 {
		t.Fatalf("visible and searched: %q", names(got))
	}
	got, _ = listProviders(t, h, racd.ProviderQuery{ListQuery: racd.ListQuery{Visible: racd.Visibility{UserID: h.User("carol"), Perm: viewProvider}}})
	if len(got) != 0 {
		t.Fatalf("visible to a user without grants: %q", names(got))
	}
	// page=last counts only what is visible.
	got, n = listProviders(t, h, racd.ProviderQuery{ListQuery: racd.ListQuery{Visible: vis, Page: racd.LastPage, PageSize: 1}})
	if fmt.Sprint(names(got)) != "[p3]" || n != 2 {
		t.Fatalf("last visible page: %q count %d", names(got), n)
	}
}

func testProviderDerived(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	bare := h.Provider("bare", f.UUID)
	h.Application("main", "Main App", p.ID)
	back := h.Application("back", "Back App", 0)
	h.Exec("UPDATE providers SET backchannel_application = $1 WHERE id = $2", back, p.ID)
	h.Outpost("zeta", p.ID)
	h.Outpost("alpha", p.ID, bare.ID)
	check := func(x *racd.Provider) {
		t.Helper()
		if x.Application.Slug != "main" || x.Application.Name != "Main App" || x.Application.UUID == "" ||
			x.BackchannelApplication.Slug != "back" || x.BackchannelApplication.Name != "Back App" ||
			fmt.Sprint(x.Outposts) != "[Outpost alpha Outpost zeta]" || len(x.OutpostUUIDs) != 2 {
			t.Fatalf("derived fields: %+v", x)
		}
	}
	got, _ := h.S.Providers().Get(h.Ctx, p.ID)
	check(got)
	ps, _ := listProviders(t, h, racd.ProviderQuery{ListQuery: racd.ListQuery{Search: []string{"p"}, Ordering: []racd.OrderTerm{{Field: "name", Desc: true}}}})
	if len(ps) != 1 {
		t.Fatalf("list: %q", names(ps))
	}
	check(ps[0])
	got, _ = h.S.Providers().Get(h.Ctx, bare.ID)
	if got.Application != (racd.AppRef{}) || fmt.Sprint(got.Outposts) != "[Outpost alpha]" {
		t.Fatalf("bare provider: %+v", got)
	}
}

func testProviderDeleteCascades(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	m := h.Mapping("m")
	p := h.Provider("p", f.UUID, func(in *racd.ProviderInput) { in.PropertyMappings = racd.Some(Refs(m.UUID)) })
	keep := h.Provider("keep", f.UUID, func(in *racd.ProviderInput) { in.PropertyMappings = racd.Some(Refs(m.UUID)) })
	u := h.User("alice")
	app := h.Application("app", "App", p.ID)
	ep := h.Endpoint("ep", p.ID, m.UUID)
	keepEp := h.Endpoint("keep-ep", keep.ID)
	h.ConnectionToken(p.ID, ep, u)
	h.ConnectionToken(keep.ID, keepEp, u)
	op := h.Outpost("o", p.ID, keep.ID)
	pk := strconv.FormatInt(p.ID, 10)
	h.Grant(u, viewProvider, pk)
	h.Grant(u, "authentik_providers_rac.change_racprovider", pk)
	h.Grant(u, viewProvider, strconv.FormatInt(keep.ID, 10))
	h.Grant(u, "authentik_core.view_application", pk) // another model's object with the same pk
	role := h.Role("r", h.Group("g", "", false))
	h.RoleGrant(role, "authentik_providers_rac.delete_racprovider", pk)

	if err := h.S.Providers().Delete(h.Ctx, p.ID, Audit); err != nil {
		t.Fatal(err)
	}
	_, err := h.S.Providers().Get(h.Ctx, p.ID)
	WantNotFound(t, err)
	WantNotFound(t, h.S.Providers().Delete(h.Ctx, p.ID, Audit))
	counts := []struct {
		q    string
		args []any
		want int64
	}{
		{"SELECT count(*) FROM endpoints WHERE provider_id = $1", []any{p.ID}, 0},
		{"SELECT count(*) FROM endpoint_property_mappings WHERE endpoint_uuid = $1", []any{ep}, 0},
		{"SELECT count(*) FROM connection_tokens WHERE provider_id = $1", []any{p.ID}, 0},
		{"SELECT count(*) FROM outpost_providers WHERE provider_id = $1", []any{p.ID}, 0},
		{"SELECT count(*) FROM provider_property_mappings WHERE provider_id = $1", []any{p.ID}, 0},
		{"SELECT count(*) FROM applications WHERE uuid = $1 AND provider_id IS NULL", []any{app}, 1},
		{"SELECT count(*) FROM user_permissions WHERE object_pk = $1 AND permission LIKE 'authentik_providers_rac.%'", []any{pk}, 0},
		{"SELECT count(*) FROM role_permissions WHERE object_pk = $1", []any{pk}, 0},
		{"SELECT count(*) FROM user_permissions WHERE object_pk = $1", []any{pk}, 1}, // the application grant stays
		// The other provider keeps everything.
		{"SELECT count(*) FROM endpoints WHERE provider_id = $1", []any{keep.ID}, 1},
		{"SELECT count(*) FROM connection_tokens WHERE provider_id = $1", []any{keep.ID}, 1},
		{"SELECT count(*) FROM outpost_providers WHERE outpost_uuid = $1", []any{op}, 1},
		{"SELECT count(*) FROM provider_property_mappings WHERE provider_id = $1", []any{keep.ID}, 1},
		{"SELECT count(*) FROM property_mappings", nil, 1},
		{"SELECT count(*) FROM flows", nil, 1},
	}
	for _, c := range counts {
		if n := h.Int(c.q, c.args...); n != c.want {
			t.Errorf("%s %v = %d, want %d", c.q, c.args, n, c.want)
		}
	}
}

func testProviderUsedBy(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	mb, ma := h.Mapping("b-map"), h.Mapping("a-map")
	p := h.Provider("p", f.UUID, func(in *racd.ProviderInput) { in.PropertyMappings = racd.Some(Refs(mb.UUID, ma.UUID)) })
	u := h.User("alice")
	epB := h.Endpoint("b-ep", p.ID)
	epA := h.Endpoint("a-ep", p.ID)
	ct := h.ConnectionToken(p.ID, epA, u)
	op := h.Outpost("out", p.ID)
	all := func(string) racd.Visibility { return racd.Everything }
	got, err := h.S.Providers().UsedBy(h.Ctx, p.ID, all)
	if err != nil {
		t.Fatal(err)
	}
	want := []racd.UsedBy{
		{Object: racd.ObjectRef{App: "authentik_providers_rac", ModelName: "connectiontoken", PK: ct, Name: "RAC Connection token " + ct + " to " + strconv.FormatInt(p.ID, 10) + "/" + epA}, Action: "cascade"},
		{Object: racd.ObjectRef{App: "authentik_providers_rac", ModelName: "endpoint", PK: epA, Name: "RAC Endpoint a-ep"}, Action: "cascade"},
		{Object: racd.ObjectRef{App: "authentik_providers_rac", ModelName: "endpoint", PK: epB, Name: "RAC Endpoint b-ep"}, Action: "cascade"},
		{Object: racd.ObjectRef{App: "authentik_outposts", ModelName: "outpost", PK: op, Name: "Outpost out"}, Action: "cascade_many"},
		{Object: racd.ObjectRef{App: "authentik_core", ModelName: "propertymapping", PK: ma.UUID, Name: "Property Mapping a-map"}, Action: "cascade_many"},
		{Object: racd.ObjectRef{App: "authentik_core", ModelName: "propertymapping", PK: mb.UUID, Name: "Property Mapping b-map"}, Action: "cascade_many"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("used_by\n got %v\nwant %v", got, want)
	}
	// Filtered per kind by what the caller may view.
	h.Grant(u, "authentik_providers_rac.view_endpoint", epB)
	h.Grant(u, "authentik_providers_rac.view_racpropertymapping", ma.UUID)
	got, err = h.S.Providers().UsedBy(h.Ctx, p.ID, func(perm string) racd.Visibility {
		return racd.Visibility{UserID: u, Perm: perm}
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint([]racd.UsedBy{want[2], want[4]}) {
		t.Fatalf("used_by for alice: %v", got)
	}
	bare := h.Provider("bare", f.UUID)
	got, err = h.S.Providers().UsedBy(h.Ctx, bare.ID, all)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("used_by of an unused provider: %v %v (want an empty, non-nil list)", got, err)
	}
}

func testProviderEvents(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	pk := strconv.FormatInt(p.ID, 10)
	if _, err := h.S.Providers().Update(h.Ctx, p.ID, &racd.ProviderInput{ConnectionExpiry: racd.Some("hours=1"), Name: racd.Some("p")}, Audit); err != nil {
		t.Fatal(err)
	}
	if _, err := h.S.Providers().Update(h.Ctx, p.ID, &racd.ProviderInput{}, Audit); err != nil {
		t.Fatal(err)
	}
	if err := h.S.Providers().Delete(h.Ctx, p.ID, Audit); err != nil {
		t.Fatal(err)
	}
	evs := h.Events("authentik_providers_rac", pk)
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	if fmt.Sprint(actions) != "[model_created model_updated model_updated model_deleted]" {
		t.Fatalf("events: %v", actions)
	}
	created := h.Diff(evs[0])
	if created["name"] != [2]string{"null", `"p"`} || created["connection_expiry"] != [2]string{"null", `"hours=8"`} ||
		created["settings"] != [2]string{"null", "{}"} || created["property_mappings"] != [2]string{"null", "[]"} ||
		created["authentication_flow"] != [2]string{"null", "null"} || len(created) != 7 {
		t.Errorf("create diff: %v", created)
	}
	if len(h.Diff(evs[1])) == 0 { // both updates in one microsecond: find them by content
		evs[1], evs[2] = evs[2], evs[1]
	}
	if d := h.Diff(evs[1]); len(d) != 1 || d["connection_expiry"] != [2]string{`"hours=8"`, `"hours=1"`} {
		t.Errorf("update diff: %v (only the changed field)", d)
	}
	if d := h.Diff(evs[2]); len(d) != 0 {
		t.Errorf("no-op update diff: %v", d)
	}
	ctx := h.EventContext(evs[1])
	model, _ := ctx["model"].(map[string]any)
	req, _ := ctx["http_request"].(map[string]any)
	if model["app"] != "authentik_providers_rac" || model["model_name"] != "racprovider" || model["pk"] != float64(p.ID) || model["name"] != "p" ||
		req["path"] != Audit.Request.Path || req["method"] != Audit.Request.Method || req["user_agent"] != Audit.Request.UserAgent {
		t.Errorf("event context: %s", evs[1].ContextJSON)
	}
	if evs[1].ClientIP != Audit.Request.ClientIP || evs[1].App != racd.EventApp {
		t.Errorf("event: %+v", evs[1])
	}
	var user map[string]any
	if err := json.Unmarshal(evs[1].UserJSON, &user); err != nil || user["username"] != "akadmin" || user["pk"] != float64(1) {
		t.Errorf("event user: %s", evs[1].UserJSON)
	}
}

// QueryCounter is implemented by stores that count the SQL statements they send.
type QueryCounter interface{ Queries() int64 }

// testProviderListQueryCount: a list costs the same number of statements whatever the
// page size and however many related rows (mappings, outposts, applications) each
// provider has: no query per row.
func testProviderListQueryCount(t *testing.T, h *H) {
	qc, ok := h.S.(QueryCounter)
	if !ok {
		t.Skip("the store does not count its queries")
	}
	f := h.Flow("authz", "authorization")
	m1, m2 := h.Mapping("m1"), h.Mapping("m2")
	for i := 0; i < 30; i++ {
		p := h.Provider(fmt.Sprintf("p%02d", i), f.UUID, func(in *racd.ProviderInput) { in.PropertyMappings = racd.Some(Refs(m1.UUID, m2.UUID)) })
		h.Application(fmt.Sprintf("app%02d", i), "App", p.ID)
		h.Outpost(fmt.Sprintf("o%02d", i), p.ID)
	}
	u := h.User("alice")
	h.Grant(u, viewProvider, "1")
	cost := func(q racd.ProviderQuery) int64 {
		t.Helper()
		before := qc.Queries()
		ps, _ := listProviders(t, h, q)
		if len(ps) == 0 {
			t.Fatalf("empty list for %+v", q)
		}
		return qc.Queries() - before
	}
	for _, q := range []racd.ProviderQuery{
		{ListQuery: racd.ListQuery{Ordering: []racd.OrderTerm{{Field: "application__slug"}}}},
		{ListQuery: racd.ListQuery{Search: []string{"p"}, Page: racd.LastPage}},
		{ListQuery: racd.ListQuery{Visible: racd.Visibility{UserID: u, Perm: viewProvider}}},
	} {
		small, large := q, q
		small.PageSize, large.PageSize = 2, 100
		if a, b := cost(small), cost(large); a != b || b > 2 {
			t.Errorf("list %+v: %d statements for a page of 2, %d for a page of 100", q, a, b)
		}
	}
}
