package httpapi

import (
	"errors"
	"net/http"

	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/racd"
)

// connectionTokens is /api/v3/rac/connection_tokens/, by UUID. Launches create
// tokens; a token's owner sees and manages it without any permission, others by the
// model's permissions. Nothing depends on a token: its used_by is empty.
var connectionTokens = &resource[*racd.ConnectionToken, *racd.ConnectionTokenInput, string, racd.ConnectionTokenQuery, connectionTokenJSON]{
	model: racd.ConnectionTokenModel, path: "/api/v3/rac/connection_tokens/", param: "connection_token_uuid", key: uuidKey, keyIsPK: true,
	store: func(st racd.Store) racd.Reader[*racd.ConnectionToken, string, racd.ConnectionTokenQuery] {
		return st.ConnectionTokens()
	},
	query: func(f *filters) racd.ConnectionTokenQuery {
		// The caller's own tokens, plus those its view permission covers.
		// django-filter reports the first malformed filter only.
		q := racd.ConnectionTokenQuery{ListQuery: f.lq, Tokens: racd.ConnectionTokenVisibility{OwnerID: f.c.p.User.ID, Visible: f.lq.Visible}}
		if q.Endpoint = f.uuid("endpoint"); f.ok() {
			q.Provider = f.int("provider")
		}
		if f.ok() {
			q.User = f.int("session__user")
		}
		return q
	},
	decode: func(f *form) *racd.ConnectionTokenInput {
		return &racd.ConnectionTokenInput{Provider: f.racProviderRef("provider", 0), Endpoint: f.uuidRef("endpoint", required)}
	},
	noCreate: true,
	wire:     func(c *call, t *racd.ConnectionToken) connectionTokenJSON { return toConnectionTokenJSON(c, t) },
	rule:     ownerOrPermission,
	owner:    func(t *racd.ConnectionToken) int64 { return t.User.ID },
}

// connectionTokenJSON is authentik's ConnectionToken.
type connectionTokenJSON struct {
	PK          string          `json:"pk"`
	Provider    int64           `json:"provider"`
	ProviderObj providerJSON    `json:"provider_obj"`
	Endpoint    string          `json:"endpoint"`
	EndpointObj endpointJSON    `json:"endpoint_obj"`
	User        groupMemberJSON `json:"user"`
}

func toConnectionTokenJSON(c *call, t *racd.ConnectionToken) connectionTokenJSON {
	u := t.User
	// Its provider, endpoint and user as the caller may see them (nested.go).
	return connectionTokenJSON{PK: t.UUID, Provider: t.ProviderID, Endpoint: t.Endpoint.UUID, EndpointObj: c.shownEndpointJSON(t.Endpoint),
		ProviderObj: toProviderJSON(c.shownProvider(t.Provider, t.ProviderID)),
		User: toMemberJSON(c, c.shownMember(racd.GroupMember{ID: u.ID, UUID: u.UUID, Username: u.Username, Name: u.Name, IsActive: u.IsActive,
			LastLogin: u.LastLogin, Email: u.Email, Attributes: u.Attributes}))}
}

// launchJSON is the answer of POST /rac/endpoints/{pbm_uuid}/launch/.
type launchJSON struct {
	Token           string              `json:"token"`
	URL             string              `json:"url"`
	Expires         *string             `json:"expires"`
	Settings        map[string]string   `json:"settings"`
	ConnectionToken connectionTokenJSON `json:"connection_token"`
}

// launchEndpoint issues a connection token for the caller (SPEC §4): 403 for a caller
// that may view no endpoint, 404 for an unknown one or one it may not view, 400 at the
// connection limit.
func launchEndpoint(s *Server, c *call) error {
	id, ok := uuidKey(c.param("pbm_uuid"))
	if !ok {
		return errNotFound
	}
	e, err := s.store.Endpoints().Get(c.ctx, id)
	if err != nil {
		return err
	}
	if !c.p.Can(racd.EndpointModel.Perm(racd.PermView), e.UUID) {
		return errNotFound // an endpoint the caller cannot see does not exist for it
	}
	f, err := readForm(c, true)
	if err != nil {
		return err
	}
	settings := f.object("settings", 0)
	if err := f.errs.Err(); err != nil {
		return err
	}
	// Its own settings may choose the target only for a caller who may change the
	// endpoint (the store checks again, whoever launches).
	req := racd.LaunchRequest{EndpointUUID: e.UUID, UserID: c.p.User.ID, Settings: settings.V,
		MayChooseTarget: c.p.Can(racd.EndpointModel.Perm(racd.PermChange), e.UUID)}
	if err := req.Validate(); err != nil {
		return err
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
	req.TokenHash = s.keys.Hash(secret)
	l, err := s.store.ConnectionTokens().Launch(c.ctx, req, c.audit())
	if err != nil {
		return err
	}
	// The answer shows the settings without credentials: those reach guacd only, when
	// the gateway computes the settings again at connect time.
	return s.writeJSON(c, http.StatusCreated, launchJSON{Token: secret, URL: racd.SessionPagePath(secret), Expires: optTime(l.Token.Expires),
		Settings: racd.WithoutSecrets(s.connectionSettings(c, l, secret, slot)), ConnectionToken: toConnectionTokenJSON(c, l.Token)})
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
