package httpapi

import (
	"encoding/json"

	"github.com/racd/racd/internal/racd"
)

// providers is /api/v3/providers/rac/, by integer id.
var providers = &resource[*racd.Provider, *racd.ProviderInput, int64, racd.ProviderQuery, providerJSON]{
	model: racd.ProviderModel, path: "/api/v3/providers/rac/", param: "id", key: pyInt, keyIsPK: true,
	store: storeOf(racd.Store.Providers),
	query: func(f *filters) racd.ProviderQuery {
		return racd.ProviderQuery{ListQuery: f.lq, ApplicationIsNull: f.boolean("application__isnull"), NameIExact: f.str("name__iexact")}
	},
	decode: decodeProvider,
	wire: func(c *call, p *racd.Provider) providerJSON {
		out := toProviderJSON(c.providerRelations(p))
		out.Settings = objectOrEmpty(c.own(racd.ProviderModel, p.Ref().PK, p.Settings, p.Secrets))
		return out
	},
}

// providerBaseJSON holds the keys every kind of provider shares, in authentik's order.
type providerBaseJSON struct {
	PK                                 int64    `json:"pk"`
	Name                               string   `json:"name"`
	AuthenticationFlow                 *string  `json:"authentication_flow"`
	AuthorizationFlow                  string   `json:"authorization_flow"`
	PropertyMappings                   []string `json:"property_mappings"`
	Component                          string   `json:"component"`
	AssignedApplicationSlug            string   `json:"assigned_application_slug"`
	AssignedApplicationName            string   `json:"assigned_application_name"`
	AssignedBackchannelApplicationSlug string   `json:"assigned_backchannel_application_slug"`
	AssignedBackchannelApplicationName string   `json:"assigned_backchannel_application_name"`
	VerboseName                        string   `json:"verbose_name"`
	VerboseNamePlural                  string   `json:"verbose_name_plural"`
	MetaModelName                      string   `json:"meta_model_name"`
}

// providerObjJSON is authentik's Provider (the base serializer), as applications and
// outposts embed providers: the shared keys, then invalidation_flow, which this model
// requires from 2024.10. A RAC provider has no invalidation flow: "" (as the
// assigned_* keys are "" when there is no application; clients from 2024.10 to
// 2025.12 require a string there).
type providerObjJSON struct {
	providerBaseJSON
	InvalidationFlow string `json:"invalidation_flow"`
}

// providerJSON is authentik's RACProvider (also as endpoints and connection tokens
// embed it): the shared keys, then its own, in the schema's order. Its schema never
// gained invalidation_flow.
type providerJSON struct {
	providerBaseJSON
	Settings                json.RawMessage `json:"settings"`
	OutpostSet              []string        `json:"outpost_set"`
	ConnectionExpiry        string          `json:"connection_expiry"`
	DeleteTokenOnDisconnect bool            `json:"delete_token_on_disconnect"`
}

// providerModelName is a provider's meta_model_name, built once: lists render it per row.
var providerModelName = racd.ProviderModel.String()

func toProviderBaseJSON(p *racd.Provider) providerBaseJSON {
	m := racd.ProviderModel
	return providerBaseJSON{
		PK: p.ID, Name: p.Name, AuthenticationFlow: optStr(p.AuthenticationFlow), AuthorizationFlow: p.AuthorizationFlow,
		PropertyMappings: orEmpty(p.PropertyMappings), Component: "ak-provider-rac-form",
		AssignedApplicationSlug: p.Application.Slug, AssignedApplicationName: p.Application.Name,
		AssignedBackchannelApplicationSlug: p.BackchannelApplication.Slug,
		AssignedBackchannelApplicationName: p.BackchannelApplication.Name,
		VerboseName:                        m.Verbose, VerboseNamePlural: m.VerbosePlural, MetaModelName: providerModelName,
	}
}

func toProviderObjJSON(p *racd.Provider) providerObjJSON {
	return providerObjJSON{providerBaseJSON: toProviderBaseJSON(p)}
}

func toProviderObjsJSON(ps []*racd.Provider) []providerObjJSON {
	out := make([]providerObjJSON, len(ps))
	for i, p := range ps {
		out[i] = toProviderObjJSON(p)
	}
	return out
}

func toProviderJSON(p *racd.Provider) providerJSON {
	return providerJSON{providerBaseJSON: toProviderBaseJSON(p), Settings: objectOrEmpty(p.Settings), OutpostSet: orEmpty(p.Outposts),
		ConnectionExpiry: p.ConnectionExpiry, DeleteTokenOnDisconnect: p.DeleteTokenOnDisconnect}
}

// decodeProvider reads a RACProviderRequest (PatchedRACProviderRequest when partial).
func decodeProvider(f *form) *racd.ProviderInput {
	in := &racd.ProviderInput{
		Name:                    f.text("name", required|trim),
		AuthenticationFlow:      f.uuidRef("authentication_flow", nullable),
		AuthorizationFlow:       f.uuidRef("authorization_flow", required),
		Settings:                f.object("settings", 0),
		ConnectionExpiry:        f.text("connection_expiry", trim),
		DeleteTokenOnDisconnect: f.boolean("delete_token_on_disconnect", 0),
	}
	// A malformed mapping waits for the store, which reports a missing one before it.
	if refs, bad, ok := refs(f, "property_mappings", 0, parseUUIDRef); ok {
		in.PropertyMappings, in.PropertyMappingsInvalid = racd.Some(refs), bad
	}
	return in
}
