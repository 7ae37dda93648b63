package racd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// SettingsLayers are the sources of a connection's settings, from weakest to
// strongest. Objects are JSON-like values: map[string]any holding nil, bool, string,
// json.Number, float64, int, int64, []any and map[string]any.
type SettingsLayers struct {
	Host     string         // the endpoint's host: gives hostname and port
	Provider map[string]any // the provider's settings
	Endpoint map[string]any // the endpoint's settings
	Launch   map[string]any // the launch request's settings
	Mappings []map[string]any
	Token    string // the secret token: names the drive path
}

// DefaultClientName is the client-name every connection announces unless overridden.
const DefaultClientName = defaultClientName

// Bounds on what a launch computes: one property mapping's result (its
// static_settings, or the dict its expression returns) as JSON, and the merged
// settings of a connection as JSON. A mapping over either is left out.
const (
	MaxMappingResultBytes  = 64 << 10
	MaxMergedSettingsBytes = 256 << 10
	// MaxLaunchSettingsBytes bounds the settings object of a launch request.
	MaxLaunchSettingsBytes = 64 << 10
)

// MsgLaunchSettingsTooLarge refuses a launch's settings over MaxLaunchSettingsBytes.
var MsgLaunchSettingsTooLarge = fmt.Sprintf("Ensure this value is no larger than %d KiB as JSON.", MaxLaunchSettingsBytes>>10)

// ErrMergedSettingsTooLarge is why MergeSettingsChecked leaves a mapping out.
var ErrMergedSettingsTooLarge = fmt.Errorf("the merged settings would be larger than %d KiB", MaxMergedSettingsBytes>>10)

// MergeSettings computes a connection's settings: defaults (hostname, port when the
// host has one, client-name) ← provider ← endpoint ← launch ← mappings in order ←
// the forced drive-path and create-drive-path. Later layers win; objects present in
// both are merged recursively. Finally every top-level value becomes a string:
// booleans "true"/"false", numbers in decimal, null "", lists and objects JSON text.
// Mappings that would take the settings over MaxMergedSettingsBytes are left out.
func MergeSettings(l SettingsLayers) map[string]string {
	out, _ := MergeSettingsChecked(l)
	return out
}

// MergeSettingsChecked is MergeSettings that also returns the indexes (in
// l.Mappings) of the mappings it left out because merging them would take the
// settings over MaxMergedSettingsBytes. (The other layers are bounded where they are
// written.)
func MergeSettingsChecked(l SettingsLayers) (map[string]string, []int) {
	hostname, port := SplitHost(l.Host)
	out := map[string]any{"hostname": hostname}
	if port != "" {
		out["port"] = port
	}
	out["client-name"] = DefaultClientName
	mergeInto(out, l.Provider)
	mergeInto(out, l.Endpoint)
	dropStoredCredentials(out, l.Launch)
	mergeInto(out, l.Launch)
	var skipped []int
	for i, m := range l.Mappings {
		// Merge into a copy: a mapping left out must leave no trace.
		next := map[string]any{}
		mergeInto(next, out)
		mergeInto(next, m)
		if jsonSize(next, MaxMergedSettingsBytes) > MaxMergedSettingsBytes {
			skipped = append(skipped, i)
			continue
		}
		out = next
	}
	// Every layer's secret marks hold (a later layer's list would otherwise replace an
	// earlier one's), so that the launch's answer leaves all their names out.
	marked := map[string]bool{}
	for _, layer := range append([]map[string]any{l.Provider, l.Endpoint, l.Launch}, l.Mappings...) {
		if list, ok := layer[SecretKeysSetting].([]any); ok {
			for _, n := range list {
				if s, ok := n.(string); ok {
					marked[s] = true
				}
			}
		}
	}
	delete(out, SecretKeysSetting)
	if len(marked) > 0 {
		names := sortedNames(marked)
		list := make([]any, len(names))
		for i, n := range names {
			list[i] = n
		}
		out[SecretKeysSetting] = list
	}
	out["drive-path"] = drivePathPrefix + l.Token
	out["create-drive-path"] = "true"
	res := make(map[string]string, len(out))
	for k, v := range out {
		res[k] = settingString(v)
	}
	return res, skipped
}

// credentialPairs are the accounts a connection signs in with: the names that say
// who (a launch may set them) and the secrets that prove it.
var credentialPairs = []struct{ who, proof []string }{
	{[]string{"username", "domain"}, []string{"password", "passphrase", "private-key"}},
	{[]string{"sftp-username"}, []string{"sftp-password", "sftp-passphrase", "sftp-private-key"}},
	{[]string{"gateway-username", "gateway-domain"}, []string{"gateway-password"}},
}

// dropStoredCredentials keeps the provider's and endpoint's secrets for the account
// they were stored for: when a launch's own settings name another account (a
// username or domain other than the stored one), the stored password, passphrase and
// key of that account are left out, so a launch cannot try them against other
// accounts on the machine. The launch may give its own; otherwise guacd asks the
// person for them.
func dropStoredCredentials(stored, launch map[string]any) {
	for _, p := range credentialPairs {
		changed := false
		for _, k := range p.who {
			if v, ok := launch[k]; ok && settingString(v) != settingString(stored[k]) {
				changed = true
			}
		}
		if changed {
			for _, k := range p.proof {
				delete(stored, k)
			}
		}
	}
}

// jsonSize is about the length of v as JSON (strings without escapes), counting no
// further than limit+1.
func jsonSize(v any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			n += 2
			for k, e := range x {
				n += len(k) + 4
				walk(e)
			}
		case []any:
			n += 2
			for _, e := range x {
				n++
				walk(e)
			}
		case string:
			n += len(x) + 2
		case json.Number:
			n += len(x)
		default:
			n += 24 // numbers, booleans, null
		}
	}
	walk(v)
	return n
}

// mergeInto merges src into dst: objects on both sides merge recursively, anything
// else from src replaces what dst holds. Objects taken from src are copied so that
// later merges never write into a layer.
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		if sv, ok := v.(map[string]any); ok {
			if dv, ok := dst[k].(map[string]any); ok {
				mergeInto(dv, sv)
				continue
			}
			c := map[string]any{}
			mergeInto(c, sv)
			dst[k] = c
			continue
		}
		dst[k] = v
	}
}

// settingString renders one top-level setting as the string the gateway receives.
func settingString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case json.Number:
		return numberString(x.String())
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return floatString(x)
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(sortedJSON(v)); err != nil {
			return ""
		}
		return strings.TrimSuffix(buf.String(), "\n")
	}
}

// numberString prints a JSON number: integers as written, others in decimal.
func numberString(s string) string {
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return floatString(f)
}

// floatString prints a float in plain decimal ("1.5", "3.0"), never in exponent form.
func floatString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// sortedJSON returns v with nested maps as-is (encoding/json sorts map keys) and
// non-finite floats replaced by their text, which JSON cannot hold.
func sortedJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]any, len(x))
		for _, k := range keys {
			out[k] = sortedJSON(x[k])
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sortedJSON(e)
		}
		return out
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return floatString(x)
		}
	}
	return v
}

// DecodeObject decodes a stored JSON object (settings, static_settings) into a map
// with numbers kept as json.Number; anything but an object gives an empty map.
func DecodeObject(raw []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return map[string]any{}
	}
	return m
}
