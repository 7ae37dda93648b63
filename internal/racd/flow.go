package racd

import (
	"regexp"
)

// Flow is an authentik flow. racd keeps flows so that providers can refer to them; it
// does not execute them.
type Flow struct {
	UUID              string
	Name              string
	Slug              string
	Title             string
	Designation       string
	PolicyEngineMode  string
	CompatibilityMode bool
	Layout            string // may be a newer value (FlowLayouts)
	DeniedAction      string
	Authentication    string // may be a newer value (FlowAuthentications)
	// Background is the image behind the flow's pages as a client set it (writable
	// from authentik 2025.12); "" for authentik's default.
	Background string
}

// DefaultFlowBackground is the image authentik shows behind flows without their own.
const DefaultFlowBackground = "/static/dist/assets/images/flow_background.jpg"

// BackgroundURL is the URL of the flow's background image.
func (f *Flow) BackgroundURL() string {
	if f.Background == "" {
		return DefaultFlowBackground
	}
	return f.Background
}

// Flow choices and defaults.
var (
	FlowDesignations     = []string{"authentication", "authorization", "invalidation", "enrollment", "unenrollment", "recovery", "stage_configuration"}
	PolicyEngineModes    = []string{"all", "any"}
	FlowDeniedActions    = []string{"message_continue", "message", "continue"}
	FlowFields           = []string{"name", "slug", "title", "designation", "policy_engine_mode", "compatibility_mode", "layout", "denied_action", "authentication", "background"}
	slugPattern          = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)
	defaultFlowEngine    = "any"
	defaultFlowLayout    = "stacked"
	defaultDeniedAction  = "message_continue"
	defaultFlowAuthLevel = "none"
)

// FlowLayouts are the values of a flow's layout. authentik 2026.8 added two sidebar
// layouts whose frame shows the background; older clients see them as the sidebar
// layouts they vary.
var FlowLayouts = Choices{
	Values: []string{"stacked", "content_left", "content_right", "sidebar_left", "sidebar_right"},
	Newer:  map[string]string{"sidebar_left_frame_background": "sidebar_left", "sidebar_right_frame_background": "sidebar_right"},
}

// FlowAuthentications are the values of a flow's authentication requirement.
// require_redirect (authentik 2024.10) and require_token (2026.8) have no 2024.6
// counterpart: older clients see "none" (racd does not run flows, so the value has no
// effect of its own in racd).
var FlowAuthentications = Choices{
	Values: []string{"none", "require_authenticated", "require_unauthenticated", "require_superuser", "require_outpost"},
	Newer:  map[string]string{"require_redirect": "none", "require_token": "none"},
}

// Ref returns the object reference used in events and used_by lists.
func (f *Flow) Ref() ObjectRef {
	return FlowModel.Ref(f.UUID, FlowModel.Titled(f.Name+" ("+f.Slug+")"))
}

// NewFlow returns a flow with authentik's defaults.
func NewFlow() *Flow {
	return &Flow{PolicyEngineMode: defaultFlowEngine, Layout: defaultFlowLayout, DeniedAction: defaultDeniedAction, Authentication: defaultFlowAuthLevel}
}

// FlowInput is a flow create or update request after wire decoding.
type FlowInput struct {
	Name              Opt[string] `field:"name" max:"500"`
	Slug              Opt[string] `field:"slug" max:"50"`
	Title             Opt[string] `field:"title" max:"4096"`
	Designation       Opt[string] `field:"designation" max:"500"`
	PolicyEngineMode  Opt[string] `field:"policy_engine_mode" max:"500"`
	CompatibilityMode Opt[bool]
	Layout            Opt[string] `field:"layout" max:"500"`
	DeniedAction      Opt[string] `field:"denied_action" max:"500"`
	Authentication    Opt[string] `field:"authentication" max:"500"`
	Background        Opt[string] `field:"background" max:"2048"`

	Decoding
}

// Apply implements Input.
func (in *FlowInput) Apply(f *Flow, _ bool, errs *FieldErrors) {
	applyText(errs, "name", in.Name, &f.Name)
	applySlug(errs, "slug", in.Slug, 50, &f.Slug)
	applyText(errs, "title", in.Title, &f.Title)
	applyChoice(errs, "designation", in.Designation, FlowDesignations, &f.Designation)
	applyChoice(errs, "policy_engine_mode", in.PolicyEngineMode, PolicyEngineModes, &f.PolicyEngineMode)
	take(errs, "compatibility_mode", in.CompatibilityMode, &f.CompatibilityMode)
	applyChoices(errs, "layout", in.Layout, FlowLayouts, &f.Layout)
	applyChoice(errs, "denied_action", in.DeniedAction, FlowDeniedActions, &f.DeniedAction)
	applyChoices(errs, "authentication", in.Authentication, FlowAuthentications, &f.Authentication)
	applyMediaURL(errs, "background", in.Background, &f.Background)
}

// FlowQuery is a flow list request.
type FlowQuery struct {
	ListQuery
	Slug         *string
	Name         *string
	Designation  *string
	DeniedAction *string
	UUID         *string
}
