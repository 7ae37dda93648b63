package racd

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
)

// Secret connection parameters (SECURITY.md, "Endpoint credentials"). Every settings
// object — a provider's or an endpoint's settings, a property mapping's
// static_settings, a launch's own settings — keeps its secret parameters apart: the
// store seals each value under RACD_SECRET_KEY and keeps the names in clear. An
// object's Settings never hold them; its Secrets do, sealed, and in clear only where a
// connection is made or for a caller who may change the object. A parameter is secret
// when it is one of guacd's credential parameters (secretSettings) or when the object
// names it under SecretKeysSetting:
//
//	{"x-api-token": "…", "racd-secret-keys": ["x-api-token"]}
//
// A property mapping's expression may mark the keys it returns the same way. The
// marker itself stays in clear and never reaches guacd.

// SecretKeysSetting is the settings key whose list of strings marks more keys secret.
const SecretKeysSetting = "racd-secret-keys"

// MaskedValue stands for a secret value in audit events (authentik's: Django's
// cleansed substitute).
const MaskedValue = "********************"

// secretSettings are guacd 1.5.5's parameters that carry credentials.
var secretSettings = map[string]bool{
	"password": true, "passphrase": true, "private-key": true,
	"sftp-password": true, "sftp-passphrase": true, "sftp-private-key": true,
	"gateway-password": true,
}

// IsSecretSetting reports whether the connection parameter name is one of guacd's
// credential parameters (always secret, whatever marks an object adds).
func IsSecretSetting(name string) bool { return secretSettings[name] }

// markedSecret returns the names listed under SecretKeysSetting in an object's value
// of it (a list of strings; anything else marks nothing).
func markedSecret(v json.RawMessage) []string {
	var names []string
	if json.Unmarshal(v, &names) != nil {
		return nil
	}
	return names
}

// member is one key and value of a JSON object, in order.
type member struct {
	key string
	val json.RawMessage
}

// members reads a JSON object's members in order; false when raw is not an object.
func members(raw json.RawMessage) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, member{k, v})
	}
	return out, true
}

// object writes members as a compact JSON object.
func object(ms []member) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		if err := json.Compact(&b, m.val); err != nil {
			b.Write(m.val)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// SplitSettings splits a settings object into what is kept in clear (in its order)
// and its secret parameters. An object without secrets comes back as it was.
func SplitSettings(raw json.RawMessage) (json.RawMessage, map[string]json.RawMessage) {
	ms, ok := members(raw)
	if !ok {
		return raw, nil
	}
	secret := map[string]bool{}
	for _, m := range ms {
		if m.key == SecretKeysSetting {
			for _, n := range markedSecret(m.val) {
				secret[n] = true
			}
		}
	}
	var public []member
	var out map[string]json.RawMessage
	for _, m := range ms {
		if m.key != SecretKeysSetting && (secretSettings[m.key] || secret[m.key]) {
			if out == nil {
				out = map[string]json.RawMessage{}
			}
			out[m.key] = m.val
			continue
		}
		public = append(public, m)
	}
	if out == nil {
		return raw, nil
	}
	return object(public), out
}

// JoinSettings returns public with the secret values added after its own members.
func JoinSettings(public json.RawMessage, secret map[string]json.RawMessage) json.RawMessage {
	if len(secret) == 0 {
		return public
	}
	ms, ok := members(public)
	if !ok {
		ms = nil
	}
	for _, n := range sortedNames(secret) {
		ms = append(ms, member{n, secret[n]})
	}
	return object(ms)
}

// MaskSettings is JoinSettings with every secret value replaced by MaskedValue: what
// an audit event shows.
func MaskSettings(public json.RawMessage, names []string) json.RawMessage {
	masked := make(map[string]json.RawMessage, len(names))
	for _, n := range names {
		masked[n] = json.RawMessage(`"` + MaskedValue + `"`)
	}
	return JoinSettings(public, masked)
}

// Secrets are the secret parameters of one settings object.
type Secrets struct {
	// Sealed is what the store keeps: each value (JSON) sealed, by name.
	Sealed map[string][]byte
	// Plain holds the values in clear: what a write sent (Sent), or what the store
	// revealed for a connection, or an answer to a caller who may change the object.
	Plain map[string]json.RawMessage
	// Sent: the write replaced the object's secrets with Plain.
	Sent bool
}

// Names returns the secret parameters' names, sorted.
func (s Secrets) Names() []string {
	if s.Sent || s.Plain != nil {
		return sortedNames(s.Plain)
	}
	return sortedNames(s.Sealed)
}

// Reveal opens every sealed value into Plain (once).
func (s *Secrets) Reveal(open func(sealed []byte) ([]byte, error)) error {
	if s.Plain != nil || s.Sent || len(s.Sealed) == 0 {
		return nil
	}
	plain := make(map[string]json.RawMessage, len(s.Sealed))
	for n, v := range s.Sealed {
		p, err := open(v)
		if err != nil {
			return err
		}
		plain[n] = p
	}
	s.Plain = plain
	return nil
}

// Seal returns what the store keeps after a write: Plain sealed anew when the write
// sent secrets, else the sealed values as they were.
func (s Secrets) Seal(seal func(plain []byte) ([]byte, error)) (map[string][]byte, error) {
	if !s.Sent {
		return s.Sealed, nil
	}
	out := make(map[string][]byte, len(s.Plain))
	for n, v := range s.Plain {
		sealed, err := seal(v)
		if err != nil {
			return nil, err
		}
		out[n] = sealed
	}
	return out, nil
}

// Replace makes the write's secrets the secret part of sent settings.
func (s *Secrets) Replace(secret map[string]json.RawMessage) {
	if secret == nil {
		secret = map[string]json.RawMessage{}
	}
	*s = Secrets{Plain: secret, Sent: true}
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// sensitiveKey is authentik's test for a key whose value events must not show
// (Django's SafeExceptionReporterFilter.hidden_settings), and the key it lets pass.
var (
	sensitiveKey = regexp.MustCompile(`(?i)API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE`)
	allowedKey   = regexp.MustCompile(`(?i)passing`)
)

// SensitiveKey reports whether authentik masks the value of key in events.
func SensitiveKey(key string) bool {
	return sensitiveKey.MatchString(key) && !allowedKey.MatchString(key)
}

// CleanseJSON masks, as authentik does in events, the value of every object member
// whose key is sensitive, at any depth. Anything but JSON comes back as it was.
func CleanseJSON(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return raw
	}
	switch raw[0] {
	case '{':
		ms, ok := members(raw)
		if !ok {
			return raw
		}
		for i, m := range ms {
			if SensitiveKey(m.key) {
				ms[i].val = json.RawMessage(`"` + MaskedValue + `"`)
			} else {
				ms[i].val = CleanseJSON(m.val)
			}
		}
		return object(ms)
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return raw
		}
		var b bytes.Buffer
		b.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(CleanseJSON(it))
		}
		b.WriteByte(']')
		return b.Bytes()
	}
	return raw
}
