// Package keys protects secrets at rest: a keyed hash (HMAC-SHA256) to find a token by
// its key with one indexed lookup, authenticated encryption (AES-256-GCM) so view_key
// can show the key to its owner, and the same encryption under a key of its own for
// other secret values (connection parameters such as passwords). Every key derives
// from the server secret RACD_SECRET_KEY; without it neither a stored hash nor a
// ciphertext reveals anything.
package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
)

// MinSecretLen is the shortest accepted server secret.
const MinSecretLen = 32

// Keyring derives the hashing and sealing keys from the server secret.
type Keyring struct {
	hashKey   []byte
	aead      cipher.AEAD
	installID string
	// values seals other secrets at rest (connection parameters such as passwords)
	// under a key of its own, so that a token key and a setting never share one.
	values cipher.AEAD
}

// New derives a keyring from secret (at least MinSecretLen bytes).
func New(secret string) (*Keyring, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("secret key must be at least %d characters", MinSecretLen)
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("racd/" + label))
		return m.Sum(nil)
	}
	aead, err := gcm(derive("token-seal-v1"))
	if err != nil {
		return nil, err
	}
	values, err := gcm(derive("value-seal-v1"))
	if err != nil {
		return nil, err
	}
	id := derive("install-id-v1")
	return &Keyring{hashKey: derive("token-hash-v1"), aead: aead, values: values,
		installID: fmt.Sprintf("%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:16])}, nil
}

// gcm returns AES-256-GCM under key.
func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// InstallID names this installation, as authentik's install id does: a UUID-shaped
// value every replica sharing the secret derives alike, and which reveals nothing of
// the secret. It goes into values clients see (a user's uid).
func (k *Keyring) InstallID() string { return k.installID }

// Hash returns the keyed hash a token is looked up by.
func (k *Keyring) Hash(key string) []byte {
	m := hmac.New(sha256.New, k.hashKey)
	m.Write([]byte(key))
	return m.Sum(nil)
}

// Equal compares two hashes in constant time.
func Equal(a, b []byte) bool { return hmac.Equal(a, b) }

// Seal encrypts key (nonce prepended).
func (k *Keyring) Seal(key string) ([]byte, error) { return seal(k.aead, []byte(key)) }

// ErrUndecryptable means a ciphertext was not sealed under this secret.
var ErrUndecryptable = errors.New("token key cannot be decrypted with this secret key")

// Open decrypts a sealed key.
func (k *Keyring) Open(sealed []byte) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", ErrUndecryptable
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", ErrUndecryptable
	}
	return string(plain), nil
}

// SealValue encrypts a secret value kept at rest (a connection parameter such as an
// endpoint's password), nonce prepended.
func (k *Keyring) SealValue(plain []byte) ([]byte, error) { return seal(k.values, plain) }

// OpenValue decrypts what SealValue sealed.
func (k *Keyring) OpenValue(sealed []byte) ([]byte, error) {
	n := k.values.NonceSize()
	if len(sealed) < n {
		return nil, ErrUndecryptableValue
	}
	plain, err := k.values.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, ErrUndecryptableValue
	}
	return plain, nil
}

// ErrUndecryptableValue means a sealed value was not sealed under this secret.
var ErrUndecryptableValue = errors.New("secret value cannot be decrypted with this secret key")

// seal encrypts plain under a, nonce prepended.
func seal(a cipher.AEAD, plain []byte) ([]byte, error) {
	nonce := make([]byte, a.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, err
	}
	return a.Seal(nonce, nonce, plain, nil), nil
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// RandomKey returns n random characters of [A-Za-z0-9], as authentik's default token key.
func RandomKey(n int) (string, error) {
	var b strings.Builder
	max := big.NewInt(int64(len(keyAlphabet)))
	for i := 0; i < n; i++ {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b.WriteByte(keyAlphabet[v.Int64()])
	}
	return b.String(), nil
}

// LoadOrCreateSecret reads the secret from path, or creates the file (mode 0600) with
// 32 random bytes in hex when it does not exist. It refuses a file others can read.
func LoadOrCreateSecret(path string) (secret string, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		fi, statErr := os.Stat(path)
		if statErr == nil && fi.Mode().Perm()&0o077 != 0 {
			return "", false, fmt.Errorf("secret key file %s is readable by others (mode %v); chmod 600 it", path, fi.Mode().Perm())
		}
		s := strings.TrimSpace(string(b))
		if len(s) < MinSecretLen {
			return "", false, fmt.Errorf("secret key file %s holds fewer than %d characters", path, MinSecretLen)
		}
		return s, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", false, err
	}
	var raw [32]byte
	if _, err := io.ReadFull(rand.Reader, raw[:]); err != nil {
		return "", false, err
	}
	s := hex.EncodeToString(raw[:])
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return LoadOrCreateSecret(path)
		}
		return "", false, err
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return "", false, err
	}
	if err := f.Close(); err != nil {
		return "", false, err
	}
	return s, true, nil
}
