package httpapi

import (
	"encoding/json"

	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/racd"
)

// mappings is /api/v3/propertymappings/rac/, by UUID, and the same resource again at
// /api/v3/propertymappings/provider/rac/, where authentik's clients call it from
// 2024.8 (the npm client 2024.6.4 already does).
var mappings = &resource[*racd.PropertyMapping, *racd.PropertyMappingInput, string, racd.PropertyMappingQuery, mappingJSON]{
	model: racd.PropertyMappingModel, path: "/api/v3/propertymappings/rac/", also: []string{"/api/v3/propertymappings/provider/rac/"},
	param: "pm_uuid", key: uuidKey, keyIsPK: true,
	store: storeOf(racd.Store.PropertyMappings),
	query: func(f *filters) racd.PropertyMappingQuery {
		return racd.PropertyMappingQuery{ListQuery: f.lq, Name: f.str("name"), Managed: f.strs("managed")}
	},
	decode: func(f *form) *racd.PropertyMappingInput {
		in := &racd.PropertyMappingInput{
			Managed: f.text("managed", nullable|trim), Name: f.text("name", required|trim), Expression: f.text("expression", 0),
			StaticSettings: f.object("static_settings", required|jsonField),
		}
		if in.Expression.Set {
			if msg, ok := expr.Check(in.Expression.V); !ok {
				f.errs.Add("expression", msg)
			}
		}
		return in
	},
	wire: func(c *call, m *racd.PropertyMapping) mappingJSON {
		out := toMappingJSON(m)
		out.StaticSettings = objectOrEmpty(c.own(racd.PropertyMappingModel, m.UUID, m.StaticSettings, m.StaticSecrets))
		return out
	},
}

// mappingJSON is authentik's RACPropertyMapping.
type mappingJSON struct {
	PK                string          `json:"pk"`
	Managed           *string         `json:"managed"`
	Name              string          `json:"name"`
	Expression        string          `json:"expression"`
	Component         string          `json:"component"`
	VerboseName       string          `json:"verbose_name"`
	VerboseNamePlural string          `json:"verbose_name_plural"`
	MetaModelName     string          `json:"meta_model_name"`
	StaticSettings    json.RawMessage `json:"static_settings"`
}

// mappingModelName is a mapping's meta_model_name, built once: lists render it per row.
var mappingModelName = racd.PropertyMappingModel.String()

func toMappingJSON(m *racd.PropertyMapping) mappingJSON {
	model := racd.PropertyMappingModel
	return mappingJSON{
		PK: m.UUID, Managed: optStr(m.Managed), Name: m.Name, Expression: m.Expression,
		Component: "ak-property-mapping-rac-form", VerboseName: model.Verbose, VerboseNamePlural: model.VerbosePlural,
		MetaModelName: mappingModelName, StaticSettings: objectOrEmpty(m.StaticSettings),
	}
}
