package expr

import (
	"context"
	"slices"

	"github.com/racd/racd/internal/racd"
)

// LaunchSettings merges the connection settings of a launched token (SPEC §4): the
// launch's merge rules, with the mappings of l evaluated for the token's user, one at a
// time in slot, or (slot nil) in a slot reserved now. secret is the token's secret (it
// names the drive path). evaluated, when not nil, hears once of every mapping with why
// it was left out (nil when it applied): it failed or ran into a limit, returned more
// than racd.MaxMappingResultBytes, would have taken the merged settings over
// racd.MaxMergedSettingsBytes, or found no free slot (ErrBusy, also returned: the
// settings then lack every mapping). The launch answer and the gateway at connect time
// both use it, so what guacd receives is what the launch described, secrets included
// (which the launch answer then leaves out).
func (e *Evaluator) LaunchSettings(ctx context.Context, slot *Slot, l *racd.Launch, secret string, evaluated func(*racd.PropertyMapping, error)) (map[string]string, error) {
	if evaluated == nil {
		evaluated = func(*racd.PropertyMapping, error) {}
	}
	t := l.Token
	ep, p := t.Endpoint, t.Endpoint.Provider
	if p == nil {
		p = t.Provider
	}
	vars := Vars{
		User:     map[string]any{"pk": t.User.ID, "username": t.User.Username, "name": t.User.Name, "email": t.User.Email},
		Provider: providerVars(p),
		Endpoint: endpointVars(ep),
	}
	layers := racd.SettingsLayers{
		// Each layer with its secret parameters, which the store opened for the
		// connection (the expressions' variables above see none of them).
		Host:     ep.Host,
		Provider: racd.DecodeObject(racd.JoinSettings(p.Settings, p.Secrets.Plain)),
		Endpoint: racd.DecodeObject(racd.JoinSettings(ep.Settings, ep.Secrets.Plain)),
		Launch:   racd.DecodeObject(racd.JoinSettings(t.Settings, t.Secrets.Plain)), Token: secret,
	}
	mappings := append(append([]*racd.PropertyMapping{}, l.ProviderMappings...), l.EndpointMappings...)
	var busy error
	if slot == nil && len(mappings) > 0 {
		if slot, busy = e.Reserve(ctx); busy == nil {
			defer slot.Release()
		}
	}
	var evaluatedOK []*racd.PropertyMapping
	for _, m := range mappings {
		if busy != nil {
			evaluated(m, busy)
			continue
		}
		got, err := slot.EvalMapping(ctx, m, vars)
		if err != nil {
			evaluated(m, err)
			continue
		}
		layers.Mappings = append(layers.Mappings, got)
		evaluatedOK = append(evaluatedOK, m)
	}
	out, skipped := racd.MergeSettingsChecked(layers)
	for i, m := range evaluatedOK {
		if slices.Contains(skipped, i) {
			evaluated(m, overBudgetError{racd.ErrMergedSettingsTooLarge})
		} else {
			evaluated(m, nil)
		}
	}
	return out, busy
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
