package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/racd/racd/internal/racd"
)

// outpostJSON is authentik's Outpost, keys in the serializer's order.
type outpostJSON struct {
	PK                   string            `json:"pk"`
	Name                 string            `json:"name"`
	Type                 string            `json:"type"`
	Providers            []int64           `json:"providers"`
	ProvidersObj         []providerObjJSON `json:"providers_obj"`
	ServiceConnection    *string           `json:"service_connection"`
	ServiceConnectionObj *struct{}         `json:"service_connection_obj"` // always null: racd has no service connections
	RefreshIntervalS     int64             `json:"refresh_interval_s"`
	TokenIdentifier      string            `json:"token_identifier"`
	Config               json.RawMessage   `json:"config"`
	Managed              *string           `json:"managed"`
}

func toOutpostJSON(o *racd.Outpost) outpostJSON {
	out := outpostJSON{
		PK: o.UUID, Name: o.Name, Type: o.Type, Providers: o.Providers, ProvidersObj: toProviderObjsJSON(o.ProviderObjs),
		RefreshIntervalS: o.RefreshIntervalSeconds(), TokenIdentifier: o.TokenIdentifier(), Config: o.Config,
	}
	if out.Providers == nil {
		out.Providers = []int64{}
	}
	if len(out.Config) == 0 {
		out.Config = racd.EmptyObject
	}
	if o.Managed != "" {
		out.Managed = &o.Managed
	}
	return out
}

// decodeOutpost reads an OutpostRequest (PatchedOutpostRequest when partial).
func decodeOutpost(c *call, partial bool) (*racd.OutpostInput, error) {
	in := &racd.OutpostInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	in.Name, _ = f.str("name", true, false, true)
	in.Type = f.choice("type", true)
	in.Providers = f.intRefs("providers", true)
	in.ServiceConnection = f.uuidRef("service_connection", false, true)
	in.Config = f.object("config", true, func(string) string { return racd.MsgNotDictStatic })
	var null bool
	in.Managed, null = f.str("managed", false, true, true)
	if in.Managed.Set && !null && in.Managed.V == "" {
		in.Errors.Add("managed", racd.MsgBlank)
		in.Managed = racd.Opt[string]{}
	}
	return in, nil
}

func listOutposts(s *Server, c *call) error {
	if err := requireList(c, racd.OutpostModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, racd.OutpostOrderFields)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.OutpostModel.Perm(racd.PermView))
	q := racd.OutpostQuery{
		ListQuery: lq, NameIExact: strFilter(qv, "name__iexact"), NameIContains: strFilter(qv, "name__icontains"),
		ManagedIExact: strFilter(qv, "managed__iexact"), ManagedIContains: strFilter(qv, "managed__icontains"),
		ProvidersIsNull:       boolFilter(qv, "providers__isnull"),
		ServiceConnectionName: strFilter(qv, "service_connection__name__iexact") != nil || strFilter(qv, "service_connection__name__icontains") != nil,
	}
	var fe racd.FieldErrors
	for _, v := range qv["providers_by_pk"] {
		if v == "" {
			continue
		}
		n, ok := pyInt(v)
		if !ok {
			fe.Add("providers_by_pk", "“"+v+"” is not a valid value.")
			break
		}
		q.ProvidersByPK = append(q.ProvidersByPK, n)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	outposts, count, err := s.store.Outposts().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]outpostJSON, len(outposts))
	for i, o := range outposts {
		out[i] = toOutpostJSON(o)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func createOutpost(s *Server, c *call) error {
	if err := requireAdd(c, racd.OutpostModel); err != nil {
		return err
	}
	in, err := decodeOutpost(c, false)
	if err != nil {
		return err
	}
	if in.ServiceKey, err = s.newServiceKey(); err != nil {
		return err
	}
	o, err := s.store.Outposts().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear() // a new user and token
	return s.writeJSON(c, http.StatusCreated, toOutpostJSON(o))
}

func (s *Server) loadOutpost(c *call, action string) (*racd.Outpost, error) {
	if err := requireList(c, racd.OutpostModel); err != nil {
		return nil, err
	}
	id, ok := racd.ParseUUID(c.param("uuid"))
	if !ok {
		return nil, errNotFound
	}
	o, err := s.store.Outposts().Get(c.ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireObject(c, racd.OutpostModel, o.UUID, action); err != nil {
		return nil, err
	}
	return o, nil
}

func getOutpost(s *Server, c *call) error {
	o, err := s.loadOutpost(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toOutpostJSON(o))
}

func updateOutpost(s *Server, c *call) error {
	o, err := s.loadOutpost(c, racd.PermChange)
	if err != nil {
		return err
	}
	in, err := decodeOutpost(c, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	if in.ServiceKey, err = s.newServiceKey(); err != nil {
		return err
	}
	o, err = s.store.Outposts().Update(c.ctx, o.UUID, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear() // the service account's grants follow the providers
	return s.writeJSON(c, http.StatusOK, toOutpostJSON(o))
}

func deleteOutpost(s *Server, c *call) error {
	o, err := s.loadOutpost(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.Outposts().Delete(c.ctx, o.UUID, c.audit()); err != nil {
		return err
	}
	s.auth.clear() // its token is gone
	return noContent(c)
}

func outpostUsedBy(s *Server, c *call) error {
	o, err := s.loadOutpost(c, racd.PermView)
	if err != nil {
		return err
	}
	used, err := s.store.Outposts().UsedBy(c.ctx, o.UUID, c.vis())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUsedByJSON(used))
}

// outpostDefaultSettings answers authentik's OutpostDefaultConfig: the config a new
// outpost starts from, pointing at the authentik (here: racd) the client reached.
func outpostDefaultSettings(s *Server, c *call) error {
	if err := requireList(c, racd.OutpostModel); err != nil {
		return err
	}
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return s.writeJSON(c, http.StatusOK, map[string]any{"config": racd.DefaultOutpostConfig(scheme + "://" + c.r.Host + "/")})
}
