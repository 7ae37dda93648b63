package httpapi

import (
	"net/http"

	"github.com/racd/racd/internal/racd"
)

// roleJSON is authentik's Role.
type roleJSON struct {
	PK   string `json:"pk"`
	Name string `json:"name"`
}

func decodeRole(c *call, partial bool) (*racd.RoleInput, error) {
	in := &racd.RoleInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	in.Name, _ = f.str("name", true, false, true)
	return in, nil
}

func listRoles(s *Server, c *call) error {
	if err := requireList(c, racd.RoleModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, []string{"pk", "name"})
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.RoleModel.Perm(racd.PermView))
	rs, count, err := s.store.Roles().List(c.ctx, racd.RoleQuery{ListQuery: lq, GroupName: strFilter(qv, "group__name")})
	if err != nil {
		return err
	}
	out := make([]roleJSON, len(rs))
	for i, r := range rs {
		out[i] = roleJSON{PK: r.UUID, Name: r.Name}
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func createRole(s *Server, c *call) error {
	if err := requireAdd(c, racd.RoleModel); err != nil {
		return err
	}
	in, err := decodeRole(c, false)
	if err != nil {
		return err
	}
	r, err := s.store.Roles().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear()
	return s.writeJSON(c, http.StatusCreated, roleJSON{PK: r.UUID, Name: r.Name})
}

func (s *Server) loadRole(c *call, action string) (*racd.Role, error) {
	if err := requireList(c, racd.RoleModel); err != nil {
		return nil, err
	}
	id, ok := racd.ParseUUID(c.param("uuid"))
	if !ok {
		return nil, errNotFound
	}
	r, err := s.store.Roles().Get(c.ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireObject(c, racd.RoleModel, r.UUID, action); err != nil {
		return nil, err
	}
	return r, nil
}

func getRole(s *Server, c *call) error {
	r, err := s.loadRole(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, roleJSON{PK: r.UUID, Name: r.Name})
}

func updateRole(s *Server, c *call) error {
	r, err := s.loadRole(c, racd.PermChange)
	if err != nil {
		return err
	}
	in, err := decodeRole(c, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	r, err = s.store.Roles().Update(c.ctx, r.UUID, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear()
	return s.writeJSON(c, http.StatusOK, roleJSON{PK: r.UUID, Name: r.Name})
}

func deleteRole(s *Server, c *call) error {
	r, err := s.loadRole(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.Roles().Delete(c.ctx, r.UUID, c.audit()); err != nil {
		return err
	}
	s.auth.clear()
	return noContent(c)
}

// roleUsedBy lists nothing: deleting a role removes its grants and group links, which
// authentik does not report as dependents.
func roleUsedBy(s *Server, c *call) error {
	if _, err := s.loadRole(c, racd.PermView); err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, []usedByJSON{})
}
