package httpapi

import (
	"github.com/racd/racd/internal/racd"
)

// requireList refuses (403) a caller that may view no object of m.
func requireList(c *call, m racd.Model) error {
	if !c.p.CanAny(m.Perm(racd.PermView)) {
		return errForbidden
	}
	return nil
}

// requireAdd refuses (403) a caller without the global add permission on m.
func requireAdd(c *call, m racd.Model) error {
	if !c.p.Can(m.Perm(racd.PermAdd), "") {
		return errForbidden
	}
	return nil
}

// requireObject applies the checks of a detail route once the object (primary key pk)
// is loaded: not visible → 404; visible without the permission for action → 403.
// Callers run requireList before loading, so a caller who may view nothing of m gets
// 403 even for ids that do not exist.
func requireObject(c *call, m racd.Model, pk, action string) error {
	if !c.p.Can(m.Perm(racd.PermView), pk) {
		return errNotFound
	}
	if action != racd.PermView && !c.p.Can(m.Perm(action), pk) {
		return errForbidden
	}
	return nil
}

// usedByJSON is one entry of a used_by list.
type usedByJSON struct {
	App       string `json:"app"`
	ModelName string `json:"model_name"`
	PK        string `json:"pk"`
	Name      string `json:"name"`
	Action    string `json:"action"`
}
