package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// endpointJSON is authentik's Endpoint, keys in the schema's order.
type endpointJSON struct {
	PK                 string          `json:"pk"`
	Name               string          `json:"name"`
	Provider           int64           `json:"provider"`
	ProviderObj        providerJSON    `json:"provider_obj"`
	Protocol           string          `json:"protocol"`
	Host               string          `json:"host"`
	Settings           json.RawMessage `json:"settings"`
	PropertyMappings   []string        `json:"property_mappings"`
	AuthMode           string          `json:"auth_mode"`
	LaunchURL          *string         `json:"launch_url"`
	MaximumConnections int64           `json:"maximum_connections"`
}

func toEndpointJSON(e *racd.Endpoint) endpointJSON {
	out := endpointJSON{
		PK: e.UUID, Name: e.Name, Provider: e.ProviderID, Protocol: e.Protocol, Host: e.Host,
		Settings: e.Settings, PropertyMappings: e.PropertyMappings, AuthMode: e.AuthMode,
		MaximumConnections: e.MaximumConnections,
	}
	if e.Provider != nil {
		out.ProviderObj = toProviderJSON(e.Provider)
	}
	if u := e.LaunchURL(); u != "" {
		out.LaunchURL = &u
	}
	if out.PropertyMappings == nil {
		out.PropertyMappings = []string{}
	}
	if len(out.Settings) == 0 {
		out.Settings = racd.EmptyObject
	}
	return out
}

// racProviderRef decodes a DRF PrimaryKeyRelatedField to a RAC provider (integer key):
// integers, integral floats and numeric strings name a key; other strings, booleans,
// lists and objects are "Incorrect type"; null is "This field may not be null.".
func (f *form) racProviderRef(name string, required bool) racd.Opt[racd.IntRef] {
	raw, ok := f.get(name, required)
	if !ok {
		return racd.Opt[racd.IntRef]{}
	}
	if isNull(raw) || string(raw) == `""` {
		f.errs.Add(name, racd.MsgNull)
		return racd.Opt[racd.IntRef]{}
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			f.errs.Add(name, racd.MsgIncorrectPKType("str"))
			return racd.Opt[racd.IntRef]{}
		}
		id, ok := pyInt(s)
		if !ok {
			f.errs.Add(name, racd.MsgIncorrectPKType("str"))
			return racd.Opt[racd.IntRef]{}
		}
		return racd.Some(racd.IntRef{Raw: s, ID: id})
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if id, ok := parseIntValue(raw); ok {
			return racd.Some(racd.IntRef{Raw: pyNumberString(raw), ID: id})
		}
		if fl, err := strconv.ParseFloat(string(raw), 64); err == nil && !math.IsInf(fl, 0) && fl == math.Trunc(fl) {
			id := int64(-1) // an integral float beyond int64 names no provider
			if math.Abs(fl) < 1<<62 {
				id = int64(fl)
			}
			return racd.Some(racd.IntRef{Raw: pyNumberString(raw), ID: id})
		}
		f.errs.Add(name, racd.MsgIncorrectPKType(pyType(raw)))
		return racd.Opt[racd.IntRef]{}
	}
	f.errs.Add(name, racd.MsgIncorrectPKType(pyType(raw)))
	return racd.Opt[racd.IntRef]{}
}

// decodeEndpoint reads an EndpointRequest (PatchedEndpointRequest when partial).
func decodeEndpoint(c *call, partial bool) (*racd.EndpointInput, error) {
	in := &racd.EndpointInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	in.Name, _ = f.str("name", true, false, true)
	in.Provider = f.racProviderRef("provider", true)
	in.Protocol = f.choice("protocol", true)
	in.Host, _ = f.str("host", true, false, true)
	in.Settings = f.object("settings", false, racd.MsgNotADict)
	in.PropertyMappings = f.uuidRefs("property_mappings", false)
	in.AuthMode = f.choice("auth_mode", true)
	in.MaximumConnections, _ = f.integer("maximum_connections", false, false, racd.MinConnectionsLimit, racd.MaxConnectionsLimit)
	return in, nil
}

// intFilter reads an integer filter; a value that is not an integer is django-filter's
// 400 "Enter a number.".
func racIntFilter(q map[string][]string, name string) (*int64, error) {
	v, ok := q[name]
	if !ok || len(v) == 0 || strings.TrimSpace(v[len(v)-1]) == "" {
		return nil, nil
	}
	s := strings.TrimSpace(v[len(v)-1])
	n, ok := pyInt(s)
	if !ok {
		if digits := strings.TrimLeft(s, "+-"); digits != "" && strings.Trim(digits, "0123456789") == "" {
			n = -1 // a number beyond int64: no object has that key
			return &n, nil
		}
		return nil, racd.FieldError(name, "Enter a number.")
	}
	return &n, nil
}

func listEndpoints(s *Server, c *call) error {
	if err := requireList(c, racd.EndpointModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, racd.EndpointOrderFields)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.EndpointModel.Perm(racd.PermView))
	q := racd.EndpointQuery{ListQuery: lq, Name: strFilter(qv, "name")}
	if q.Provider, err = racIntFilter(qv, "provider"); err != nil {
		return err
	}
	es, count, err := s.store.Endpoints().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]endpointJSON, len(es))
	for i, e := range es {
		out[i] = toEndpointJSON(e)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func createEndpoint(s *Server, c *call) error {
	if err := requireAdd(c, racd.EndpointModel); err != nil {
		return err
	}
	in, err := decodeEndpoint(c, false)
	if err != nil {
		return err
	}
	e, err := s.store.Endpoints().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusCreated, toEndpointJSON(e))
}

// loadEndpoint runs the detail-route checks for action and returns the endpoint.
func (s *Server) loadEndpoint(c *call, action string) (*racd.Endpoint, error) {
	if err := requireList(c, racd.EndpointModel); err != nil {
		return nil, err
	}
	id, ok := racd.ParseUUID(c.param("pbm_uuid"))
	if !ok {
		return nil, errNotFound
	}
	e, err := s.store.Endpoints().Get(c.ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireObject(c, racd.EndpointModel, e.UUID, action); err != nil {
		return nil, err
	}
	return e, nil
}

func getEndpoint(s *Server, c *call) error {
	e, err := s.loadEndpoint(c, racd.PermView)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toEndpointJSON(e))
}

func updateEndpoint(s *Server, c *call) error {
	e, err := s.loadEndpoint(c, racd.PermChange)
	if err != nil {
		return err
	}
	in, err := decodeEndpoint(c, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	e, err = s.store.Endpoints().Update(c.ctx, e.UUID, in, c.audit())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toEndpointJSON(e))
}

func deleteEndpoint(s *Server, c *call) error {
	e, err := s.loadEndpoint(c, racd.PermDelete)
	if err != nil {
		return err
	}
	if err := s.store.Endpoints().Delete(c.ctx, e.UUID, c.audit()); err != nil {
		return err
	}
	return noContent(c)
}

func endpointUsedBy(s *Server, c *call) error {
	e, err := s.loadEndpoint(c, racd.PermView)
	if err != nil {
		return err
	}
	used, err := s.store.Endpoints().UsedBy(c.ctx, e.UUID, c.vis())
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toUsedByJSON(used))
}
