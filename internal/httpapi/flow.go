package httpapi

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/racd/racd/internal/racd"
)

// flowJSON is authentik's Flow.
type flowJSON struct {
	PK                      string   `json:"pk"`
	PolicybindingmodelPtrID string   `json:"policybindingmodel_ptr_id"`
	Name                    string   `json:"name"`
	Slug                    string   `json:"slug"`
	Title                   string   `json:"title"`
	Designation             string   `json:"designation"`
	Background              string   `json:"background"`
	Stages                  []string `json:"stages"`
	Policies                []string `json:"policies"`
	CacheCount              int      `json:"cache_count"`
	PolicyEngineMode        string   `json:"policy_engine_mode"`
	CompatibilityMode       bool     `json:"compatibility_mode"`
	ExportURL               string   `json:"export_url"`
	Layout                  string   `json:"layout"`
	DeniedAction            string   `json:"denied_action"`
	Authentication          string   `json:"authentication"`
}

// defaultFlowBackground is the image authentik shows behind flows without their own.
const defaultFlowBackground = "/static/dist/assets/images/flow_background.jpg"

func toFlowJSON(f *racd.Flow) flowJSON {
	return flowJSON{
		PK: f.UUID, PolicybindingmodelPtrID: f.UUID, Name: f.Name, Slug: f.Slug, Title: f.Title,
		Designation: f.Designation, Background: defaultFlowBackground, Stages: []string{}, Policies: []string{},
		PolicyEngineMode: f.PolicyEngineMode, CompatibilityMode: f.CompatibilityMode,
		ExportURL: "/api/v3/flows/instances/" + f.Slug + "/export/", Layout: f.Layout,
		DeniedAction: f.DeniedAction, Authentication: f.Authentication,
	}
}

func decodeFlow(c *call, partial bool) (*racd.FlowInput, error) {
	in := &racd.FlowInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	in.Name, _ = f.str("name", true, false, true)
	in.Slug, _ = f.str("slug", true, false, true)
	in.Title, _ = f.str("title", true, false, true)
	in.Designation = f.choice("designation", true)
	in.PolicyEngineMode = f.choice("policy_engine_mode", false)
	in.CompatibilityMode = f.boolean("compatibility_mode", false)
	in.Layout = f.choice("layout", false)
	in.DeniedAction = f.choice("denied_action", false)
	in.Authentication = f.choice("authentication", false)
	return in, nil
}

func listFlows(s *Server, c *call) error {
	if err := requireList(c, racd.FlowModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, racd.FlowOrderFields)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.FlowModel.Perm(racd.PermView))
	q := racd.FlowQuery{ListQuery: lq, Slug: strFilter(qv, "slug"), Name: strFilter(qv, "name")}
	var fe racd.FieldErrors
	q.Designation = choiceFilter(qv, "designation", racd.FlowDesignations, &fe)
	q.DeniedAction = choiceFilter(qv, "denied_action", racd.FlowDeniedActions, &fe)
	if v := strFilter(qv, "flow_uuid"); v != nil {
		if id, ok := racd.ParseUUID(*v); ok {
			q.UUID = &id
		} else {
			fe.Add("flow_uuid", "Enter a valid UUID.")
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	flows, count, err := s.store.Flows().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]flowJSON, len(flows))
	for i, f := range flows {
		out[i] = toFlowJSON(f)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

// choiceFilter reads a django-filter ChoiceFilter: a value outside choices is a 400.
func choiceFilter(qv map[string][]string, name string, choices []string, fe *racd.FieldErrors) *string {
	v, ok := qv[name]
	if !ok || len(v) == 0 || v[len(v)-1] == "" {
		return nil
	}
	val := v[len(v)-1]
	for _, ch := range choices {
		if ch == val {
			return &val
		}
	}
	fe.Add(name, "Select a valid choice. "+val+" is not one of the available choices.")
	return nil
}

func createFlow(s *Server, c *call) error {
	if err := requireAdd(c, racd.FlowModel); err != nil {
		return err
	}
	in, err := decodeFlow(c, false)
	if err != nil {
		return err
	}
	f, err := s.store.Flows().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusCreated, toFlowJSON(f))
}

func (s *Server) loadFlow(c *call, action string) (*racd.Flow, error) {
	if err := requireList(c, racd.FlowModel); err != nil {
		return nil, err
	}
	slug := c.param("slug")
	if strings.ContainsRune(slug, 0) || !utf8.ValidString(slug) {
		return nil, errNotFound // no slug holds these; PostgreSQL text cannot
	}
	f, err := s.store.Flows().Get(c.ctx, slug)
	if err != nil {
		return nil, err
	}
	if err := requireObject(c, racd.FlowModel, f.UUID, action); err != nil {
		return nil, err
	}
	return f, nil
}

func getFlow(s *Server, c *call) error {
	f, err := s.loadFlow(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toFlowJSON(f))
}

func updateFlow(s *Server, c *call) error {
	f, err := s.loadFlow(c, racd.PermChange)
	if err != nil {
		return err
	}
	in, err := decodeFlow(c, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	f, err = s.store.Flows().Update(c.ctx, f.Slug, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toFlowJSON(f))
}

func deleteFlow(s *Server, c *call) error {
	f, err := s.loadFlow(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.Flows().Delete(c.ctx, f.Slug, c.audit()); err != nil {
		return err
	}
	return noContent(c)
}

func flowUsedBy(s *Server, c *call) error {
	f, err := s.loadFlow(c, racd.PermView)
	if err != nil {
		return err
	}
	used, err := s.store.Flows().UsedBy(c.ctx, f.Slug, c.vis())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUsedByJSON(used))
}

// noContent answers 204 with an empty body.
func noContent(c *call) error {
	c.status = http.StatusNoContent
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}
