package expr

import (
	"fmt"
	"sort"

	"go.starlark.net/starlark"
)

// record is a frozen dict whose keys are also attributes, so that the variables an
// expression sees work both ways authentik's users write them: user["username"] and
// user.username (authentik binds model objects), request.user.email.
type record struct{ d *starlark.Dict }

var (
	_ starlark.HasAttrs = (*record)(nil)
	_ starlark.Mapping  = (*record)(nil)
	_ starlark.Iterable = (*record)(nil)
	_ starlark.Sequence = (*record)(nil)
)

func newRecord(d *starlark.Dict) *record {
	d.Freeze()
	return &record{d: d}
}

func (r *record) String() string        { return r.d.String() }
func (r *record) Type() string          { return "dict" }
func (r *record) Freeze()               {}
func (r *record) Truth() starlark.Bool  { return r.d.Truth() }
func (r *record) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: dict") }
func (r *record) Len() int              { return r.d.Len() }

func (r *record) Iterate() starlark.Iterator { return r.d.Iterate() }

func (r *record) Get(k starlark.Value) (starlark.Value, bool, error) { return r.d.Get(k) }

// Attr returns the value under key name, else the dict method of that name.
func (r *record) Attr(name string) (starlark.Value, error) {
	if v, found, _ := r.d.Get(starlark.String(name)); found {
		return v, nil
	}
	return r.d.Attr(name)
}

func (r *record) AttrNames() []string {
	names := append([]string{}, r.d.AttrNames()...)
	for _, k := range r.d.Keys() {
		if s, ok := k.(starlark.String); ok {
			names = append(names, string(s))
		}
	}
	sort.Strings(names)
	return names
}
