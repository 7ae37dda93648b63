package racd

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"math/big"
	"strings"
)

// ParseUUID reads a UUID the way Python's uuid.UUID(hex=...) does (and therefore
// Django's UUIDField and authentik): every "urn:" and then every "uuid:" removed,
// braces stripped from both ends, every dash removed; what is left must be 32
// characters that Python's int(x, 16) reads as a value below 2**128 — hex digits of
// either case, optionally with surrounding white space, a sign, a 0x prefix or single
// underscores between digits. It returns the canonical lowercase 8-4-4-4-12 form.
func ParseUUID(s string) (string, bool) {
	h := strings.ReplaceAll(s, "urn:", "")
	h = strings.ReplaceAll(h, "uuid:", "")
	h = strings.Trim(h, "{}")
	h = strings.ReplaceAll(h, "-", "")
	if len(h) != 32 {
		return "", false
	}
	var raw [16]byte
	if _, err := hex.Decode(raw[:], []byte(h)); err == nil {
		return formatUUID(raw), true
	}
	// The rare spellings only Python's int() accepts.
	n, ok := pyHexInt(h)
	if !ok || n.Sign() < 0 || n.BitLen() > 128 {
		return "", false
	}
	n.FillBytes(raw[:])
	return formatUUID(raw), true
}

// pyHexInt is Python's int(s, 16): surrounding white space, one optional sign, an
// optional 0x prefix, then hex digits with single underscores between them (and
// directly after the prefix).
func pyHexInt(s string) (*big.Int, bool) {
	s = strings.TrimFunc(s, isPySpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	prefixed := false
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s, prefixed = s[2:], true
	}
	var digits strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			if i+1 >= len(s) || s[i+1] == '_' || (i == 0 && !prefixed) {
				return nil, false
			}
			continue
		}
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return nil, false
		}
		digits.WriteByte(c)
	}
	if digits.Len() == 0 {
		return nil, false
	}
	n, ok := new(big.Int).SetString(digits.String(), 16)
	if !ok {
		return nil, false
	}
	if neg {
		n.Neg(n)
	}
	return n, true
}

func formatUUID(b [16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// NewUUID returns a random (version 4) UUID read from r; a nil r means crypto/rand.
func NewUUID(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b), nil
}
