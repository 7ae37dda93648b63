package racd

// Exact messages of the permission assignment serializer.
const (
	MsgPermsTogether      = "The fields model, object_pk must be used together."
	MsgGlobalPermCodename = "When assigning global permissions, codename must be given as app_label.codename"
)

// PermissionHolder names who receives a permission: a user or a role.
type PermissionHolder struct {
	UserID   int64
	RoleUUID string
}
