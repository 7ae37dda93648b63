package password

import (
	"strings"
	"testing"
)

// fast keeps the tests quick; the format and checks are the same at any cost.
var fast = Params{Memory: 64, Passes: 1, Lanes: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoded hash %q does not carry its parameters", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Fatal("hash contains the password")
	}
	if ok, err := Verify(h, "correct horse"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	for _, wrong := range []string{"", "correct hors", "correct horse ", "Correct horse"} {
		if ok, _ := Verify(h, wrong); ok {
			t.Fatalf("wrong password %q accepted", wrong)
		}
	}
	h2, _ := Hash("correct horse", fast)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestDefaultParams(t *testing.T) {
	// The documented parameters (README, package doc): RFC 9106 option 2.
	if Default.Memory != 65536 || Default.Passes != 3 || Default.Lanes != 2 || Default.SaltLen != 16 || Default.KeyLen != 32 {
		t.Fatalf("Default = %+v", Default)
	}
}

func TestMalformed(t *testing.T) {
	good, _ := Hash("pw", fast)
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=4294967295,t=1,p=1$" + parts[4] + "$" + parts[5], // 4 TiB: refused, not attempted
		"$argon2id$v=19$m=64,t=100000,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$",
	} {
		if ok, err := Verify(bad, "pw"); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want ErrMalformed", bad, ok, err)
		}
		if !NeedsRehash(bad, fast) {
			t.Errorf("NeedsRehash(%q) = false", bad)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h, _ := Hash("pw", fast)
	if NeedsRehash(h, fast) {
		t.Fatal("a hash under the current parameters needs a rehash")
	}
	stronger := fast
	stronger.Passes = 2
	if !NeedsRehash(h, stronger) {
		t.Fatal("raised parameters do not ask for a rehash")
	}
	// A hash made under older, weaker parameters still verifies.
	if ok, _ := Verify(h, "pw"); !ok {
		t.Fatal("old hash no longer verifies")
	}
}

func TestVerifierUnknownUser(t *testing.T) {
	v, err := NewVerifier(fast)
	if err != nil {
		t.Fatal(err)
	}
	if v.Check("", "anything") {
		t.Fatal("an empty hash (unknown user) was accepted")
	}
	if v.Check("garbage", "anything") {
		t.Fatal("a malformed hash was accepted")
	}
	h, _ := Hash("pw", fast)
	if !v.Check(h, "pw") || v.Check(h, "nope") {
		t.Fatal("Check disagrees with Verify")
	}
}
