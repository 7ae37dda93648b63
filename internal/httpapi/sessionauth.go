package httpapi

import (
	"net/http"

	"github.com/racd/racd/internal/authz"
	"github.com/racd/racd/internal/websession"
)

// DRF's refusals of a session-authenticated unsafe request without a valid CSRF token.
const (
	msgCSRFMissing   = "CSRF Failed: CSRF token missing."
	msgCSRFIncorrect = "CSRF Failed: CSRF token incorrect."
)

// authenticateSession authenticates a request without an Authorization header by its
// browser session cookie, as authentik's API accepts its session: the principal, or
// nil when the request has no live session (it then counts as unauthenticated). An
// unsafe method needs the session's CSRF token in X-authentik-CSRF: without it the
// answer is 403 and nothing runs.
func (s *Server) authenticateSession(c *call) (*authz.Principal, error) {
	sess, err := s.sessions.Lookup(c.ctx, c.r)
	if err != nil || sess == nil {
		return nil, err
	}
	switch c.r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
	default:
		token := c.r.Header.Get(websession.CSRFHeader)
		if token == "" {
			return nil, errDetail(http.StatusForbidden, msgCSRFMissing)
		}
		if !s.sessions.ValidCSRF(sess, token) {
			return nil, errDetail(http.StatusForbidden, msgCSRFIncorrect)
		}
	}
	p, err := s.sessions.Principal(c.ctx, sess)
	if err != nil {
		return nil, err
	}
	c.session = sess
	return p, nil
}
