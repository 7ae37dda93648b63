package httpapi

import (
	"strconv"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// applications is /api/v3/core/applications/, by slug.
var applications = &resource[*racd.Application, *racd.ApplicationInput, string, racd.ApplicationQuery, applicationJSON]{
	model: racd.ApplicationModel, path: "/api/v3/core/applications/", param: "slug", key: slugKey,
	store: storeOf(racd.Store.Applications),
	query: func(f *filters) racd.ApplicationQuery {
		return racd.ApplicationQuery{
			ListQuery: f.lq, Name: f.str("name"), Slug: f.str("slug"), Group: f.str("group"),
			MetaLaunchURL: f.str("meta_launch_url"), MetaDescription: f.str("meta_description"),
			MetaPublisher: f.str("meta_publisher"),
			// authentik 2024.8: only "true" (in any case) filters.
			OnlyWithLaunchURL: queryFlag(f.qv, "only_with_launch_url", false),
		}
	},
	decode: func(f *form) *racd.ApplicationInput {
		return &racd.ApplicationInput{
			Name: f.text("name", required|trim), Slug: f.text("slug", required|trim), Provider: f.intRef("provider", nullable),
			BackchannelProviders: f.intRefs("backchannel_providers", 0), OpenInNewTab: f.boolean("open_in_new_tab", 0),
			MetaLaunchURL: f.text("meta_launch_url", trim), MetaDescription: f.text("meta_description", trim),
			MetaPublisher: f.text("meta_publisher", trim), PolicyEngineMode: f.choice("policy_engine_mode", 0),
			Group: f.text("group", trim), MetaIcon: f.text("meta_icon", 0), MetaHide: f.boolean("meta_hide", 0),
		}
	},
	wire: func(c *call, a *racd.Application) applicationJSON {
		// Its providers as the caller may see them (nested.go): provider_obj is null
		// for one it may not view.
		shown := *a
		if a.Provider != nil {
			if shown.Provider = nil; c.sees(racd.ProviderModel, strconv.FormatInt(a.Provider.ID, 10)) {
				shown.Provider = c.providerRelations(a.Provider)
			}
		}
		shown.BackchannelProviderObjs = c.shownProviders(a.BackchannelProviderObjs)
		return toApplicationJSON(&shown, &c.p.User)
	},
}

// applicationJSON is authentik's Application: 2024.6's keys in the serializer's
// order, then the keys newer clients read.
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
	// MetaIcon is "" without an icon: 2024.6's schema allows a string or null, and
	// clients from 2025.12 a string only (authentik answers "" there too).
	MetaIcon         string `json:"meta_icon"`
	MetaDescription  string `json:"meta_description"`
	MetaPublisher    string `json:"meta_publisher"`
	PolicyEngineMode string `json:"policy_engine_mode"`
	Group            string `json:"group"`
	// From authentik 2025.12 (the icon's URLs) and 2026.8 (pbm_uuid, meta_hide).
	MetaIconURL        *string        `json:"meta_icon_url"`
	MetaIconThemedURLs *themedURLJSON `json:"meta_icon_themed_urls"`
	PbmUUID            string         `json:"pbm_uuid"`
	MetaHide           bool           `json:"meta_hide"`
}

func toApplicationJSON(a *racd.Application, u *racd.User) applicationJSON {
	out := applicationJSON{
		PK: a.UUID, Name: a.Name, Slug: a.Slug, BackchannelProviders: orEmpty(a.BackchannelProviders),
		BackchannelProvidersObj: toProviderObjsJSON(a.BackchannelProviderObjs),
		OpenInNewTab:            a.OpenInNewTab, MetaLaunchURL: a.MetaLaunchURL, MetaIcon: a.MetaIcon, MetaDescription: a.MetaDescription,
		MetaPublisher: a.MetaPublisher, PolicyEngineMode: a.PolicyEngineMode, Group: a.Group,
		MetaIconURL: optStr(a.MetaIcon), MetaIconThemedURLs: toThemedURLs(a.MetaIcon), PbmUUID: a.UUID, MetaHide: a.MetaHide,
	}
	if a.ProviderID != 0 {
		id := a.ProviderID
		out.Provider = &id
	}
	if a.Provider != nil {
		obj := toProviderObjJSON(a.Provider)
		out.ProviderObj = &obj
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
