package guacdtest

import "strings"

// Version is the protocol version guacd 1.5.5 offers as the first element of args.
const Version = "VERSION_1_5_0"

// argNames are the parameter names guacd 1.5.5 sends in args for each protocol, in its
// order (after the version), as seen on the wire (../shared/gateway/guacd-1.5.5.md).
var argNames = map[string]string{
	"ssh": `hostname host-key port username password font-name font-size enable-sftp
sftp-root-directory sftp-disable-download sftp-disable-upload private-key passphrase color-scheme
command typescript-path typescript-name create-typescript-path recording-path recording-name
recording-exclude-output recording-exclude-mouse recording-include-keys create-recording-path
read-only server-alive-interval backspace terminal-type scrollback locale timezone disable-copy
disable-paste wol-send-packet wol-mac-addr wol-broadcast-addr wol-udp-port wol-wait-time`,
	"vnc": `hostname port read-only encodings username password swap-red-blue color-depth cursor
autoretry clipboard-encoding dest-host dest-port enable-audio audio-servername reverse-connect
listen-timeout enable-sftp sftp-hostname sftp-host-key sftp-port sftp-username sftp-password
sftp-private-key sftp-passphrase sftp-directory sftp-root-directory sftp-server-alive-interval
sftp-disable-download sftp-disable-upload recording-path recording-name recording-exclude-output
recording-exclude-mouse recording-include-keys create-recording-path disable-copy disable-paste
wol-send-packet wol-mac-addr wol-broadcast-addr wol-udp-port wol-wait-time force-lossless`,
	"rdp": `hostname port domain username password width height dpi initial-program color-depth
disable-audio enable-printing printer-name enable-drive drive-name drive-path create-drive-path
disable-download disable-upload console console-audio server-layout security ignore-cert
disable-auth remote-app remote-app-dir remote-app-args static-channels client-name enable-wallpaper
enable-theming enable-font-smoothing enable-full-window-drag enable-desktop-composition
enable-menu-animations disable-bitmap-caching disable-offscreen-caching disable-glyph-caching
preconnection-id preconnection-blob timezone enable-sftp sftp-hostname sftp-host-key sftp-port
sftp-username sftp-password sftp-private-key sftp-passphrase sftp-directory sftp-root-directory
sftp-server-alive-interval sftp-disable-download sftp-disable-upload recording-path recording-name
recording-exclude-output recording-exclude-mouse recording-exclude-touch recording-include-keys
create-recording-path resize-method enable-audio-input enable-touch read-only gateway-hostname
gateway-port gateway-domain gateway-username gateway-password load-balance-info disable-copy
disable-paste wol-send-packet wol-mac-addr wol-broadcast-addr wol-udp-port wol-wait-time
force-lossless normalize-clipboard`,
}

// Args returns the parameter names guacd 1.5.5 asks for with protocol (without the
// version), or nil for a protocol it does not know.
func Args(protocol string) []string {
	s, ok := argNames[protocol]
	if !ok {
		return nil
	}
	return strings.Fields(s)
}
