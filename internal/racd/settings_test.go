package racd

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestMergeSettings(t *testing.T) {
	const tok = "TOKEN"
	forced := map[string]string{"drive-path": "/tmp/connection/TOKEN", "create-drive-path": "true"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for k, v := range forced {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name string
		in   SettingsLayers
		want map[string]string
	}{
		{"host only", SettingsLayers{Host: "desk.example"},
			with(map[string]string{"hostname": "desk.example", "client-name": "racd"})},
		{"host and port", SettingsLayers{Host: "10.0.0.1:3389"},
			with(map[string]string{"hostname": "10.0.0.1", "port": "3389", "client-name": "racd"})},
		{"bracketed IPv6 with port", SettingsLayers{Host: "[2001:db8::1]:3389"},
			with(map[string]string{"hostname": "2001:db8::1", "port": "3389", "client-name": "racd"})},
		{"bracketed IPv6", SettingsLayers{Host: "[2001:db8::1]"},
			with(map[string]string{"hostname": "2001:db8::1", "client-name": "racd"})},
		{"bare IPv6", SettingsLayers{Host: "2001:db8::1"},
			with(map[string]string{"hostname": "2001:db8::1", "client-name": "racd"})},
		{"each layer overrides the previous", SettingsLayers{
			Host:     "h:1",
			Provider: map[string]any{"port": "2", "a": "provider", "b": "provider", "c": "provider", "d": "provider", "e": "provider"},
			Endpoint: map[string]any{"b": "endpoint", "c": "endpoint", "d": "endpoint", "e": "endpoint"},
			Launch:   map[string]any{"c": "launch", "d": "launch", "e": "launch"},
			Mappings: []map[string]any{{"d": "provider-mapping", "e": "provider-mapping"}, {"e": "endpoint-mapping", "drive-path": "/elsewhere", "client-name": "x"}},
			Token:    tok,
		}, with(map[string]string{"hostname": "h", "port": "2", "client-name": "x", "a": "provider", "b": "endpoint", "c": "launch", "d": "provider-mapping", "e": "endpoint-mapping"})},
		{"nested objects merge recursively", SettingsLayers{
			Host:     "h",
			Provider: map[string]any{"n": map[string]any{"a": json.Number("1"), "b": map[string]any{"x": "p", "y": "p"}}},
			Endpoint: map[string]any{"n": map[string]any{"b": map[string]any{"y": "e"}, "c": true}},
			Launch:   map[string]any{"n": map[string]any{"b": map[string]any{"z": nil}}},
		}, with(map[string]string{"hostname": "h", "client-name": "racd", "n": `{"a":1,"b":{"x":"p","y":"e","z":null},"c":true}`})},
		{"a scalar replaces an object and back", SettingsLayers{
			Host:     "h",
			Provider: map[string]any{"a": map[string]any{"x": "1"}, "b": "scalar"},
			Endpoint: map[string]any{"a": "scalar", "b": map[string]any{"y": "2"}},
		}, with(map[string]string{"hostname": "h", "client-name": "racd", "a": "scalar", "b": `{"y":"2"}`})},
		{"values become strings", SettingsLayers{
			Host: "h",
			Endpoint: map[string]any{"t": true, "f": false, "i": json.Number("42"), "neg": json.Number("-7"), "fl": json.Number("1.5"),
				"fi": json.Number("3.0"), "e": json.Number("1e3"), "n": nil, "l": []any{json.Number("1"), "two", false}, "g": 2.25, "gi": int64(5), "s": "<&>"},
		}, with(map[string]string{"hostname": "h", "client-name": "racd", "t": "true", "f": "false", "i": "42", "neg": "-7", "fl": "1.5",
			"fi": "3.0", "e": "1000.0", "n": "", "l": `[1,"two",false]`, "g": "2.25", "gi": "5", "s": "<&>"})},
		{"a launch naming another account gets none of the stored secrets for it", SettingsLayers{
			Host:     "h",
			Provider: map[string]any{"username": "admin", "password": "p-pw", "sftp-username": "files", "sftp-password": "s-pw"},
			Endpoint: map[string]any{"private-key": "KEY", "passphrase": "pp", "gateway-username": "gw", "gateway-password": "g-pw"},
			Launch:   map[string]any{"username": "root", "gateway-domain": "OTHER"},
		}, with(map[string]string{"hostname": "h", "client-name": "racd", "username": "root",
			"sftp-username": "files", "sftp-password": "s-pw", "gateway-username": "gw", "gateway-domain": "OTHER"})},
		{"a launch repeating the stored account, or bringing its own secret, keeps or uses it", SettingsLayers{
			Host:     "h",
			Endpoint: map[string]any{"username": "admin", "domain": "CORP", "password": "e-pw", "sftp-username": "files", "sftp-password": "s-pw"},
			Launch:   map[string]any{"username": "admin", "domain": "CORP", "sftp-username": "me", "sftp-password": "mine"},
			Mappings: []map[string]any{{"gateway-username": "gw", "gateway-password": "from-mapping"}},
		}, with(map[string]string{"hostname": "h", "client-name": "racd", "username": "admin", "domain": "CORP", "password": "e-pw",
			"sftp-username": "me", "sftp-password": "mine", "gateway-username": "gw", "gateway-password": "from-mapping"})},
		{"forced keys win over every layer", SettingsLayers{
			Host:     "h",
			Launch:   map[string]any{"create-drive-path": false},
			Mappings: []map[string]any{{"drive-path": "/"}},
		}, with(map[string]string{"hostname": "h", "client-name": "racd"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.in.Token == "" {
				c.in.Token = tok
			}
			got := MergeSettings(c.in)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestMergeSettingsLeavesLayersAlone(t *testing.T) {
	p := map[string]any{"n": map[string]any{"a": "1"}}
	e := map[string]any{"n": map[string]any{"b": "2"}}
	MergeSettings(SettingsLayers{Host: "h", Provider: p, Endpoint: e})
	if len(p["n"].(map[string]any)) != 1 || len(e["n"].(map[string]any)) != 1 {
		t.Fatalf("layers modified: %v %v", p, e)
	}
}

func TestValidHost(t *testing.T) {
	cases := map[string]bool{
		"desk":                true,
		"desk.example.com":    true,
		"10.0.0.1":            true,
		"10.0.0.1:3389":       true,
		"desk:1":              true,
		"desk:65535":          true,
		"2001:db8::1":         true,
		"[2001:db8::1]":       true,
		"[2001:db8::1]:3389":  true,
		"::1":                 true,
		"desk:":               false,
		"desk:0":              false,
		"desk:65536":          false,
		"desk:abc":            false,
		"desk:+1":             false,
		"desk:-1":             false,
		":3389":               false,
		"[2001:db8::1]:":      false,
		"[2001:db8::1]x":      false,
		"[2001:db8::1":        false,
		"[10.0.0.1]:3389":     false,
		"2001:db8::zz":        false,
		"de sk":               false,
		"desk\x00":            false,
		"a/b":                 false,
		"[]:1":                false,
		"desk]":               false,
		"1:2:3":               false,
		"[2001:db8::1]:99999": false,
	}
	for h, want := range cases {
		if got := ValidHost(h); got != want {
			t.Errorf("ValidHost(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestExpiryFrom(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	if got := ExpiryFrom(now, "hours=0"); got != nil {
		t.Errorf("hours=0: %v", got)
	}
	got := ExpiryFrom(now, "minutes=90;seconds=2")
	if got == nil || !got.Equal(now.Add(90*time.Minute+2*time.Second)) || got.Location() != time.UTC {
		t.Errorf("minutes=90: %v", got)
	}
}
