package racd

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// durationUnits are the keys a connection_expiry may use, as Python's timedelta
// keyword arguments, in microseconds per unit (timedelta's resolution).
var durationUnits = map[string]int64{
	"microseconds": 1,
	"milliseconds": 1e3,
	"seconds":      1e6,
	"minutes":      60e6,
	"hours":        3600e6,
	"days":         86400e6,
	"weeks":        7 * 86400e6,
}

var (
	// ErrDurationFormat means the text is not in the key=value;... grammar, or its
	// total does not fit a duration.
	ErrDurationFormat = errors.New("duration: bad format")
	// ErrDurationNegative means the duration parsed but totals less than zero.
	ErrDurationNegative = errors.New("duration: negative")
)

// maxDurationMicros is the largest total, in microseconds, a time.Duration holds.
var maxDurationMicros = big.NewRat(math.MaxInt64/1000, 1)

// ParseDuration parses authentik's duration strings ("hours=3;minutes=1"): pairs
// separated by ';', each with exactly one '='; keys (case-insensitive, no surrounding
// space) among microseconds..weeks, unknown keys skipped, the last of a repeated key
// winning; values are decimal numbers as Python's float() reads them. At least one
// known key must remain. The total is computed as Python's timedelta does: each value
// is the double float() makes of it, the sum is exact and rounded half to even to
// whole microseconds (so "microseconds=-0.4" is zero, not negative). A total of zero
// is valid (no fixed expiry); a negative total is ErrDurationNegative; anything else
// unparsable, including totals beyond ±292 years, is ErrDurationFormat.
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
	total := new(big.Rat)
	for k, v := range values {
		// Every finite double is an exact rational; the sum is exact whatever the
		// (random) map order.
		r := new(big.Rat).SetFloat64(v)
		total.Add(total, r.Mul(r, big.NewRat(durationUnits[k], 1)))
	}
	micros := roundHalfEven(total)
	limit := new(big.Int).Set(maxDurationMicros.Num())
	if new(big.Int).Abs(micros).Cmp(limit) > 0 {
		return 0, ErrDurationFormat
	}
	d := time.Duration(micros.Int64()) * time.Microsecond
	if d < 0 {
		return 0, ErrDurationNegative
	}
	return d, nil
}

// roundHalfEven rounds r to the nearest integer, ties to even.
func roundHalfEven(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int)) // truncated toward zero
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	switch c := twice.Cmp(r.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
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
	s = strings.TrimFunc(s, isPySpace)
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
	// strconv accepts forms Python does not (hex floats, "infinity", "1_0"); the filter
	// above removed every letter but e/E and every underscore, and the grammar check
	// below refuses what Python's float() refuses of the rest.
	if !pyFloatGrammar(t) {
		return 0, ErrDurationFormat
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		// Out of range is Python's inf, which no duration holds.
		return 0, ErrDurationFormat
	}
	return f, nil
}

// pyFloatGrammar reports whether t (digits, sign, '.', 'e' only) is a decimal number
// in Python's grammar: [sign] (digits [. [digits]] | . digits) [e [sign] digits].
func pyFloatGrammar(t string) bool {
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
			n++
		}
		return n
	}
	intDigits := digits()
	fracDigits := 0
	if i < len(t) && t[i] == '.' {
		i++
		fracDigits = digits()
	}
	if intDigits == 0 && fracDigits == 0 {
		return false
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(t)
}

// isPySpace is Python's str.isspace for one character (what float() strips): Unicode
// white space plus the ASCII separators \x1c-\x1f.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}
