package httpapi

import "github.com/racd/racd/internal/authz"

// routeTable is every route racd serves: one screen, checked against openapi.yaml by
// a test, both ways.
func routeTable() []*route {
	prov := authz.Provider
	flow := authz.Flow
	pm := authz.PropertyMapping
	ev := authz.Event
	user, group, role := authz.User, authz.Group, authz.Role
	app := authz.Application
	outpost := authz.Outpost
	ep := authz.Endpoint
	ct := authz.ConnectionToken
	return []*route{
		{"GET", "/-/health/live/", public, "", live},
		{"GET", "/-/health/ready/", public, "", ready},
		{"GET", "/api/v3/root/config/", public, "", rootConfig},
		{"GET", "/api/v3/schema/", public, "", schema},

		{"GET", "/api/v3/providers/rac/", collection, prov.Perm(authz.View), listProviders},
		{"POST", "/api/v3/providers/rac/", collection, prov.Perm(authz.Add), createProvider},
		{"GET", "/api/v3/providers/rac/{id}/", detail, prov.Perm(authz.View), getProvider},
		{"PUT", "/api/v3/providers/rac/{id}/", detail, prov.Perm(authz.Change), updateProvider},
		{"PATCH", "/api/v3/providers/rac/{id}/", detail, prov.Perm(authz.Change), updateProvider},
		{"DELETE", "/api/v3/providers/rac/{id}/", detail, prov.Perm(authz.Delete), deleteProvider},
		{"GET", "/api/v3/providers/rac/{id}/used_by/", detail, prov.Perm(authz.View), providerUsedBy},

		{"GET", "/api/v3/flows/instances/", collection, flow.Perm(authz.View), listFlows},
		{"POST", "/api/v3/flows/instances/", collection, flow.Perm(authz.Add), createFlow},
		{"GET", "/api/v3/flows/instances/{slug}/", detail, flow.Perm(authz.View), getFlow},
		{"PUT", "/api/v3/flows/instances/{slug}/", detail, flow.Perm(authz.Change), updateFlow},
		{"PATCH", "/api/v3/flows/instances/{slug}/", detail, flow.Perm(authz.Change), updateFlow},
		{"DELETE", "/api/v3/flows/instances/{slug}/", detail, flow.Perm(authz.Delete), deleteFlow},
		{"GET", "/api/v3/flows/instances/{slug}/used_by/", detail, flow.Perm(authz.View), flowUsedBy},

		{"GET", "/api/v3/propertymappings/rac/", collection, pm.Perm(authz.View), listMappings},
		{"POST", "/api/v3/propertymappings/rac/", collection, pm.Perm(authz.Add), createMapping},
		{"GET", "/api/v3/propertymappings/rac/{pm_uuid}/", detail, pm.Perm(authz.View), getMapping},
		{"PUT", "/api/v3/propertymappings/rac/{pm_uuid}/", detail, pm.Perm(authz.Change), updateMapping},
		{"PATCH", "/api/v3/propertymappings/rac/{pm_uuid}/", detail, pm.Perm(authz.Change), updateMapping},
		{"DELETE", "/api/v3/propertymappings/rac/{pm_uuid}/", detail, pm.Perm(authz.Delete), deleteMapping},
		{"GET", "/api/v3/propertymappings/rac/{pm_uuid}/used_by/", detail, pm.Perm(authz.View), mappingUsedBy},

		// Audit events: read-only.
		{"GET", "/api/v3/events/events/", collection, ev.Perm(authz.View), listEvents},
		{"GET", "/api/v3/events/events/{event_uuid}/", detail, ev.Perm(authz.View), getEvent},
		// Users, groups, roles, tokens and permission grants (the RBAC surface).
		{"GET", "/api/v3/core/users/", collection, user.Perm(authz.View), listUsers},
		{"POST", "/api/v3/core/users/", collection, user.Perm(authz.Add), createUser},
		{"GET", "/api/v3/core/users/me/", collection, "", usersMe},
		{"GET", "/api/v3/core/users/{id}/", detail, user.Perm(authz.View), getUser},
		{"PUT", "/api/v3/core/users/{id}/", detail, user.Perm(authz.Change), updateUser},
		{"PATCH", "/api/v3/core/users/{id}/", detail, user.Perm(authz.Change), updateUser},
		{"DELETE", "/api/v3/core/users/{id}/", detail, user.Perm(authz.Delete), deleteUser},
		{"GET", "/api/v3/core/users/{id}/used_by/", detail, user.Perm(authz.View), userUsedBy},

		{"GET", "/api/v3/core/groups/", collection, group.Perm(authz.View), listGroups},
		{"POST", "/api/v3/core/groups/", collection, group.Perm(authz.Add), createGroup},
		{"GET", "/api/v3/core/groups/{group_uuid}/", detail, group.Perm(authz.View), getGroup},
		{"PUT", "/api/v3/core/groups/{group_uuid}/", detail, group.Perm(authz.Change), updateGroup},
		{"PATCH", "/api/v3/core/groups/{group_uuid}/", detail, group.Perm(authz.Change), updateGroup},
		{"DELETE", "/api/v3/core/groups/{group_uuid}/", detail, group.Perm(authz.Delete), deleteGroup},
		{"GET", "/api/v3/core/groups/{group_uuid}/used_by/", detail, group.Perm(authz.View), groupUsedBy},
		{"POST", "/api/v3/core/groups/{group_uuid}/add_user/", detail, "superuser", groupAddUser},
		{"POST", "/api/v3/core/groups/{group_uuid}/remove_user/", detail, "superuser", groupRemoveUser},

		{"GET", "/api/v3/rbac/roles/", collection, role.Perm(authz.View), listRoles},
		{"POST", "/api/v3/rbac/roles/", collection, role.Perm(authz.Add), createRole},
		{"GET", "/api/v3/rbac/roles/{uuid}/", detail, role.Perm(authz.View), getRole},
		{"PUT", "/api/v3/rbac/roles/{uuid}/", detail, role.Perm(authz.Change), updateRole},
		{"PATCH", "/api/v3/rbac/roles/{uuid}/", detail, role.Perm(authz.Change), updateRole},
		{"DELETE", "/api/v3/rbac/roles/{uuid}/", detail, role.Perm(authz.Delete), deleteRole},
		{"GET", "/api/v3/rbac/roles/{uuid}/used_by/", detail, role.Perm(authz.View), roleUsedBy},

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
		{"GET", "/api/v3/core/applications/", collection, app.Perm(authz.View), listApplications},
		{"POST", "/api/v3/core/applications/", collection, app.Perm(authz.Add), createApplication},
		{"GET", "/api/v3/core/applications/{slug}/", detail, app.Perm(authz.View), getApplication},
		{"PUT", "/api/v3/core/applications/{slug}/", detail, app.Perm(authz.Change), updateApplication},
		{"PATCH", "/api/v3/core/applications/{slug}/", detail, app.Perm(authz.Change), updateApplication},
		{"DELETE", "/api/v3/core/applications/{slug}/", detail, app.Perm(authz.Delete), deleteApplication},
		{"GET", "/api/v3/core/applications/{slug}/used_by/", detail, app.Perm(authz.View), applicationUsedBy},

		{"GET", "/api/v3/outposts/instances/", collection, outpost.Perm(authz.View), listOutposts},
		{"POST", "/api/v3/outposts/instances/", collection, outpost.Perm(authz.Add), createOutpost},
		{"GET", "/api/v3/outposts/instances/default_settings/", collection, outpost.Perm(authz.View), outpostDefaultSettings},
		{"GET", "/api/v3/outposts/instances/{uuid}/", detail, outpost.Perm(authz.View), getOutpost},
		{"PUT", "/api/v3/outposts/instances/{uuid}/", detail, outpost.Perm(authz.Change), updateOutpost},
		{"PATCH", "/api/v3/outposts/instances/{uuid}/", detail, outpost.Perm(authz.Change), updateOutpost},
		{"DELETE", "/api/v3/outposts/instances/{uuid}/", detail, outpost.Perm(authz.Delete), deleteOutpost},
		{"GET", "/api/v3/outposts/instances/{uuid}/used_by/", detail, outpost.Perm(authz.View), outpostUsedBy},
		// RAC endpoints, their connection tokens and launch (SPEC §3, §4). Connection
		// tokens are visible to their owner without any permission.
		{"GET", "/api/v3/rac/endpoints/", collection, ep.Perm(authz.View), listEndpoints},
		{"POST", "/api/v3/rac/endpoints/", collection, ep.Perm(authz.Add), createEndpoint},
		{"GET", "/api/v3/rac/endpoints/{pbm_uuid}/", detail, ep.Perm(authz.View), getEndpoint},
		{"PUT", "/api/v3/rac/endpoints/{pbm_uuid}/", detail, ep.Perm(authz.Change), updateEndpoint},
		{"PATCH", "/api/v3/rac/endpoints/{pbm_uuid}/", detail, ep.Perm(authz.Change), updateEndpoint},
		{"DELETE", "/api/v3/rac/endpoints/{pbm_uuid}/", detail, ep.Perm(authz.Delete), deleteEndpoint},
		{"GET", "/api/v3/rac/endpoints/{pbm_uuid}/used_by/", detail, ep.Perm(authz.View), endpointUsedBy},
		{"POST", "/api/v3/rac/endpoints/{pbm_uuid}/launch/", detail, ep.Perm(authz.View), launchEndpoint},
		{"GET", "/api/v3/rac/connection_tokens/", collection, "", listConnectionTokens},
		{"GET", "/api/v3/rac/connection_tokens/{connection_token_uuid}/", detail, ct.Perm(authz.View), getConnectionToken},
		{"PUT", "/api/v3/rac/connection_tokens/{connection_token_uuid}/", detail, ct.Perm(authz.Change), updateConnectionToken},
		{"PATCH", "/api/v3/rac/connection_tokens/{connection_token_uuid}/", detail, ct.Perm(authz.Change), updateConnectionToken},
		{"DELETE", "/api/v3/rac/connection_tokens/{connection_token_uuid}/", detail, ct.Perm(authz.Delete), deleteConnectionToken},
		{"GET", "/api/v3/rac/connection_tokens/{connection_token_uuid}/used_by/", detail, ct.Perm(authz.View), connectionTokenUsedBy},
	}
}
