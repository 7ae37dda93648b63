package racd

import (
	"strings"
	"testing"
)

func TestParseUUID(t *testing.T) {
	const canon = "0123abcd-4567-89ef-0123-456789abcdef"
	const plain = "0123abcd456789ef0123456789abcdef"
	ok := []struct{ in, want string }{
		{canon, canon},
		{strings.ToUpper(canon), canon},
		{plain, canon},
		{"{" + canon + "}", canon},
		{"{{" + canon + "}", canon},
		{"urn:uuid:" + canon, canon},
		{"uuid:" + canon, canon},
		{"urn:" + plain, canon},
		{"uurn:uid:" + canon, canon}, // "urn:" goes first, leaving "uuid:"
		{"0123-abcd-4567-89ef-0123-4567-89ab-cdef", canon},
		{"-" + plain + "-", canon},
		{"urn:{" + canon + "}", canon},
		// What Python's int(x, 16) also reads, 32 characters after the dashes go.
		{" 123abcd456789ef0123456789abcdef", "0123abcd-4567-89ef-0123-456789abcdef"},
		{"123abcd456789ef0123456789abcdef\t", "0123abcd-4567-89ef-0123-456789abcdef"},
		{"+123abcd456789ef0123456789abcdef", "0123abcd-4567-89ef-0123-456789abcdef"},
		{"0x23abcd456789ef0123456789abcdef", "0023abcd-4567-89ef-0123-456789abcdef"},
		{"0X_3abcd456789ef0123456789abcdef", "0003abcd-4567-89ef-0123-456789abcdef"},
		{"1_3abcd456789ef0123456789abcdef0", "013abcd4-5678-9ef0-1234-56789abcdef0"},
		{"00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"},
		{"ffffffff-ffff-ffff-ffff-ffffffffffff", "ffffffff-ffff-ffff-ffff-ffffffffffff"},
	}
	for _, tt := range ok {
		got, valid := ParseUUID(tt.in)
		if !valid || got != tt.want {
			t.Errorf("ParseUUID(%q) = %q, %v; want %q", tt.in, got, valid, tt.want)
		}
	}
	for _, in := range []string{
		"", "not-a-uuid", canon[:35], canon + "0", plain + "0", "g" + plain[1:], " " + canon, canon + " ",
		"{" + canon + "} ", "-123abcd456789ef0123456789abcdef", "-0000000000000000000000000000000", // dashes go before int() sees a sign "0x+3abcd456789ef0123456789abcdef",
		"_123abcd456789ef0123456789abcdef", "1__3abcd456789ef0123456789abcde0", "123abcd456789ef0123456789abcdef_",
		"0x_", "++23abcd456789ef0123456789abcdef", strings.Repeat(" ", 32), "123abcd456789ef0123456789abcde\x00",
		"０123abcd456789ef0123456789abcde", "{" + plain + "]",
	} {
		if got, valid := ParseUUID(in); valid {
			t.Errorf("ParseUUID(%q) = %q, want invalid", in, got)
		}
	}
}

func FuzzParseUUID(f *testing.F) {
	for _, s := range []string{"0123abcd-4567-89ef-0123-456789abcdef", "{0123ABCD-4567-89EF-0123-456789ABCDEF}", "urn:uuid:0123abcd-4567-89ef-0123-456789abcdef",
		" 123abcd456789ef0123456789abcdef", "0x23abcd456789ef0123456789abcdef", "-0000000000000000000000000000000", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseUUID(s)
		if !ok {
			return
		}
		if len(got) != 36 || strings.ToLower(got) != got {
			t.Fatalf("%q: non-canonical %q", s, got)
		}
		again, ok2 := ParseUUID(got)
		if !ok2 || again != got {
			t.Fatalf("%q: canonical %q does not parse to itself (%q)", s, got, again)
		}
		// Every accepted input has exactly 32 characters once the decorations go.
		h := strings.ReplaceAll(strings.ReplaceAll(s, "urn:", ""), "uuid:", "")
		if n := len(strings.ReplaceAll(strings.Trim(h, "{}"), "-", "")); n != 32 {
			t.Fatalf("%q: accepted with %d characters left", s, n)
		}
	})
}
