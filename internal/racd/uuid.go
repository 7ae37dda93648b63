package racd

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"strings"
)

// ParseUUID reads a UUID the way Python's uuid.UUID(hex=...) does (and therefore
// authentik): optional "urn:" and "uuid:" prefixes, optional braces, dashes anywhere,
// 32 hex digits of either case. It returns the canonical lowercase 8-4-4-4-12 form.
func ParseUUID(s string) (string, bool) {
	h := strings.ReplaceAll(s, "urn:", "")
	h = strings.ReplaceAll(h, "uuid:", "")
	h = strings.Trim(h, "{}")
	h = strings.ReplaceAll(h, "-", "")
	if len(h) != 32 {
		return "", false
	}
	var raw [16]byte
	if _, err := hex.Decode(raw[:], []byte(h)); err != nil {
		return "", false
	}
	return formatUUID(raw), true
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
