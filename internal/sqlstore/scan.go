package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// rowOf makes a table's scan: dest lists where the columns of a new object go, in the
// order of the table's cols. Columns that need converting go through the adapters
// below (orZero, rawJSON, jsonOf, micro, microsInto) or a type of the table's own.
func rowOf[E any](dest func(obj *E) []any) func(sc scanner, extra ...any) (*E, error) {
	return func(sc scanner, extra ...any) (*E, error) {
		obj := new(E)
		if err := sc.Scan(append(dest(obj), extra...)...); err != nil {
			return nil, err
		}
		return obj, nil
	}
}

// orZero scans a nullable column into *dst, NULL as the zero value.
type orZero[T any] struct{ dst *T }

// Scan implements sql.Scanner.
func (z orZero[T]) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		var zero T
		*z.dst = zero
		return nil
	case T: // what drivers mostly hand over: no conversion, no allocation
		*z.dst = x
		return nil
	}
	var n sql.Null[T]
	if err := n.Scan(v); err != nil {
		return err
	}
	*z.dst = n.V
	return nil
}

// text returns the bytes of a text or blob column; ok false for NULL.
func text(v any) (b []byte, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return nil, false, nil
	case []byte:
		return x, true, nil
	case string:
		return []byte(x), true, nil
	}
	return nil, false, fmt.Errorf("a %T where text was expected", v)
}

// rawJSON scans JSON text as stored (nil for NULL).
type rawJSON struct{ dst *json.RawMessage }

// Scan implements sql.Scanner.
func (r rawJSON) Scan(v any) error {
	switch x := v.(type) {
	case string:
		*r.dst = json.RawMessage(x)
	case []byte:
		*r.dst = append(json.RawMessage(nil), x...)
	case nil:
		*r.dst = nil
	default:
		return fmt.Errorf("a %T where JSON text was expected", v)
	}
	return nil
}

// jsonOf scans JSON text (a column, or an array the dialect built) into *dst.
type jsonOf[T any] struct{ dst *T }

// Scan implements sql.Scanner.
func (j jsonOf[T]) Scan(v any) error { return scanJSON(v, j.dst) }

// scanJSON decodes a column's JSON text into dst.
func scanJSON(v any, dst any) error {
	b, _, err := text(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// micro scans a unix-microsecond column into *dst.
type micro struct{ dst *time.Time }

// Scan implements sql.Scanner.
func (m micro) Scan(v any) error {
	if us, ok := v.(int64); ok {
		*m.dst = fromMicros(us)
		return nil
	}
	var n sql.NullInt64
	if err := n.Scan(v); err != nil {
		return err
	}
	*m.dst = fromMicros(n.Int64)
	return nil
}

// microsInto scans a nullable unix-microsecond column into *dst (nil for NULL).
type microsInto struct{ dst **time.Time }

// Scan implements sql.Scanner.
func (m microsInto) Scan(v any) error {
	switch us := v.(type) {
	case nil:
		*m.dst = nil
		return nil
	case int64:
		t := fromMicros(us)
		*m.dst = &t
		return nil
	}
	var n sql.NullInt64
	if err := n.Scan(v); err != nil {
		return err
	}
	*m.dst = fromMicrosNull(n)
	return nil
}

// flexBool reads a JSON boolean that SQLite writes as 0/1.
type flexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *flexBool) UnmarshalJSON(p []byte) error {
	s := string(p)
	*b = flexBool(s == "true" || s == "1")
	return nil
}
