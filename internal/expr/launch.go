package expr

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

// LaunchSettings merges the connection settings of a launched token (SPEC §4): the
// launch's merge rules, with the mappings of l evaluated for the token's user. secret
// is the token's secret (it names the drive path). evaluated, when not nil, hears of
// every mapping with its error (nil when it applied); a mapping that fails is skipped. The launch answer and the gateway at connect time both use it,
// so what guacd receives is what the launch described, secrets included (which the
// launch answer then leaves out).
func LaunchSettings(ctx context.Context, l *racd.Launch, secret string, evaluated func(*racd.PropertyMapping, error)) map[string]string {
	t := l.Token
	e, p := t.Endpoint, t.Endpoint.Provider
	if p == nil {
		p = t.Provider
	}
	vars := Vars{
		User:     map[string]any{"pk": t.User.ID, "username": t.User.Username, "name": t.User.Name, "email": t.User.Email},
		Provider: providerVars(p),
		Endpoint: endpointVars(e),
	}
	layers := racd.SettingsLayers{
		Host: e.Host, Provider: racd.DecodeObject(p.Settings), Endpoint: racd.DecodeObject(e.Settings),
		Launch: racd.DecodeObject(t.Settings), Token: secret,
	}
	for _, m := range append(append([]*racd.PropertyMapping{}, l.ProviderMappings...), l.EndpointMappings...) {
		got, err := EvalMapping(ctx, m, vars, Limits{})
		if evaluated != nil {
			evaluated(m, err)
		}
		if err != nil {
			continue
		}
		layers.Mappings = append(layers.Mappings, got)
	}
	return racd.MergeSettings(layers)
}

func providerVars(p *racd.Provider) map[string]any {
	var authn any
	if p.AuthenticationFlow != "" {
		authn = p.AuthenticationFlow
	}
	return map[string]any{
		"pk": p.ID, "name": p.Name, "authentication_flow": authn, "authorization_flow": p.AuthorizationFlow,
		"property_mappings": p.PropertyMappings, "settings": racd.DecodeObject(p.Settings),
		"connection_expiry": p.ConnectionExpiry, "delete_token_on_disconnect": p.DeleteTokenOnDisconnect,
	}
}

func endpointVars(e *racd.Endpoint) map[string]any {
	return map[string]any{
		"pk": e.UUID, "name": e.Name, "provider": e.ProviderID, "protocol": e.Protocol, "host": e.Host,
		"settings": racd.DecodeObject(e.Settings), "property_mappings": e.PropertyMappings,
		"auth_mode": e.AuthMode, "maximum_connections": e.MaximumConnections,
	}
}

// MappingFailure is the configuration_error event of a mapping that failed to
// evaluate for a connection of provider p.
func MappingFailure(m *racd.PropertyMapping, p *racd.Provider, cause error, a racd.Audit) *racd.Event {
	pRef, mRef := p.Ref(), m.Ref()
	return &racd.Event{
		Action: racd.EventConfigurationError, User: a.User, Request: a.Request, ClientIP: a.Request.ClientIP,
		Message: "Failed to evaluate property-mapping: '" + m.Name + "'",
		Extra: map[string]any{
			"provider": map[string]any{"app": pRef.App, "model_name": pRef.ModelName, "pk": p.ID, "name": pRef.Name},
			"mapping":  map[string]any{"app": mRef.App, "model_name": mRef.ModelName, "pk": mRef.PK, "name": mRef.Name},
			"error":    cause.Error(),
		},
	}
}
