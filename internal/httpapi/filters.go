package httpapi

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/racd/racd/internal/racd"
)

// filters reads the filters of a list request, as django-filter does: each method
// reads one query parameter, and a malformed one adds its message to errs, which the
// list answers with 400 before the store is asked.
type filters struct {
	c    *call
	lq   racd.ListQuery // page, search, ordering and the caller's visibility
	qv   url.Values
	errs racd.FieldErrors
}

// ok says no filter read so far was malformed.
func (f *filters) ok() bool { return f.errs.Empty() }

// boolean reads a boolean filter: true/false/1/0 in any case; anything else (or
// absence) means no filter.
func (f *filters) boolean(name string) *bool {
	v, ok := f.qv[name]
	if !ok || len(v) == 0 {
		return nil
	}
	switch strings.ToLower(v[len(v)-1]) {
	case "true", "1":
		t := true
		return &t
	case "false", "0":
		b := false
		return &b
	}
	return nil
}

// str reads an exact-match filter; an empty value means no filter, as in
// django-filter, and the last of repeated values wins, as in Django's QueryDict.
func (f *filters) str(name string) *string {
	v := lastValue(f.qv, name)
	if v == "" {
		return nil
	}
	v = cleanQueryValue(v)
	return &v
}

// strs reads a repeated filter's non-empty values.
func (f *filters) strs(name string) []string {
	var out []string
	for _, v := range f.qv[name] {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// choice reads a django-filter ChoiceFilter: a value outside choices is a 400.
func (f *filters) choice(name string, choices []string) *string {
	v := lastValue(f.qv, name)
	switch {
	case v == "":
		return nil
	case slices.Contains(choices, v):
		return &v
	}
	f.errs.Add(name, "Select a valid choice. "+v+" is not one of the available choices.")
	return nil
}

// uuid reads a UUID filter: a value that is not a UUID is a 400.
func (f *filters) uuid(name string) *string {
	v := f.str(name)
	if v == nil {
		return nil
	}
	id, ok := racd.ParseUUID(*v)
	if !ok {
		f.errs.Add(name, "Enter a valid UUID.")
		return nil
	}
	return &id
}

// int reads an integer filter; a value that is not an integer is django-filter's 400
// "Enter a number.".
func (f *filters) int(name string) *int64 {
	s := strings.TrimSpace(lastValue(f.qv, name))
	if s == "" {
		return nil
	}
	n, ok := pyInt(s)
	if !ok {
		if digits := strings.TrimLeft(s, "+-"); digits != "" && strings.Trim(digits, "0123456789") == "" {
			n = -1 // a number beyond int64: no object has that key
			return &n
		}
		f.errs.Add(name, "Enter a number.")
		return nil
	}
	return &n
}

// ints reads a repeated integer filter (django-filter's ModelMultipleChoice of integer
// keys); empty values are skipped, and the first that is no integer is a 400.
func (f *filters) ints(name string) []int64 {
	var out []int64
	for _, v := range f.strs(name) {
		n, ok := pyInt(v)
		if !ok {
			f.errs.Add(name, "“"+v+"” is not a valid value.")
			return nil
		}
		out = append(out, n)
	}
	return out
}

// time reads django-filter's IsoDateTimeFilter name and its __gt and __lt lookups; a
// value that is not an ISO 8601 time is a 400.
func (f *filters) time(name string) racd.TimeFilter {
	one := func(key string) *time.Time {
		v := strings.TrimSpace(lastValue(f.qv, key))
		if v == "" {
			return nil
		}
		t, ok := parseISOTime(v)
		if !ok {
			f.errs.Add(key, "Enter a valid date/time.")
			return nil
		}
		return &t
	}
	return racd.TimeFilter{Exact: one(name), After: one(name + "__gt"), Before: one(name + "__lt")}
}

// texts reads a repeated text filter (django-filter's multiple choice filters); nil
// when absent, empty values skipped.
func (f *filters) texts(name string) []string {
	out := f.strs(name)
	for i, v := range out {
		out[i] = cleanQueryValue(v)
	}
	return out
}

// uuids is texts for UUIDs: a value that is not one is a 400.
func (f *filters) uuids(name string) []string {
	var out []string
	for _, v := range f.texts(name) {
		id, ok := racd.ParseUUID(v)
		if !ok {
			f.errs.Add(name, "“"+v+"” is not a valid UUID.")
			return nil
		}
		out = append(out, id)
	}
	return out
}
