package httpapi

import (
	"testing"
	"time"
)

// TestISOTime pins the datetime text of every answer (events, users, tokens,
// connection tokens, launches) to Python's isoformat as DRF renders it: six digits of
// microseconds, never trimmed.
func TestISOTime(t *testing.T) {
	cases := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2024, 6, 1, 12, 30, 5, 0, time.UTC), "2024-06-01T12:30:05Z"},
		{time.Date(2024, 6, 1, 12, 30, 5, 1000, time.UTC), "2024-06-01T12:30:05.000001Z"},
		{time.Date(2024, 6, 1, 12, 30, 5, 123456789, time.UTC), "2024-06-01T12:30:05.123456Z"},
		{time.Date(2024, 6, 1, 14, 30, 5, 500000000, time.FixedZone("CEST", 2*3600)), "2024-06-01T12:30:05.500000Z"},
		{time.Date(2024, 6, 1, 12, 30, 5, 120000000, time.UTC), "2024-06-01T12:30:05.120000Z"},
	}
	for _, c := range cases {
		if got := isoTime(c.in); got != c.want {
			t.Errorf("isoTime(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestRawObject keeps a corrupt stored value from breaking an event list.
func TestRawObject(t *testing.T) {
	for in, want := range map[string]string{"": "{}", "{bad": "{}", `{"a":1}`: `{"a":1}`} {
		if got := string(rawObject([]byte(in))); got != want {
			t.Errorf("rawObject(%q) = %s, want %s", in, got, want)
		}
	}
}
