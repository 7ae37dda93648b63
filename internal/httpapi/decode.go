package httpapi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/racd/racd/internal/racd"
)

// maxBody caps request bodies.
const maxBody = 4 << 20

const msgNullChars = "Null characters are not allowed."

// msgInvalidJSON is DRF JSONField's message for a value it cannot store.
const msgInvalidJSON = "Value must be valid JSON."

// errNumberRange reports a JSON number beyond what a float64 (and so every JSON
// client racd serves) can represent.
var errNumberRange = errors.New("number out of range")

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
	if !jsonMediaType(ct) {
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

// jsonMediaType reports whether DRF would hand a body of Content-Type ct to its
// JSONParser: the type before any parameters, case-insensitive, matches
// application/json with '*' as a wildcard on either side of the slash; parameters
// are ignored (and may be malformed).
func jsonMediaType(ct string) bool {
	typ, _, _ := strings.Cut(ct, ";")
	main, sub, _ := strings.Cut(strings.ToLower(strings.TrimSpace(typ)), "/")
	main, sub = strings.TrimSpace(main), strings.TrimSpace(sub)
	return (main == "application" || main == "*") && (sub == "json" || sub == "*")
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
func pyType(raw []byte) string { return racd.PyType(raw) }

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
		return v, false
	}
	if trim {
		s = strings.TrimFunc(s, isPySpace)
	}
	return racd.Some(s), false
}

// isPySpace is Python's str.isspace for one character (what str.strip() removes):
// Unicode white space plus the ASCII separators \x1c-\x1f.
func isPySpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// loneSurrogate finds the first \uD800-\uDFFF escape of a JSON string that is not half
// of a surrogate pair. Python keeps such characters in the decoded string (Go turns
// them into U+FFFD), and DRF refuses them.
func loneSurrogate(raw []byte) (rune, bool) {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 32)
		return rune(n), err == nil
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // skip the escaped character (it may be a backslash)
			continue
		}
		r, ok := hex4(i)
		if !ok {
			continue
		}
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			if lo, ok := hex4(i + 6); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				i += 11
				continue
			}
			return r, true
		case r >= 0xDC00 && r <= 0xDFFF:
			return r, true
		}
		i += 5
	}
	return 0, false
}

// pyNumberString prints a JSON number as Python's str() prints what json.loads made
// of it: integers as written, floats in repr form (1.0, 1e+20).
func pyNumberString(raw json.RawMessage) string {
	if !bytes.ContainsAny(raw, ".eE") {
		return string(raw)
	}
	fl, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return string(raw)
	}
	switch {
	case math.IsInf(fl, 1):
		return "inf"
	case math.IsInf(fl, -1):
		return "-inf"
	}
	// repr() switches to exponent notation below 1e-4 and from 1e16 on, judged on the
	// decimal exponent of the shortest representation.
	sci := strconv.FormatFloat(fl, 'e', -1, 64) // 1e+20, 1.5e-07
	mant, e, _ := strings.Cut(sci, "e")
	exp, _ := strconv.Atoi(e)
	if exp < -4 || exp >= 16 {
		sign := e[0]
		digits := strings.TrimLeft(e[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return mant + "e" + string(sign) + digits
	}
	out := strconv.FormatFloat(fl, 'f', -1, 64)
	if !strings.Contains(out, ".") {
		out += ".0"
	}
	return out
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

// uuidRefs decodes a DRF ManyRelatedField of UUID keys. The first bad item is reported.
func (f *form) uuidRefs(name string, required bool) racd.Opt[[]racd.Ref] {
	refs, bad, ok := f.uuidRefsUntilBad(name, required)
	if !ok {
		return racd.Opt[[]racd.Ref]{}
	}
	if bad != "" {
		f.errs.Add(name, bad)
		return racd.Opt[[]racd.Ref]{}
	}
	return racd.Some(refs)
}

// uuidRefsUntilBad is uuidRefs for callers that check existence themselves and must
// report the first bad item whether it is malformed or names nothing (DRF converts
// the items in order and stops at the first failure): it returns the well-formed
// items before the first malformed one and that item's message (not recorded).
// ok is false when the field is absent or was rejected as a whole (recorded).
func (f *form) uuidRefsUntilBad(name string, required bool) (refs []racd.Ref, bad string, ok bool) {
	raw, sent := f.get(name, required)
	if !sent {
		return nil, "", false
	}
	if isNull(raw) {
		f.errs.Add(name, racd.MsgNull)
		return nil, "", false
	}
	if raw[0] != '[' {
		f.errs.Add(name, racd.MsgNotAList(pyType(raw)))
		return nil, "", false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		f.errs.Add(name, racd.MsgNotAList("list"))
		return nil, "", false
	}
	refs = make([]racd.Ref, 0, len(items))
	for _, it := range items {
		if isNull(it) {
			return refs, racd.MsgDoesNotExist("None"), true
		}
		ref, msg := parseUUIDRef(it)
		if msg != "" {
			return refs, msg, true
		}
		refs = append(refs, ref)
	}
	return refs, "", true
}

// pyStr renders a JSON value as Python's str() renders what json.loads made of it:
// dicts {'k': v} in first-seen key order with the last value of a repeated key, lists
// [..], True/False/None, floats in repr form.
func pyStr(raw []byte) string {
	norm, err := normalizeJSON(raw)
	if err != nil {
		return string(raw)
	}
	dec := json.NewDecoder(bytes.NewReader(norm))
	dec.UseNumber()
	var b strings.Builder
	if err := writePyRepr(dec, &b, true); err != nil {
		return string(raw)
	}
	return b.String()
}

func writePyRepr(dec *json.Decoder, b *strings.Builder, top bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if t {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case json.Number:
		b.WriteString(pyNumberString(json.RawMessage(t)))
	case string:
		if top {
			b.WriteString(t)
		} else {
			b.WriteString(pyQuote(t))
		}
	case json.Delim:
		closing := "]"
		if t == '{' {
			closing = "}"
		}
		b.WriteByte(byte(t))
		for i := 0; dec.More(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			if t == '{' {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				b.WriteString(pyQuote(k))
				b.WriteString(": ")
			}
			if err := writePyRepr(dec, b, false); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		b.WriteString(closing)
	}
	return nil
}

// pyQuote is Python's repr() of a str: single quotes unless the text has a single
// quote and no double quote; backslash escapes for \\, \n, \r, \t, the quote and
// non-printable characters.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r) && r > 0xff && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case !unicode.IsPrint(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
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
		if errors.Is(err, errNumberRange) {
			f.errs.Add(name, msgInvalidJSON)
		} else {
			f.errs.Add(name, notDict("dict"))
		}
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
	// DRF looks up str(value) among the choices and quotes str(value) when it is
	// not one.
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		s = pyStr(raw)
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
		// Python reads such a number as inf (or an int no JSON client can hold);
		// racd refuses it rather than store a value clients cannot decode.
		if _, err := strconv.ParseFloat(t.String(), 64); err != nil {
			return errNumberRange
		}
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
