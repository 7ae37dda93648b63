package httpapi

import (
	"github.com/racd/racd/internal/racd"
)

// flows is /api/v3/flows/instances/, by slug.
var flows = &resource[*racd.Flow, *racd.FlowInput, string, racd.FlowQuery, flowJSON]{
	model: racd.FlowModel, path: "/api/v3/flows/instances/", param: "slug", key: textKey,
	store: storeOf(racd.Store.Flows),
	query: func(f *filters) racd.FlowQuery {
		return racd.FlowQuery{ListQuery: f.lq, Slug: f.str("slug"), Name: f.str("name"),
			Designation: f.choice("designation", racd.FlowDesignations), DeniedAction: f.choice("denied_action", racd.FlowDeniedActions),
			UUID: f.uuid("flow_uuid")}
	},
	decode: func(f *form) *racd.FlowInput {
		return &racd.FlowInput{
			Name: f.text("name", required|trim), Slug: f.text("slug", required|trim), Title: f.text("title", required|trim),
			Designation: f.choice("designation", required), PolicyEngineMode: f.choice("policy_engine_mode", 0),
			CompatibilityMode: f.boolean("compatibility_mode", 0), Layout: f.choice("layout", 0),
			DeniedAction: f.choice("denied_action", 0), Authentication: f.choice("authentication", 0),
			Background: f.text("background", 0),
		}
	},
	wire: func(_ *call, f *racd.Flow) flowJSON { return toFlowJSON(f) },
}

// flowJSON is authentik's Flow: 2024.6's keys in its order, then the keys newer
// clients read.
type flowJSON struct {
	PK                      string   `json:"pk"`
	PolicybindingmodelPtrID string   `json:"policybindingmodel_ptr_id"`
	Name                    string   `json:"name"`
	Slug                    string   `json:"slug"`
	Title                   string   `json:"title"`
	Designation             string   `json:"designation"`
	Background              string   `json:"background"`
	Stages                  []string `json:"stages"`
	Policies                []string `json:"policies"`
	CacheCount              int      `json:"cache_count"`
	PolicyEngineMode        string   `json:"policy_engine_mode"`
	CompatibilityMode       bool     `json:"compatibility_mode"`
	ExportURL               string   `json:"export_url"`
	Layout                  string   `json:"layout"`
	DeniedAction            string   `json:"denied_action"`
	Authentication          string   `json:"authentication"`
	// From authentik 2025.12.
	BackgroundURL        string         `json:"background_url"`
	BackgroundThemedURLs *themedURLJSON `json:"background_themed_urls"`
}

// themedURLJSON is authentik's ThemedUrls: an image's light and dark variants.
type themedURLJSON struct {
	Light *string `json:"light"`
	Dark  *string `json:"dark"`
}

// toThemedURLs returns the variants of an image reference with authentik's %(theme)s
// placeholder, or nil.
func toThemedURLs(ref string) *themedURLJSON {
	light, dark, ok := racd.ThemedURLs(ref)
	if !ok {
		return nil
	}
	return &themedURLJSON{Light: &light, Dark: &dark}
}

func toFlowJSON(f *racd.Flow) flowJSON {
	return flowJSON{
		PK: f.UUID, PolicybindingmodelPtrID: f.UUID, Name: f.Name, Slug: f.Slug, Title: f.Title,
		Designation: f.Designation, Background: f.BackgroundURL(), Stages: []string{}, Policies: []string{},
		PolicyEngineMode: f.PolicyEngineMode, CompatibilityMode: f.CompatibilityMode,
		ExportURL: "/api/v3/flows/instances/" + f.Slug + "/export/", Layout: racd.FlowLayouts.Shown(f.Layout),
		DeniedAction: f.DeniedAction, Authentication: racd.FlowAuthentications.Shown(f.Authentication),
		BackgroundURL: f.BackgroundURL(), BackgroundThemedURLs: toThemedURLs(f.Background),
	}
}
