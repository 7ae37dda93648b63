package racd

// Role is an RBAC role: a named set of permissions held by the users it is given to
// and by the members of the groups it is linked to.
type Role struct {
	UUID string
	Name string
}

// Ref returns the role as events and used_by lists name it.
func (r *Role) Ref() ObjectRef {
	return RoleModel.Ref(r.UUID, RoleModel.Titled(r.Name))
}

// RoleInput is a role create or update request.
type RoleInput struct {
	Name Opt[string] `field:"name" max:"150"`
	Decoding
}

// RoleQuery is a role list request.
type RoleQuery struct {
	ListQuery
	GroupName *string
	Name      *string // authentik 2025.10
	// UserID keeps the roles given to that user directly, or with Inherited every
	// role it holds; GroupUUID the roles of that group, or with Inherited also those
	// of its ancestors (authentik 2025.12). A user or group the caller may not view
	// (ListQuery.Related) holds none. ManagedIsNull and Managed: racd's roles are never
	// managed.
	UserID        *int64
	GroupUUID     *string
	Inherited     bool
	Managed       []string
	ManagedIsNull *bool
}

// Apply implements Input.
func (in *RoleInput) Apply(r *Role, _ bool, errs *FieldErrors) {
	applyText(errs, "name", in.Name, &r.Name)
}

// RoleFields is the role serializer's field order.
var RoleFields = []string{"name"}
