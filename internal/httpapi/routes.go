package httpapi

import "github.com/racd/racd/internal/authz"

// routeTable is every route racd serves: one screen, checked against openapi.yaml by
// a test, both ways.
func routeTable() []*route {
	prov := authz.Provider
	flow := authz.Flow
	pm := authz.PropertyMapping
	app := authz.Application
	outpost := authz.Outpost
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
	}
}
