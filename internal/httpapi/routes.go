package httpapi

import "github.com/racd/racd/internal/authz"

// routeTable is every route racd serves: one screen, checked against openapi.yaml by
// a test, both ways.
func routeTable() []*route {
	prov := authz.Provider
	flow := authz.Flow
	pm := authz.PropertyMapping
	ev := authz.Event
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
	}
}
