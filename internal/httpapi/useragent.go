package httpapi

import (
	"regexp"
	"strings"
)

// userAgentJSON is authentik's parsed user agent of a session (ua-parser's shape):
// the browser, the operating system and the device, with the raw string. racd knows
// the common browsers and systems; anything else is family "Other". Unknown parts
// are "" (the schema's strings are not nullable).
type userAgentJSON struct {
	Device    uaDeviceJSON  `json:"device"`
	OS        uaOSJSON      `json:"os"`
	UserAgent uaBrowserJSON `json:"user_agent"`
	String    string        `json:"string"`
}

type uaDeviceJSON struct {
	Brand  string `json:"brand"`
	Family string `json:"family"`
	Model  string `json:"model"`
}

type uaOSJSON struct {
	Family     string `json:"family"`
	Major      string `json:"major"`
	Minor      string `json:"minor"`
	Patch      string `json:"patch"`
	PatchMinor string `json:"patch_minor"`
}

type uaBrowserJSON struct {
	Family string `json:"family"`
	Major  string `json:"major"`
	Minor  string `json:"minor"`
	Patch  string `json:"patch"`
}

// uaBrowsers are tried in order: Edge and Opera say Chrome too, Chrome says Safari.
var uaBrowsers = []struct {
	family string
	re     *regexp.Regexp
}{
	{"Edge", regexp.MustCompile(`Edg[AeiO]?/(\d+)(?:\.(\d+))?(?:\.(\d+))?`)},
	{"Opera", regexp.MustCompile(`OPR/(\d+)(?:\.(\d+))?(?:\.(\d+))?`)},
	{"Firefox", regexp.MustCompile(`Firefox/(\d+)(?:\.(\d+))?(?:\.(\d+))?`)},
	{"HeadlessChrome", regexp.MustCompile(`HeadlessChrome/(\d+)(?:\.(\d+))?(?:\.(\d+))?`)},
	{"Chrome", regexp.MustCompile(`(?:Chrome|CriOS)/(\d+)(?:\.(\d+))?(?:\.(\d+))?`)},
	{"Safari", regexp.MustCompile(`Version/(\d+)(?:\.(\d+))?(?:\.(\d+))?.*Safari/`)},
	{"curl", regexp.MustCompile(`^curl/(\d+)(?:\.(\d+))?(?:\.(\d+))?`)},
}

var uaSystems = []struct {
	family string
	re     *regexp.Regexp
}{
	{"Windows", regexp.MustCompile(`Windows NT (\d+)(?:\.(\d+))?`)},
	{"iOS", regexp.MustCompile(`(?:iPhone|CPU) OS (\d+)(?:_(\d+))?(?:_(\d+))?`)},
	{"Mac OS X", regexp.MustCompile(`Mac OS X (\d+)(?:[_.](\d+))?(?:[_.](\d+))?`)},
	{"Android", regexp.MustCompile(`Android (\d+)(?:\.(\d+))?(?:\.(\d+))?`)},
	{"Chrome OS", regexp.MustCompile(`CrOS \S+ (\d+)(?:\.(\d+))?(?:\.(\d+))?`)},
	{"Linux", regexp.MustCompile(`Linux()`)},
}

// parseUserAgent reads a User-Agent header as far as racd knows browsers.
func parseUserAgent(ua string) userAgentJSON {
	out := userAgentJSON{String: ua, UserAgent: uaBrowserJSON{Family: "Other"}, OS: uaOSJSON{Family: "Other"}, Device: uaDeviceJSON{Family: "Other"}}
	for _, b := range uaBrowsers {
		if m := b.re.FindStringSubmatch(ua); m != nil {
			out.UserAgent = uaBrowserJSON{Family: b.family, Major: m[1], Minor: m[2], Patch: m[3]}
			break
		}
	}
	for _, o := range uaSystems {
		if m := o.re.FindStringSubmatch(ua); m != nil {
			out.OS = uaOSJSON{Family: o.family, Major: m[1]}
			if len(m) > 2 {
				out.OS.Minor = m[2]
			}
			if len(m) > 3 {
				out.OS.Patch = m[3]
			}
			break
		}
	}
	switch {
	case strings.Contains(ua, "iPhone"):
		out.Device = uaDeviceJSON{Brand: "Apple", Family: "iPhone", Model: "iPhone"}
	case strings.Contains(ua, "iPad"):
		out.Device = uaDeviceJSON{Brand: "Apple", Family: "iPad", Model: "iPad"}
	case strings.Contains(ua, "Macintosh"):
		out.Device = uaDeviceJSON{Brand: "Apple", Family: "Mac", Model: "Mac"}
	}
	return out
}
