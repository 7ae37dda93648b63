package racd

import (
	"errors"
	"sort"
)

// ErrNotFound reports that the addressed object does not exist (or is not visible).
var ErrNotFound = errors.New("not found")

// ErrUnavailable reports that the database cannot be reached right now. Clients get a
// 503 and may retry; nothing was written.
var ErrUnavailable = errors.New("database unavailable")

// ErrConflict reports a write that lost a race it cannot recover from (for instance a
// serialization failure that persisted through retries). Clients may retry.
var ErrConflict = errors.New("conflicting concurrent update")

// NonFieldErrors is the key under which object-level validation errors are reported.
const NonFieldErrors = "non_field_errors"

// FieldErrors collects validation messages per field, in the order fields are first
// reported, so that a response lists every invalid field at once in a stable order.
// The zero value is ready to use.
type FieldErrors struct {
	order []string
	msgs  map[string][]string
}

// Add records msg for field.
func (e *FieldErrors) Add(field, msg string) {
	if e.msgs == nil {
		e.msgs = make(map[string][]string)
	}
	if _, ok := e.msgs[field]; !ok {
		e.order = append(e.order, field)
	}
	e.msgs[field] = append(e.msgs[field], msg)
}

// Clone returns an independent copy.
func (e *FieldErrors) Clone() FieldErrors {
	var c FieldErrors
	c.Merge(e)
	return c
}

// Has reports whether field already has an error.
func (e *FieldErrors) Has(field string) bool {
	if e == nil {
		return false
	}
	_, ok := e.msgs[field]
	return ok
}

// Drop forgets field's messages (a rule that replaces the field's value makes what
// decoding said of it moot).
func (e *FieldErrors) Drop(field string) {
	if e == nil || !e.Has(field) {
		return
	}
	delete(e.msgs, field)
	for i, f := range e.order {
		if f == field {
			e.order = append(e.order[:i:i], e.order[i+1:]...)
			break
		}
	}
}

// Empty reports whether no error was recorded.
func (e *FieldErrors) Empty() bool { return e == nil || len(e.order) == 0 }

// Merge appends every message of other.
func (e *FieldErrors) Merge(other *FieldErrors) {
	if other == nil {
		return
	}
	for _, f := range other.order {
		for _, m := range other.msgs[f] {
			e.Add(f, m)
		}
	}
}

// Fields returns the fields with errors, in report order.
func (e *FieldErrors) Fields() []string {
	if e == nil {
		return nil
	}
	return e.order
}

// Messages returns the messages recorded for field.
func (e *FieldErrors) Messages(field string) []string {
	if e == nil {
		return nil
	}
	return e.msgs[field]
}

// SortBy reorders the fields to follow order (the serializer's field order); fields not
// in order keep their relative position after those that are, and non_field_errors
// comes last.
func (e *FieldErrors) SortBy(order []string) {
	if e == nil {
		return
	}
	rank := make(map[string]int, len(order))
	for i, f := range order {
		rank[f] = i
	}
	pos := func(f string) int {
		if f == NonFieldErrors {
			return len(order) + 1
		}
		if r, ok := rank[f]; ok {
			return r
		}
		return len(order)
	}
	sort.SliceStable(e.order, func(i, j int) bool { return pos(e.order[i]) < pos(e.order[j]) })
}

// Error implements error.
func (e *FieldErrors) Error() string {
	if e.Empty() {
		return "no validation errors"
	}
	f := e.order[0]
	return "invalid " + f + ": " + e.msgs[f][0]
}

// Err returns e as an error, or nil when it is empty.
func (e *FieldErrors) Err() error {
	if e.Empty() {
		return nil
	}
	return e
}

// FieldError is a convenience constructor for a single field error.
func FieldError(field, msg string) *FieldErrors {
	var e FieldErrors
	e.Add(field, msg)
	return &e
}

// AsFieldErrors unwraps err to *FieldErrors.
func AsFieldErrors(err error) (*FieldErrors, bool) {
	var fe *FieldErrors
	ok := errors.As(err, &fe)
	return fe, ok
}
