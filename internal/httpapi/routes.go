package httpapi

import "github.com/racd/racd/internal/racd"

// routeTable is every route racd serves: one screen, checked against openapi.yaml by
// a test, both ways.
func routeTable() []*route {
	prov := racd.ProviderModel
	flow := racd.FlowModel
	pm := racd.PropertyMappingModel
	ev := racd.EventModel
	user, group, role := racd.UserModel, racd.GroupModel, racd.RoleModel
	app := racd.ApplicationModel
	outpost := racd.OutpostModel
	ep := racd.EndpointModel
	ct := racd.ConnectionTokenModel
	return []*route{
		{"GET", "/-/health/live/", public, "", live},
		{"GET", "/-/health/ready/", public, "", ready},
		{"GET", "/api/v3/root/config/", public, "", rootConfig},
		{"GET", "/api/v3/schema/", public, "", schema},

		{"GET", "/api/v3/providers/rac/", collection, prov.Perm(racd.PermView), listProviders},
		{"POST", "/api/v3/providers/rac/", collection, prov.Perm(racd.PermAdd), createProvider},
		{"GET", "/api/v3/providers/rac/{id}/", detail, prov.Perm(racd.PermView), getProvider},
		{"PUT", "/api/v3/providers/rac/{id}/", detail, prov.Perm(racd.PermChange), updateProvider},
		{"PATCH", "/api/v3/providers/rac/{id}/", detail, prov.Perm(racd.PermChange), updateProvider},
		{"DELETE", "/api/v3/providers/rac/{id}/", detail, prov.Perm(racd.PermDelete), deleteProvider},
		{"GET", "/api/v3/providers/rac/{id}/used_by/", detail, prov.Perm(racd.PermView), providerUsedBy},

		{"GET", "/api/v3/flows/instances/", collection, flow.Perm(racd.PermView), listFlows},
		{"POST", "/api/v3/flows/instances/", collection, flow.Perm(racd.PermAdd), createFlow},
		{"GET", "/api/v3/flows/instances/{slug}/", detail, flow.Perm(racd.PermView), getFlow},
		{"PUT", "/api/v3/flows/instances/{slug}/", detail, flow.Perm(racd.PermChange), updateFlow},
		{"PATCH", "/api/v3/flows/instances/{slug}/", detail, flow.Perm(racd.PermChange), updateFlow},
		{"DELETE", "/api/v3/flows/instances/{slug}/", detail, flow.Perm(racd.PermDelete), deleteFlow},
		{"GET", "/api/v3/flows/instances/{slug}/used_by/", detail, flow.Perm(racd.PermView), flowUsedBy},

		{"GET", "/api/v3/propertymappings/rac/", collection, pm.Perm(racd.PermView), listMappings},
		{"POST", "/api/v3/propertymappings/rac/", collection, pm.Perm(racd.PermAdd), createMapping},
		{"GET", "/api/v3/propertymappings/rac/{pm_uuid}/", detail, pm.Perm(racd.PermView), getMapping},
		{"PUT", "/api/v3/propertymappings/rac/{pm_uuid}/", detail, pm.Perm(racd.PermChange), updateMapping},
		{"PATCH", "/api/v3/propertymappings/rac/{pm_uuid}/", detail, pm.Perm(racd.PermChange), updateMapping},
		{"DELETE", "/api/v3/propertymappings/rac/{pm_uuid}/", detail, pm.Perm(racd.PermDelete), deleteMapping},
		{"GET", "/api/v3/propertymappings/rac/{pm_uuid}/used_by/", detail, pm.Perm(racd.PermView), mappingUsedBy},

		// Audit events: read-only.
		{"GET", "/api/v3/events/events/", collection, ev.Perm(racd.PermView), listEvents},
		{"GET", "/api/v3/events/events/{event_uuid}/", detail, ev.Perm(racd.PermView), getEvent},
		// Users, groups, roles, tokens and permission grants (the RBAC surface).
		{"GET", "/api/v3/core/users/", collection, user.Perm(racd.PermView), listUsers},
		{"POST", "/api/v3/core/users/", collection, user.Perm(racd.PermAdd), createUser},
		{"GET", "/api/v3/core/users/me/", collection, "", usersMe},
		{"GET", "/api/v3/core/users/{id}/", detail, user.Perm(racd.PermView), getUser},
		{"PUT", "/api/v3/core/users/{id}/", detail, user.Perm(racd.PermChange), updateUser},
		{"PATCH", "/api/v3/core/users/{id}/", detail, user.Perm(racd.PermChange), updateUser},
		{"DELETE", "/api/v3/core/users/{id}/", detail, user.Perm(racd.PermDelete), deleteUser},
		{"GET", "/api/v3/core/users/{id}/used_by/", detail, user.Perm(racd.PermView), userUsedBy},
		{"POST", "/api/v3/core/users/{id}/set_password/", detail, racd.PermResetUserPassword, setUserPassword},
		// Browser sessions: a user's own, a superuser's all.
		{"GET", "/api/v3/core/authenticated_sessions/", collection, "owner", listAuthenticatedSessions},
		{"GET", "/api/v3/core/authenticated_sessions/{uuid}/", detail, "owner", getAuthenticatedSession},
		{"DELETE", "/api/v3/core/authenticated_sessions/{uuid}/", detail, "owner", deleteAuthenticatedSession},
		{"GET", "/api/v3/core/authenticated_sessions/{uuid}/used_by/", detail, "owner", authenticatedSessionUsedBy},

		{"GET", "/api/v3/core/groups/", collection, group.Perm(racd.PermView), listGroups},
		{"POST", "/api/v3/core/groups/", collection, group.Perm(racd.PermAdd), createGroup},
		{"GET", "/api/v3/core/groups/{group_uuid}/", detail, group.Perm(racd.PermView), getGroup},
		{"PUT", "/api/v3/core/groups/{group_uuid}/", detail, group.Perm(racd.PermChange), updateGroup},
		{"PATCH", "/api/v3/core/groups/{group_uuid}/", detail, group.Perm(racd.PermChange), updateGroup},
		{"DELETE", "/api/v3/core/groups/{group_uuid}/", detail, group.Perm(racd.PermDelete), deleteGroup},
		{"GET", "/api/v3/core/groups/{group_uuid}/used_by/", detail, group.Perm(racd.PermView), groupUsedBy},
		{"POST", "/api/v3/core/groups/{group_uuid}/add_user/", detail, "superuser", groupAddUser},
		{"POST", "/api/v3/core/groups/{group_uuid}/remove_user/", detail, "superuser", groupRemoveUser},

		{"GET", "/api/v3/rbac/roles/", collection, role.Perm(racd.PermView), listRoles},
		{"POST", "/api/v3/rbac/roles/", collection, role.Perm(racd.PermAdd), createRole},
		{"GET", "/api/v3/rbac/roles/{uuid}/", detail, role.Perm(racd.PermView), getRole},
		{"PUT", "/api/v3/rbac/roles/{uuid}/", detail, role.Perm(racd.PermChange), updateRole},
		{"PATCH", "/api/v3/rbac/roles/{uuid}/", detail, role.Perm(racd.PermChange), updateRole},
		{"DELETE", "/api/v3/rbac/roles/{uuid}/", detail, role.Perm(racd.PermDelete), deleteRole},
		{"GET", "/api/v3/rbac/roles/{uuid}/used_by/", detail, role.Perm(racd.PermView), roleUsedBy},

		// Tokens: owner rules (own tokens for everyone, all for superusers).
		{"GET", "/api/v3/core/tokens/", collection, "owner", listTokens},
		{"POST", "/api/v3/core/tokens/", collection, "owner", createToken},
		{"GET", "/api/v3/core/tokens/{identifier}/", detail, "owner", getToken},
		{"PUT", "/api/v3/core/tokens/{identifier}/", detail, "owner", updateToken},
		{"PATCH", "/api/v3/core/tokens/{identifier}/", detail, "owner", updateToken},
		{"DELETE", "/api/v3/core/tokens/{identifier}/", detail, "owner", deleteToken},
		{"GET", "/api/v3/core/tokens/{identifier}/used_by/", detail, "owner", tokenUsedBy},
		{"GET", "/api/v3/core/tokens/{identifier}/view_key/", detail, "owner", viewTokenKey},

		{"POST", "/api/v3/rbac/permissions/assigned_by_users/{id}/assign/", detail, "superuser", assignToUser},
		{"PATCH", "/api/v3/rbac/permissions/assigned_by_users/{id}/unassign/", detail, "superuser", unassignToUser},
		{"POST", "/api/v3/rbac/permissions/assigned_by_roles/{uuid}/assign/", detail, "superuser", assignToRole},
		{"PATCH", "/api/v3/rbac/permissions/assigned_by_roles/{uuid}/unassign/", detail, "superuser", unassignToRole},
		// Applications (by slug) and outposts (by uuid): the data behind a provider's
		// assigned_application_* and outpost_set.
		{"GET", "/api/v3/core/applications/", collection, app.Perm(racd.PermView), listApplications},
		{"POST", "/api/v3/core/applications/", collection, app.Perm(racd.PermAdd), createApplication},
		{"GET", "/api/v3/core/applications/{slug}/", detail, app.Perm(racd.PermView), getApplication},
		{"PUT", "/api/v3/core/applications/{slug}/", detail, app.Perm(racd.PermChange), updateApplication},
		{"PATCH", "/api/v3/core/applications/{slug}/", detail, app.Perm(racd.PermChange), updateApplication},
		{"DELETE", "/api/v3/core/applications/{slug}/", detail, app.Perm(racd.PermDelete), deleteApplication},
		{"GET", "/api/v3/core/applications/{slug}/used_by/", detail, app.Perm(racd.PermView), applicationUsedBy},

		{"GET", "/api/v3/outposts/instances/", collection, outpost.Perm(racd.PermView), listOutposts},
		{"POST", "/api/v3/outposts/instances/", collection, outpost.Perm(racd.PermAdd), createOutpost},
		{"GET", "/api/v3/outposts/instances/default_settings/", collection, outpost.Perm(racd.PermView), outpostDefaultSettings},
		{"GET", "/api/v3/outposts/instances/{uuid}/", detail, outpost.Perm(racd.PermView), getOutpost},
		{"PUT", "/api/v3/outposts/instances/{uuid}/", detail, outpost.Perm(racd.PermChange), updateOutpost},
		{"PATCH", "/api/v3/outposts/instances/{uuid}/", detail, outpost.Perm(racd.PermChange), updateOutpost},
		{"DELETE", "/api/v3/outposts/instances/{uuid}/", detail, outpost.Perm(racd.PermDelete), deleteOutpost},
		{"GET", "/api/v3/outposts/instances/{uuid}/used_by/", detail, outpost.Perm(racd.PermView), outpostUsedBy},
		// RAC endpoints, their connection tokens and launch (SPEC §3, §4). Connection
		// tokens are visible to their owner without any permission.
		{"GET", "/api/v3/rac/endpoints/", collection, ep.Perm(racd.PermView), listEndpoints},
		{"POST", "/api/v3/rac/endpoints/", collection, ep.Perm(racd.PermAdd), createEndpoint},
		{"GET", "/api/v3/rac/endpoints/{pbm_uuid}/", detail, ep.Perm(racd.PermView), getEndpoint},
		{"PUT", "/api/v3/rac/endpoints/{pbm_uuid}/", detail, ep.Perm(racd.PermChange), updateEndpoint},
		{"PATCH", "/api/v3/rac/endpoints/{pbm_uuid}/", detail, ep.Perm(racd.PermChange), updateEndpoint},
		{"DELETE", "/api/v3/rac/endpoints/{pbm_uuid}/", detail, ep.Perm(racd.PermDelete), deleteEndpoint},
		{"GET", "/api/v3/rac/endpoints/{pbm_uuid}/used_by/", detail, ep.Perm(racd.PermView), endpointUsedBy},
		{"POST", "/api/v3/rac/endpoints/{pbm_uuid}/launch/", detail, ep.Perm(racd.PermView), launchEndpoint},
		{"GET", "/api/v3/rac/connection_tokens/", collection, "", listConnectionTokens},
		{"GET", "/api/v3/rac/connection_tokens/{connection_token_uuid}/", detail, ct.Perm(racd.PermView), getConnectionToken},
		{"PUT", "/api/v3/rac/connection_tokens/{connection_token_uuid}/", detail, ct.Perm(racd.PermChange), updateConnectionToken},
		{"PATCH", "/api/v3/rac/connection_tokens/{connection_token_uuid}/", detail, ct.Perm(racd.PermChange), updateConnectionToken},
		{"DELETE", "/api/v3/rac/connection_tokens/{connection_token_uuid}/", detail, ct.Perm(racd.PermDelete), deleteConnectionToken},
		{"GET", "/api/v3/rac/connection_tokens/{connection_token_uuid}/used_by/", detail, ct.Perm(racd.PermView), connectionTokenUsedBy},
	}
}
