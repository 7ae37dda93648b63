package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/racd/racd/internal/racd"
)

// providerJSON is authentik's RACProvider, keys in the schema's order.
type providerJSON struct {
	PK                                 int64           `json:"pk"`
	Name                               string          `json:"name"`
	AuthenticationFlow                 *string         `json:"authentication_flow"`
	AuthorizationFlow                  string          `json:"authorization_flow"`
	PropertyMappings                   []string        `json:"property_mappings"`
	Component                          string          `json:"component"`
	AssignedApplicationSlug            string          `json:"assigned_application_slug"`
	AssignedApplicationName            string          `json:"assigned_application_name"`
	AssignedBackchannelApplicationSlug string          `json:"assigned_backchannel_application_slug"`
	AssignedBackchannelApplicationName string          `json:"assigned_backchannel_application_name"`
	VerboseName                        string          `json:"verbose_name"`
	VerboseNamePlural                  string          `json:"verbose_name_plural"`
	MetaModelName                      string          `json:"meta_model_name"`
	Settings                           json.RawMessage `json:"settings"`
	OutpostSet                         []string        `json:"outpost_set"`
	ConnectionExpiry                   string          `json:"connection_expiry"`
	DeleteTokenOnDisconnect            bool            `json:"delete_token_on_disconnect"`
}

func toProviderJSON(p *racd.Provider) providerJSON {
	out := providerJSON{
		PK: p.ID, Name: p.Name, AuthorizationFlow: p.AuthorizationFlow, PropertyMappings: p.PropertyMappings,
		Component:                          "ak-provider-rac-form",
		AssignedApplicationSlug:            p.Application.Slug,
		AssignedApplicationName:            p.Application.Name,
		AssignedBackchannelApplicationSlug: p.BackchannelApplication.Slug,
		AssignedBackchannelApplicationName: p.BackchannelApplication.Name,
		VerboseName:                        racd.ProviderModel.Verbose,
		VerboseNamePlural:                  racd.ProviderModel.VerbosePlural,
		MetaModelName:                      racd.ProviderModel.String(),
		Settings:                           p.Settings,
		OutpostSet:                         p.Outposts,
		ConnectionExpiry:                   p.ConnectionExpiry,
		DeleteTokenOnDisconnect:            p.DeleteTokenOnDisconnect,
	}
	if p.AuthenticationFlow != "" {
		out.AuthenticationFlow = &p.AuthenticationFlow
	}
	if out.PropertyMappings == nil {
		out.PropertyMappings = []string{}
	}
	if out.OutpostSet == nil {
		out.OutpostSet = []string{}
	}
	if len(out.Settings) == 0 {
		out.Settings = racd.EmptyObject
	}
	return out
}

// decodeProvider reads a RACProviderRequest (PatchedRACProviderRequest when partial).
func decodeProvider(c *call, partial bool) (*racd.ProviderInput, error) {
	in := &racd.ProviderInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	in.Name, _ = f.str("name", true, false, true)
	in.AuthenticationFlow = f.uuidRef("authentication_flow", false, true)
	in.AuthorizationFlow = f.uuidRef("authorization_flow", true, false)
	if refs, bad, ok := f.uuidRefsUntilBad("property_mappings", false); ok {
		in.PropertyMappings, in.PropertyMappingsInvalid = racd.Some(refs), bad
	}
	in.Settings = f.object("settings", false, racd.MsgNotADict)
	in.ConnectionExpiry, _ = f.str("connection_expiry", false, false, true)
	in.DeleteTokenOnDisconnect = f.boolean("delete_token_on_disconnect", false)
	return in, nil
}

// providerID parses the {id} of a provider route; anything but an integer is 404.
func providerID(c *call) (int64, error) {
	id, ok := pyInt(c.param("id"))
	if !ok {
		return 0, errNotFound
	}
	return id, nil
}

func listProviders(s *Server, c *call) error {
	if err := requireList(c, racd.ProviderModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, racd.ProviderOrderFields)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.ProviderModel.Perm(racd.PermView))
	q := racd.ProviderQuery{ListQuery: lq, ApplicationIsNull: boolFilter(qv, "application__isnull"), NameIExact: strFilter(qv, "name__iexact")}
	ps, count, err := s.store.Providers().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]providerJSON, len(ps))
	for i, p := range ps {
		out[i] = toProviderJSON(p)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func createProvider(s *Server, c *call) error {
	if err := requireAdd(c, racd.ProviderModel); err != nil {
		return err
	}
	in, err := decodeProvider(c, false)
	if err != nil {
		return err
	}
	p, err := s.store.Providers().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusCreated, toProviderJSON(p))
}

// loadProvider runs the detail-route checks for action and returns the provider.
func (s *Server) loadProvider(c *call, action string) (*racd.Provider, error) {
	if err := requireList(c, racd.ProviderModel); err != nil {
		return nil, err
	}
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	p, err := s.store.Providers().Get(c.ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireObject(c, racd.ProviderModel, strconv.FormatInt(id, 10), action); err != nil {
		return nil, err
	}
	return p, nil
}

func getProvider(s *Server, c *call) error {
	p, err := s.loadProvider(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toProviderJSON(p))
}

// providerAccess runs the detail-route checks for action, loading the provider only
// when the answer depends on it. A caller holding view and action on the object goes
// straight to the store, which answers 404 for an id that does not exist; loaded
// reports whether existence was already checked.
func (s *Server) providerAccess(c *call, action string) (id int64, loaded bool, err error) {
	if err := requireList(c, racd.ProviderModel); err != nil {
		return 0, false, err
	}
	if id, err = providerID(c); err != nil {
		return 0, false, err
	}
	pk := strconv.FormatInt(id, 10)
	if c.p.Can(racd.ProviderModel.Perm(racd.PermView), pk) && c.p.Can(racd.ProviderModel.Perm(action), pk) {
		return id, false, nil
	}
	if _, err := s.store.Providers().Get(c.ctx, id); err != nil {
		return 0, false, err
	}
	return id, true, requireObject(c, racd.ProviderModel, pk, action)
}

func updateProvider(s *Server, c *call) error {
	id, loaded, err := s.providerAccess(c, racd.PermChange)
	if err != nil {
		return err
	}
	in, err := decodeProvider(c, c.r.Method == http.MethodPatch)
	if err != nil {
		// A body the parser refuses is answered after visibility: an unknown id is a
		// 404 whatever the body. (Field errors wait in in.Errors until the store has
		// found the provider.)
		if !loaded {
			if _, gerr := s.store.Providers().Get(c.ctx, id); gerr != nil {
				return gerr
			}
		}
		return err
	}
	p, err := s.store.Providers().Update(c.ctx, id, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toProviderJSON(p))
}

func deleteProvider(s *Server, c *call) error {
	id, _, err := s.providerAccess(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.Providers().Delete(c.ctx, id, c.audit()); err != nil {
		return err
	}
	return noContent(c)
}

func providerUsedBy(s *Server, c *call) error {
	p, err := s.loadProvider(c, racd.PermView)
	if err != nil {
		return err
	}
	used, err := s.store.Providers().UsedBy(c.ctx, p.ID, c.vis())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUsedByJSON(used))
}

func toUsedByJSON(used []racd.UsedBy) []usedByJSON {
	out := make([]usedByJSON, len(used))
	for i, u := range used {
		out[i] = usedByJSON{App: u.Object.App, ModelName: u.Object.ModelName, PK: u.Object.PK, Name: u.Object.Name, Action: u.Action}
	}
	return out
}
