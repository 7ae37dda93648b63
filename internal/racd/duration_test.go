package racd

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	const (
		ok  = ""
		fmt = "format"
		neg = "negative"
	)
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		// Every key, each case-insensitive.
		{"microseconds=1", time.Microsecond, ok},
		{"milliseconds=1", time.Millisecond, ok},
		{"seconds=1", time.Second, ok},
		{"minutes=1", time.Minute, ok},
		{"hours=8", 8 * time.Hour, ok},
		{"days=1", 24 * time.Hour, ok},
		{"weeks=1", 7 * 24 * time.Hour, ok},
		{"HOURS=1", time.Hour, ok},
		{"Minutes=2", 2 * time.Minute, ok},
		{"hours=3;minutes=1", 3*time.Hour + time.Minute, ok},
		// Values: spaces around, decimals, signs, exponents, underscores.
		{"hours= 1 ", time.Hour, ok},
		{"hours=\t2\n", 2 * time.Hour, ok},
		{"hours=1.5", 90 * time.Minute, ok},
		{"hours=.5", 30 * time.Minute, ok},
		{"hours=1.", time.Hour, ok},
		{"hours=+1", time.Hour, ok},
		{"seconds=1e3", 1000 * time.Second, ok},
		{"seconds=1E3", 1000 * time.Second, ok},
		{"seconds=1.5e-3", 1500 * time.Microsecond, ok},
		{"seconds=1_000", 1000 * time.Second, ok},
		{"hours=2;minutes=-30", 90 * time.Minute, ok},
		// Zero and rounding to whole microseconds (timedelta's resolution).
		{"hours=0", 0, ok},
		{"seconds=-0", 0, ok},
		{"hours=1;minutes=-60", 0, ok},
		{"microseconds=0.4", 0, ok},
		{"microseconds=-0.4", 0, ok},
		{"microseconds=0.5", 0, ok},
		{"microseconds=1.5", 2 * time.Microsecond, ok},
		{"microseconds=-0.6", 0, neg},
		// Unknown keys skipped, a repeated key's last value wins.
		{"fortnights=2;hours=1", time.Hour, ok},
		{"hours=1;hours=2", 2 * time.Hour, ok},
		{"hours=-1;hours=2", 2 * time.Hour, ok},
		{"hours=1;bogus=x", time.Hour, ok},
		// Negative totals.
		{"hours=-1", 0, neg},
		{"hours=1;minutes=-61", 0, neg},
		{"microseconds=-1", 0, neg},
		// Format errors.
		{"", 0, fmt},
		{"hours", 0, fmt},
		{"8", 0, fmt},
		{"hours=", 0, fmt},
		{"hours= ", 0, fmt},
		{"hours=1=2", 0, fmt},
		{"hours==1", 0, fmt},
		{"hours=1;", 0, fmt},
		{";hours=1", 0, fmt},
		{"hours=1;;minutes=1", 0, fmt},
		{" hours=1", 0, fmt},
		{"hours =1", 0, fmt},
		{"fortnights=1", 0, fmt},
		{"bogus=x", 0, fmt},
		{"hours=abc", 0, fmt},
		{"hours=1h", 0, fmt},
		{"hours=1 2", 0, fmt},
		{"hours=--1", 0, fmt},
		{"hours=+-1", 0, fmt},
		{"hours=.", 0, fmt},
		{"hours=e3", 0, fmt},
		{"hours=1e", 0, fmt},
		{"hours=1e+", 0, fmt},
		{"hours=_1", 0, fmt},
		{"hours=1_", 0, fmt},
		{"hours=1__0", 0, fmt},
		{"hours=1_.5", 0, fmt},
		{"hours=0x10", 0, fmt},
		{"hours=inf", 0, fmt},
		{"hours=-inf", 0, fmt},
		{"hours=Infinity", 0, fmt},
		{"hours=nan", 0, fmt},
		{"hours=NaN", 0, fmt},
		{"hours=1e400", 0, fmt},
		{"hours=١", 0, fmt},
		// Overflow: beyond time.Duration's ±292 years.
		{"weeks=99999999", 0, fmt},
		{"weeks=-99999999", 0, fmt},
		{"days=106751", 106751 * 24 * time.Hour, ok},
		{"days=106752", 0, fmt},
		{"seconds=1e300", 0, fmt},
		{"hours=1;weeks=1e20;weeks=1", 7*24*time.Hour + time.Hour, ok},
	}
	for _, tt := range tests {
		d, err := ParseDuration(tt.in)
		var got string
		switch {
		case err == nil:
			got = ok
		case errors.Is(err, ErrDurationNegative):
			got = neg
		case errors.Is(err, ErrDurationFormat):
			got = fmt
		default:
			t.Fatalf("%q: unexpected error %v", tt.in, err)
		}
		if got != tt.err || (err == nil && d != tt.want) {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, %q", tt.in, d, err, tt.want, tt.err)
		}
	}
}

func TestValidateDuration(t *testing.T) {
	for in, want := range map[string]string{
		"hours=1":   "",
		"hours=0":   "",
		"hours=-1":  "Duration must not be negative.",
		"x":         "x is not in the correct format of 'hours=3;minutes=1'.",
		"weeks=1e9": "weeks=1e9 is not in the correct format of 'hours=3;minutes=1'.",
	} {
		if got := ValidateDuration(in); got != want {
			t.Errorf("ValidateDuration(%q) = %q, want %q", in, got, want)
		}
	}
}

// refDuration is an independent, simpler model of SPEC's duration grammar: a regular
// expression for the values and float64 arithmetic for the total. ok is false for a
// format error; total is in microseconds.
var refValue = regexp.MustCompile(`^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$`)

func refDuration(s string) (total float64, ok bool) {
	units := map[string]float64{"microseconds": 1, "milliseconds": 1e3, "seconds": 1e6, "minutes": 60e6, "hours": 3600e6, "days": 86400e6, "weeks": 604800e6}
	vals := map[string]float64{}
	for _, seg := range strings.Split(s, ";") {
		if strings.Count(seg, "=") != 1 {
			return 0, false
		}
		k, v, _ := strings.Cut(seg, "=")
		k = strings.ToLower(k)
		if _, known := units[k]; !known {
			continue
		}
		v = strings.TrimFunc(v, isPySpace)
		if !refValue.MatchString(v) {
			return 0, false
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) {
			return 0, false
		}
		vals[k] = f
	}
	if len(vals) == 0 {
		return 0, false
	}
	for _, k := range []string{"weeks", "days", "hours", "minutes", "seconds", "milliseconds", "microseconds"} {
		total += vals[k] * units[k]
	}
	return total, true
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"hours=8", "hours=3;minutes=1", "HOURS=1.5", "hours=-1", "hours=1;minutes=-60", "seconds=1e3",
		"microseconds=-0.4", "weeks=99999999", "hours=inf", "hours=nan", "hours=1_000", "x", "", "hours==1", " hours=1",
		"hours=\u00a01\u00a0", "hours=\x1c1", "days=106751.99", "seconds=9223372036.854775", "hours=.5e-3", "fortnights=1;hours=2"} {
		f.Add(s)
	}
	maxMicros := float64(math.MaxInt64 / 1000)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil && !errors.Is(err, ErrDurationFormat) && !errors.Is(err, ErrDurationNegative) {
			t.Fatalf("%q: unexpected error %v", s, err)
		}
		if err == nil && d < 0 {
			t.Fatalf("%q: accepted a negative duration %v", s, d)
		}
		if err == nil && d%time.Microsecond != 0 {
			t.Fatalf("%q: %v is not whole microseconds", s, d)
		}
		if msg := ValidateDuration(s); (msg == "") != (err == nil) {
			t.Fatalf("%q: ValidateDuration %q disagrees with %v", s, msg, err)
		}
		total, ok := refDuration(s)
		// Near the edges (the ±292-year limit, the sign of sub-microsecond totals) the
		// model's float64 arithmetic may round differently; elsewhere it must agree.
		edge := math.Abs(math.Abs(total)-maxMicros) < 1e6 || math.Abs(total) < 1
		if !ok {
			if err == nil || errors.Is(err, ErrDurationNegative) {
				t.Fatalf("%q: model says bad format, got %v, %v", s, d, err)
			}
			return
		}
		if edge {
			return
		}
		switch {
		case math.Abs(total) > maxMicros:
			if !errors.Is(err, ErrDurationFormat) {
				t.Fatalf("%q: total %gµs is beyond a duration, got %v, %v", s, total, d, err)
			}
		case total < 0:
			if !errors.Is(err, ErrDurationNegative) {
				t.Fatalf("%q: total %gµs is negative, got %v, %v", s, total, d, err)
			}
		default:
			if err != nil {
				t.Fatalf("%q: total %gµs, got %v", s, total, err)
			}
			if got := float64(d / time.Microsecond); math.Abs(got-total) > 1+math.Abs(total)*1e-12 {
				t.Fatalf("%q: %vµs, model %gµs", s, got, total)
			}
		}
	})
}
