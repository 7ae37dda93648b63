package racd

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
)

// Provider is a RAC provider: which flow authorizes a user, how long a connection
// lasts, whether its token dies on disconnect and the default connection settings.
type Provider struct {
	ID                      int64
	Name                    string
	AuthenticationFlow      string // flow UUID, "" for none
	AuthorizationFlow       string // flow UUID
	PropertyMappings        []string
	Settings                json.RawMessage // compact JSON object
	ConnectionExpiry        string
	DeleteTokenOnDisconnect bool

	// Derived from other resources; read-only.
	Application            AppRef // the application whose provider this is
	BackchannelApplication AppRef // the application listing this as a backchannel provider
	Outposts               []string
}

// AppRef is the slug and name of an application, both "" when there is none.
type AppRef struct {
	Slug string
	Name string
}

// DefaultConnectionExpiry is a provider's connection_expiry unless set, as authentik's
// model declares it.
const DefaultConnectionExpiry = "hours=8"

// EmptyObject is the JSON of an empty settings object.
var EmptyObject = json.RawMessage("{}")

// Ref returns the object reference used in events and used_by lists.
func (p *Provider) Ref() ObjectRef {
	return ProviderModel.Ref(itoa(p.ID), p.Name)
}

// ProviderFields is the serializer's field order, which error responses follow.
var ProviderFields = []string{
	"name", "authentication_flow", "authorization_flow", "property_mappings",
	"settings", "connection_expiry", "delete_token_on_disconnect",
}

// ProviderOrderFields are the terms ?ordering= accepts on providers.
var ProviderOrderFields = []string{
	"pk", "name", "connection_expiry", "delete_token_on_disconnect", "authorization_flow",
	"authentication_flow", "application__slug", "application__name",
}

// ProviderInput is a create or update request after wire decoding: the fields the
// client sent, plus the errors decoding found (wrong types, nulls, missing required
// fields). Static and reference validation add to Errors.
type ProviderInput struct {
	Name                    Opt[string]
	AuthenticationFlow      Opt[Ref]
	AuthorizationFlow       Opt[Ref]
	PropertyMappings        Opt[[]Ref]
	Settings                Opt[json.RawMessage]
	ConnectionExpiry        Opt[string]
	DeleteTokenOnDisconnect Opt[bool]
	// PropertyMappingsInvalid is the message for the first malformed item of
	// property_mappings; PropertyMappings then holds the items before it. DRF converts
	// the items in order and reports the first failure, so the store reports a missing
	// earlier item instead of this message.
	PropertyMappingsInvalid string

	Errors FieldErrors
}

// NewProvider returns a provider with authentik's defaults.
func NewProvider() *Provider {
	return &Provider{Settings: EmptyObject, ConnectionExpiry: DefaultConnectionExpiry, PropertyMappings: []string{}}
}

// Apply validates the static rules of every sent field and copies the valid ones onto
// p. It records problems in in.Errors; p must not be stored when any remain.
func (in *ProviderInput) Apply(p *Provider) {
	applyTextMax(&in.Errors, "name", in.Name, &p.Name, MaxIndexedText)
	if in.AuthenticationFlow.Set && !in.Errors.Has("authentication_flow") {
		p.AuthenticationFlow = in.AuthenticationFlow.V.ID
	}
	if in.AuthorizationFlow.Set && !in.Errors.Has("authorization_flow") {
		p.AuthorizationFlow = in.AuthorizationFlow.V.ID
	}
	if in.PropertyMappings.Set && !in.Errors.Has("property_mappings") && in.PropertyMappingsInvalid == "" {
		p.PropertyMappings = uniqueIDs(in.PropertyMappings.V)
	}
	if in.Settings.Set && !in.Errors.Has("settings") {
		p.Settings = in.Settings.V
	}
	if in.ConnectionExpiry.Set && !in.Errors.Has("connection_expiry") {
		v := strings.TrimSpace(in.ConnectionExpiry.V)
		switch {
		case v == "":
			in.Errors.Add("connection_expiry", MsgBlank)
		case ValidateDuration(v) != "":
			in.Errors.Add("connection_expiry", ValidateDuration(v))
		default:
			p.ConnectionExpiry = v
		}
	}
	if in.DeleteTokenOnDisconnect.Set && !in.Errors.Has("delete_token_on_disconnect") {
		p.DeleteTokenOnDisconnect = in.DeleteTokenOnDisconnect.V
	}
}

// ProviderQuery is a provider list request.
type ProviderQuery struct {
	ListQuery
	ApplicationIsNull *bool
	NameIExact        *string
}

// ProviderStore keeps RAC providers.
type ProviderStore interface {
	// CreateProvider validates in (references and uniqueness included), stores a new
	// provider and records a model_created event. Invalid input is a *FieldErrors.
	CreateProvider(ctx context.Context, in *ProviderInput, a Audit) (*Provider, error)
	GetProvider(ctx context.Context, id int64) (*Provider, error)
	// ListProviders returns one page of providers and the total count.
	ListProviders(ctx context.Context, q ProviderQuery) ([]*Provider, int, error)
	// UpdateProvider applies in to the stored provider inside one transaction.
	UpdateProvider(ctx context.Context, id int64, in *ProviderInput, a Audit) (*Provider, error)
	DeleteProvider(ctx context.Context, id int64, a Audit) error
	// ProviderUsedBy lists what depends on the provider, filtered by visibility per kind.
	ProviderUsedBy(ctx context.Context, id int64, vis func(perm string) Visibility) ([]UsedBy, error)
}

// uniqueIDs returns the distinct IDs of refs, sorted (the order lists are stored and
// returned in).
func uniqueIDs(refs []Ref) []string {
	out := make([]string, 0, len(refs))
	seen := make(map[string]bool, len(refs))
	for _, r := range refs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r.ID)
		}
	}
	sort.Strings(out)
	return out
}
