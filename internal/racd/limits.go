package racd

import (
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Length limits of the fields clients write (SECURITY.md, "Field lengths"). Where
// authentik's model gives a max_length, racd uses it (the tags of each input name it);
// elsewhere these apply. [racd] authentik leaves its TextFields and JSONFields
// unbounded, so a single request could store megabytes that every later read carries,
// or a name too long for PostgreSQL's index (a 500 in authentik).
const (
	// MaxIndexedText bounds text that a database index covers (names, managed keys,
	// titles): 500 characters of at most 4 bytes each always fit PostgreSQL's index
	// row (about 2,700 bytes).
	MaxIndexedText = 500
	// MaxLongText bounds free text no index covers (descriptions).
	MaxLongText = 4096
	// MaxURLLength bounds a URL (an application's meta_launch_url).
	MaxURLLength = 2048
	// MaxExpressionLength bounds a property mapping's expression (the evaluator also
	// refuses a source over 64 KiB of bytes).
	MaxExpressionLength = 64 << 10
	// MaxJSONBytes bounds a JSON object field (settings, static_settings, attributes,
	// config) as sent.
	MaxJSONBytes = 64 << 10
)

// MsgJSONTooLarge refuses a JSON object field over its limit.
func MsgJSONTooLarge(limit int) string {
	return fmt.Sprintf("Ensure this value is no larger than %d KiB as JSON.", limit>>10)
}

// CheckLimits records, for every field of the input in (a pointer to one of the
// *Input structs) that was sent and decoded cleanly, whether it is over its limit:
// text fields in characters as sent, JSON fields in bytes as sent. The limits are the
// fields' tags: `field:"<wire name>" max:"<n>"`. Every Opt[string] and
// Opt[json.RawMessage] field of an input carries both (a test sees to it), so a field
// added later cannot go unbounded. The stores run it before a write reaches SQL; it
// leaves fields that already have an error alone, so running it twice adds nothing.
func CheckLimits(in any, errs *FieldErrors) {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	v = v.Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, limit, ok := fieldLimit(sf)
		if !ok || errs.Has(name) {
			continue
		}
		f := v.Field(i)
		if !f.FieldByName("Set").Bool() {
			continue
		}
		val := f.FieldByName("V")
		switch val.Kind() {
		case reflect.String:
			if utf8.RuneCountInString(val.String()) > limit {
				errs.Add(name, MsgMaxLength(limit))
			}
		case reflect.Slice: // json.RawMessage
			if val.Len() > limit {
				errs.Add(name, MsgJSONTooLarge(limit))
			}
		}
	}
}

// fieldLimit reads the field and max tags of an input's field.
func fieldLimit(sf reflect.StructField) (name string, limit int, ok bool) {
	name = sf.Tag.Get("field")
	n, err := strconv.Atoi(sf.Tag.Get("max"))
	if name == "" || err != nil || n <= 0 {
		return "", 0, false
	}
	return name, n, true
}

// LimitedFields lists, for the input type of in, every field that needs a limit
// (Opt[string] and Opt[json.RawMessage]) with its wire name and limit; ok is false for
// a field that has none. Tests use it to check that no field goes unbounded.
func LimitedFields(in any) []FieldLimit {
	t := reflect.TypeOf(in)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []FieldLimit
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Type.Kind() != reflect.Struct || sf.Type.NumField() != 2 || sf.Type.Field(0).Name != "Set" {
			continue // not an Opt
		}
		vt := sf.Type.Field(1).Type
		text := vt.Kind() == reflect.String
		object := vt.Kind() == reflect.Slice && vt.Elem().Kind() == reflect.Uint8
		if !text && !object {
			continue
		}
		name, limit, ok := fieldLimit(sf)
		out = append(out, FieldLimit{GoName: sf.Name, Field: name, Max: limit, JSON: object, OK: ok})
	}
	return out
}

// FieldLimit describes the limit of one input field.
type FieldLimit struct {
	GoName string // the input struct's field
	Field  string // the wire name
	Max    int    // characters (text) or bytes (JSON)
	JSON   bool
	OK     bool // the field carries both tags
}
