package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/racd/racd/internal/racd"
)

// maxBody caps request bodies.
const maxBody = 4 << 20

const msgNullChars = "Null characters are not allowed."

// form is a decoded JSON request body: the top-level object's members, and the errors
// decoding them found. Each field decoder follows the matching DRF field.
type form struct {
	raw     map[string]json.RawMessage
	errs    *racd.FieldErrors
	partial bool // PATCH: no field is required
}

// readForm reads the body as DRF's JSONParser would: an empty body is {}, a non-empty
// one must be application/json (415), valid UTF-8 JSON (400 "JSON parse error - ...")
// and an object (400 non_field_errors).
func readForm(c *call, errs *racd.FieldErrors, partial bool) (*form, error) {
	f := &form{raw: map[string]json.RawMessage{}, errs: errs, partial: partial}
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errDetail(http.StatusRequestEntityTooLarge, msgTooLarge)
		}
		return nil, errDetail(http.StatusBadRequest, "Could not read the request body.")
	}
	if len(body) == 0 {
		return f, nil
	}
	ct := c.r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || !strings.EqualFold(mt, "application/json") {
		return nil, errDetail(http.StatusUnsupportedMediaType, `Unsupported media type "`+ct+`" in request.`)
	}
	if !utf8.Valid(body) {
		return nil, errDetail(http.StatusBadRequest, "JSON parse error - body is not valid UTF-8")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errDetail(http.StatusBadRequest, "JSON parse error - Expecting value: line 1 column 1 (char 0)")
	}
	if !json.Valid(trimmed) {
		return nil, errDetail(http.StatusBadRequest, "JSON parse error - "+syntaxReason(trimmed))
	}
	switch trimmed[0] {
	case '{':
	case 'n':
		return nil, racd.FieldError(racd.NonFieldErrors, racd.MsgNoData)
	default:
		return nil, racd.FieldError(racd.NonFieldErrors, "Invalid data. Expected a dictionary, but got "+pyType(trimmed)+".")
	}
	if err := json.Unmarshal(trimmed, &f.raw); err != nil {
		return nil, errDetail(http.StatusBadRequest, "JSON parse error - "+err.Error())
	}
	return f, nil
}

// syntaxReason describes where JSON is malformed, with Python's line/column/char style.
func syntaxReason(b []byte) string {
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		if err == nil {
			return "invalid JSON"
		}
		return err.Error()
	}
	off := int(se.Offset)
	if off > len(b) {
		off = len(b)
	}
	line := 1 + bytes.Count(b[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(b[:off], '\n')
	return fmt.Sprintf("%s: line %d column %d (char %d)", se.Error(), line, col, off)
}

// pyType names a JSON value's type as Python does after json.loads.
func pyType(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "NoneType"
	}
	switch raw[0] {
	case '{':
		return "dict"
	case '[':
		return "list"
	case '"':
		return "str"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NoneType"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "float"
	}
	return "int"
}

// get returns a field's raw value and whether it was sent. A field that is missing and
// required (outside PATCH) gets "This field is required.".
func (f *form) get(name string, required bool) (json.RawMessage, bool) {
	raw, ok := f.raw[name]
	if !ok {
		if required && !f.partial {
			f.errs.Add(name, racd.MsgRequired)
		}
		return nil, false
	}
	return raw, true
}

func isNull(raw json.RawMessage) bool { return len(raw) == 4 && string(raw) == "null" }

// str decodes a DRF CharField: strings (trimmed unless !trim) and numbers (as Python
// prints them) are accepted; booleans, lists and objects are "Not a valid string.";
// null is an error unless nullable (then Set with V "" and null=true).
func (f *form) str(name string, required, nullable, trim bool) (v racd.Opt[string], null bool) {
	raw, ok := f.get(name, required)
	if !ok {
		return v, false
	}
	if isNull(raw) {
		if nullable {
			return racd.Some(""), true
		}
		f.errs.Add(name, racd.MsgNull)
		return v, false
	}
	var s string
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			f.errs.Add(name, racd.MsgNotString)
			return v, false
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		s = pyNumberString(raw)
	default:
		f.errs.Add(name, racd.MsgNotString)
		return v, false
	}
	if strings.ContainsRune(s, 0) {
		f.errs.Add(name, msgNullChars)
		return v, false
	}
	if trim {
		s = strings.TrimSpace(s)
	}
	return racd.Some(s), false
}

// pyNumberString prints a JSON number as Python's str() prints what json.loads made
// of it: integers as written, floats in repr form (1.0, 1e+20).
func pyNumberString(raw json.RawMessage) string {
	if !bytes.ContainsAny(raw, ".eE") {
		return string(raw)
	}
	fl, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return string(raw)
	}
	switch {
	case math.IsInf(fl, 1):
		return "inf"
	case math.IsInf(fl, -1):
		return "-inf"
	}
	exp := 0
	if fl != 0 {
		exp = int(math.Floor(math.Log10(math.Abs(fl))))
	}
	if exp < -4 || exp >= 16 {
		s := strconv.FormatFloat(fl, 'e', -1, 64) // 1e+20, 1.5e-07
		mant, e, _ := strings.Cut(s, "e")
		sign := e[0]
		digits := strings.TrimLeft(e[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return mant + "e" + string(sign) + digits
	}
	s := strconv.FormatFloat(fl, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// DRF BooleanField's accepted spellings.
var (
	trueValues  = map[string]bool{"t": true, "T": true, "y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true, "on": true, "On": true, "ON": true, "1": true}
	falseValues = map[string]bool{"f": true, "F": true, "n": true, "N": true, "no": true, "No": true, "NO": true, "false": true, "False": true, "FALSE": true, "off": true, "Off": true, "OFF": true, "0": true}
)

// boolean decodes a DRF BooleanField.
func (f *form) boolean(name string, required bool) racd.Opt[bool] {
	raw, ok := f.get(name, required)
	if !ok {
		return racd.Opt[bool]{}
	}
	if isNull(raw) {
		f.errs.Add(name, racd.MsgNull)
		return racd.Opt[bool]{}
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
		if fl, err := strconv.ParseFloat(string(raw), 64); err == nil {
			if fl == 1 {
				return racd.Some(true)
			}
			if fl == 0 {
				return racd.Some(false)
			}
		}
	}
	f.errs.Add(name, racd.MsgNotBoolean)
	return racd.Opt[bool]{}
}

// uuidRef decodes a DRF PrimaryKeyRelatedField to a model with a UUID key. "" counts
// as null (DRF turns empty strings into None for relations).
func (f *form) uuidRef(name string, required, nullable bool) racd.Opt[racd.Ref] {
	raw, ok := f.get(name, required)
	if !ok {
		return racd.Opt[racd.Ref]{}
	}
	if isNull(raw) || string(raw) == `""` {
		if nullable {
			return racd.Some(racd.Ref{})
		}
		f.errs.Add(name, racd.MsgNull)
		return racd.Opt[racd.Ref]{}
	}
	ref, msg := parseUUIDRef(raw)
	if msg != "" {
		f.errs.Add(name, msg)
		return racd.Opt[racd.Ref]{}
	}
	return racd.Some(ref)
}

// parseUUIDRef reads one UUID primary key, or returns DRF's message for it.
func parseUUIDRef(raw json.RawMessage) (racd.Ref, string) {
	if raw[0] != '"' {
		return racd.Ref{}, racd.MsgIncorrectPKType(pyType(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return racd.Ref{}, racd.MsgIncorrectPKType("str")
	}
	id, ok := racd.ParseUUID(s)
	if !ok {
		return racd.Ref{}, racd.MsgInvalidUUID(s)
	}
	return racd.Ref{Raw: s, ID: id}, ""
}

// uuidRefs decodes a DRF ManyRelatedField of UUID keys. The first bad item is reported.
func (f *form) uuidRefs(name string, required bool) racd.Opt[[]racd.Ref] {
	raw, ok := f.get(name, required)
	if !ok {
		return racd.Opt[[]racd.Ref]{}
	}
	if isNull(raw) {
		f.errs.Add(name, racd.MsgNull)
		return racd.Opt[[]racd.Ref]{}
	}
	if raw[0] != '[' {
		f.errs.Add(name, racd.MsgNotAList(pyType(raw)))
		return racd.Opt[[]racd.Ref]{}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		f.errs.Add(name, racd.MsgNotAList("list"))
		return racd.Opt[[]racd.Ref]{}
	}
	refs := make([]racd.Ref, 0, len(items))
	for _, it := range items {
		if isNull(it) {
			f.errs.Add(name, racd.MsgDoesNotExist("None"))
			return racd.Opt[[]racd.Ref]{}
		}
		ref, msg := parseUUIDRef(it)
		if msg != "" {
			f.errs.Add(name, msg)
			return racd.Opt[[]racd.Ref]{}
		}
		refs = append(refs, ref)
	}
	return racd.Some(refs)
}

// object decodes a JSON-object field: compacted, duplicate keys resolved as Python
// does (first position, last value). notDict is the message for other types.
func (f *form) object(name string, required bool, notDict func(pyType string) string) racd.Opt[json.RawMessage] {
	raw, ok := f.get(name, required)
	if !ok {
		return racd.Opt[json.RawMessage]{}
	}
	if isNull(raw) {
		f.errs.Add(name, racd.MsgNull)
		return racd.Opt[json.RawMessage]{}
	}
	if raw[0] != '{' {
		f.errs.Add(name, notDict(pyType(raw)))
		return racd.Opt[json.RawMessage]{}
	}
	norm, err := normalizeJSON(raw)
	if err != nil {
		f.errs.Add(name, notDict("dict"))
		return racd.Opt[json.RawMessage]{}
	}
	return racd.Some(norm)
}

// integer decodes a DRF IntegerField: integers, integral floats and numeric strings.
func (f *form) integer(name string, required, nullable bool, min, max int64) (v racd.Opt[int64], null bool) {
	raw, ok := f.get(name, required)
	if !ok {
		return v, false
	}
	if isNull(raw) || (nullable && string(raw) == `""`) {
		if nullable {
			return racd.Some[int64](0), true
		}
		f.errs.Add(name, racd.MsgNull)
		return v, false
	}
	n, ok := parseIntValue(raw)
	if !ok {
		f.errs.Add(name, racd.MsgNotInteger)
		return v, false
	}
	if n < min {
		f.errs.Add(name, fmt.Sprintf("Ensure this value is greater than or equal to %d.", min))
		return v, false
	}
	if n > max {
		f.errs.Add(name, fmt.Sprintf("Ensure this value is less than or equal to %d.", max))
		return v, false
	}
	return racd.Some(n), false
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

// choice decodes a DRF ChoiceField.
func (f *form) choice(name string, required bool) racd.Opt[string] {
	raw, ok := f.get(name, required)
	if !ok {
		return racd.Opt[string]{}
	}
	if isNull(raw) {
		f.errs.Add(name, racd.MsgNull)
		return racd.Opt[string]{}
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		s = strings.Trim(string(raw), `"`)
		if raw[0] == 't' {
			s = "True"
		} else if raw[0] == 'f' {
			s = "False"
		}
	}
	// The domain checks membership and reports `"x" is not a valid choice.`
	return racd.Some(s)
}

// normalizeJSON compacts a JSON value and resolves duplicate object keys as Python's
// json.loads does: a key keeps its first position and its last value.
func normalizeJSON(raw []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out bytes.Buffer
	if err := normalizeValue(dec, &out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func normalizeValue(dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var keys []string
			vals := map[string][]byte{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				var v bytes.Buffer
				if err := normalizeValue(dec, &v); err != nil {
					return err
				}
				if _, seen := vals[k]; !seen {
					keys = append(keys, k)
				}
				vals[k] = v.Bytes()
			}
			if _, err := dec.Token(); err != nil { // '}'
				return err
			}
			out.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					out.WriteByte(',')
				}
				appendJSONString(out, k)
				out.WriteByte(':')
				out.Write(vals[k])
			}
			out.WriteByte('}')
		case '[':
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				if err := normalizeValue(dec, out); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // ']'
				return err
			}
			out.WriteByte(']')
		}
	case string:
		appendJSONString(out, t)
	case json.Number:
		out.WriteString(t.String())
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	}
	return nil
}

// intRef decodes a DRF PrimaryKeyRelatedField to a model with an integer key. "" and
// null are null (ID 0) when nullable. Integers, integral floats and integer strings
// are keys; a key that cannot name a row (out of range, not positive) gets ID -1 so
// that the store reports it as missing.
func (f *form) intRef(name string, required, nullable bool) racd.Opt[racd.IntRef] {
	raw, ok := f.get(name, required)
	if !ok {
		return racd.Opt[racd.IntRef]{}
	}
	if isNull(raw) || string(raw) == `""` {
		if nullable {
			return racd.Some(racd.IntRef{})
		}
		f.errs.Add(name, racd.MsgNull)
		return racd.Opt[racd.IntRef]{}
	}
	ref, msg := parseIntRef(raw)
	if msg != "" {
		f.errs.Add(name, msg)
		return racd.Opt[racd.IntRef]{}
	}
	return racd.Some(ref)
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
		return racd.IntRef{}, racd.MsgIncorrectPKType(pyType(raw))
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

// intRefs decodes a DRF ManyRelatedField of integer keys; the first bad item is
// reported.
func (f *form) intRefs(name string, required bool) racd.Opt[[]racd.IntRef] {
	raw, ok := f.get(name, required)
	if !ok {
		return racd.Opt[[]racd.IntRef]{}
	}
	if isNull(raw) {
		f.errs.Add(name, racd.MsgNull)
		return racd.Opt[[]racd.IntRef]{}
	}
	if raw[0] != '[' {
		f.errs.Add(name, racd.MsgNotAList(pyType(raw)))
		return racd.Opt[[]racd.IntRef]{}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		f.errs.Add(name, racd.MsgNotAList("list"))
		return racd.Opt[[]racd.IntRef]{}
	}
	refs := make([]racd.IntRef, 0, len(items))
	for _, it := range items {
		if isNull(it) {
			f.errs.Add(name, racd.MsgDoesNotExist("None"))
			return racd.Opt[[]racd.IntRef]{}
		}
		ref, msg := parseIntRef(it)
		if msg != "" {
			f.errs.Add(name, msg)
			return racd.Opt[[]racd.IntRef]{}
		}
		refs = append(refs, ref)
	}
	return racd.Some(refs)
}
