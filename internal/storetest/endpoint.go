package storetest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/racd/racd/internal/racd"
)

var endpointTests = []Test{
	{"Lifecycle", testEndpointLifecycle},
	{"Validation", testEndpointValidation},
	{"List", testEndpointList},
	{"DeleteEffects", testEndpointDeleteEffects},
	{"UsedBy", testEndpointUsedBy},
}

// endpointInput returns the input of an rdp endpoint named name of provider.
func endpointInput(name string, provider int64) *racd.EndpointInput {
	return &racd.EndpointInput{Name: racd.Some(name), Provider: racd.Some(ref(provider)), Protocol: racd.Some("rdp"),
		Host: racd.Some("10.0.0.1:3389"), AuthMode: racd.Some("prompt")}
}

func testEndpointLifecycle(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	m1, m2 := h.Mapping("m1"), h.Mapping("m2")
	in := endpointInput("desk", p.ID)
	in.PropertyMappings = racd.Some(Refs(m2.UUID, m1.UUID, m2.UUID))
	e, err := h.S.Endpoints().Create(h.Ctx, in, Audit)
	if err != nil {
		t.Fatal(err)
	}
	if e.UUID == "" || e.MaximumConnections != racd.DefaultMaximumConnections || string(e.Settings) != "{}" ||
		fmt.Sprint(e.PropertyMappings) != fmt.Sprint(sorted([]string{m1.UUID, m2.UUID})) || e.Provider == nil || e.Provider.ID != p.ID {
		t.Fatalf("created %+v", e)
	}
	got, err := h.S.Endpoints().Get(h.Ctx, e.UUID)
	if err != nil || got.Name != "desk" || got.Host != "10.0.0.1:3389" || got.Provider == nil || got.Provider.Name != "p" ||
		fmt.Sprint(got.PropertyMappings) != fmt.Sprint(e.PropertyMappings) {
		t.Fatalf("get: %+v %v", got, err)
	}
	p2 := h.Provider("p2", f.UUID)
	got, err = h.S.Endpoints().Update(h.Ctx, e.UUID, &racd.EndpointInput{Provider: racd.Some(ref(p2.ID)), PropertyMappings: racd.Some(Refs(m1.UUID)),
		Settings: racd.Some(json.RawMessage(`{"a":1}`)), MaximumConnections: racd.Some(int64(-1))}, Audit)
	if err != nil || got.ProviderID != p2.ID || got.Provider == nil || got.Provider.ID != p2.ID || fmt.Sprint(got.PropertyMappings) != "["+m1.UUID+"]" ||
		string(got.Settings) != `{"a":1}` || !got.Unlimited() || got.Name != "desk" {
		t.Fatalf("update: %+v %v", got, err)
	}
	if n := h.Int("SELECT count(*) FROM endpoint_property_mappings WHERE endpoint_uuid = $1", e.UUID); n != 1 {
		t.Errorf("%d mapping links after the update, want 1", n)
	}
	evs := h.Events("authentik_providers_rac", e.UUID)
	if len(evs) != 2 || evs[1].Action != racd.EventModelUpdated {
		t.Fatalf("events %+v", evs)
	}
	diff := h.Diff(evs[1])
	if diff["provider"] != [2]string{strconv.FormatInt(p.ID, 10), strconv.FormatInt(p2.ID, 10)} || diff["maximum_connections"] != [2]string{"1", "-1"} ||
		len(diff) != 4 {
		t.Errorf("update diff %v", diff)
	}
	if err := h.S.Endpoints().Delete(h.Ctx, e.UUID, Audit); err != nil {
		t.Fatal(err)
	}
	_, err = h.S.Endpoints().Get(h.Ctx, e.UUID)
	WantNotFound(t, err)
	WantNotFound(t, h.S.Endpoints().Delete(h.Ctx, e.UUID, Audit))
	_, err = h.S.Endpoints().Update(h.Ctx, e.UUID, &racd.EndpointInput{}, Audit)
	WantNotFound(t, err)
}

func testEndpointValidation(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	m := h.Mapping("m")
	missing := h.UUID()
	in := endpointInput(" ", 99999)
	in.Host = racd.Some("a b")
	in.Protocol = racd.Some("telnet")
	in.PropertyMappings = racd.Some(Refs(m.UUID, missing))
	_, err := h.S.Endpoints().Create(h.Ctx, in, Audit)
	WantFieldErrors(t, err,
		F("name", racd.MsgBlank),
		F("provider", racd.MsgDoesNotExist("99999")),
		F("protocol", racd.MsgInvalidChoice("telnet")),
		F("host", racd.MsgInvalidHost),
		F("property_mappings", racd.MsgDoesNotExist(missing)))
	if n := h.Int("SELECT count(*) FROM endpoints"); n != 0 {
		t.Fatalf("an invalid endpoint was stored (%d rows)", n)
	}
	// Decoding problems stay and hide the field from further checks.
	in = endpointInput("desk", p.ID)
	in.Errors.Add("provider", racd.MsgNull)
	_, err = h.S.Endpoints().Create(h.Ctx, in, Audit)
	WantFieldErrors(t, err, F("provider", racd.MsgNull))
}

func testEndpointList(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p1, p2 := h.Provider("p1", f.UUID), h.Provider("p2", f.UUID)
	var ids []string
	for i, name := range []string{"b-desk", "a-desk", "c-server"} {
		prov := p1.ID
		if i == 2 {
			prov = p2.ID
		}
		e, err := h.S.Endpoints().Create(h.Ctx, endpointInput(name, prov), Audit)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.UUID)
	}
	names := func(q racd.EndpointQuery) string {
		t.Helper()
		es, n, err := h.S.Endpoints().List(h.Ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out := fmt.Sprint(n)
		for _, e := range es {
			if e.Provider == nil {
				t.Fatalf("listed endpoint %s without its provider", e.Name)
			}
			out += " " + e.Name
		}
		return out
	}
	for _, c := range []struct {
		q    racd.EndpointQuery
		want string
	}{
		{racd.EndpointQuery{ListQuery: page(racd.ListQuery{})}, "3 a-desk b-desk c-server"},
		{racd.EndpointQuery{ListQuery: page(racd.ListQuery{Search: []string{"DESK"}})}, "2 a-desk b-desk"},
		{racd.EndpointQuery{ListQuery: page(racd.ListQuery{Ordering: []racd.OrderTerm{{Field: "name", Desc: true}}})}, "3 c-server b-desk a-desk"},
		{racd.EndpointQuery{ListQuery: page(racd.ListQuery{}), Provider: &p2.ID}, "1 c-server"},
		{racd.EndpointQuery{ListQuery: page(racd.ListQuery{}), Name: strPtr("b-desk")}, "1 b-desk"},
		{racd.EndpointQuery{ListQuery: page(racd.ListQuery{PageSize: 2, Page: 2})}, "3 c-server"},
	} {
		if got := names(c.q); got != c.want {
			t.Errorf("list %+v = %q, want %q", c.q, got, c.want)
		}
	}
	u := h.User("alice")
	h.Grant(u, "authentik_providers_rac.view_endpoint", ids[1])
	if got := names(racd.EndpointQuery{ListQuery: page(racd.ListQuery{Visible: racd.Visibility{UserID: u, Perm: "authentik_providers_rac.view_endpoint"}})}); got != "1 a-desk" {
		t.Errorf("alice sees %q", got)
	}
}

func testEndpointDeleteEffects(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	u := h.User("alice")
	m := h.Mapping("m")
	ep := h.Endpoint("desk", p.ID, m.UUID)
	h.ConnectionToken(p.ID, ep, u)
	h.Grant(u, "authentik_providers_rac.view_endpoint", ep)
	if err := h.S.Endpoints().Delete(h.Ctx, ep, Audit); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int64{
		"SELECT count(*) FROM connection_tokens": 0, "SELECT count(*) FROM endpoint_property_mappings": 0,
		"SELECT count(*) FROM user_permissions": 0, "SELECT count(*) FROM property_mappings": 1, "SELECT count(*) FROM providers": 1,
	} {
		if n := h.Int(q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	evs := h.Events("authentik_providers_rac", ep)
	if len(evs) != 1 || evs[0].Action != racd.EventModelDeleted || h.Diff(evs[0])["name"] != [2]string{`"desk"`, "null"} {
		t.Fatalf("delete events %+v", evs)
	}
}

func testEndpointUsedBy(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	p := h.Provider("p", f.UUID)
	u := h.User("alice")
	mb, ma := h.Mapping("b-map"), h.Mapping("a-map")
	ep := h.Endpoint("desk", p.ID, mb.UUID, ma.UUID)
	ct := h.ConnectionToken(p.ID, ep, u)
	got, err := h.S.Endpoints().UsedBy(h.Ctx, ep, func(string) racd.Visibility { return racd.Everything })
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint([]racd.UsedBy{
		{Object: racd.ObjectRef{App: "authentik_providers_rac", ModelName: "connectiontoken", PK: ct, Name: "RAC Connection token " + ct + " to " + strconv.FormatInt(p.ID, 10) + "/" + ep}, Action: "cascade"},
		{Object: racd.ObjectRef{App: "authentik_core", ModelName: "propertymapping", PK: ma.UUID, Name: "Property Mapping a-map"}, Action: "cascade_many"},
		{Object: racd.ObjectRef{App: "authentik_core", ModelName: "propertymapping", PK: mb.UUID, Name: "Property Mapping b-map"}, Action: "cascade_many"},
	})
	if fmt.Sprint(got) != want {
		t.Fatalf("used_by\n got %v\nwant %s", got, want)
	}
	h.Grant(u, "authentik_providers_rac.view_racpropertymapping", mb.UUID)
	got, err = h.S.Endpoints().UsedBy(h.Ctx, ep, func(perm string) racd.Visibility { return racd.Visibility{UserID: u, Perm: perm} })
	if err != nil || len(got) != 1 || got[0].Object.PK != mb.UUID {
		t.Fatalf("used_by for alice: %v %v", got, err)
	}
}
