package httpapi_test

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
)

// racTestUUID returns a random UUID for rows a test inserts.
func racTestUUID(t testing.TB) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}
