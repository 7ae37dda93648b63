package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/racd"
)

// The detail messages of DRF's standard errors.
const (
	msgNotAuthenticated = "Authentication credentials were not provided."
	msgForbidden        = "You do not have permission to perform this action."
	msgTokenInvalid     = "Token invalid/expired"
	msgUnsupportedAuth  = "Unsupported authentication type"
	msgNotFound         = "Not found."
	msgInvalidPage      = "Invalid page."
	msgUnavailable      = "The database is unavailable; retry shortly."
	msgConflict         = "The object was changed concurrently; retry the request."
	msgTooLarge         = "Request body too large."
	msgBusy             = "Too many property-mapping evaluations are running; retry shortly."
)

// apiError is an error with the status and body clients see.
type apiError struct {
	status int
	detail string
	allow  string // Allow header for 405
}

func (e *apiError) Error() string { return e.detail }

func errDetail(status int, detail string) *apiError { return &apiError{status: status, detail: detail} }

var (
	errForbidden = errDetail(http.StatusForbidden, msgForbidden)
	errNotFound  = errDetail(http.StatusNotFound, msgNotFound)
)

func errMethod(method, allow string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, detail: `Method "` + method + `" not allowed.`, allow: allow}
}

// writeError turns an error into authentik's response. Only messages meant for
// clients reach them; anything unexpected is a logged 500 that says only its request id.
func (s *Server) writeError(c *call, err error) {
	var (
		ae *apiError
		fe *racd.FieldErrors
	)
	switch {
	case errors.As(err, &ae):
		if ae.allow != "" {
			c.w.Header().Set("Allow", ae.allow)
		}
		s.writeDetail(c, ae.status, ae.detail)
	case errors.As(err, &fe):
		c.status = http.StatusBadRequest
		writeRaw(c.w, http.StatusBadRequest, fieldErrorsJSON(fe))
	case errors.Is(err, racd.ErrNotFound):
		s.writeDetail(c, http.StatusNotFound, msgNotFound)
	case errors.Is(err, racd.ErrForbidden):
		s.writeDetail(c, http.StatusForbidden, msgForbidden)
	case errors.Is(err, racd.ErrInvalidPage):
		s.writeDetail(c, http.StatusNotFound, msgInvalidPage)
	case errors.Is(err, racd.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		c.errLog = err
		c.w.Header().Set("Retry-After", "1")
		s.writeDetail(c, http.StatusServiceUnavailable, msgUnavailable)
	case errors.Is(err, expr.ErrBusy):
		c.w.Header().Set("Retry-After", "1")
		s.writeDetail(c, http.StatusServiceUnavailable, msgBusy)
	case errors.Is(err, racd.ErrConflict):
		s.writeDetail(c, http.StatusConflict, msgConflict)
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		c.status = 499
	default:
		c.errLog = err
		s.writeDetail(c, http.StatusInternalServerError, "Internal server error (request "+c.reqID+").")
	}
}

func (s *Server) writeDetail(c *call, status int, detail string) {
	c.status = status
	buf := getBuf()
	defer putBuf(buf)
	buf.WriteString(`{"detail":`)
	appendJSONString(buf, detail)
	buf.WriteByte('}')
	writeRaw(c.w, status, buf.Bytes())
}

// fieldErrorsJSON renders {"field":["msg",...],...} in the errors' order.
func fieldErrorsJSON(fe *racd.FieldErrors) []byte {
	buf := getBuf()
	defer putBuf(buf)
	buf.WriteByte('{')
	for i, f := range fe.Fields() {
		if i > 0 {
			buf.WriteByte(',')
		}
		appendJSONString(buf, f)
		buf.WriteString(":[")
		for j, m := range fe.Messages(f) {
			if j > 0 {
				buf.WriteByte(',')
			}
			appendJSONString(buf, m)
		}
		buf.WriteByte(']')
	}
	buf.WriteByte('}')
	return append([]byte(nil), buf.Bytes()...)
}
