package racd

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"
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
	Name              Opt[string]
	Slug              Opt[string]
	Title             Opt[string]
	Designation       Opt[string]
	PolicyEngineMode  Opt[string]
	CompatibilityMode Opt[bool]
	Layout            Opt[string]
	DeniedAction      Opt[string]
	Authentication    Opt[string]

	Errors FieldErrors
}

// Apply validates the sent fields and copies the valid ones onto f.
func (in *FlowInput) Apply(f *Flow) {
	applyTextMax(&in.Errors, "name", in.Name, &f.Name, MaxIndexedText)
	if in.Slug.Set && !in.Errors.Has("slug") {
		if s, ok := ValidateSlug(&in.Errors, "slug", in.Slug.V, 50); ok {
			f.Slug = s
		}
	}
	applyText(&in.Errors, "title", in.Title, &f.Title)
	applyChoice(&in.Errors, "designation", in.Designation, FlowDesignations, &f.Designation)
	applyChoice(&in.Errors, "policy_engine_mode", in.PolicyEngineMode, PolicyEngineModes, &f.PolicyEngineMode)
	if in.CompatibilityMode.Set && !in.Errors.Has("compatibility_mode") {
		f.CompatibilityMode = in.CompatibilityMode.V
	}
	applyChoice(&in.Errors, "layout", in.Layout, FlowLayouts, &f.Layout)
	applyChoice(&in.Errors, "denied_action", in.DeniedAction, FlowDeniedActions, &f.DeniedAction)
	applyChoice(&in.Errors, "authentication", in.Authentication, FlowAuthentications, &f.Authentication)
}

// ValidateSlug checks a slug field (trimmed, non-blank, at most max characters, of
// letters, digits, '-' and '_'), records every problem and returns the trimmed slug.
func ValidateSlug(errs *FieldErrors, field, v string, max int) (string, bool) {
	s := strings.TrimSpace(v)
	if s == "" {
		errs.Add(field, MsgBlank)
		return "", false
	}
	ok := true
	if len([]rune(s)) > max {
		errs.Add(field, MsgMaxLength(max))
		ok = false
	}
	if !slugPattern.MatchString(s) {
		errs.Add(field, MsgInvalidSlug)
		ok = false
	}
	return s, ok
}

// MaxIndexedText is the most characters racd accepts in a text field that a database
// index covers (names, managed keys). [racd] authentik has no limit, and PostgreSQL
// fails (a 500 in authentik) once an index entry passes about 2700 bytes; 500
// characters of at most 4 bytes each always fit.
const MaxIndexedText = 500

// applyText copies a required-non-blank text field (trimmed).
func applyText(errs *FieldErrors, field string, v Opt[string], dst *string) {
	applyTextMax(errs, field, v, dst, 0)
}

// applyTextMax is applyText with a maximum length in characters (0: none).
func applyTextMax(errs *FieldErrors, field string, v Opt[string], dst *string, max int) {
	if !v.Set || errs.Has(field) {
		return
	}
	s := strings.TrimSpace(v.V)
	if s == "" {
		errs.Add(field, MsgBlank)
		return
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		errs.Add(field, MsgMaxLength(max))
		return
	}
	*dst = s
}

// applyChoice copies a choice field after checking it is one of choices.
func applyChoice(errs *FieldErrors, field string, v Opt[string], choices []string, dst *string) {
	if !v.Set || errs.Has(field) {
		return
	}
	for _, c := range choices {
		if v.V == c {
			*dst = c
			return
		}
	}
	errs.Add(field, MsgInvalidChoice(v.V))
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

// FlowStore keeps flows.
type FlowStore interface {
	CreateFlow(ctx context.Context, in *FlowInput, a Audit) (*Flow, error)
	GetFlow(ctx context.Context, slug string) (*Flow, error)
	ListFlows(ctx context.Context, q FlowQuery) ([]*Flow, int, error)
	UpdateFlow(ctx context.Context, slug string, in *FlowInput, a Audit) (*Flow, error)
	// DeleteFlow deletes the flow, the providers it authorizes, and clears it where
	// providers use it for authentication.
	DeleteFlow(ctx context.Context, slug string, a Audit) error
	FlowUsedBy(ctx context.Context, slug string, vis func(perm string) Visibility) ([]UsedBy, error)
}
