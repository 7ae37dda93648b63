package httpapi

import (
	"encoding/json"

	"github.com/racd/racd/internal/racd"
)

// endpoints is /api/v3/rac/endpoints/, by UUID.
var endpoints = &resource[*racd.Endpoint, *racd.EndpointInput, string, racd.EndpointQuery, endpointJSON]{
	model: racd.EndpointModel, path: "/api/v3/rac/endpoints/", param: "pbm_uuid", key: uuidKey, keyIsPK: true,
	store: storeOf(racd.Store.Endpoints),
	query: func(f *filters) racd.EndpointQuery {
		return racd.EndpointQuery{ListQuery: f.lq, Name: f.str("name"), Provider: f.int("provider")}
	},
	decode: func(f *form) *racd.EndpointInput {
		return &racd.EndpointInput{
			Name: f.text("name", required|trim), Provider: f.racProviderRef("provider", required), Protocol: f.choice("protocol", required),
			Host: f.text("host", required|trim), Settings: f.object("settings", 0), PropertyMappings: f.uuidRefs("property_mappings", 0),
			AuthMode:           f.choice("auth_mode", required),
			MaximumConnections: f.integer("maximum_connections", 0, racd.MinConnectionsLimit, racd.MaxConnectionsLimit),
		}
	},
	wire: func(c *call, e *racd.Endpoint) endpointJSON {
		out := c.endpointJSON(e)
		out.Settings = objectOrEmpty(c.own(racd.EndpointModel, e.UUID, e.Settings, e.Secrets))
		return out
	},
}

// endpointJSON is authentik's Endpoint, keys in the schema's order.
type endpointJSON struct {
	PK                 string          `json:"pk"`
	Name               string          `json:"name"`
	Provider           int64           `json:"provider"`
	ProviderObj        providerJSON    `json:"provider_obj"`
	Protocol           string          `json:"protocol"`
	Host               string          `json:"host"`
	Settings           json.RawMessage `json:"settings"`
	PropertyMappings   []string        `json:"property_mappings"`
	AuthMode           string          `json:"auth_mode"`
	LaunchURL          *string         `json:"launch_url"`
	MaximumConnections int64           `json:"maximum_connections"`
}

func toEndpointJSON(e *racd.Endpoint) endpointJSON {
	out := endpointJSON{
		PK: e.UUID, Name: e.Name, Provider: e.ProviderID, Protocol: e.Protocol, Host: e.Host,
		Settings: objectOrEmpty(e.Settings), PropertyMappings: orEmpty(e.PropertyMappings), AuthMode: e.AuthMode,
		LaunchURL: optStr(e.LaunchURL()), MaximumConnections: e.MaximumConnections,
	}
	if e.Provider != nil {
		out.ProviderObj = toProviderJSON(e.Provider)
	}
	return out
}
