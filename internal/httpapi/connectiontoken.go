package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/racd"
)

// connectionTokenJSON is authentik's ConnectionToken.
type connectionTokenJSON struct {
	PK          string          `json:"pk"`
	Provider    int64           `json:"provider"`
	ProviderObj providerJSON    `json:"provider_obj"`
	Endpoint    string          `json:"endpoint"`
	EndpointObj endpointJSON    `json:"endpoint_obj"`
	User        tokenMemberJSON `json:"user"`
}

// tokenMemberJSON is authentik's GroupMember, the user a connection token belongs to.
type tokenMemberJSON struct {
	PK         int64           `json:"pk"`
	Username   string          `json:"username"`
	Name       string          `json:"name"`
	IsActive   bool            `json:"is_active"`
	LastLogin  *string         `json:"last_login"`
	Email      string          `json:"email"`
	Attributes json.RawMessage `json:"attributes"`
	UID        string          `json:"uid"`
}

// timeJSON renders a time as DRF does: RFC 3339 in UTC with a Z and microseconds.
func racTimeJSON(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999Z07:00") }

// userUID is the stable opaque user id GroupMember carries: the hex SHA-256 of the
// user's UUID (authentik hashes its install id with the primary key).
func memberUID(u *racd.User) string {
	h := sha256.Sum256([]byte(u.UUID))
	return hex.EncodeToString(h[:])
}

func toTokenMemberJSON(u *racd.User) tokenMemberJSON {
	out := tokenMemberJSON{PK: u.ID, Username: u.Username, Name: u.Name, IsActive: u.IsActive, Email: u.Email,
		Attributes: u.Attributes, UID: memberUID(u)}
	if u.LastLogin != nil {
		s := racTimeJSON(*u.LastLogin)
		out.LastLogin = &s
	}
	if len(out.Attributes) == 0 {
		out.Attributes = racd.EmptyObject
	}
	return out
}

func toConnectionTokenJSON(t *racd.ConnectionToken) connectionTokenJSON {
	out := connectionTokenJSON{PK: t.UUID, Provider: t.ProviderID, Endpoint: t.Endpoint.UUID,
		EndpointObj: toEndpointJSON(t.Endpoint), User: toTokenMemberJSON(&t.User)}
	if t.Provider != nil {
		out.ProviderObj = toProviderJSON(t.Provider)
	}
	return out
}

// tokenVisibility is what connection tokens the caller sees: its own, plus those its
// view permission covers (superusers: all).
func connTokenVisibility(c *call) racd.ConnectionTokenVisibility {
	return racd.ConnectionTokenVisibility{OwnerID: c.p.User.ID, Visible: c.p.Visibility(racd.ConnectionTokenModel.Perm(racd.PermView))}
}

func listConnectionTokens(s *Server, c *call) error {
	qv := c.query()
	lq, err := listQuery(qv, racd.ConnectionTokenOrderFields)
	if err != nil {
		return err
	}
	q := racd.ConnectionTokenQuery{ListQuery: lq, Tokens: connTokenVisibility(c)}
	if v := strFilter(qv, "endpoint"); v != nil {
		id, ok := racd.ParseUUID(*v)
		if !ok {
			return racd.FieldError("endpoint", "Enter a valid UUID.")
		}
		q.Endpoint = &id
	}
	if q.Provider, err = racIntFilter(qv, "provider"); err != nil {
		return err
	}
	if q.User, err = racIntFilter(qv, "session__user"); err != nil {
		return err
	}
	ts, count, err := s.store.ConnectionTokens().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]connectionTokenJSON, len(ts))
	for i, t := range ts {
		out[i] = toConnectionTokenJSON(t)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

// loadConnectionToken returns the token if the caller may see it (its owner, or view
// permission; else 404) and may perform action on it (owner, or the permission; else 403).
func (s *Server) loadConnectionToken(c *call, action string) (*racd.ConnectionToken, error) {
	id, ok := racd.ParseUUID(c.param("connection_token_uuid"))
	if !ok {
		return nil, errNotFound
	}
	t, err := s.store.ConnectionTokens().Get(c.ctx, id)
	if err != nil {
		return nil, err
	}
	if t.User.ID == c.p.User.ID {
		return t, nil
	}
	if err := requireObject(c, racd.ConnectionTokenModel, t.UUID, action); err != nil {
		return nil, err
	}
	return t, nil
}

func getConnectionToken(s *Server, c *call) error {
	t, err := s.loadConnectionToken(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toConnectionTokenJSON(t))
}

func updateConnectionToken(s *Server, c *call) error {
	t, err := s.loadConnectionToken(c, racd.PermChange)
	if err != nil {
		return err
	}
	in := &racd.ConnectionTokenInput{}
	f, err := readForm(c, &in.Errors, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	in.Provider = f.racProviderRef("provider", false)
	in.Endpoint = f.uuidRef("endpoint", true, false)
	t, err = s.store.ConnectionTokens().Update(c.ctx, t.UUID, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toConnectionTokenJSON(t))
}

func deleteConnectionToken(s *Server, c *call) error {
	t, err := s.loadConnectionToken(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.ConnectionTokens().Delete(c.ctx, t.UUID, c.audit()); err != nil {
		return err
	}
	return noContent(c)
}

func connectionTokenUsedBy(s *Server, c *call) error {
	if _, err := s.loadConnectionToken(c, racd.PermView); err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, []usedByJSON{})
}

// launchJSON is the answer of POST /rac/endpoints/{pbm_uuid}/launch/.
type launchJSON struct {
	Token           string              `json:"token"`
	URL             string              `json:"url"`
	Expires         *string             `json:"expires"`
	Settings        map[string]string   `json:"settings"`
	ConnectionToken connectionTokenJSON `json:"connection_token"`
}

// launchEndpoint issues a connection token for the caller (SPEC §4): 403 without view
// on the endpoint, 404 for an unknown one, 400 at the connection limit.
func launchEndpoint(s *Server, c *call) error {
	if err := requireList(c, racd.EndpointModel); err != nil {
		return err
	}
	id, ok := racd.ParseUUID(c.param("pbm_uuid"))
	if !ok {
		return errNotFound
	}
	e, err := s.store.Endpoints().Get(c.ctx, id)
	if err != nil {
		return err
	}
	if !c.p.Can(racd.EndpointModel.Perm(racd.PermView), e.UUID) {
		return errForbidden
	}
	var errs racd.FieldErrors
	f, err := readForm(c, &errs, true)
	if err != nil {
		return err
	}
	settings := f.object("settings", false, racd.MsgNotADict)
	if len(settings.V) > racd.MaxLaunchSettingsBytes {
		errs.Add("settings", racd.MsgLaunchSettingsTooLarge)
	}
	if !errs.Empty() {
		return &errs
	}
	// Mappings are evaluated in a slot of the evaluator, taken before anything is
	// written: when none frees up within the evaluation time limit, the answer is a
	// 503 and no token was issued.
	var slot *expr.Slot
	if len(e.PropertyMappings) > 0 || (e.Provider != nil && len(e.Provider.PropertyMappings) > 0) {
		if slot, err = s.evals.Reserve(c.ctx); err != nil {
			return err
		}
		defer slot.Release()
	}
	secret, err := racd.NewConnectionSecret()
	if err != nil {
		return err
	}
	l, err := s.store.ConnectionTokens().Launch(c.ctx, racd.LaunchRequest{
		EndpointUUID: e.UUID, UserID: c.p.User.ID, TokenHash: s.keys.Hash(secret), Settings: settings.V,
	}, c.audit())
	if err != nil {
		return err
	}
	// The answer shows the settings without credentials: those reach guacd only, when
	// the gateway computes the settings again at connect time.
	out := launchJSON{Token: secret, URL: racd.SessionPagePath(secret), Settings: racd.WithoutSecrets(s.connectionSettings(c, l, secret, slot)),
		ConnectionToken: toConnectionTokenJSON(l.Token)}
	if l.Token.Expires != nil {
		x := racTimeJSON(*l.Token.Expires)
		out.Expires = &x
	}
	return s.writeJSON(c, http.StatusCreated, out)
}

// connectionSettings merges the settings of a launched token (SPEC §4), evaluating
// its mappings in slot (nil when the endpoint had none as the launch began: one is
// reserved now if it has some since). Mappings that fail, run into a limit or find no
// free slot are skipped and recorded as configuration_error events. (The answer's
// settings only describe the connection: the gateway computes them again at connect
// time, and refuses to connect without a slot.)
func (s *Server) connectionSettings(c *call, l *racd.Launch, secret string, slot *expr.Slot) map[string]string {
	settings, _ := s.evals.LaunchSettings(c.ctx, slot, l, secret, func(m *racd.PropertyMapping, err error) {
		if !errors.Is(err, expr.ErrBusy) {
			s.obs.Evaluation(expr.Outcome(err))
		}
		if err == nil {
			return
		}
		if err := s.store.Events().Record(c.ctx, expr.MappingFailure(m, l.Token.Endpoint.Provider, err, c.audit())); err != nil {
			s.log.Warn("recording configuration_error event failed", "err", err, "request_id", c.reqID)
		}
	})
	return settings
}
