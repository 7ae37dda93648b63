package racd

import (
	"sort"
	"strings"
)

// A connection goes only where its endpoint says (issue 9 §2). The parameters below,
// from guacd 1.5.5's argument lists for RDP, VNC and SSH, choose the machine guacd
// connects to (directly, through an RDP gateway, a VNC repeater, an SFTP server, a
// connection broker, a Hyper-V host or a PulseAudio server, or by listening for the
// machine to call), which machine it trusts there, what it wakes on the network, or
// where on racd's host guacd reads and writes files (drive, recordings, typescripts).
// They come only from the provider, the endpoint and the property mappings: a launch's
// own settings may set them only for a caller who may change the endpoint.
var targetSettings = map[string]bool{
	"hostname": true, "port": true, "host-key": true, "security": true, "ignore-cert": true,
	"dest-host": true, "dest-port": true, "reverse-connect": true, "listen-timeout": true, "audio-servername": true,
	"sftp-hostname": true, "sftp-port": true, "sftp-host-key": true,
	"gateway-hostname": true, "gateway-port": true,
	"load-balance-info": true, "preconnection-id": true, "preconnection-blob": true,
	"drive-path": true, "create-drive-path": true,
	"create-recording-path": true, "create-typescript-path": true,
}

// targetPrefixes are families of such parameters: Wake-on-LAN, session recording and
// SSH typescripts.
var targetPrefixes = []string{"wol-", "recording-", "typescript-"}

// IsTargetSetting reports whether a connection parameter chooses where the
// connection goes or what guacd reads or writes on racd's host.
func IsTargetSetting(name string) bool {
	if targetSettings[name] {
		return true
	}
	for _, p := range targetPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// MsgTargetSetting refuses a launch setting that chooses the target.
func MsgTargetSetting(name string) string {
	return `"` + name + `" may be set only by the provider, the endpoint or a property mapping, or at launch by a user who may change the endpoint.`
}

// Validate checks a launch request's own settings before anything is written: a JSON
// object of at most MaxLaunchSettingsBytes, naming no parameter that chooses the
// target unless MayChooseTarget (one message on settings per such key, sorted).
func (r LaunchRequest) Validate() error {
	var errs FieldErrors
	if len(r.Settings) > MaxLaunchSettingsBytes {
		errs.Add("settings", MsgLaunchSettingsTooLarge)
		return &errs
	}
	if r.MayChooseTarget || len(r.Settings) == 0 {
		return nil
	}
	ms, ok := members(r.Settings)
	if !ok {
		return nil // the wire layer refuses what is not an object
	}
	var refused []string
	seen := map[string]bool{}
	for _, m := range ms {
		if IsTargetSetting(m.key) && !seen[m.key] {
			seen[m.key] = true
			refused = append(refused, m.key)
		}
	}
	sort.Strings(refused)
	for _, k := range refused {
		errs.Add("settings", MsgTargetSetting(k))
	}
	return errs.Err()
}
