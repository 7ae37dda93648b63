// Package racd holds racd's domain: the resources of authentik's RAC management API
// (providers, flows, property mappings, applications, outposts, endpoints, connection
// tokens, users, groups, roles, API tokens, events), their validation rules with the
// exact messages clients expect, and the storage contracts that backends implement.
//
// It imports only the standard library. Wire formats live in httpapi, persistence in
// sqlstore; both depend on this package and never the other way round.
package racd
