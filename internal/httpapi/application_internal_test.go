package httpapi

import (
	"testing"

	"github.com/racd/racd/internal/racd"
)

// TestFormatLaunchURL: placeholders are filled from the user as Python's % does with
// the user's attributes; anything that would not format leaves the URL unchanged.
func TestFormatLaunchURL(t *testing.T) {
	u := &racd.User{ID: 7, Username: "ann", Email: "ann@example.com", Name: "Ann"}
	for in, want := range map[string]string{
		"https://example.com/":                   "https://example.com/",
		"https://%(username)s.example.com/":      "https://ann.example.com/",
		"https://x/?u=%(id)s&e=%(email)s":        "https://x/?u=7&e=ann@example.com",
		"https://x/%%(username)s":                "https://x/%(username)s",
		"https://x/%(pk)s":                       "https://x/%(pk)s", // not an attribute
		"https://x/a%20b":                        "https://x/a%20b",  // not a placeholder
		"https://x/%(username)d":                 "https://x/%(username)d",
		"https://x/%(username":                   "https://x/%(username",
		"https://x/%(name)s/%(username)s/%(id)s": "https://x/Ann/ann/7",
	} {
		if got := formatLaunchURL(in, u); got != want {
			t.Errorf("formatLaunchURL(%q) = %q, want %q", in, got, want)
		}
	}
	if got := formatLaunchURL("https://%(username)s/", nil); got != "https://%(username)s/" {
		t.Errorf("without a user: %q", got)
	}
}

// TestValidLaunchURL follows authentik's DomainlessFormattedURLValidator.
func TestValidLaunchURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://example.com":               true,
		"http://intranet:8080/app?x=1#y":    true,
		"https://%(username)s.example.com/": true,
		"blank://blank":                     true,
		"ftp://10.0.0.1/file":               true,
		"https://[2001:db8::1]:8443/":       true,
		"http://localhost":                  true,
		"https://user:pw@host.example/":     true,
		"/relative/path":                    false,
		"example.com":                       false,
		"javascript://alert(1)":             false,
		"https://exa mple.com":              false,
		"https://example.com/a b":           false,
		"https://":                          false,
		"https://example.com:1/":            false, // ports have 2 to 5 digits
	} {
		if got := racd.ValidLaunchURL(s); got != want {
			t.Errorf("ValidLaunchURL(%q) = %v, want %v", s, got, want)
		}
	}
}
