// Package realip decides what a request says about its client when it came through a
// reverse proxy: the client's address (X-Forwarded-For) and the scheme it used
// (X-Forwarded-Proto). Those headers are believed only when the connection comes from
// a proxy the operator trusts (RACD_TRUSTED_PROXIES); anyone else could write them.
// The access log, audit events and (with sign-in) Secure cookies use the same answer.
package realip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies is the set of networks whose forwarded headers are believed. The zero value
// (and nil) trusts no one: the client is the connection's peer.
type Proxies struct {
	nets []netip.Prefix
}

// Parse reads a comma- or space-separated list of CIDRs or single addresses, e.g.
// "10.0.0.0/8, 127.0.0.1, ::1". An empty list trusts no one.
func Parse(list string) (*Proxies, error) {
	p := &Proxies{}
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.Contains(f, "/") {
			pfx, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", f)
			}
			p.nets = append(p.nets, pfx.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", f)
		}
		p.nets = append(p.nets, netip.PrefixFrom(a, a.BitLen()))
	}
	return p, nil
}

// String lists the trusted networks.
func (p *Proxies) String() string {
	if p == nil {
		return ""
	}
	parts := make([]string, len(p.nets))
	for i, n := range p.nets {
		parts[i] = n.String()
	}
	return strings.Join(parts, ",")
}

// Trusted reports whether addr (an IP, with or without a port) is a trusted proxy.
func (p *Proxies) Trusted(addr string) bool {
	if p == nil || len(p.nets) == 0 {
		return false
	}
	a, ok := parseAddr(addr)
	if !ok {
		return false
	}
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the address of the client that made r. Without a trusted peer it is the
// peer's address. From a trusted peer, X-Forwarded-For is read from the right (each
// proxy appends the address it saw): the first address that is not itself a trusted
// proxy is the client. Addresses further left were written by the client and are never
// believed. A malformed entry stops the walk at the last address known good.
func (p *Proxies) ClientIP(r *http.Request) string {
	peer := hostOnly(r.RemoteAddr)
	if !p.Trusted(peer) {
		return peer
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, ok := parseAddr(strings.TrimSpace(parts[j]))
			if !ok {
				return client
			}
			client = a.String()
			if !p.Trusted(client) {
				return client
			}
		}
	}
	return client
}

// Scheme is "https" when r came over TLS, or through a trusted proxy whose
// X-Forwarded-Proto (the last value: the one the nearest proxy wrote) says https;
// "http" otherwise.
func (p *Proxies) Scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if p.Trusted(hostOnly(r.RemoteAddr)) {
		vals := r.Header.Values("X-Forwarded-Proto")
		if len(vals) > 0 {
			parts := strings.Split(vals[len(vals)-1], ",")
			if strings.EqualFold(strings.TrimSpace(parts[len(parts)-1]), "https") {
				return "https"
			}
		}
	}
	return "http"
}

// Secure reports whether the client reached racd over HTTPS (see Scheme).
func (p *Proxies) Secure(r *http.Request) bool { return p.Scheme(r) == "https" }

// hostOnly strips the port of a host:port, leaving anything else as it is.
func hostOnly(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// parseAddr reads an IP address, with or without a port or brackets, unmapping
// IPv4-in-IPv6 so that 10.0.0.0/8 matches ::ffff:10.1.2.3.
func parseAddr(s string) (netip.Addr, bool) {
	s = hostOnly(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}
