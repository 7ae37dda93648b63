package racd

import (
	"encoding/json"
	"strings"
	"time"
)

// Outpost is an authentik outpost: a deployment that serves a set of providers. racd
// keeps outposts so that a provider's outpost_set comes from real data; it does not
// deploy them.
type Outpost struct {
	UUID              string
	Name              string
	Type              string
	Providers         []int64 // sorted
	ServiceConnection string  // always "": racd has no service connections
	Config            json.RawMessage
	Managed           string // "" for null

	// Loaded with the outpost for providers_obj.
	ProviderObjs []*Provider

	// ServiceKey is write-only: the key of the outpost's API token, made by the API
	// for a write, which the store uses when it creates the outpost's service account
	// (see ServiceAccountUsername). Never read back.
	ServiceKey *SealedKey
}

// Outpost choices and defaults.
const (
	// OutpostTypeRAC is the only type whose outposts can hold racd's (RAC) providers.
	OutpostTypeRAC = "rac"
	// ManagedEmbeddedOutpost marks authentik's embedded outpost, which may hold no
	// provider and whose name is fixed.
	ManagedEmbeddedOutpost = "goauthentik.io/outposts/embedded"
	EmbeddedOutpostName    = "authentik Embedded Outpost"
	// DefaultRefreshInterval is the config refresh_interval an outpost has unless set.
	DefaultRefreshInterval = "minutes=5"
)

// OutpostTypes are the outpost types authentik knows.
var OutpostTypes = []string{"proxy", "ldap", "radius", "rac"}

// OutpostFields is the serializer's field order, which error responses follow.
var OutpostFields = []string{"name", "type", "providers", "service_connection", "config", "managed"}

// Ref returns the object reference used in events and used_by lists.
func (o *Outpost) Ref() ObjectRef {
	return OutpostModel.Ref(o.UUID, OutpostModel.Titled(o.Name))
}

// TokenIdentifier is the identifier of the API token authentik creates for the outpost.
func (o *Outpost) TokenIdentifier() string { return "ak-outpost-" + o.UUID + "-api" }

// RefreshIntervalSeconds is the config's refresh_interval in whole seconds (default
// five minutes). Validation guarantees a stored interval parses.
func (o *Outpost) RefreshIntervalSeconds() int64 {
	iv := DefaultRefreshInterval
	var cfg map[string]json.RawMessage
	if json.Unmarshal(o.Config, &cfg) == nil {
		if raw, ok := cfg["refresh_interval"]; ok {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				iv = s
			}
		}
	}
	d, err := ParseDuration(iv)
	if err != nil {
		d = 5 * time.Minute
	}
	return int64(d / time.Second)
}

// NewOutpost returns an outpost with authentik's defaults.
func NewOutpost() *Outpost {
	return &Outpost{Type: "proxy", Providers: []int64{}, Config: EmptyObject}
}

// OutpostInput is an outpost create or update request after wire decoding.
type OutpostInput struct {
	Name              Opt[string] `field:"name" max:"500"`
	Type              Opt[string] `field:"type" max:"500"`
	Providers         Opt[[]IntRef]
	ServiceConnection Opt[Ref]             // ID "" means null
	Config            Opt[json.RawMessage] `field:"config" max:"65536"`
	Managed           Opt[string]          `field:"managed" max:"500"` // "" with Set means null
	// ServiceKey is not sent by clients: the API sets it (see Outpost.ServiceKey).
	ServiceKey *SealedKey

	Decoding
}

// MsgOutpostType is authentik's message for a provider whose kind the outpost type
// cannot serve; racd's providers are all RAC providers.
func MsgOutpostType(outpostType string) string {
	return "Outpost type " + outpostType + " can't be used with RACProvider providers."
}

// Apply implements Input.
func (in *OutpostInput) Apply(o *Outpost, _ bool, errs *FieldErrors) {
	o.ServiceKey = in.ServiceKey
	if sent(errs, "name", in.Name) {
		name := strings.TrimSpace(in.Name.V)
		switch {
		case name == "":
			errs.Add("name", MsgBlank)
		case o.Managed == ManagedEmbeddedOutpost && name != EmbeddedOutpostName:
			// o.Managed is still the stored value: managed is applied below.
			errs.Add("name", "Embedded outpost's name cannot be changed")
		default:
			o.Name = name
		}
	}
	applyChoice(errs, "type", in.Type, OutpostTypes, &o.Type)
	if sent(errs, "providers", in.Providers) {
		o.Providers = uniqueKeys(in.Providers.V, IntRef.Key)
	}
	if sent(errs, "service_connection", in.ServiceConnection) && in.ServiceConnection.V.ID != "" {
		// racd manages no deployments, so no service connection exists.
		errs.Add("service_connection", MsgDoesNotExist(in.ServiceConnection.V.Raw))
	}
	if sent(errs, "config", in.Config) {
		if msg := validateOutpostConfig(in.Config.V); msg != "" {
			errs.Add("config", msg)
		} else {
			o.Config = in.Config.V
		}
	}
	if sent(errs, "managed", in.Managed) {
		o.Managed = strings.TrimSpace(in.Managed.V)
	}
}

// CheckProviders applies the rule between type and providers once the providers are
// known to exist (the store calls it after its reference checks, so a missing
// provider is reported first, as DRF does). authentik checks the providers only when
// they are sent and against the type sent with them; racd checks what the outpost
// ends up with, so that a PATCH of the type alone cannot leave RAC providers in a
// proxy outpost.
func (in *OutpostInput) CheckProviders(o *Outpost, errs *FieldErrors) {
	if !errs.Has("type") && !errs.Has("providers") && (in.Type.Set || in.Providers.Set) {
		switch {
		case len(o.Providers) > 0 && o.Type != OutpostTypeRAC:
			errs.Add("providers", MsgOutpostType(o.Type))
		case in.Providers.Set && len(o.Providers) == 0 && o.Managed != ManagedEmbeddedOutpost:
			errs.Add("providers", MsgEmptyList)
		}
	}
}

// validateOutpostConfig checks the config keys racd reads: refresh_interval must be a
// duration string. Other keys are kept as sent.
func validateOutpostConfig(raw json.RawMessage) string {
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return MsgNotDictStatic
	}
	v, ok := cfg["refresh_interval"]
	if !ok {
		return ""
	}
	var s string
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return `Failed to validate config: wrong value type for field "refresh_interval" - should be "str" instead of value "` +
			strings.Trim(string(v), `"`) + `" of type "` + PyType(v) + `"`
	}
	if _, err := ParseDuration(s); err != nil {
		// [racd] authentik stores any string and fails later when it reads it back.
		return "Failed to validate config: refresh_interval: " + MsgBadDuration(s)
	}
	return ""
}

// PyType names a JSON value's type as Python does after json.loads (used in DRF's
// messages: "dict", "list", "str", "bool", "NoneType", "float", "int").
func PyType(raw json.RawMessage) string {
	raw = json.RawMessage(strings.TrimSpace(string(raw)))
	if len(raw) == 0 {
		return "NoneType"
	}
	switch raw[0] {
	case '{':
		return "dict"
	case '[':
		return "list"
	case '"':
		return "str"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NoneType"
	}
	if strings.ContainsAny(string(raw), ".eE") {
		return "float"
	}
	return "int"
}

// DefaultOutpostConfig is the config authentik proposes for a new outpost
// (GET /outposts/instances/default_settings/), for an authentik reached at host.
func DefaultOutpostConfig(host string) map[string]any {
	return map[string]any{
		"authentik_host":                 host,
		"authentik_host_insecure":        false,
		"authentik_host_browser":         "",
		"log_level":                      "info",
		"object_naming_template":         "ak-outpost-%(name)s",
		"refresh_interval":               DefaultRefreshInterval,
		"container_image":                nil,
		"docker_network":                 nil,
		"docker_map_ports":               true,
		"docker_labels":                  nil,
		"kubernetes_replicas":            1,
		"kubernetes_namespace":           "default",
		"kubernetes_ingress_annotations": map[string]any{},
		"kubernetes_ingress_secret_name": "authentik-outpost-tls",
		"kubernetes_ingress_class_name":  nil,
		"kubernetes_service_type":        "ClusterIP",
		"kubernetes_disabled_components": []any{},
		"kubernetes_image_pull_secrets":  []any{},
		"kubernetes_json_patches":        nil,
	}
}

// OutpostQuery is an outpost list request.
type OutpostQuery struct {
	ListQuery
	NameIExact            *string
	NameIContains         *string
	ManagedIExact         *string
	ManagedIContains      *string
	ProvidersIsNull       *bool
	ProvidersByPK         []int64 // outposts holding any of these providers
	ServiceConnectionName bool    // a service_connection__name filter was given: nothing matches
}
