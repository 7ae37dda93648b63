package racd

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
)

// Endpoint is a RAC endpoint: one remote machine reachable through a provider.
type Endpoint struct {
	UUID               string
	Name               string
	ProviderID         int64
	Protocol           string
	Host               string
	Settings           json.RawMessage // compact JSON object, without its secret parameters
	Secrets            Secrets         // the secret parameters of settings
	PropertyMappings   []string
	AuthMode           string
	MaximumConnections int64

	// Provider is the endpoint's provider, loaded with it (read-only).
	Provider *Provider
}

// DefaultMaximumConnections is an endpoint's maximum_connections unless set.
const DefaultMaximumConnections = 1

// MinConnectionsLimit and MaxConnectionsLimit bound maximum_connections (a 32-bit
// integer column in authentik).
const (
	MaxConnectionsLimit = 1<<31 - 1
	MinConnectionsLimit = -1 << 31
)

// MsgInvalidHost is racd's message for a host that is not host, host:port, an IPv6
// address or [IPv6]:port. (authentik accepts any text; racd must split it reliably.)
const MsgInvalidHost = "Enter a valid host: a name or address, optionally followed by :port (IPv6 as [address]:port)."

// Connection-time constants: where a launch URL points, the client name announced by
// default, and the drive path forced for every connection.
const (
	launchURLPrefix   = "/application/rac/"
	defaultClientName = "racd"
	drivePathPrefix   = "/tmp/connection/"
)

// EndpointProtocols and EndpointAuthModes are the choices of protocol and auth_mode.
var (
	EndpointProtocols = []string{"rdp", "vnc", "ssh"}
	EndpointAuthModes = []string{"static", "prompt"}
)

// EndpointFields is the serializer's field order, which error responses follow.
var EndpointFields = []string{"name", "provider", "protocol", "host", "settings", "property_mappings", "auth_mode", "maximum_connections"}

// Ref returns the object reference used in events and used_by lists.
func (e *Endpoint) Ref() ObjectRef {
	return EndpointModel.Ref(e.UUID, EndpointModel.Titled(e.Name))
}

// LaunchURL is the path that starts a connection to e in the web interface, or "" when
// its provider has no application.
func (e *Endpoint) LaunchURL() string {
	if e.Provider == nil || e.Provider.Application.Slug == "" {
		return ""
	}
	return launchURLPrefix + e.Provider.Application.Slug + "/" + e.UUID + "/"
}

// Unlimited reports whether e accepts any number of live connection tokens (authentik
// enforces the limit only when maximum_connections > -1).
func (e *Endpoint) Unlimited() bool { return e.MaximumConnections < 0 }

// NewEndpoint returns an endpoint with authentik's defaults.
func NewEndpoint() *Endpoint {
	return &Endpoint{Settings: EmptyObject, PropertyMappings: []string{}, MaximumConnections: DefaultMaximumConnections}
}

// EndpointInput is a create or update request after wire decoding.
type EndpointInput struct {
	Name               Opt[string] `field:"name" max:"500"`
	Provider           Opt[IntRef]
	Protocol           Opt[string]          `field:"protocol" max:"500"`
	Host               Opt[string]          `field:"host" max:"500"`
	Settings           Opt[json.RawMessage] `field:"settings" max:"65536"`
	PropertyMappings   Opt[[]Ref]
	AuthMode           Opt[string] `field:"auth_mode" max:"500"`
	MaximumConnections Opt[int64]

	Decoding
}

// Apply implements Input. Reference checks (provider, property mappings) happen in
// the store.
func (in *EndpointInput) Apply(e *Endpoint, _ bool, errs *FieldErrors) {
	applyText(errs, "name", in.Name, &e.Name)
	if sent(errs, "provider", in.Provider) {
		e.ProviderID = in.Provider.V.ID
	}
	applyChoice(errs, "protocol", in.Protocol, EndpointProtocols, &e.Protocol)
	if sent(errs, "host", in.Host) {
		h := strings.TrimSpace(in.Host.V)
		switch {
		case h == "":
			errs.Add("host", MsgBlank)
		case !ValidHost(h):
			errs.Add("host", MsgInvalidHost)
		default:
			e.Host = h
		}
	}
	if sent(errs, "settings", in.Settings) {
		var secret map[string]json.RawMessage
		e.Settings, secret = SplitSettings(in.Settings.V)
		e.Secrets.Replace(secret)
	}
	if sent(errs, "property_mappings", in.PropertyMappings) {
		e.PropertyMappings = uniqueKeys(in.PropertyMappings.V, Ref.Key)
	}
	applyChoice(errs, "auth_mode", in.AuthMode, EndpointAuthModes, &e.AuthMode)
	take(errs, "maximum_connections", in.MaximumConnections, &e.MaximumConnections)
}

// SplitHost splits an endpoint host into the hostname and port a connection uses:
// "name", "name:port", "1.2.3.4:port", "[2001:db8::1]", "[2001:db8::1]:port" or a bare
// IPv6 address "2001:db8::1" (which has no port). The hostname never keeps brackets;
// port is "" when the host names none.
func SplitHost(h string) (hostname, port string) {
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return h, ""
		}
		hostname = h[1:end]
		if rest := h[end+1:]; strings.HasPrefix(rest, ":") {
			port = rest[1:]
		}
		return hostname, port
	}
	if strings.Count(h, ":") == 1 {
		hostname, port, _ = strings.Cut(h, ":")
		return hostname, port
	}
	return h, ""
}

// ValidHost reports whether h (trimmed, non-empty) is a host SplitHost understands:
// no whitespace or control characters, a non-empty hostname, a bracketed or bare
// address with several colons must be IPv6, and a port must be 1..65535.
func ValidHost(h string) bool {
	for _, r := range h {
		if r <= ' ' || r == 0x7f || r == '/' || r == '\\' {
			return false
		}
	}
	hostname, port := SplitHost(h)
	if hostname == "" {
		return false
	}
	switch {
	case strings.HasPrefix(h, "["):
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		rest := h[end+1:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return false
		}
		if rest != "" && port == "" {
			return false
		}
		a, err := netip.ParseAddr(hostname)
		if err != nil || !a.Is6() {
			return false
		}
	case strings.Count(h, ":") > 1:
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() {
			return false
		}
	case strings.ContainsAny(hostname, "[]"):
		return false
	case strings.Count(h, ":") == 1 && port == "":
		return false
	}
	if port != "" {
		if len(port) > 5 {
			return false
		}
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '-' {
			return false
		}
	}
	return true
}

// EndpointQuery is an endpoint list request.
type EndpointQuery struct {
	ListQuery
	Name     *string
	Provider *int64
}
