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
	Layout            string
	DeniedAction      string
	Authentication    string
}

// Flow choices and defaults.
var (
	FlowDesignations     = []string{"authentication", "authorization", "invalidation", "enrollment", "unenrollment", "recovery", "stage_configuration"}
	PolicyEngineModes    = []string{"all", "any"}
	FlowLayouts          = []string{"stacked", "content_left", "content_right", "sidebar_left", "sidebar_right"}
	FlowDeniedActions    = []string{"message_continue", "message", "continue"}
	FlowAuthentications  = []string{"none", "require_authenticated", "require_unauthenticated", "require_superuser", "require_outpost"}
	FlowFields           = []string{"name", "slug", "title", "designation", "policy_engine_mode", "compatibility_mode", "layout", "denied_action", "authentication"}
	FlowOrderFields      = []string{"pk", "name", "slug", "title", "designation", "policy_engine_mode", "compatibility_mode", "layout", "denied_action", "authentication"}
	slugPattern          = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)
	defaultFlowEngine    = "any"
	defaultFlowLayout    = "stacked"
	defaultDeniedAction  = "message_continue"
	defaultFlowAuthLevel = "none"
)

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
	applyChoice(errs, "layout", in.Layout, FlowLayouts, &f.Layout)
	applyChoice(errs, "denied_action", in.DeniedAction, FlowDeniedActions, &f.DeniedAction)
	applyChoice(errs, "authentication", in.Authentication, FlowAuthentications, &f.Authentication)
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
