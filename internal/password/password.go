// Package password hashes and verifies user passwords with Argon2id (RFC 9106).
//
// A hash is stored in the PHC string format, which carries everything needed to verify
// it: $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash> (unpadded base64). The
// parameters can therefore be raised later without invalidating stored hashes: Verify
// reads them from the hash, and NeedsRehash tells the caller when a hash was made with
// weaker ones, so it can store a new hash once the password is known again.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are Argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Passes  uint32 // iterations over the memory
	Lanes   uint8  // parallelism
	SaltLen int    // bytes
	KeyLen  uint32 // bytes of output
}

// Default is what new hashes use: RFC 9106's second recommended option (64 MiB,
// 3 passes) with 2 lanes, a 16-byte salt and a 32-byte tag. One verification takes
// about 60-90 ms and 64 MiB on one core of a small server; that bounds sign-ins per
// second, and racd throttles repeated failures before they reach this cost.
var Default = Params{Memory: 64 * 1024, Passes: 3, Lanes: 2, SaltLen: 16, KeyLen: 32}

// Limits on parameters read from a stored hash, so that a tampered or foreign hash
// cannot make one verification take unbounded memory or time.
const (
	maxMemory = 1 << 21 // 2 GiB in KiB
	maxPasses = 64
	maxLen    = 1024
)

// ErrMalformed reports a stored hash racd cannot read.
var ErrMalformed = errors.New("password: malformed hash")

// Hash returns the encoded Argon2id hash of pw under p with a fresh random salt.
func Hash(pw string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Passes, p.Memory, p.Lanes, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Passes, p.Lanes, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// decoded is a parsed stored hash.
type decoded struct {
	p    Params
	salt []byte
	key  []byte
}

func decode(encoded string) (*decoded, error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, ErrMalformed
	}
	var d decoded
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return nil, ErrMalformed
		}
		switch k {
		case "m":
			d.p.Memory = uint32(n)
		case "t":
			d.p.Passes = uint32(n)
		case "p":
			if n > 255 {
				return nil, ErrMalformed
			}
			d.p.Lanes = uint8(n)
		default:
			return nil, ErrMalformed
		}
	}
	if d.p.Memory == 0 || d.p.Memory > maxMemory || d.p.Passes == 0 || d.p.Passes > maxPasses || d.p.Lanes == 0 ||
		d.p.Memory < 8*uint32(d.p.Lanes) {
		return nil, ErrMalformed
	}
	var err error
	b64 := base64.RawStdEncoding
	if d.salt, err = b64.DecodeString(parts[4]); err != nil || len(d.salt) < 8 || len(d.salt) > maxLen {
		return nil, ErrMalformed
	}
	if d.key, err = b64.DecodeString(parts[5]); err != nil || len(d.key) < 16 || len(d.key) > maxLen {
		return nil, ErrMalformed
	}
	d.p.SaltLen, d.p.KeyLen = len(d.salt), uint32(len(d.key))
	return &d, nil
}

// Verify reports whether pw matches the encoded hash, comparing in constant time. A
// hash it cannot read is ErrMalformed (and no match).
func Verify(encoded, pw string) (bool, error) {
	d, err := decode(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(pw), d.salt, d.p.Passes, d.p.Memory, d.p.Lanes, d.p.KeyLen)
	return subtle.ConstantTimeCompare(key, d.key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters weaker than p (or
// cannot be read), so that the caller stores a new hash after a successful sign-in.
func NeedsRehash(encoded string, p Params) bool {
	d, err := decode(encoded)
	if err != nil {
		return true
	}
	return d.p.Memory < p.Memory || d.p.Passes < p.Passes || d.p.Lanes < p.Lanes || d.p.KeyLen < p.KeyLen || d.p.SaltLen < p.SaltLen
}

// Verifier checks passwords at a fixed cost, whether or not the account exists, so
// that the time a sign-in takes says nothing about which usernames exist.
type Verifier struct {
	params Params
	dummy  string
}

// NewVerifier returns a verifier whose stand-in hash (for unknown users and users
// without a password) is made under p.
func NewVerifier(p Params) (*Verifier, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	dummy, err := Hash(base64.RawStdEncoding.EncodeToString(b[:]), p)
	if err != nil {
		return nil, err
	}
	return &Verifier{params: p, dummy: dummy}, nil
}

// Params returns the parameters new hashes use.
func (v *Verifier) Params() Params { return v.params }

// Check verifies pw against encoded; an empty encoded (no such user, or a user without
// a password) runs the same computation against the stand-in hash and fails.
func (v *Verifier) Check(encoded, pw string) bool {
	if encoded == "" {
		_, _ = Verify(v.dummy, pw)
		return false
	}
	ok, err := Verify(encoded, pw)
	if err != nil {
		// An unreadable stored hash: spend the same time, then refuse.
		_, _ = Verify(v.dummy, pw)
		return false
	}
	return ok
}
