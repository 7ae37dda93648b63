package cli

import (
	"runtime/debug"
	"strings"
)

// Version is racd's version, set at build time with
// -ldflags "-X github.com/racd/racd/internal/cli.Version=1.2.3". Unset, racd reports
// what the Go toolchain recorded in the binary (see buildVersion).
var Version = ""

// version is the short version for logs and the API: the stamped one, else the main
// module's version from the build information, else "dev".
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(Version, bi).version
}

// versionLine is what `racd version` prints: the version, the VCS revision the binary
// was built from and the Go version that built it, e.g.
// "racd v0.0.0-20261130-da27f7d041ec (revision da27f7d041ec…, modified; go1.26.8)".
func versionLine() string {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(Version, bi).String()
}

// buildInfo is what racd knows about its own build.
type buildInfo struct {
	version  string
	revision string // VCS revision, "" when the build recorded none
	time     string // commit time (RFC 3339), "" when unknown
	modified bool   // built from a tree with uncommitted changes
	goVer    string
}

// buildVersion reads the stamped version and the toolchain's build information. `go
// build` in a git checkout records vcs.revision, vcs.time and vcs.modified; `go run`,
// test binaries and builds outside a checkout (or with -buildvcs=false) do not, and
// then no revision is shown rather than a made-up one.
func buildVersion(stamped string, bi *debug.BuildInfo) buildInfo {
	out := buildInfo{version: stamped}
	if bi != nil {
		out.goVer = bi.GoVersion
		if out.version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			out.version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				out.revision = s.Value
			case "vcs.time":
				out.time = s.Value
			case "vcs.modified":
				out.modified = s.Value == "true"
			}
		}
	}
	if out.version == "" {
		out.version = "dev"
	}
	return out
}

// String renders the line `racd version` prints.
func (b buildInfo) String() string {
	var details []string
	if b.revision != "" {
		rev := "revision " + b.revision
		if b.time != "" {
			rev += " from " + b.time
		}
		if b.modified {
			rev += ", modified"
		}
		details = append(details, rev)
	} else {
		details = append(details, "no VCS revision recorded")
	}
	if b.goVer != "" {
		details = append(details, b.goVer)
	}
	return "racd " + b.version + " (" + strings.Join(details, "; ") + ")"
}
