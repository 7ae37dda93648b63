package racd

// Model describes one of authentik's models once, for every layer: Django's app label
// and model name (from which permission codenames, meta_model_name and the model
// reference of events and used_by lists derive), its verbose names, and the type of
// its primary key (grants store keys as text, in the form IntPK says).
type Model struct {
	App           string // app label, e.g. authentik_providers_rac
	Name          string // model name, e.g. racprovider
	Verbose       string // e.g. "RAC Provider"
	VerbosePlural string // e.g. "RAC Providers"
	IntPK         bool   // the primary key is an integer (else a UUID)
}

// Django's four default permission actions.
const (
	PermView   = "view"
	PermAdd    = "add"
	PermChange = "change"
	PermDelete = "delete"
)

// Perm returns the full codename of action on m, e.g. authentik_providers_rac.view_racprovider.
func (m Model) Perm(action string) string { return m.App + "." + action + "_" + m.Name }

// String returns "app.model", authentik's meta_model_name.
func (m Model) String() string { return m.App + "." + m.Name }

// Ref returns the reference of the object with primary key pk and display name name.
func (m Model) Ref(pk, name string) ObjectRef {
	return ObjectRef{App: m.App, ModelName: m.Name, PK: pk, Name: name}
}

// Titled is the display name authentik's models give an object by prefixing its name
// with the verbose name ("RAC Endpoint Desk 1", "Outpost edge", "Group admins").
func (m Model) Titled(name string) string { return m.Verbose + " " + name }

// The models racd keeps.
var (
	ProviderModel        = Model{App: "authentik_providers_rac", Name: "racprovider", Verbose: "RAC Provider", VerbosePlural: "RAC Providers", IntPK: true}
	EndpointModel        = Model{App: "authentik_providers_rac", Name: "endpoint", Verbose: "RAC Endpoint", VerbosePlural: "RAC Endpoints"}
	ConnectionTokenModel = Model{App: "authentik_providers_rac", Name: "connectiontoken", Verbose: "RAC Connection token", VerbosePlural: "RAC Connection tokens"}
	PropertyMappingModel = Model{App: "authentik_providers_rac", Name: "racpropertymapping", Verbose: "RAC Property Mapping", VerbosePlural: "RAC Property Mappings"}
	FlowModel            = Model{App: "authentik_flows", Name: "flow", Verbose: "Flow", VerbosePlural: "Flows"}
	ApplicationModel     = Model{App: "authentik_core", Name: "application", Verbose: "Application", VerbosePlural: "Applications"}
	OutpostModel         = Model{App: "authentik_outposts", Name: "outpost", Verbose: "Outpost", VerbosePlural: "Outposts"}
	UserModel            = Model{App: "authentik_core", Name: "user", Verbose: "User", VerbosePlural: "Users", IntPK: true}
	GroupModel           = Model{App: "authentik_core", Name: "group", Verbose: "Group", VerbosePlural: "Groups"}
	TokenModel           = Model{App: "authentik_core", Name: "token", Verbose: "Token", VerbosePlural: "Tokens"}
	RoleModel            = Model{App: "authentik_rbac", Name: "role", Verbose: "Role", VerbosePlural: "Roles"}
	EventModel           = Model{App: "authentik_events", Name: "event", Verbose: "Event", VerbosePlural: "Events"}

	// CorePropertyMappingModel is the base model of property mappings: a provider's or
	// an endpoint's used_by lists its mappings as this model, as authentik does. No
	// permission is assigned on it.
	CorePropertyMappingModel = Model{App: "authentik_core", Name: "propertymapping", Verbose: "Property Mapping", VerbosePlural: "Property Mappings"}
)

// Models lists every model permissions can be assigned on.
var Models = []Model{ProviderModel, EndpointModel, ConnectionTokenModel, PropertyMappingModel, FlowModel,
	ApplicationModel, OutpostModel, UserModel, GroupModel, TokenModel, RoleModel, EventModel}

// ModelByName finds a model of Models by "app.model".
func ModelByName(s string) (Model, bool) {
	for _, m := range Models {
		if m.String() == s {
			return m, true
		}
	}
	return Model{}, false
}
