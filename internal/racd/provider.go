package racd

import (
	"encoding/json"
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
	Settings                json.RawMessage // compact JSON object, without its secret parameters
	Secrets                 Secrets         // the secret parameters of settings
	ConnectionExpiry        string
	DeleteTokenOnDisconnect bool

	// Derived from other resources; read-only.
	Application            AppRef   // the application whose provider this is
	BackchannelApplication AppRef   // the application listing this as a backchannel provider
	Outposts               []string // "Outpost <name>", by name
	OutpostUUIDs           []string // the same outposts' keys, in the same order
}

// AppRef is the slug and name of an application, both "" when there is none.
type AppRef struct {
	UUID string
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

// ProviderInput is a provider create or update request after wire decoding.
type ProviderInput struct {
	Name                    Opt[string] `field:"name" max:"500"`
	AuthenticationFlow      Opt[Ref]
	AuthorizationFlow       Opt[Ref]
	PropertyMappings        Opt[[]Ref]
	Settings                Opt[json.RawMessage] `field:"settings" max:"65536"`
	ConnectionExpiry        Opt[string]          `field:"connection_expiry" max:"500"`
	DeleteTokenOnDisconnect Opt[bool]
	// PropertyMappingsInvalid is the message for the first malformed item of
	// property_mappings; PropertyMappings then holds the items before it. DRF converts
	// the items in order and reports the first failure, so the store reports a missing
	// earlier item instead of this message.
	PropertyMappingsInvalid string

	Decoding
}

// NewProvider returns a provider with authentik's defaults.
func NewProvider() *Provider {
	return &Provider{Settings: EmptyObject, ConnectionExpiry: DefaultConnectionExpiry, PropertyMappings: []string{}}
}

// Apply implements Input.
func (in *ProviderInput) Apply(p *Provider, _ bool, errs *FieldErrors) {
	applyText(errs, "name", in.Name, &p.Name)
	if sent(errs, "authentication_flow", in.AuthenticationFlow) {
		p.AuthenticationFlow = in.AuthenticationFlow.V.ID
	}
	if sent(errs, "authorization_flow", in.AuthorizationFlow) {
		p.AuthorizationFlow = in.AuthorizationFlow.V.ID
	}
	if sent(errs, "property_mappings", in.PropertyMappings) && in.PropertyMappingsInvalid == "" {
		p.PropertyMappings = uniqueKeys(in.PropertyMappings.V, Ref.Key)
	}
	if sent(errs, "settings", in.Settings) {
		var secret map[string]json.RawMessage
		p.Settings, secret = SplitSettings(in.Settings.V)
		p.Secrets.Replace(secret)
	}
	if sent(errs, "connection_expiry", in.ConnectionExpiry) {
		v := strings.TrimSpace(in.ConnectionExpiry.V)
		switch {
		case v == "":
			errs.Add("connection_expiry", MsgBlank)
		case ValidateDuration(v) != "":
			errs.Add("connection_expiry", ValidateDuration(v))
		default:
			p.ConnectionExpiry = v
		}
	}
	take(errs, "delete_token_on_disconnect", in.DeleteTokenOnDisconnect, &p.DeleteTokenOnDisconnect)
}

// ProviderQuery is a provider list request.
type ProviderQuery struct {
	ListQuery
	ApplicationIsNull *bool
	NameIExact        *string
}
