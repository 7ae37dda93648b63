package httpapi

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/racd/racd/internal/racd"
)

// What every wire type shares: how DRF renders empty values, times and user ids.

// optStr is a nullable string: nil for "".
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// orEmpty is a list that renders as [] when there is none.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// objectOrEmpty is a JSON object that renders as {} when there is none.
func objectOrEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return racd.EmptyObject
	}
	return b
}

// isoTime renders a time as DRF does, with Python's isoformat in UTC and a Z:
// microseconds in six digits unless they are zero, never trimmed (05.120000Z).
func isoTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

// optTime is a nullable isoTime.
func optTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := isoTime(*t)
	return &s
}

// uid is the uid the API shows for the user pk.
func (c *call) uid(pk int64) string { return racd.UID(pk, c.installID) }

// Path keys: each parses a detail route's parameter, and refuses (404) what no object
// can have as its key.

// textKey is a slug or identifier: no stored one holds NUL or invalid UTF-8.
func textKey(raw string) (string, bool) { return raw, storableText(raw) }

// uuidKey is a UUID key in canonical form.
func uuidKey(raw string) (string, bool) { return racd.ParseUUID(raw) }

// slugKey is an application's slug.
func slugKey(raw string) (string, bool) { return raw, racd.IsSlug(raw) }

// storableText reports whether a path key could be stored: no NUL, valid UTF-8.
func storableText(s string) bool { return !strings.ContainsRune(s, 0) && utf8.ValidString(s) }
