package racd_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/racd/racd/internal/racd"
)

// storeInputs finds the input type of every resource of racd.Store (the second
// argument of its Update), so that a resource added later is checked too.
func storeInputs(t *testing.T) []reflect.Type {
	st := reflect.TypeOf((*racd.Store)(nil)).Elem()
	var out []reflect.Type
	for i := 0; i < st.NumMethod(); i++ {
		m := st.Method(i)
		if m.Type.NumOut() != 1 || m.Type.Out(0).Kind() != reflect.Interface {
			continue
		}
		upd, ok := m.Type.Out(0).MethodByName("Update")
		if !ok {
			continue
		}
		out = append(out, upd.Type.In(2))
	}
	if len(out) < 11 {
		t.Fatalf("found %d resource inputs in racd.Store, want at least 11", len(out))
	}
	return out
}

// TestEveryInputFieldIsLimited: every text and JSON field of every resource's input
// carries a wire name and a limit, so none can be written unbounded.
func TestEveryInputFieldIsLimited(t *testing.T) {
	n := 0
	for _, typ := range storeInputs(t) {
		for _, f := range racd.LimitedFields(reflect.New(typ.Elem()).Interface()) {
			n++
			if !f.OK {
				t.Errorf("%s.%s has no field/max tags", typ.Elem().Name(), f.GoName)
				continue
			}
			if f.JSON && f.Max > racd.MaxJSONBytes {
				t.Errorf("%s.%s: %d bytes is over the JSON bound", typ.Elem().Name(), f.GoName, f.Max)
			}
			if !f.JSON && f.Max > racd.MaxExpressionLength {
				t.Errorf("%s.%s: %d characters", typ.Elem().Name(), f.GoName, f.Max)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d limited fields found", n)
	}
}

func TestCheckLimits(t *testing.T) {
	in := &racd.UserInput{
		Username:   racd.Some(strings.Repeat("é", 151)),
		Name:       racd.Some(strings.Repeat("x", 500)),
		Email:      racd.Some("a@b.c"),
		Path:       racd.Some(strings.Repeat("p", 501)),
		Attributes: racd.Some(json.RawMessage(`{"a":"` + strings.Repeat("x", racd.MaxJSONBytes) + `"}`)),
	}
	var errs racd.FieldErrors
	errs.Add("email", "decoder's problem")
	racd.CheckLimits(in, &errs)
	racd.CheckLimits(in, &errs) // a second run adds nothing
	want := map[string][]string{
		"username":   {racd.MsgMaxLength(150)},
		"path":       {racd.MsgMaxLength(500)},
		"attributes": {"Ensure this value is no larger than 64 KiB as JSON."},
		"email":      {"decoder's problem"},
	}
	if got := errs.Fields(); len(got) != len(want) {
		t.Fatalf("fields with errors: %v", got)
	}
	for f, msgs := range want {
		if got := errs.Messages(f); !reflect.DeepEqual(got, msgs) {
			t.Errorf("%s: %q, want %q", f, got, msgs)
		}
	}
	// At the limit is fine.
	ok := &racd.GroupInput{Name: racd.Some(strings.Repeat("ü", 80)), Attributes: racd.Some(json.RawMessage(`{}`))}
	var none racd.FieldErrors
	racd.CheckLimits(ok, &none)
	if !none.Empty() {
		t.Errorf("within limits: %v", none.Fields())
	}
}
