package gateway

// Guacamole status codes racd sends (decimal on the wire). The numbers are the
// protocol's (guacamole-common-js Guacamole.Status.Code, libguac's
// guac_protocol_status).
const (
	StatusServerError         = 0x0200 // 512
	StatusServerBusy          = 0x0201 // 513
	StatusUpstreamTimeout     = 0x0202 // 514
	StatusUpstreamError       = 0x0203 // 515
	StatusResourceNotFound    = 0x0204 // 516
	StatusUpstreamNotFound    = 0x0207 // 519
	StatusUpstreamUnavailable = 0x0208 // 520
	StatusSessionConflict     = 0x0209 // 521
	StatusSessionTimeout      = 0x020A // 522
	StatusSessionClosed       = 0x020B // 523
	StatusClientBadRequest    = 0x0300 // 768
	StatusClientUnauthorized  = 0x0301 // 769
	StatusClientForbidden     = 0x0303 // 771
	StatusClientTimeout       = 0x0308 // 776
	StatusClientOverrun       = 0x030D // 781
)

// Reason is why a session ended. Key names it in audit events and statistics; a
// reason with a Status tells the page with a Guacamole error instruction carrying
// Message (shown to the person) and Status (which decides whether the page reconnects).
type Reason struct {
	Key     string
	Status  int
	Message string
	// KeepsToken: the token is not deleted on this end even with
	// delete_token_on_disconnect (the session goes on elsewhere, or the server stops).
	KeepsToken bool
}

// The reasons a session ends.
var (
	// The browser left: closed the page, sent disconnect, or its connection broke.
	ReasonBrowserClosed = Reason{Key: "browser_closed"}
	// guacd (the machine) ended the session: disconnect, an error it sent (passed on to
	// the page as it was), or its connection closed.
	ReasonGuacdClosed  = Reason{Key: "guacd_closed"}
	ReasonGuacdError   = Reason{Key: "guacd_error"}
	ReasonExpired      = Reason{Key: "expired", Status: StatusSessionTimeout, Message: "The connection has expired."}
	ReasonDeleted      = Reason{Key: "token_deleted", Status: StatusSessionClosed, Message: "An administrator ended the connection."}
	ReasonSignedOut    = Reason{Key: "signed_out", Status: StatusSessionClosed, Message: "You were signed out, so this connection ended."}
	ReasonReplaced     = Reason{Key: "replaced", Status: StatusSessionConflict, Message: "The connection was opened again in another window.", KeepsToken: true}
	ReasonShutdown     = Reason{Key: "shutdown", Status: StatusUpstreamUnavailable, Message: "The server is restarting.", KeepsToken: true}
	ReasonUnreachable  = Reason{Key: "guacd_unreachable", Status: StatusUpstreamNotFound, Message: "The remote desktop proxy (guacd) cannot be reached."}
	ReasonHandshake    = Reason{Key: "guacd_timeout", Status: StatusUpstreamTimeout, Message: "The remote desktop proxy (guacd) did not answer in time."}
	ReasonUpstreamBad  = Reason{Key: "guacd_protocol_error", Status: StatusUpstreamError, Message: "The remote desktop proxy (guacd) sent data racd does not understand."}
	ReasonBadRequest   = Reason{Key: "browser_protocol_error", Status: StatusClientBadRequest, Message: "The browser sent data that is not the Guacamole protocol."}
	ReasonOverrun      = Reason{Key: "browser_overrun", Status: StatusClientOverrun, Message: "The browser sent an instruction that is too large."}
	ReasonUnresponsive = Reason{Key: "browser_unresponsive", Status: StatusClientTimeout, Message: "The browser stopped responding."}
	ReasonInternal     = Reason{Key: "internal_error", Status: StatusServerError, Message: "racd could not start the session; try again."}
	// Every property-mapping evaluation slot stayed taken (RACD_MAX_EVALUATIONS): the
	// settings were not computed, and connecting without the mappings could loosen
	// what they set.
	ReasonBusy = Reason{Key: "busy", Status: StatusServerBusy, Message: "The server is busy; try again in a moment.", KeepsToken: true}
)

// Refusals of a browser before any session starts.
var (
	refuseInvalid = Reason{Key: "invalid_token", Status: StatusResourceNotFound, Message: "This connection link is not valid: it has expired, was used, or never existed."}
	refuseOther   = Reason{Key: "other_browser", Status: StatusClientForbidden, Message: "This connection is bound to another browser: open it in the browser that opened it first, or launch the connection again."}
)
