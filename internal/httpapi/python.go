package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Python emulation: racd's answers quote values, split text and read numbers the way
// authentik's Python does, so that messages and limits match byte for byte.

// errNumberRange reports a JSON number beyond what a float64 (and so every JSON
// client racd serves) can represent.
var errNumberRange = errors.New("number out of range")

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

// pyInt parses an integer as Python's int() does for ASCII text: surrounding
// whitespace, an optional sign, digits with single underscores between them. Values
// beyond the int64 range are clamped to it.
func pyInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || body == "" || body[0] == '_' || body[len(body)-1] == '_' || strings.Contains(body, "__") {
		return 0, false
	}
	// Python's ints do not overflow; a value beyond int64 is clamped (ParseInt returns
	// the bound with ErrRange), which every caller treats as "too large".
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return n, true
}

// pyBool is Python's str() of a bool.
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
