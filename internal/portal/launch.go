package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// msgAlreadyConnected is the hint authentik adds to racd.MsgConnLimit when the user
// holds one of the endpoint's live tokens.
const msgAlreadyConnected = "(You are already connected in another tab/window)"

// confirmData is the page that asks before a launch a link from another site started.
type confirmData struct {
	pageData
	Message string
	Action  string
	Button  string
}

// launch serves /application/rac/<app slug>/<endpoint uuid>/, an endpoint's
// launch_url. Signed out, it leads to sign-in and back. Signed in, it applies the
// launch API's rules (the endpoint is visible to the user, under this application;
// maximum_connections), issues a connection token bound to this browser session (so
// the session page opens only in this browser, and signing out ends it), records
// authorize_application and sends the browser to the session page. A request that
// another site started (Sec-Fetch-Site cross-site, or a browser that does not say)
// is asked to confirm first, so a link elsewhere cannot use up the user's connections.
func (h *Handler) launch(w http.ResponseWriter, r *http.Request, rest string) error {
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[2] != "" {
		return errPage(http.StatusNotFound, "Not found", "There is no page at this address.")
	}
	s, err := h.session(r, http.MethodGet, http.MethodPost)
	if err != nil {
		return err
	}
	if s == nil {
		return redirect(w, r, h.SignInURL(r.URL.Path))
	}
	ctx := r.Context()
	notFound := errPage(http.StatusNotFound, "Machine not found", "This machine does not exist, or you may not use it. Ask your administrator if you think you should.")
	id, ok := racd.ParseUUID(parts[1])
	if !ok {
		return notFound
	}
	e, err := h.store.Endpoints().Get(ctx, id)
	if errors.Is(err, racd.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	p, err := h.sessions.Principal(ctx, s)
	if err != nil {
		return err
	}
	if e.Provider == nil || e.Provider.Application.Slug != parts[0] || !p.Can(racd.EndpointModel.Perm(racd.PermView), e.UUID) {
		return notFound
	}
	app, err := h.store.Applications().Get(ctx, parts[0])
	if errors.Is(err, racd.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	layout := h.layout(s, "Open "+e.Name)
	if r.Method == http.MethodPost {
		if !h.postedForm(w, r, s) {
			return errPage(http.StatusForbidden, "Not opened", "This form has expired. Go back to your machines and try again.")
		}
	} else if site := r.Header.Get("Sec-Fetch-Site"); site != "same-origin" && site != "none" {
		h.render(w, r, http.StatusOK, "confirm", &confirmData{pageData: layout, Action: r.URL.Path, Button: "Open " + e.Name,
			Message: "Open a remote connection to " + e.Name + " (" + strings.ToUpper(e.Protocol) + ", " + e.Host + ")?"})
		return nil
	}
	secret, err := racd.NewConnectionSecret()
	if err != nil {
		return err
	}
	a := audit(r, h.sessions)
	a.User = s.User.Actor()
	_, err = h.store.ConnectionTokens().Launch(ctx, racd.LaunchRequest{EndpointUUID: e.UUID, UserID: s.User.ID,
		TokenHash: h.keys.Hash(secret), Settings: racd.EmptyObject, BrowserSession: s.UUID}, a)
	if fe, ok := racd.AsFieldErrors(err); ok && len(fe.Messages(racd.NonFieldErrors)) > 0 {
		msg := strings.Join(fe.Messages(racd.NonFieldErrors), " ")
		if msg == racd.MsgConnLimit {
			mine, err := h.holdsToken(r, s, e)
			if err != nil {
				return err
			}
			if mine {
				msg += " " + msgAlreadyConnected
			}
		}
		return errPage(http.StatusConflict, "Cannot open "+e.Name, msg)
	}
	if err != nil {
		return err
	}
	appRef := racd.ApplicationModel.Ref(app.UUID, app.Name)
	ev := &racd.Event{Action: racd.EventAuthorizeApplication, User: a.User, Request: a.Request, ClientIP: a.Request.ClientIP,
		Extra: map[string]any{
			"authorized_application": map[string]any{"app": appRef.App, "model_name": appRef.ModelName, "pk": appRef.PK, "name": appRef.Name},
			"flow":                   e.Provider.AuthorizationFlow,
			"endpoint":               e.Name,
		}}
	if err := h.store.Events().Record(ctx, ev); err != nil {
		return err
	}
	return redirect(w, r, racd.SessionPagePath(secret))
}

// holdsToken reports whether the user of s holds a live connection token of e (one of
// those the limit counts).
func (h *Handler) holdsToken(r *http.Request, s *racd.BrowserSession, e *racd.Endpoint) (bool, error) {
	uid := s.User.ID
	_, n, err := h.store.ConnectionTokens().List(r.Context(), racd.ConnectionTokenQuery{
		ListQuery: racd.ListQuery{Page: 1, PageSize: 1, Visible: racd.Everything},
		Endpoint:  &e.UUID, User: &uid, Tokens: racd.ConnectionTokenVisibility{Visible: racd.Everything}})
	return n > 0, err
}
