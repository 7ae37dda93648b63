package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/racd/racd/internal/racd"
)

var mappingTests = []Test{
	{"CRUD", testMappingCRUD},
	{"Validation", testMappingValidation},
	{"List", testMappingList},
	{"DeleteEffects", testMappingDeleteEffects},
	{"UsedBy", testMappingUsedBy},
}

func testMappingCRUD(t *testing.T, h *H) {
	m := h.Mapping("m")
	got, err := h.S.PropertyMappings().Get(h.Ctx, m.UUID)
	if err != nil || got.Name != "m" || compactJSON(t, got.StaticSettings) != `{"k":"m"}` || got.Managed != "" || got.Expression != "" {
		t.Fatalf("get: %v %+v", err, got)
	}
	_, err = h.S.PropertyMappings().Get(h.Ctx, "00000000-0000-4000-8000-000000000001")
	WantNotFound(t, err)
	up, err := h.S.PropertyMappings().Update(h.Ctx, m.UUID, &racd.PropertyMappingInput{Expression: racd.Some("return {}"), Managed: racd.Some("goauthentik.io/x")}, Audit)
	if err != nil || up.Expression != "return {}" || up.Managed != "goauthentik.io/x" || up.Name != "m" {
		t.Fatalf("update: %v %+v", err, up)
	}
	up, err = h.S.PropertyMappings().Update(h.Ctx, m.UUID, &racd.PropertyMappingInput{Managed: racd.Some("")}, Audit)
	if err != nil || up.Managed != "" {
		t.Fatalf("clearing managed: %v %+v", err, up)
	}
	if err := h.S.PropertyMappings().Delete(h.Ctx, m.UUID, Audit); err != nil {
		t.Fatal(err)
	}
	WantNotFound(t, h.S.PropertyMappings().Delete(h.Ctx, m.UUID, Audit))
	if evs := h.Events("authentik_providers_rac", m.UUID); len(evs) != 4 {
		t.Fatalf("mapping events: %d, want 4", len(evs))
	}
}

func testMappingValidation(t *testing.T, h *H) {
	h.Mapping("taken")
	if _, err := h.S.PropertyMappings().Update(h.Ctx, h.Mapping("managed").UUID, &racd.PropertyMappingInput{Managed: racd.Some("id-1")}, Audit); err != nil {
		t.Fatal(err)
	}
	_, err := h.S.PropertyMappings().Create(h.Ctx, &racd.PropertyMappingInput{
		Name: racd.Some("taken"), Managed: racd.Some("id-1"), StaticSettings: racd.Some(json.RawMessage(`{}`)),
	}, Audit)
	WantFieldErrors(t, err, F("managed", "Property Mapping with this Managed by authentik already exists."), F("name", "Property Mapping with this name already exists."))
	_, err = h.S.PropertyMappings().Create(h.Ctx, &racd.PropertyMappingInput{Name: racd.Some(""), StaticSettings: racd.Some(json.RawMessage(`{}`))}, Audit)
	WantFieldErrors(t, err, F("name", racd.MsgBlank))
}

func testMappingList(t *testing.T, h *H) {
	for _, n := range []string{"beta", "Alpha", "gamma"} {
		h.Mapping(n)
	}
	ms, n, err := h.S.PropertyMappings().List(h.Ctx, racd.PropertyMappingQuery{ListQuery: page(racd.ListQuery{Search: []string{"A"}, Ordering: []racd.OrderTerm{{Field: "name", Desc: true}}})})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Name)
	}
	if fmt.Sprint(got) != "[gamma beta Alpha]" || n != 3 {
		t.Fatalf("mappings: %v %d", got, n)
	}
}

func testMappingDeleteEffects(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	m, keep := h.Mapping("m"), h.Mapping("keep")
	p := h.Provider("p", f.UUID, func(in *racd.ProviderInput) { in.PropertyMappings = racd.Some(Refs(m.UUID, keep.UUID)) })
	ep := h.Endpoint("ep", p.ID, m.UUID, keep.UUID)
	if err := h.S.PropertyMappings().Delete(h.Ctx, m.UUID, Audit); err != nil {
		t.Fatal(err)
	}
	got, err := h.S.Providers().Get(h.Ctx, p.ID)
	if err != nil || fmt.Sprint(got.PropertyMappings) != fmt.Sprint([]string{keep.UUID}) {
		t.Fatalf("provider after its mapping went: %v %+v", err, got)
	}
	if n := h.Int("SELECT count(*) FROM endpoint_property_mappings WHERE endpoint_uuid = $1", ep); n != 1 {
		t.Fatalf("endpoint keeps %d mappings, want 1", n)
	}
}

func testMappingUsedBy(t *testing.T, h *H) {
	f := h.Flow("authz", "authorization")
	m := h.Mapping("m")
	p := h.Provider("p", f.UUID, func(in *racd.ProviderInput) { in.PropertyMappings = racd.Some(Refs(m.UUID)) })
	ep := h.Endpoint("ep", p.ID, m.UUID)
	got, err := h.S.PropertyMappings().UsedBy(h.Ctx, m.UUID, func(string) racd.Visibility { return racd.Everything })
	if err != nil {
		t.Fatal(err)
	}
	want := []racd.UsedBy{
		{Object: racd.ObjectRef{App: "authentik_providers_rac", ModelName: "racprovider", PK: fmt.Sprint(p.ID), Name: "p"}, Action: "cascade_many"},
		{Object: racd.ObjectRef{App: "authentik_providers_rac", ModelName: "endpoint", PK: ep, Name: "RAC Endpoint ep"}, Action: "cascade_many"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("mapping used_by\n got %v\nwant %v", got, want)
	}
}
