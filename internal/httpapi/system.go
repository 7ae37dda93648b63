package httpapi

import (
	"net/http"
)

// live answers as long as the process serves HTTP.
func live(s *Server, c *call) error {
	c.status = http.StatusOK
	writeRaw(c.w, http.StatusOK, []byte(`{"status":"ok"}`))
	return nil
}

// ready answers 200 once the database answers, 503 otherwise.
func ready(s *Server, c *call) error {
	if err := s.store.Ping(c.ctx); err != nil {
		c.status = http.StatusServiceUnavailable
		c.w.Header().Set("Retry-After", "1")
		writeRaw(c.w, http.StatusServiceUnavailable, []byte(`{"status":"unavailable","detail":"database unavailable"}`))
		return nil
	}
	c.status = http.StatusOK
	writeRaw(c.w, http.StatusOK, []byte(`{"status":"ok"}`))
	return nil
}

// configJSON is authentik's Config (GET /root/config/). Clients such as the Terraform
// provider read error_reporting at start; racd never reports errors anywhere.
type configJSON struct {
	ErrorReporting         errorReportingJSON `json:"error_reporting"`
	Capabilities           []string           `json:"capabilities"`
	CacheTimeout           int                `json:"cache_timeout"`
	CacheTimeoutFlows      int                `json:"cache_timeout_flows"`
	CacheTimeoutPolicies   int                `json:"cache_timeout_policies"`
	CacheTimeoutReputation int                `json:"cache_timeout_reputation"`
}

type errorReportingJSON struct {
	Enabled          bool    `json:"enabled"`
	SentryDSN        string  `json:"sentry_dsn"`
	Environment      string  `json:"environment"`
	SendPII          bool    `json:"send_pii"`
	TracesSampleRate float64 `json:"traces_sample_rate"`
}

func rootConfig(s *Server, c *call) error {
	return s.writeJSON(c, http.StatusOK, configJSON{
		ErrorReporting: errorReportingJSON{Environment: "racd"},
		Capabilities:   []string{},
		CacheTimeout:   300, CacheTimeoutFlows: 300, CacheTimeoutPolicies: 300, CacheTimeoutReputation: 300,
	})
}
