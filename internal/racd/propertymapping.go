package racd

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// PropertyMapping is a RAC property mapping: settings computed for a connection, either
// static or from an expression.
type PropertyMapping struct {
	UUID           string
	Managed        string // "" for null
	Name           string
	Expression     string
	StaticSettings json.RawMessage // compact JSON object
}

// PropertyMappingFields is the serializer's field order.
var PropertyMappingFields = []string{"managed", "name", "expression", "static_settings"}

// PropertyMappingOrderFields are the terms ?ordering= accepts.
var PropertyMappingOrderFields = []string{"pk", "name", "managed", "expression"}

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
	Managed        Opt[string] // "" with Set means null
	Name           Opt[string]
	Expression     Opt[string]
	StaticSettings Opt[json.RawMessage]

	Errors FieldErrors
}

// NewPropertyMapping returns an empty mapping.
func NewPropertyMapping() *PropertyMapping {
	return &PropertyMapping{StaticSettings: EmptyObject}
}

// Apply validates the sent fields and copies the valid ones onto m. The wire layer has
// already compiled the expression and recorded a syntax error in Errors.
func (in *PropertyMappingInput) Apply(m *PropertyMapping) {
	if in.Managed.Set && !in.Errors.Has("managed") {
		if v := strings.TrimSpace(in.Managed.V); utf8.RuneCountInString(v) > MaxIndexedText {
			in.Errors.Add("managed", MsgMaxLength(MaxIndexedText))
		} else {
			m.Managed = v
		}
	}
	applyTextMax(&in.Errors, "name", in.Name, &m.Name, MaxIndexedText)
	if in.Expression.Set && !in.Errors.Has("expression") {
		m.Expression = in.Expression.V
	}
	if in.StaticSettings.Set && !in.Errors.Has("static_settings") {
		m.StaticSettings = in.StaticSettings.V
	}
}

// PropertyMappingQuery is a property mapping list request.
type PropertyMappingQuery struct {
	ListQuery
	Name    *string
	Managed []string
}

// PropertyMappingStore keeps RAC property mappings.
type PropertyMappingStore interface {
	CreatePropertyMapping(ctx context.Context, in *PropertyMappingInput, a Audit) (*PropertyMapping, error)
	GetPropertyMapping(ctx context.Context, uuid string) (*PropertyMapping, error)
	ListPropertyMappings(ctx context.Context, q PropertyMappingQuery) ([]*PropertyMapping, int, error)
	UpdatePropertyMapping(ctx context.Context, uuid string, in *PropertyMappingInput, a Audit) (*PropertyMapping, error)
	DeletePropertyMapping(ctx context.Context, uuid string, a Audit) error
	PropertyMappingUsedBy(ctx context.Context, uuid string, vis func(perm string) Visibility) ([]UsedBy, error)
}
