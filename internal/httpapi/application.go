package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// providerObjJSON is authentik's Provider (the base serializer), as applications and
// outposts embed their providers.
type providerObjJSON struct {
	PK                                 int64    `json:"pk"`
	Name                               string   `json:"name"`
	AuthenticationFlow                 *string  `json:"authentication_flow"`
	AuthorizationFlow                  string   `json:"authorization_flow"`
	PropertyMappings                   []string `json:"property_mappings"`
	Component                          string   `json:"component"`
	AssignedApplicationSlug            string   `json:"assigned_application_slug"`
	AssignedApplicationName            string   `json:"assigned_application_name"`
	AssignedBackchannelApplicationSlug string   `json:"assigned_backchannel_application_slug"`
	AssignedBackchannelApplicationName string   `json:"assigned_backchannel_application_name"`
	VerboseName                        string   `json:"verbose_name"`
	VerboseNamePlural                  string   `json:"verbose_name_plural"`
	MetaModelName                      string   `json:"meta_model_name"`
}

func toProviderObjJSON(p *racd.Provider) providerObjJSON {
	full := toProviderJSON(p)
	return providerObjJSON{
		PK: full.PK, Name: full.Name, AuthenticationFlow: full.AuthenticationFlow, AuthorizationFlow: full.AuthorizationFlow,
		PropertyMappings: full.PropertyMappings, Component: full.Component,
		AssignedApplicationSlug: full.AssignedApplicationSlug, AssignedApplicationName: full.AssignedApplicationName,
		AssignedBackchannelApplicationSlug: full.AssignedBackchannelApplicationSlug,
		AssignedBackchannelApplicationName: full.AssignedBackchannelApplicationName,
		VerboseName:                        full.VerboseName, VerboseNamePlural: full.VerboseNamePlural, MetaModelName: full.MetaModelName,
	}
}

func toProviderObjsJSON(ps []*racd.Provider) []providerObjJSON {
	out := make([]providerObjJSON, len(ps))
	for i, p := range ps {
		out[i] = toProviderObjJSON(p)
	}
	return out
}

// applicationJSON is authentik's Application, keys in the serializer's order.
type applicationJSON struct {
	PK                      string            `json:"pk"`
	Name                    string            `json:"name"`
	Slug                    string            `json:"slug"`
	Provider                *int64            `json:"provider"`
	ProviderObj             *providerObjJSON  `json:"provider_obj"`
	BackchannelProviders    []int64           `json:"backchannel_providers"`
	BackchannelProvidersObj []providerObjJSON `json:"backchannel_providers_obj"`
	LaunchURL               *string           `json:"launch_url"`
	OpenInNewTab            bool              `json:"open_in_new_tab"`
	MetaLaunchURL           string            `json:"meta_launch_url"`
	MetaIcon                *string           `json:"meta_icon"`
	MetaDescription         string            `json:"meta_description"`
	MetaPublisher           string            `json:"meta_publisher"`
	PolicyEngineMode        string            `json:"policy_engine_mode"`
	Group                   string            `json:"group"`
}

func toApplicationJSON(a *racd.Application, u *racd.User) applicationJSON {
	out := applicationJSON{
		PK: a.UUID, Name: a.Name, Slug: a.Slug, BackchannelProviders: a.BackchannelProviders,
		BackchannelProvidersObj: toProviderObjsJSON(a.BackchannelProviderObjs),
		OpenInNewTab:            a.OpenInNewTab, MetaLaunchURL: a.MetaLaunchURL, MetaDescription: a.MetaDescription,
		MetaPublisher: a.MetaPublisher, PolicyEngineMode: a.PolicyEngineMode, Group: a.Group,
	}
	if a.ProviderID != 0 {
		id := a.ProviderID
		out.Provider = &id
	}
	if a.Provider != nil {
		obj := toProviderObjJSON(a.Provider)
		out.ProviderObj = &obj
	}
	if out.BackchannelProviders == nil {
		out.BackchannelProviders = []int64{}
	}
	// As authentik's get_launch_url: meta_launch_url, else the provider's launch URL
	// (a RAC provider's is the fixed goauthentik.io://providers/rac/launch, which the
	// web interface turns into a choice of endpoints).
	launch := a.MetaLaunchURL
	if launch == "" && a.ProviderID != 0 {
		launch = racd.RACProviderLaunchURL
	}
	if launch != "" {
		l := formatLaunchURL(launch, u)
		out.LaunchURL = &l
	}
	return out
}

// formatLaunchURL fills Python %(name)s placeholders from the requesting user, as
// authentik formats launch URLs with the user's attributes; a URL that does not
// format cleanly is returned unchanged, as authentik does.
func formatLaunchURL(url string, u *racd.User) string {
	if u == nil || !strings.Contains(url, "%") {
		return url
	}
	vals := map[string]string{
		"id": strconv.FormatInt(u.ID, 10), "username": u.Username,
		"email": u.Email, "name": u.Name, "uuid": u.UUID, "path": u.Path, "type": u.Type,
	}
	var b strings.Builder
	for i := 0; i < len(url); i++ {
		ch := url[i]
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		if i+1 < len(url) && url[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if i+1 >= len(url) || url[i+1] != '(' {
			return url
		}
		end := strings.IndexByte(url[i+2:], ')')
		if end < 0 {
			return url
		}
		key := url[i+2 : i+2+end]
		next := i + 2 + end + 1
		v, ok := vals[key]
		if !ok || next >= len(url) || url[next] != 's' {
			return url
		}
		b.WriteString(v)
		i = next
	}
	return b.String()
}

// decodeApplication reads an ApplicationRequest (PatchedApplicationRequest when partial).
func decodeApplication(c *call, partial bool) (*racd.ApplicationInput, error) {
	in := &racd.ApplicationInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	in.Name, _ = f.str("name", true, false, true)
	in.Slug, _ = f.str("slug", true, false, true)
	in.Provider = f.intRef("provider", false, true)
	in.BackchannelProviders = f.intRefs("backchannel_providers", false)
	in.OpenInNewTab = f.boolean("open_in_new_tab", false)
	in.MetaLaunchURL, _ = f.str("meta_launch_url", false, false, true)
	in.MetaDescription, _ = f.str("meta_description", false, false, true)
	in.MetaPublisher, _ = f.str("meta_publisher", false, false, true)
	in.PolicyEngineMode = f.choice("policy_engine_mode", false)
	in.Group, _ = f.str("group", false, false, true)
	return in, nil
}

func listApplications(s *Server, c *call) error {
	if err := requireList(c, racd.ApplicationModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, racd.ApplicationOrderFields)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.ApplicationModel.Perm(racd.PermView))
	q := racd.ApplicationQuery{
		ListQuery: lq, Name: strFilter(qv, "name"), Slug: strFilter(qv, "slug"), Group: strFilter(qv, "group"),
		MetaLaunchURL: strFilter(qv, "meta_launch_url"), MetaDescription: strFilter(qv, "meta_description"),
		MetaPublisher: strFilter(qv, "meta_publisher"),
	}
	apps, count, err := s.store.Applications().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]applicationJSON, len(apps))
	for i, a := range apps {
		out[i] = toApplicationJSON(a, &c.p.User)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func createApplication(s *Server, c *call) error {
	if err := requireAdd(c, racd.ApplicationModel); err != nil {
		return err
	}
	in, err := decodeApplication(c, false)
	if err != nil {
		return err
	}
	a, err := s.store.Applications().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusCreated, toApplicationJSON(a, &c.p.User))
}

func (s *Server) loadApplication(c *call, action string) (*racd.Application, error) {
	if err := requireList(c, racd.ApplicationModel); err != nil {
		return nil, err
	}
	slug := c.param("slug")
	if !racd.IsSlug(slug) {
		// No stored slug looks like this (and PostgreSQL would refuse a NUL).
		return nil, errNotFound
	}
	a, err := s.store.Applications().Get(c.ctx, slug)
	if err != nil {
		return nil, err
	}
	if err := requireObject(c, racd.ApplicationModel, a.UUID, action); err != nil {
		return nil, err
	}
	return a, nil
}

func getApplication(s *Server, c *call) error {
	a, err := s.loadApplication(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toApplicationJSON(a, &c.p.User))
}

func updateApplication(s *Server, c *call) error {
	a, err := s.loadApplication(c, racd.PermChange)
	if err != nil {
		return err
	}
	in, err := decodeApplication(c, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	a, err = s.store.Applications().Update(c.ctx, a.Slug, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toApplicationJSON(a, &c.p.User))
}

func deleteApplication(s *Server, c *call) error {
	a, err := s.loadApplication(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.Applications().Delete(c.ctx, a.Slug, c.audit()); err != nil {
		return err
	}
	return noContent(c)
}

func applicationUsedBy(s *Server, c *call) error {
	a, err := s.loadApplication(c, racd.PermView)
	if err != nil {
		return err
	}
	used, err := s.store.Applications().UsedBy(c.ctx, a.Slug, c.vis())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUsedByJSON(used))
}
