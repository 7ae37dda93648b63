package racd

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// durationUnits are the keys a connection_expiry may use, as Python's timedelta
// keyword arguments, in nanoseconds per unit.
var durationUnits = map[string]float64{
	"microseconds": 1e3,
	"milliseconds": 1e6,
	"seconds":      1e9,
	"minutes":      60e9,
	"hours":        3600e9,
	"days":         86400e9,
	"weeks":        7 * 86400e9,
}

var (
	// ErrDurationFormat means the text is not in the key=value;... grammar, or its
	// total does not fit a duration.
	ErrDurationFormat = errors.New("duration: bad format")
	// ErrDurationNegative means the duration parsed but totals less than zero.
	ErrDurationNegative = errors.New("duration: negative")
)

// ParseDuration parses authentik's duration strings ("hours=3;minutes=1"): pairs
// separated by ';', each with exactly one '='; keys (case-insensitive, no surrounding
// space) among microseconds..weeks, unknown keys skipped, the last of a repeated key
// winning; values are decimal numbers as Python's float() reads them. At least one
// known key must remain. A total of zero is valid (no fixed expiry); a negative total
// is ErrDurationNegative; anything else unparsable, including totals beyond ±292 years,
// is ErrDurationFormat.
func ParseDuration(s string) (time.Duration, error) {
	values := make(map[string]float64, 2)
	for _, pair := range strings.Split(s, ";") {
		key, value, ok := strings.Cut(pair, "=")
		if !ok || strings.Contains(value, "=") {
			return 0, ErrDurationFormat
		}
		key = strings.ToLower(key)
		if _, known := durationUnits[key]; !known {
			continue
		}
		f, err := parsePyFloat(value)
		if err != nil {
			return 0, ErrDurationFormat
		}
		values[key] = f
	}
	if len(values) == 0 {
		return 0, ErrDurationFormat
	}
	var total float64
	for k, v := range values {
		total += v * durationUnits[k]
	}
	if math.IsNaN(total) || math.IsInf(total, 0) || math.Abs(total) >= math.MaxInt64 {
		return 0, ErrDurationFormat
	}
	d := time.Duration(math.Round(total))
	if d < 0 {
		return 0, ErrDurationNegative
	}
	return d, nil
}

// ValidateDuration returns the field message for an invalid connection_expiry, or "".
// s must already be trimmed.
func ValidateDuration(s string) string {
	switch _, err := ParseDuration(s); {
	case err == nil:
		return ""
	case errors.Is(err, ErrDurationNegative):
		return MsgNegativeExpiry
	default:
		return MsgBadDuration(s)
	}
}

// parsePyFloat reads a number the way Python's float() does for ASCII input: surrounding
// whitespace allowed, an optional sign, digits with single underscores between them, an
// optional fraction and exponent. inf and nan are rejected: no duration can hold them.
func parsePyFloat(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrDurationFormat
	}
	var b strings.Builder
	prevDigit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			prevDigit = true
			continue
		case c == '_':
			// Python allows '_' only between two digits.
			if !prevDigit || i+1 >= len(s) || s[i+1] < '0' || s[i+1] > '9' {
				return 0, ErrDurationFormat
			}
		case c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E':
			b.WriteByte(c)
		default:
			return 0, ErrDurationFormat
		}
		prevDigit = false
	}
	t := b.String()
	// strconv accepts forms Python does not (hex floats, "infinity"); the filter above
	// already removed every letter but e/E, so what is left is Python's grammar less
	// the checks strconv does itself.
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, ErrDurationFormat
		}
		return 0, ErrDurationFormat
	}
	return f, nil
}
