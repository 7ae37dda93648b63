package portal

import (
	"net/http"
	"sort"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// libraryData is the library page: the signed-in user's applications with a RAC
// provider and, under each, the endpoints the user may launch.
type libraryData struct {
	pageData
	Query string
	Apps  []libraryApp
	// Total counts the endpoints the user may launch, before the search.
	Total int
}

type libraryApp struct {
	Name      string
	Slug      string
	Endpoints []libraryEndpoint
}

type libraryEndpoint struct {
	Name     string
	Protocol string
	Host     string
	URL      string
}

// maxLibraryEndpoints bounds what one library page lists (pages of the store's
// largest size); a user with more sees the first ones by name and uses the search.
const maxLibraryEndpoints = 5000

// library serves /if/user/. Signed out, it sends the browser to sign-in and back.
func (h *Handler) library(w http.ResponseWriter, r *http.Request) error {
	s, err := h.session(r, http.MethodGet)
	if err != nil {
		return err
	}
	if s == nil {
		return redirect(w, r, h.SignInURL(r.URL.RequestURI()))
	}
	ctx := r.Context()
	p, err := h.sessions.Principal(ctx, s)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	q = strings.ToValidUTF8(q, "")
	d := &libraryData{pageData: h.layout(s, "My remote machines"), Query: q}
	apps := map[string]*libraryApp{}
	vis := p.Visibility(racd.EndpointModel.Perm(racd.PermView))
	for page := 1; (page-1)*1000 < maxLibraryEndpoints; page++ {
		eps, count, err := h.store.Endpoints().List(ctx, racd.EndpointQuery{ListQuery: racd.ListQuery{
			Page: page, PageSize: 1000, Ordering: []racd.OrderTerm{{Field: "name"}}, Visible: vis}})
		if err != nil {
			return err
		}
		for _, e := range eps {
			u := e.LaunchURL()
			if u == "" {
				continue // no application: nothing to launch it from
			}
			d.Total++
			app := e.Provider.Application
			if q != "" && !matches(q, app.Name, e.Name, e.Protocol, e.Host) {
				continue
			}
			a := apps[app.Slug]
			if a == nil {
				a = &libraryApp{Name: app.Name, Slug: app.Slug}
				apps[app.Slug] = a
			}
			a.Endpoints = append(a.Endpoints, libraryEndpoint{Name: e.Name, Protocol: e.Protocol, Host: e.Host, URL: u})
		}
		if page*1000 >= count {
			break
		}
	}
	for _, a := range apps {
		d.Apps = append(d.Apps, *a)
	}
	sort.Slice(d.Apps, func(i, j int) bool {
		if d.Apps[i].Name != d.Apps[j].Name {
			return d.Apps[i].Name < d.Apps[j].Name
		}
		return d.Apps[i].Slug < d.Apps[j].Slug
	})
	h.render(w, r, http.StatusOK, "library", d)
	return nil
}

// matches reports whether every word of q is in one of fields, ignoring case.
func matches(q string, fields ...string) bool {
	for _, word := range strings.Fields(strings.ToLower(q)) {
		found := false
		for _, f := range fields {
			if strings.Contains(strings.ToLower(f), word) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
