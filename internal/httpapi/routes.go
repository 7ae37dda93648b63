package httpapi

import "github.com/racd/racd/internal/authz"

// routeTable is every route racd serves: one screen, checked against openapi.yaml by
// a test, both ways.
func routeTable() []*route {
	prov := authz.Provider
	flow := authz.Flow
	pm := authz.PropertyMapping
	ep := authz.Endpoint
	ct := authz.ConnectionToken
	return []*route{
		{"GET", "/-/health/live/", public, "", live},
		{"GET", "/-/health/ready/", public, "", ready},
		{"GET", "/api/v3/root/config/", public, "", rootConfig},

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
