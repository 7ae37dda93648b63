package httpapi

import (
	"github.com/racd/racd/internal/racd"
)

// perm is the permission a route needs: the route table's permission column, and the
// only place a route's permission is enforced. serve checks it after authentication
// and before the handler, in SPEC §1's order: visibility (403 when the caller may view
// no object of the model, 404 for an object it cannot view), then the permission for
// the action on that object (403). Handlers validate bodies after that, so a caller
// without permission never sees validation errors.
type perm struct {
	model  racd.Model
	action string // racd.PermView/Add/Change/Delete
	rule   rule
	// object finds the object a detail route addresses; nil on collection routes.
	object finder
	// lazy: the route may go ahead without loading the object when the caller holds
	// view and the action on its primary key (the store answers 404 for a missing
	// one); otherwise the object is loaded first.
	lazy bool
}

// rule says who a route admits besides holders of the model permission.
type rule int

const (
	// byPermission: Django permissions on the model, held globally or on the object.
	byPermission rule = iota
	// anyone authenticated (the route checks what it needs itself).
	anyone
	// superuserOnly: only superusers, whatever they ask for.
	superuserOnly
	// ownerOnly: the object's owner or a superuser; another's object is 404 (tokens).
	ownerOnly
	// ownerOrPermission: the object's owner, or by permission (connection tokens: a
	// caller who may view none still lists its own).
	ownerOrPermission
)

// finder finds the object of a detail route.
type finder interface {
	// find parses the route's key (404 when no object can have it) and returns the
	// object's primary key as grants hold it; with load it also reads the object
	// (404 when it does not exist), else the key must be the primary key ("" when
	// it is not).
	find(s *Server, c *call, load bool) (target, error)
}

// target is the object a detail route addresses.
type target struct {
	pk    string
	owner int64 // the user owning it (tokens, connection tokens); 0 for none
	obj   any   // the object, when loaded
}

// authorize enforces p for the caller of c; on a detail route c.target is the object.
func (s *Server) authorize(c *call, p perm) error {
	switch p.rule {
	case anyone:
		return nil
	case superuserOnly:
		if !c.p.Superuser {
			return errForbidden
		}
		return nil
	}
	view := p.model.Perm(racd.PermView)
	if p.object == nil {
		if p.rule != byPermission || p.action == racd.PermAdd && c.p.Can(p.model.Perm(racd.PermAdd), "") ||
			p.action != racd.PermAdd && c.p.CanAny(view) {
			return nil
		}
		return errForbidden
	}
	if p.rule == byPermission && !c.p.CanAny(view) {
		return errForbidden
	}
	action := p.model.Perm(p.action)
	if p.lazy && p.rule == byPermission {
		t, err := p.object.find(s, c, false)
		if err != nil {
			return err
		}
		if t.pk != "" && c.p.Can(view, t.pk) && c.p.Can(action, t.pk) {
			c.target = t
			return nil
		}
	}
	t, err := p.object.find(s, c, true)
	if err != nil {
		return err
	}
	c.target = t
	mine := t.owner != 0 && t.owner == c.p.User.ID
	switch {
	case p.rule == ownerOnly && !mine && !c.p.Superuser:
		return errNotFound
	case p.rule == ownerOnly || p.rule == ownerOrPermission && mine:
		return nil
	case !c.p.Can(view, t.pk):
		return errNotFound
	case p.action != racd.PermView && !c.p.Can(action, t.pk):
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

func toUsedByJSON(used []racd.UsedBy) []usedByJSON {
	out := make([]usedByJSON, len(used))
	for i, u := range used {
		out[i] = usedByJSON{App: u.Object.App, ModelName: u.Object.ModelName, PK: u.Object.PK, Name: u.Object.Name, Action: u.Action}
	}
	return out
}
