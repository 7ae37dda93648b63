package httpapi

import "github.com/racd/racd/internal/racd"

// routeTable is every route racd serves, each with the permission it needs (enforced
// by serve before the handler): the system routes, every resource's seven routes, and
// the few routes of a resource beyond them. A test checks it against openapi.yaml,
// both ways.
func routeTable() []*route {
	open := perm{rule: anyone}
	superuser := perm{rule: superuserOnly}
	out := []*route{
		{"GET", "/-/health/live/", public, open, live},
		{"GET", "/-/health/ready/", public, open, ready},
		{"GET", "/api/v3/root/config/", public, open, rootConfig},
		{"GET", "/api/v3/schema/", public, open, schema},

		{"GET", "/api/v3/core/users/me/", collection, open, usersMe},
		{"POST", "/api/v3/core/groups/{group_uuid}/add_user/", detail, groups.perm(racd.PermView), setMember(racd.Store.SetGroupMember, racd.Join)},
		{"POST", "/api/v3/core/groups/{group_uuid}/remove_user/", detail, groups.perm(racd.PermView), setMember(racd.Store.SetGroupMember, racd.Leave)},
		// authentik 2025.12: a role given to a user directly.
		{"POST", "/api/v3/rbac/roles/{uuid}/add_user/", detail, roles.perm(racd.PermView), setMember(racd.Store.SetRoleHolder, racd.Join)},
		{"POST", "/api/v3/rbac/roles/{uuid}/remove_user/", detail, roles.perm(racd.PermView), setMember(racd.Store.SetRoleHolder, racd.Leave)},
		{"GET", "/api/v3/core/tokens/{identifier}/view_key/", detail, tokens.perm(racd.PermView), viewTokenKey},
		{"POST", "/api/v3/rbac/permissions/assigned_by_users/{id}/assign/", detail, superuser, changePermissions(racd.Store.AssignPermissions, true, userHolder)},
		{"PATCH", "/api/v3/rbac/permissions/assigned_by_users/{id}/unassign/", detail, superuser, changePermissions(racd.Store.UnassignPermissions, false, userHolder)},
		{"POST", "/api/v3/rbac/permissions/assigned_by_roles/{uuid}/assign/", detail, superuser, changePermissions(racd.Store.AssignPermissions, true, roleHolder)},
		{"PATCH", "/api/v3/rbac/permissions/assigned_by_roles/{uuid}/unassign/", detail, superuser, changePermissions(racd.Store.UnassignPermissions, false, roleHolder)},
		{"GET", "/api/v3/outposts/instances/default_settings/", collection, perm{model: racd.OutpostModel, action: racd.PermView}, outpostDefaultSettings},
		// The launch is an action on the endpoint its handler finds (SPEC §4).
		{"POST", "/api/v3/rac/endpoints/{pbm_uuid}/launch/", detail, perm{model: racd.EndpointModel, action: racd.PermView}, launchEndpoint},
		{"POST", "/api/v3/core/users/{id}/set_password/", detail, users.perm(racd.PermView), setUserPassword},
		// Browser sessions: a user's own, a superuser's all.
		{"GET", "/api/v3/core/authenticated_sessions/", collection, sessionsPerm, listAuthenticatedSessions},
		{"GET", "/api/v3/core/authenticated_sessions/{uuid}/", detail, sessionPerm, getAuthenticatedSession},
		{"DELETE", "/api/v3/core/authenticated_sessions/{uuid}/", detail, sessionPerm, deleteAuthenticatedSession},
		{"GET", "/api/v3/core/authenticated_sessions/{uuid}/used_by/", detail, sessionPerm, authenticatedSessionUsedBy},
	}
	for _, rs := range [][]*route{
		providers.routes(), flows.routes(), mappings.routes(), events.routes(),
		users.routes(), groups.routes(), roles.routes(), tokens.routes(),
		applications.routes(), outposts.routes(), endpoints.routes(), connectionTokens.routes(),
	} {
		out = append(out, rs...)
	}
	return out
}
