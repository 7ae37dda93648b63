package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/racd/racd/internal/racd"
)

// maxBody caps request bodies.
const maxBody = 4 << 20

// form is a decoded JSON request body: the top-level object's members, and the
// problems decoding them finds (fields.go holds one decoder per DRF field).
type form struct {
	raw     map[string]json.RawMessage
	errs    racd.FieldErrors
	partial bool // PATCH: no field is required
}

// readForm reads the body as DRF's JSONParser would: an empty body is {}, a non-empty
// one must be application/json (415), valid UTF-8 JSON (400 "JSON parse error - ...")
// and an object (400 non_field_errors).
func readForm(c *call, partial bool) (*form, error) {
	f := &form{raw: map[string]json.RawMessage{}, partial: partial}
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
		return nil, racd.FieldError(racd.NonFieldErrors, "Invalid data. Expected a dictionary, but got "+racd.PyType(trimmed)+".")
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
