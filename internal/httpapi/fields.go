package httpapi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/racd/racd/internal/racd"
)

// The field decoders of a form, one per DRF field type. Each records the messages DRF
// gives for what it refuses and returns the value as an Opt: Set when the client sent
// a usable value.

// opts says how a field is declared.
type opts uint8

const (
	// required: missing (outside PATCH) is "This field is required.".
	required opts = 1 << iota
	// nullable: null is accepted (Set, with the zero value); otherwise it is "This
	// field may not be null.".
	nullable
	// trim: surrounding white space is removed, as Python's str.strip() does.
	trim
	// notBlank: a text that is not null may not be blank.
	notBlank
	// jsonField: a dictionary field declared as DRF's JSONField, whose message for
	// another type is about dictionaries and duplicate keys.
	jsonField
)

const (
	msgNullChars   = "Null characters are not allowed."
	msgInvalidJSON = "Value must be valid JSON." // DRF JSONField, for a value it cannot store
)

// value returns a sent field's JSON. ok is false when the field is absent (and then
// reported when required outside PATCH) or refused; null reports a null that o
// allows. With emptyIsNull "" counts as null, as DRF's relations count it.
func (f *form) value(name string, o opts, emptyIsNull bool) (raw json.RawMessage, null, ok bool) {
	raw, sent := f.raw[name]
	if !sent {
		if o&required != 0 && !f.partial {
			f.errs.Add(name, racd.MsgRequired)
		}
		return nil, false, false
	}
	if string(raw) == "null" || emptyIsNull && string(raw) == `""` {
		if o&nullable == 0 {
			f.errs.Add(name, racd.MsgNull)
			return nil, false, false
		}
		return raw, true, true
	}
	return raw, false, true
}

// fail records msg for name and returns the unset Opt.
func fail[T any](f *form, name, msg string) racd.Opt[T] {
	f.errs.Add(name, msg)
	return racd.Opt[T]{}
}

// text decodes a DRF CharField: strings and numbers (as Python prints them) are
// accepted; booleans, lists and objects are "Not a valid string.".
func (f *form) text(name string, o opts) racd.Opt[string] {
	raw, null, ok := f.value(name, o, false)
	if !ok || null {
		return racd.Opt[string]{Set: null}
	}
	var s string
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return fail[string](f, name, racd.MsgNotString)
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		s = pyNumberString(raw)
	default:
		return fail[string](f, name, racd.MsgNotString)
	}
	// DRF's CharField runs both validators and reports both.
	bad := false
	if strings.ContainsRune(s, 0) {
		f.errs.Add(name, msgNullChars)
		bad = true
	}
	if r, ok := loneSurrogate(raw); ok {
		f.errs.Add(name, fmt.Sprintf("Surrogate characters are not allowed: U+%X.", r))
		bad = true
	}
	if bad {
		return racd.Opt[string]{}
	}
	if o&trim != 0 {
		s = strings.TrimFunc(s, isPySpace)
	}
	if o&notBlank != 0 && s == "" {
		return fail[string](f, name, racd.MsgBlank)
	}
	return racd.Some(s)
}

// DRF BooleanField's accepted spellings.
var (
	trueValues  = map[string]bool{"t": true, "T": true, "y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true, "on": true, "On": true, "ON": true, "1": true}
	falseValues = map[string]bool{"f": true, "F": true, "n": true, "N": true, "no": true, "No": true, "NO": true, "false": true, "False": true, "FALSE": true, "off": true, "Off": true, "OFF": true, "0": true}
)

// boolean decodes a DRF BooleanField.
func (f *form) boolean(name string, o opts) racd.Opt[bool] {
	raw, null, ok := f.value(name, o, false)
	if !ok || null {
		return racd.Opt[bool]{Set: null}
	}
	switch raw[0] {
	case 't':
		return racd.Some(true)
	case 'f':
		return racd.Some(false)
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if trueValues[s] {
				return racd.Some(true)
			}
			if falseValues[s] {
				return racd.Some(false)
			}
		}
	default:
		// Python compares 1 == 1.0 == True and 0 == 0.0 == False.
		if fl, err := strconv.ParseFloat(string(raw), 64); err == nil && (fl == 0 || fl == 1) {
			return racd.Some(fl == 1)
		}
	}
	return fail[bool](f, name, racd.MsgNotBoolean)
}

// choice decodes a DRF ChoiceField; the domain checks membership (and reports
// `"x" is not a valid choice.`).
func (f *form) choice(name string, o opts) racd.Opt[string] {
	raw, null, ok := f.value(name, o, false)
	if !ok || null {
		return racd.Opt[string]{Set: null}
	}
	// DRF looks up str(value) among the choices and quotes str(value) when it is
	// not one.
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		s = pyStr(raw)
	}
	return racd.Some(s)
}

// object decodes a dictionary field: compacted, duplicate keys resolved as Python
// does (first position, last value).
func (f *form) object(name string, o opts) racd.Opt[json.RawMessage] {
	raw, null, ok := f.value(name, o, false)
	if !ok || null {
		return racd.Opt[json.RawMessage]{Set: null}
	}
	notDict := racd.MsgNotADict
	if o&jsonField != 0 {
		notDict = func(string) string { return racd.MsgNotDictStatic }
	}
	if raw[0] != '{' {
		return fail[json.RawMessage](f, name, notDict(racd.PyType(raw)))
	}
	norm, err := normalizeJSON(raw)
	switch {
	case errors.Is(err, errNumberRange):
		return fail[json.RawMessage](f, name, msgInvalidJSON)
	case err != nil:
		return fail[json.RawMessage](f, name, notDict("dict"))
	}
	return racd.Some(norm)
}

// integer decodes a DRF IntegerField between min and max: integers, integral floats
// and numeric strings.
func (f *form) integer(name string, o opts, min, max int64) racd.Opt[int64] {
	raw, null, ok := f.value(name, o, false)
	if !ok || null {
		return racd.Opt[int64]{Set: null}
	}
	n, ok := parseIntValue(raw)
	switch {
	case !ok:
		return fail[int64](f, name, racd.MsgNotInteger)
	case n < min:
		return fail[int64](f, name, fmt.Sprintf("Ensure this value is greater than or equal to %d.", min))
	case n > max:
		return fail[int64](f, name, fmt.Sprintf("Ensure this value is less than or equal to %d.", max))
	}
	return racd.Some(n)
}

// parseIntValue reads what DRF's IntegerField accepts: a JSON integer, a float with a
// zero fraction, or a string of either.
func parseIntValue(raw json.RawMessage) (int64, bool) {
	s := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
	} else if raw[0] == 't' || raw[0] == 'f' || raw[0] == '[' || raw[0] == '{' {
		return 0, false
	}
	// DRF strips a trailing ".0..." before int().
	if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// datetime decodes a DRF DateTimeField (ISO 8601; naive times are UTC).
func (f *form) datetime(name string, o opts) racd.Opt[*time.Time] {
	raw, null, ok := f.value(name, o, false)
	if !ok || null {
		return racd.Opt[*time.Time]{Set: null}
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return fail[*time.Time](f, name, racd.MsgBadDatetime)
	}
	t, ok := parseISOTime(strings.TrimSpace(s))
	if !ok {
		return fail[*time.Time](f, name, racd.MsgBadDatetime)
	}
	return racd.Some(&t)
}

// parseISOTime accepts what Django's parse_datetime does, in the common forms.
func parseISOTime(s string) (time.Time, bool) {
	s = strings.Replace(s, " ", "T", 1)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Microsecond), true
		}
	}
	return time.Time{}, false
}

// uuidRef decodes a DRF PrimaryKeyRelatedField to a model with a UUID key.
func (f *form) uuidRef(name string, o opts) racd.Opt[racd.Ref] {
	return ref(f, name, o, parseUUIDRef)
}

// ref decodes a DRF PrimaryKeyRelatedField with parse.
func ref[R any](f *form, name string, o opts, parse func(json.RawMessage) (R, string)) racd.Opt[R] {
	raw, null, ok := f.value(name, o, true)
	if !ok || null {
		return racd.Opt[R]{Set: null}
	}
	r, msg := parse(raw)
	if msg != "" {
		return fail[R](f, name, msg)
	}
	return racd.Some(r)
}

// parseUUIDRef reads one UUID primary key, or returns the message authentik gives for
// it. DRF's PrimaryKeyRelatedField refuses booleans itself and hands everything else
// to Django's UUIDField, which reads an integer as uuid.UUID(int=n) and anything that
// is not a string or such an integer as invalid, quoting Python's str() of the value.
func parseUUIDRef(raw json.RawMessage) (racd.Ref, string) {
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return racd.Ref{}, racd.MsgIncorrectPKType("str")
		}
		id, ok := racd.ParseUUID(s)
		if !ok {
			return racd.Ref{}, racd.MsgInvalidUUID(s)
		}
		return racd.Ref{Raw: s, ID: id}, ""
	case 't', 'f':
		return racd.Ref{}, racd.MsgIncorrectPKType("bool")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if !bytes.ContainsAny(raw, ".eE") {
			n, ok := new(big.Int).SetString(string(raw), 10)
			if ok && n.Sign() >= 0 && n.BitLen() <= 128 {
				var b [16]byte
				n.FillBytes(b[:])
				id, _ := racd.ParseUUID(hex.EncodeToString(b[:]))
				return racd.Ref{Raw: n.String(), ID: id}, ""
			}
			if ok {
				return racd.Ref{}, racd.MsgInvalidUUID(n.String())
			}
		}
	}
	return racd.Ref{}, racd.MsgInvalidUUID(pyStr(raw))
}

// items returns the items of a sent list field (DRF's ManyRelatedField), or ok false
// when the field is absent or refused as a whole.
func (f *form) items(name string, o opts) ([]json.RawMessage, bool) {
	raw, _, ok := f.value(name, o&^nullable, false)
	if !ok {
		return nil, false
	}
	if raw[0] != '[' {
		f.errs.Add(name, racd.MsgNotAList(racd.PyType(raw)))
		return nil, false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		f.errs.Add(name, racd.MsgNotAList("list"))
		return nil, false
	}
	return items, true
}

// refs decodes a list of primary keys with parse, stopping at the first bad item as
// DRF does: it returns the items before it and the item's message (not recorded).
func refs[R any](f *form, name string, o opts, parse func(json.RawMessage) (R, string)) (out []R, bad string, ok bool) {
	items, ok := f.items(name, o)
	if !ok {
		return nil, "", false
	}
	out = make([]R, 0, len(items))
	for _, it := range items {
		if string(it) == "null" {
			return out, racd.MsgDoesNotExist("None"), true
		}
		r, msg := parse(it)
		if msg != "" {
			return out, msg, true
		}
		out = append(out, r)
	}
	return out, "", true
}

// refList is refs for fields that report a malformed item at once.
func refList[R any](f *form, name string, o opts, parse func(json.RawMessage) (R, string)) racd.Opt[[]R] {
	out, bad, ok := refs(f, name, o, parse)
	switch {
	case !ok:
		return racd.Opt[[]R]{}
	case bad != "":
		return fail[[]R](f, name, bad)
	}
	return racd.Some(out)
}

// uuidRefs decodes a DRF ManyRelatedField of UUID keys; the first bad item is reported.
func (f *form) uuidRefs(name string, o opts) racd.Opt[[]racd.Ref] {
	return refList(f, name, o, parseUUIDRef)
}

// intRefs decodes a DRF ManyRelatedField of integer keys; the first bad item is
// reported.
func (f *form) intRefs(name string, o opts) racd.Opt[[]racd.IntRef] {
	return refList(f, name, o, parseIntRef)
}

// intRef decodes a DRF PrimaryKeyRelatedField to a model with an integer key.
// Integers, integral floats and integer strings are keys; a key that cannot name a
// row (out of range, not positive) gets ID -1 so that the store reports it as missing.
func (f *form) intRef(name string, o opts) racd.Opt[racd.IntRef] {
	return ref(f, name, o, parseIntRef)
}

// parseIntRef reads one integer primary key, or returns DRF's message for it.
func parseIntRef(raw json.RawMessage) (racd.IntRef, string) {
	var text string
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &text); err != nil {
			return racd.IntRef{}, racd.MsgIncorrectPKType("str")
		}
		if _, ok := pyInt(text); !ok {
			return racd.IntRef{}, racd.MsgIncorrectPKType("str")
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		text = pyNumberString(raw)
		if bytes.ContainsAny(raw, ".eE") {
			fl, err := strconv.ParseFloat(string(raw), 64)
			if err != nil || fl != math.Trunc(fl) || math.IsInf(fl, 0) {
				return racd.IntRef{}, racd.MsgIncorrectPKType("float")
			}
			if math.Abs(fl) >= 1<<62 {
				return racd.IntRef{Raw: text, ID: -1}, ""
			}
			return positiveRef(text, int64(fl)), ""
		}
	default:
		return racd.IntRef{}, racd.MsgIncorrectPKType(racd.PyType(raw))
	}
	n, ok := pyInt(text)
	if !ok {
		// Digits beyond int64: no such row.
		return racd.IntRef{Raw: text, ID: -1}, ""
	}
	return positiveRef(text, n), ""
}

func positiveRef(raw string, n int64) racd.IntRef {
	if n <= 0 {
		n = -1
	}
	return racd.IntRef{Raw: raw, ID: n}
}

// racProviderRef decodes the provider of an endpoint or a connection token (a RAC
// provider, integer key): integers, integral floats and numeric strings name a key;
// other strings, booleans, lists and objects are "Incorrect type"; null and "" are
// "This field may not be null.".
func (f *form) racProviderRef(name string, o opts) racd.Opt[racd.IntRef] {
	raw, _, ok := f.value(name, o&^nullable, true)
	if !ok {
		return racd.Opt[racd.IntRef]{}
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if id, ok := pyInt(s); ok {
				return racd.Some(racd.IntRef{Raw: s, ID: id})
			}
		}
		return fail[racd.IntRef](f, name, racd.MsgIncorrectPKType("str"))
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if id, ok := parseIntValue(raw); ok {
			return racd.Some(racd.IntRef{Raw: pyNumberString(raw), ID: id})
		}
		if fl, err := strconv.ParseFloat(string(raw), 64); err == nil && !math.IsInf(fl, 0) && fl == math.Trunc(fl) {
			id := int64(-1) // an integral float beyond int64 names no provider
			if math.Abs(fl) < 1<<62 {
				id = int64(fl)
			}
			return racd.Some(racd.IntRef{Raw: pyNumberString(raw), ID: id})
		}
	}
	return fail[racd.IntRef](f, name, racd.MsgIncorrectPKType(racd.PyType(raw)))
}
