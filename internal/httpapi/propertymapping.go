package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/racd"
)

// mappingJSON is authentik's RACPropertyMapping.
type mappingJSON struct {
	PK                string          `json:"pk"`
	Managed           *string         `json:"managed"`
	Name              string          `json:"name"`
	Expression        string          `json:"expression"`
	Component         string          `json:"component"`
	VerboseName       string          `json:"verbose_name"`
	VerboseNamePlural string          `json:"verbose_name_plural"`
	MetaModelName     string          `json:"meta_model_name"`
	StaticSettings    json.RawMessage `json:"static_settings"`
}

func toMappingJSON(m *racd.PropertyMapping) mappingJSON {
	out := mappingJSON{
		PK: m.UUID, Name: m.Name, Expression: m.Expression,
		Component: "ak-property-mapping-rac-form", VerboseName: racd.PropertyMappingModel.Verbose,
		VerboseNamePlural: racd.PropertyMappingModel.VerbosePlural, MetaModelName: racd.PropertyMappingModel.String(),
		StaticSettings: m.StaticSettings,
	}
	if m.Managed != "" {
		out.Managed = &m.Managed
	}
	if len(out.StaticSettings) == 0 {
		out.StaticSettings = racd.EmptyObject
	}
	return out
}

func decodeMapping(c *call, partial bool) (*racd.PropertyMappingInput, error) {
	in := &racd.PropertyMappingInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	in.Managed, _ = f.str("managed", false, true, true)
	in.Name, _ = f.str("name", true, false, true)
	in.Expression, _ = f.str("expression", false, false, false)
	if in.Expression.Set {
		if msg, ok := expr.Check(in.Expression.V); !ok {
			in.Errors.Add("expression", msg)
		}
	}
	in.StaticSettings = f.object("static_settings", true, func(string) string { return racd.MsgNotDictStatic })
	return in, nil
}

func listMappings(s *Server, c *call) error {
	if err := requireList(c, racd.PropertyMappingModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, racd.PropertyMappingOrderFields)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.PropertyMappingModel.Perm(racd.PermView))
	q := racd.PropertyMappingQuery{ListQuery: lq, Name: strFilter(qv, "name")}
	for _, m := range qv["managed"] {
		if m != "" {
			q.Managed = append(q.Managed, m)
		}
	}
	ms, count, err := s.store.PropertyMappings().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]mappingJSON, len(ms))
	for i, m := range ms {
		out[i] = toMappingJSON(m)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func createMapping(s *Server, c *call) error {
	if err := requireAdd(c, racd.PropertyMappingModel); err != nil {
		return err
	}
	in, err := decodeMapping(c, false)
	if err != nil {
		return err
	}
	m, err := s.store.PropertyMappings().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusCreated, toMappingJSON(m))
}

func (s *Server) loadMapping(c *call, action string) (*racd.PropertyMapping, error) {
	if err := requireList(c, racd.PropertyMappingModel); err != nil {
		return nil, err
	}
	id, ok := racd.ParseUUID(c.param("pm_uuid"))
	if !ok {
		return nil, errNotFound
	}
	m, err := s.store.PropertyMappings().Get(c.ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireObject(c, racd.PropertyMappingModel, m.UUID, action); err != nil {
		return nil, err
	}
	return m, nil
}

func getMapping(s *Server, c *call) error {
	m, err := s.loadMapping(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toMappingJSON(m))
}

func updateMapping(s *Server, c *call) error {
	m, err := s.loadMapping(c, racd.PermChange)
	if err != nil {
		return err
	}
	in, err := decodeMapping(c, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	m, err = s.store.PropertyMappings().Update(c.ctx, m.UUID, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toMappingJSON(m))
}

func deleteMapping(s *Server, c *call) error {
	m, err := s.loadMapping(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.PropertyMappings().Delete(c.ctx, m.UUID, c.audit()); err != nil {
		return err
	}
	return noContent(c)
}

func mappingUsedBy(s *Server, c *call) error {
	m, err := s.loadMapping(c, racd.PermView)
	if err != nil {
		return err
	}
	used, err := s.store.PropertyMappings().UsedBy(c.ctx, m.UUID, c.vis())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUsedByJSON(used))
}
