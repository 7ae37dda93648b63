package racd

import (
	"context"
	"regexp"
	"sort"
	"strings"
)

// Application is an authentik application: what users see and launch. racd keeps
// applications so that a provider's assigned_application_* keys and an endpoint's
// launch URL come from real data.
type Application struct {
	UUID                 string
	Name                 string
	Slug                 string
	ProviderID           int64   // 0: no provider
	BackchannelProviders []int64 // sorted
	OpenInNewTab         bool
	MetaLaunchURL        string
	MetaDescription      string
	MetaPublisher        string
	PolicyEngineMode     string
	Group                string

	// Loaded with the application for provider_obj and backchannel_providers_obj.
	Provider                *Provider
	BackchannelProviderObjs []*Provider
}

// Ref returns the object reference used in events and used_by lists.
func (a *Application) Ref() ObjectRef {
	return ApplicationModel.Ref(a.UUID, a.Name)
}

// ApplicationFields is the serializer's field order, which error responses follow.
var ApplicationFields = []string{
	"name", "slug", "provider", "backchannel_providers", "open_in_new_tab", "meta_launch_url",
	"meta_description", "meta_publisher", "policy_engine_mode", "group",
}

// ApplicationOrderFields are the terms ?ordering= accepts on applications.
var ApplicationOrderFields = []string{
	"pk", "name", "slug", "provider", "open_in_new_tab", "meta_launch_url", "meta_description",
	"meta_publisher", "policy_engine_mode", "group",
}

// Messages specific to applications.
const (
	MsgInvalidURL = "Enter a valid URL."
)

// NewApplication returns an application with authentik's defaults.
func NewApplication() *Application {
	return &Application{PolicyEngineMode: defaultFlowEngine, BackchannelProviders: []int64{}}
}

// ApplicationInput is an application create or update request after wire decoding.
// Provider with ID 0 (Set) means null.
type ApplicationInput struct {
	Name                 Opt[string]
	Slug                 Opt[string]
	Provider             Opt[IntRef]
	BackchannelProviders Opt[[]IntRef]
	OpenInNewTab         Opt[bool]
	MetaLaunchURL        Opt[string]
	MetaDescription      Opt[string]
	MetaPublisher        Opt[string]
	PolicyEngineMode     Opt[string]
	Group                Opt[string]

	Errors FieldErrors
}

// Apply validates the static rules of the sent fields and copies the valid ones onto a.
func (in *ApplicationInput) Apply(a *Application) {
	applyText(&in.Errors, "name", in.Name, &a.Name)
	if in.Slug.Set && !in.Errors.Has("slug") {
		if s, ok := ValidateSlug(&in.Errors, "slug", in.Slug.V, 50); ok {
			a.Slug = s
		}
	}
	if in.Provider.Set && !in.Errors.Has("provider") {
		a.ProviderID = in.Provider.V.ID
	}
	if in.BackchannelProviders.Set && !in.Errors.Has("backchannel_providers") {
		a.BackchannelProviders = uniqueInts(in.BackchannelProviders.V)
	}
	if in.OpenInNewTab.Set && !in.Errors.Has("open_in_new_tab") {
		a.OpenInNewTab = in.OpenInNewTab.V
	}
	if in.MetaLaunchURL.Set && !in.Errors.Has("meta_launch_url") {
		v := strings.TrimSpace(in.MetaLaunchURL.V)
		if v != "" && !ValidLaunchURL(v) {
			in.Errors.Add("meta_launch_url", MsgInvalidURL)
		} else {
			a.MetaLaunchURL = v
		}
	}
	applyBlankable(&in.Errors, "meta_description", in.MetaDescription, &a.MetaDescription)
	applyBlankable(&in.Errors, "meta_publisher", in.MetaPublisher, &a.MetaPublisher)
	applyChoice(&in.Errors, "policy_engine_mode", in.PolicyEngineMode, PolicyEngineModes, &a.PolicyEngineMode)
	applyBlankable(&in.Errors, "group", in.Group, &a.Group)
}

// applyBlankable copies a text field that may be blank (trimmed).
func applyBlankable(errs *FieldErrors, field string, v Opt[string], dst *string) {
	if v.Set && !errs.Has(field) {
		*dst = strings.TrimSpace(v.V)
	}
}

// IsSlug reports whether s has the form of a slug (letters, digits, '-' and '_').
func IsSlug(s string) bool { return slugPattern.MatchString(s) }

// launchURLPattern follows authentik's DomainlessFormattedURLValidator: a scheme of
// http, https, ftp, ftps or blank; optional user:pass@; a host that is an IPv4
// address, a bracketed IPv6 address, localhost, or a hostname (without the need for a
// top-level domain, and allowing Python %(name)s placeholders); an optional port of 2
// to 5 digits; an optional path, query or fragment without whitespace.
var launchURLPattern = regexp.MustCompile(`(?i)^(?:https?|ftps?|blank)://` +
	`(?:[^\s:@/]+(?::[^\s:@/]*)?@)?` +
	`(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}` +
	`|\[[0-9a-f:.]+\]` +
	`|[%()a-z]*[a-z\x{a1}-\x{ffff}0-9](?:[a-z\x{a1}-\x{ffff}0-9-]{0,61}[a-z\x{a1}-\x{ffff}0-9])?(?:\.[a-z\x{a1}-\x{ffff}0-9-]{1,63})*\.?` +
	`|localhost)` +
	`(?::\d{2,5})?` +
	`(?:[/?#]\S*)?$`)

// ValidLaunchURL reports whether s passes authentik's launch URL validation.
func ValidLaunchURL(s string) bool {
	return len(s) <= 2048 && launchURLPattern.MatchString(s)
}

// ApplicationQuery is an application list request. The string filters are exact.
type ApplicationQuery struct {
	ListQuery
	Name            *string
	Slug            *string
	Group           *string
	MetaLaunchURL   *string
	MetaDescription *string
	MetaPublisher   *string
}

// ApplicationStore keeps applications.
type ApplicationStore interface {
	// CreateApplication validates in (references and uniqueness included), stores a
	// new application, makes the listed providers its backchannel providers and
	// records a model_created event.
	CreateApplication(ctx context.Context, in *ApplicationInput, a Audit) (*Application, error)
	GetApplication(ctx context.Context, slug string) (*Application, error)
	// ListApplications returns one page with providers loaded, in a fixed number of queries.
	ListApplications(ctx context.Context, q ApplicationQuery) ([]*Application, int, error)
	UpdateApplication(ctx context.Context, slug string, in *ApplicationInput, a Audit) (*Application, error)
	// DeleteApplication deletes the application; its provider stays, and its
	// backchannel providers stay with no backchannel application.
	DeleteApplication(ctx context.Context, slug string, a Audit) error
	ApplicationUsedBy(ctx context.Context, slug string, vis func(perm string) Visibility) ([]UsedBy, error)
}

// uniqueInts returns the distinct IDs of refs, sorted.
func uniqueInts(refs []IntRef) []int64 {
	out := make([]int64, 0, len(refs))
	seen := make(map[int64]bool, len(refs))
	for _, r := range refs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r.ID)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
