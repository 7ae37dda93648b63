package realip

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestParse(t *testing.T) {
	p, err := Parse(" 10.0.0.0/8, 127.0.0.1  ::1,192.168.1.7/24")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); got != "10.0.0.0/8,127.0.0.1/32,::1/128,192.168.1.0/24" {
		t.Fatalf("parsed %s", got)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1/", "1.2.3"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if p, err := Parse(""); err != nil || p.Trusted("127.0.0.1") {
		t.Fatalf("empty list: %v %v", p, err)
	}
	var nilP *Proxies
	if nilP.Trusted("127.0.0.1") || nilP.String() != "" {
		t.Fatal("nil Proxies trusts someone")
	}
}

func TestClientIPAndScheme(t *testing.T) {
	p, err := Parse("10.0.0.0/8, ::1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer string
		xff        []string
		proto      []string
		tls        bool
		ip, scheme string
	}{
		{"direct, no headers", "203.0.113.5:4000", nil, nil, false, "203.0.113.5", "http"},
		{"untrusted peer lies", "203.0.113.5:4000", []string{"1.2.3.4"}, []string{"https"}, false, "203.0.113.5", "http"},
		{"trusted proxy", "10.1.1.1:80", []string{"198.51.100.7"}, []string{"https"}, false, "198.51.100.7", "https"},
		{"client-written prefix ignored", "10.1.1.1:80", []string{"6.6.6.6, 198.51.100.7"}, nil, false, "198.51.100.7", "http"},
		{"chain of trusted proxies", "10.1.1.1:80", []string{"198.51.100.7, 10.2.2.2", "10.3.3.3"}, nil, false, "198.51.100.7", "http"},
		{"all trusted", "10.1.1.1:80", []string{"10.2.2.2"}, nil, false, "10.2.2.2", "http"},
		{"garbage stops the walk", "10.1.1.1:80", []string{"198.51.100.7, not-an-ip, 10.2.2.2"}, nil, false, "10.2.2.2", "http"},
		{"ipv6 peer with brackets", "[::1]:9000", []string{"[2001:db8::1]:5555"}, []string{"http, https"}, false, "2001:db8::1", "https"},
		{"mapped v4 peer", "[::ffff:10.9.9.9]:1", []string{"198.51.100.8"}, nil, false, "198.51.100.8", "http"},
		{"nearest proxy's proto wins", "10.1.1.1:80", nil, []string{"https", "http"}, false, "10.1.1.1", "http"},
		{"tls", "203.0.113.5:4000", nil, nil, true, "203.0.113.5", "https"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		for _, v := range c.proto {
			r.Header.Add("X-Forwarded-Proto", v)
		}
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if got := p.ClientIP(r); got != c.ip {
			t.Errorf("%s: ClientIP %q, want %q", c.name, got, c.ip)
		}
		if got := p.Scheme(r); got != c.scheme {
			t.Errorf("%s: Scheme %q, want %q", c.name, got, c.scheme)
		}
		if p.Secure(r) != (c.scheme == "https") {
			t.Errorf("%s: Secure disagrees with Scheme", c.name)
		}
	}
}
