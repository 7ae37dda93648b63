package racd

import (
	"encoding/json"
	"strings"
)

// PropertyMapping is a RAC property mapping: settings computed for a connection, either
// static or from an expression.
type PropertyMapping struct {
	UUID           string
	Managed        string // "" for null
	Name           string
	Expression     string
	StaticSettings json.RawMessage // compact JSON object, without its secret parameters
	StaticSecrets  Secrets         // the secret parameters of static_settings
}

// PropertyMappingFields is the serializer's field order.
var PropertyMappingFields = []string{"managed", "name", "expression", "static_settings"}

// Ref returns the reference used in events and used_by lists.
func (m *PropertyMapping) Ref() ObjectRef {
	return PropertyMappingModel.Ref(m.UUID, CorePropertyMappingModel.Titled(m.Name))
}

// CoreRef is how a provider's or endpoint's used_by lists the mapping (authentik lists
// the base model).
func (m *PropertyMapping) CoreRef() ObjectRef {
	return CorePropertyMappingModel.Ref(m.UUID, CorePropertyMappingModel.Titled(m.Name))
}

// PropertyMappingInput is a create or update request after wire decoding.
type PropertyMappingInput struct {
	Managed        Opt[string]          `field:"managed" max:"500"` // "" with Set means null
	Name           Opt[string]          `field:"name" max:"500"`
	Expression     Opt[string]          `field:"expression" max:"65536"`
	StaticSettings Opt[json.RawMessage] `field:"static_settings" max:"65536"`

	Decoding
}

// NewPropertyMapping returns an empty mapping.
func NewPropertyMapping() *PropertyMapping {
	return &PropertyMapping{StaticSettings: EmptyObject}
}

// Apply implements Input. The wire layer has already compiled the expression and
// recorded a syntax error.
func (in *PropertyMappingInput) Apply(m *PropertyMapping, _ bool, errs *FieldErrors) {
	if sent(errs, "managed", in.Managed) {
		m.Managed = strings.TrimSpace(in.Managed.V)
	}
	applyText(errs, "name", in.Name, &m.Name)
	take(errs, "expression", in.Expression, &m.Expression)
	if sent(errs, "static_settings", in.StaticSettings) {
		var secret map[string]json.RawMessage
		m.StaticSettings, secret = SplitSettings(in.StaticSettings.V)
		m.StaticSecrets.Replace(secret)
	}
}

// PropertyMappingQuery is a property mapping list request.
type PropertyMappingQuery struct {
	ListQuery
	Name    *string
	Managed []string
}
