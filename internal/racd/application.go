package racd

import (
	"regexp"
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
	// MetaIcon is the icon as a client set it (writable from authentik 2025.12): a URL
	// or path, "" for none. MetaHide hides the application from the user's library
	// (authentik 2026.8).
	MetaIcon string
	MetaHide bool

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
	"meta_icon", "meta_description", "meta_publisher", "policy_engine_mode", "group", "meta_hide",
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
	Name                 Opt[string] `field:"name" max:"500"`
	Slug                 Opt[string] `field:"slug" max:"50"`
	Provider             Opt[IntRef]
	BackchannelProviders Opt[[]IntRef]
	OpenInNewTab         Opt[bool]
	MetaLaunchURL        Opt[string] `field:"meta_launch_url" max:"2048"`
	MetaDescription      Opt[string] `field:"meta_description" max:"4096"`
	MetaPublisher        Opt[string] `field:"meta_publisher" max:"500"`
	PolicyEngineMode     Opt[string] `field:"policy_engine_mode" max:"500"`
	Group                Opt[string] `field:"group" max:"150"`
	MetaIcon             Opt[string] `field:"meta_icon" max:"2048"`
	MetaHide             Opt[bool]

	Decoding
}

// Apply implements Input.
func (in *ApplicationInput) Apply(a *Application, _ bool, errs *FieldErrors) {
	applyText(errs, "name", in.Name, &a.Name)
	applySlug(errs, "slug", in.Slug, 50, &a.Slug)
	if sent(errs, "provider", in.Provider) {
		a.ProviderID = in.Provider.V.ID
	}
	if sent(errs, "backchannel_providers", in.BackchannelProviders) {
		a.BackchannelProviders = uniqueKeys(in.BackchannelProviders.V, IntRef.Key)
	}
	take(errs, "open_in_new_tab", in.OpenInNewTab, &a.OpenInNewTab)
	if sent(errs, "meta_launch_url", in.MetaLaunchURL) {
		v := strings.TrimSpace(in.MetaLaunchURL.V)
		if v != "" && !ValidLaunchURL(v) {
			errs.Add("meta_launch_url", MsgInvalidURL)
		} else {
			a.MetaLaunchURL = v
		}
	}
	applyBlankable(errs, "meta_description", in.MetaDescription, &a.MetaDescription)
	applyBlankable(errs, "meta_publisher", in.MetaPublisher, &a.MetaPublisher)
	applyChoice(errs, "policy_engine_mode", in.PolicyEngineMode, PolicyEngineModes, &a.PolicyEngineMode)
	applyBlankable(errs, "group", in.Group, &a.Group)
	applyMediaURL(errs, "meta_icon", in.MetaIcon, &a.MetaIcon)
	take(errs, "meta_hide", in.MetaHide, &a.MetaHide)
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
	// OnlyWithLaunchURL keeps applications that have a launch URL (authentik 2024.8's
	// only_with_launch_url).
	OnlyWithLaunchURL bool
}
