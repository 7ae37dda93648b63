package cli

import (
	"runtime/debug"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/racd/racd", Version: "v0.0.0-20261130173421-da27f7d041ec+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "CGO_ENABLED", Value: "0"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "da27f7d041ec6ab81c80a7affab005ffccde72cf"},
			{Key: "vcs.time", Value: "2026-11-30T17:34:21Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	for _, c := range []struct {
		name    string
		stamped string
		bi      *debug.BuildInfo
		want    string
	}{
		{"from build info", "", vcs,
			"racd v0.0.0-20261130173421-da27f7d041ec+dirty (revision da27f7d041ec6ab81c80a7affab005ffccde72cf from 2026-11-30T17:34:21Z, modified; go1.26.8)"},
		{"stamped wins", "1.4.0", vcs,
			"racd 1.4.0 (revision da27f7d041ec6ab81c80a7affab005ffccde72cf from 2026-11-30T17:34:21Z, modified; go1.26.8)"},
		{"no vcs", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"racd dev (no VCS revision recorded; go1.26.8)"},
		{"no build info", "", nil, "racd dev (no VCS revision recorded)"},
	} {
		if got := buildVersion(c.stamped, c.bi).String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
