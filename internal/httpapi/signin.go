package httpapi

import (
	"net/http"
	"strconv"

	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/racd"
)

// setUserPassword is POST /core/users/{id}/set_password/ (UserPasswordSetRequest →
// 204), with authentik's rule: the user must be visible to the caller (view_user,
// else 404) and the caller must hold authentik_core.reset_user_password globally or on
// that user (else 403). [racd] authentik 2024.6 also demands add_user through its
// default object permission (issue 8554) and stores an unusable password for a
// missing one; racd needs only reset_user_password, refuses a missing or blank
// password with a 400, and lets only superusers set a superuser's password. The
// password is hashed with Argon2id, recorded as password_set (never the password),
// and the user's other browser sessions end.
func setUserPassword(s *Server, c *call) error {
	u, err := users.current(s, c)
	if err != nil {
		return err
	}
	if !c.p.Can(racd.PermResetUserPassword, strconv.FormatInt(u.ID, 10)) || (u.IsSuperuser && !c.p.Superuser) {
		return errForbidden
	}
	f, err := readForm(c, false)
	if err != nil {
		return err
	}
	pw := f.text("password", required|notBlank)
	if pw.Set && len(pw.V) > racd.MaxPasswordLength {
		f.errs.Add("password", "Ensure this field has no more than "+strconv.Itoa(racd.MaxPasswordLength)+" characters.")
	}
	if !f.errs.Empty() {
		return &f.errs
	}
	params := password.Default
	if s.verifier != nil {
		params = s.verifier.Params()
	}
	hash, err := password.Hash(pw.V, params)
	if err != nil {
		return err
	}
	keep := "" // a user who sets its own password keeps the session it did it from
	if c.session != nil && c.session.User.ID == u.ID {
		keep = c.session.UUID
	}
	if err := s.store.SetPassword(c.ctx, u.ID, hash, keep, c.audit()); err != nil {
		return err
	}
	return noContent(c)
}

// authenticatedSessionJSON is authentik's AuthenticatedSession.
type authenticatedSessionJSON struct {
	UUID          string        `json:"uuid"`
	Current       bool          `json:"current"`
	UserAgent     userAgentJSON `json:"user_agent"`
	GeoIP         *struct{}     `json:"geo_ip"`
	ASN           *struct{}     `json:"asn"`
	User          int64         `json:"user"`
	LastIP        string        `json:"last_ip"`
	LastUserAgent string        `json:"last_user_agent"`
	LastUsed      string        `json:"last_used"`
	Expires       *string       `json:"expires"`
}

func (s *Server) toSessionJSON(c *call, bs *racd.BrowserSession) authenticatedSessionJSON {
	exp := isoTime(bs.End(s.sessions.IdleTimeout()))
	return authenticatedSessionJSON{
		UUID: bs.UUID, Current: c.session != nil && c.session.UUID == bs.UUID, UserAgent: parseUserAgent(bs.LastUserAgent),
		User: bs.User.ID, LastIP: bs.LastIP, LastUserAgent: bs.LastUserAgent, LastUsed: isoTime(bs.LastUsed), Expires: &exp,
	}
}

// sessionsPerm and sessionPerm are the rule of the session routes (the list, and one
// session): a user's own sessions, a superuser's all; another user's session is 404,
// as authentik's viewset filters them.
var (
	sessionsPerm = perm{model: racd.AuthenticatedSessionModel, rule: ownerOnly}
	sessionPerm  = perm{model: racd.AuthenticatedSessionModel, rule: ownerOnly, object: sessionFinder{}}
)

// sessionFinder finds the live session of a detail route ({uuid}).
type sessionFinder struct{}

func (sessionFinder) find(s *Server, c *call, _ bool) (target, error) {
	if s.sessions == nil {
		return target{}, errNotFound
	}
	bs, err := s.store.GetBrowserSession(c.ctx, c.param("uuid"))
	if err != nil {
		return target{}, err
	}
	if !s.now().Before(bs.End(s.sessions.IdleTimeout())) {
		return target{}, errNotFound
	}
	return target{pk: bs.UUID, owner: bs.User.ID, obj: bs}, nil
}

func listAuthenticatedSessions(s *Server, c *call) error {
	if s.sessions == nil {
		return errNotFound
	}
	qv := c.query()
	lq, err := listQuery(qv, racd.BrowserSessionOrderFields)
	if err != nil {
		return err
	}
	now := s.now()
	f := &filters{c: c, lq: lq, qv: qv}
	q := racd.BrowserSessionQuery{ListQuery: lq, Username: f.str("user__username"),
		LastIP: f.str("last_ip"), LastUserAgent: f.str("last_user_agent"),
		IdleBefore: now.Add(-s.sessions.IdleTimeout()), Now: now}
	if !c.p.Superuser {
		q.OwnerID = c.p.User.ID
	}
	list, count, err := s.store.ListBrowserSessions(c.ctx, q)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, list, func(bs *racd.BrowserSession) authenticatedSessionJSON { return s.toSessionJSON(c, bs) }))
}

func getAuthenticatedSession(s *Server, c *call) error {
	return s.writeJSON(c, http.StatusOK, s.toSessionJSON(c, c.target.obj.(*racd.BrowserSession)))
}

// deleteAuthenticatedSession revokes a session: the browser holding it is signed out,
// and the connection tokens launched from it are deleted, which ends their live RAC
// connections on whichever replica holds them.
func deleteAuthenticatedSession(s *Server, c *call) error {
	bs := c.target.obj.(*racd.BrowserSession)
	if err := s.store.EndBrowserSession(c.ctx, bs.UUID, racd.EventModelDeleted, c.audit()); err != nil {
		return err
	}
	return noContent(c)
}

func authenticatedSessionUsedBy(s *Server, c *call) error {
	return s.writeJSON(c, http.StatusOK, []usedByJSON{})
}
