package httpapi

import (
	"strconv"

	"github.com/racd/racd/internal/racd"
)

// Objects nested in other objects show only what the caller could GET (issue 9 §3).
// A list of nested objects (a group's users_obj, roles_obj, inherited_roles_obj,
// parents_obj and children_obj, a user's groups_obj,
// an outpost's providers_obj, an application's backchannel_providers_obj) leaves out
// those the caller may not view; a single one the schema requires (an endpoint's
// provider_obj, a connection token's provider_obj, endpoint_obj and user) becomes a
// stub that holds only its key (and an endpoint's protocol and auth_mode, which
// clients read as enumerations), and a nullable one (an application's provider_obj) is
// null. Names of related objects (a group's parent_name, a provider's assigned
// application and outpost_set) follow the same rule. The primary keys an object
// refers to are its own fields and stay. Superusers and holders of a global view see
// everything, as ever.

// sees reports whether the caller could GET the object of m whose key is pk.
func (c *call) sees(m racd.Model, pk string) bool {
	return c.p != nil && c.p.Can(m.Perm(racd.PermView), pk)
}

// seesUser is sees for users, who always see themselves.
func (c *call) seesUser(id int64) bool {
	return c.p != nil && (c.p.User.ID == id || c.sees(racd.UserModel, strconv.FormatInt(id, 10)))
}

// shownProvider is p nested in another object: its related names as the caller may
// see them, or a stub of provider id when the caller may not view it.
func (c *call) shownProvider(p *racd.Provider, id int64) *racd.Provider {
	if p == nil || !c.sees(racd.ProviderModel, strconv.FormatInt(p.ID, 10)) {
		return &racd.Provider{ID: id}
	}
	return c.providerRelations(p)
}

// providerRelations returns a copy of p without the applications and outposts the
// caller may not view (its assigned_* keys and outpost_set).
func (c *call) providerRelations(p *racd.Provider) *racd.Provider {
	cp := *p
	if cp.Application.UUID != "" && !c.sees(racd.ApplicationModel, cp.Application.UUID) {
		cp.Application = racd.AppRef{}
	}
	if cp.BackchannelApplication.UUID != "" && !c.sees(racd.ApplicationModel, cp.BackchannelApplication.UUID) {
		cp.BackchannelApplication = racd.AppRef{}
	}
	cp.Outposts, cp.OutpostUUIDs = nil, nil
	for i, id := range p.OutpostUUIDs {
		if i < len(p.Outposts) && c.sees(racd.OutpostModel, id) {
			cp.Outposts = append(cp.Outposts, p.Outposts[i])
			cp.OutpostUUIDs = append(cp.OutpostUUIDs, id)
		}
	}
	return &cp
}

// shownProviders leaves out the providers the caller may not view.
func (c *call) shownProviders(ps []*racd.Provider) []*racd.Provider {
	out := make([]*racd.Provider, 0, len(ps))
	for _, p := range ps {
		if c.sees(racd.ProviderModel, strconv.FormatInt(p.ID, 10)) {
			out = append(out, c.providerRelations(p))
		}
	}
	return out
}

// endpointJSON renders an endpoint the caller may view: its provider nested as the
// caller may see it. launch_url stays: it is how the caller launches the endpoint.
func (c *call) endpointJSON(e *racd.Endpoint) endpointJSON {
	launch := e.LaunchURL()
	shown := *e
	shown.Provider = c.shownProvider(e.Provider, e.ProviderID)
	out := toEndpointJSON(&shown)
	out.LaunchURL = optStr(launch)
	return out
}

// shownEndpointJSON renders e nested in another object: whole, or a stub when the
// caller may not view it.
func (c *call) shownEndpointJSON(e *racd.Endpoint) endpointJSON {
	if c.sees(racd.EndpointModel, e.UUID) {
		return c.endpointJSON(e)
	}
	return toEndpointJSON(&racd.Endpoint{UUID: e.UUID, ProviderID: e.ProviderID, Protocol: e.Protocol, AuthMode: e.AuthMode,
		Provider: c.shownProvider(e.Provider, e.ProviderID)})
}

// shownMember is a user nested in another object: whole, or a stub of its key.
func (c *call) shownMember(m racd.GroupMember) racd.GroupMember {
	if c.seesUser(m.ID) {
		return m
	}
	return racd.GroupMember{ID: m.ID}
}

// shownGroup returns a copy of g whose members, roles (its own and inherited),
// parents' and children's objects and parent name are those the caller may view. Its
// parents stay (its own field, which a client sends back); its children, another
// group's field, are listed only when the caller may view them.
func (c *call) shownGroup(g *racd.Group) *racd.Group {
	cp := *g
	cp.Members = nil
	for _, m := range g.Members {
		if c.seesUser(m.ID) {
			cp.Members = append(cp.Members, m)
		}
	}
	cp.RoleObjs = c.shownRoles(g.RoleObjs)
	cp.InheritedRoleObjs = c.shownRoles(g.InheritedRoleObjs)
	if cp.Parent != "" && !c.sees(racd.GroupModel, cp.Parent) {
		cp.ParentName = ""
	}
	cp.ParentObjs = c.shownRelatedGroups(g.ParentObjs)
	cp.ChildObjs = c.shownRelatedGroups(g.ChildObjs)
	cp.Children = make([]string, len(cp.ChildObjs))
	for i, ch := range cp.ChildObjs {
		cp.Children[i] = ch.UUID
	}
	return &cp
}

// shownRelatedGroups leaves out the groups the caller may not view.
func (c *call) shownRelatedGroups(gs []racd.RelatedGroup) []racd.RelatedGroup {
	out := make([]racd.RelatedGroup, 0, len(gs))
	for _, g := range gs {
		if c.sees(racd.GroupModel, g.UUID) {
			out = append(out, g)
		}
	}
	return out
}

// shownRoles leaves out the roles the caller may not view.
func (c *call) shownRoles(rs []racd.Role) []racd.Role {
	out := make([]racd.Role, 0, len(rs))
	for _, r := range rs {
		if c.sees(racd.RoleModel, r.UUID) {
			out = append(out, r)
		}
	}
	return out
}

// shownUserGroups leaves out the groups of a user the caller may not view, and the
// names of their parents it may not view.
func (c *call) shownUserGroups(gs []racd.UserGroup) []racd.UserGroup {
	out := make([]racd.UserGroup, 0, len(gs))
	for _, g := range gs {
		if !c.sees(racd.GroupModel, g.UUID) {
			continue
		}
		if g.Parent != "" && !c.sees(racd.GroupModel, g.Parent) {
			g.ParentName = ""
		}
		out = append(out, g)
	}
	return out
}
