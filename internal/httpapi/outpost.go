package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/racd/racd/internal/racd"
)

// outposts is /api/v3/outposts/instances/, by UUID.
var outposts = &resource[*racd.Outpost, *racd.OutpostInput, string, racd.OutpostQuery, outpostJSON]{
	model: racd.OutpostModel, path: "/api/v3/outposts/instances/", param: "uuid", key: uuidKey, keyIsPK: true,
	store: storeOf(racd.Store.Outposts),
	query: func(f *filters) racd.OutpostQuery {
		return racd.OutpostQuery{
			ListQuery: f.lq, NameIExact: f.str("name__iexact"), NameIContains: f.str("name__icontains"),
			ManagedIExact: f.str("managed__iexact"), ManagedIContains: f.str("managed__icontains"),
			ProvidersIsNull:       f.boolean("providers__isnull"),
			ServiceConnectionName: f.str("service_connection__name__iexact") != nil || f.str("service_connection__name__icontains") != nil,
			ProvidersByPK:         f.ints("providers_by_pk"),
		}
	},
	decode: func(f *form) *racd.OutpostInput {
		return &racd.OutpostInput{
			Name: f.text("name", required|trim), Type: f.choice("type", required), Providers: f.intRefs("providers", required),
			ServiceConnection: f.uuidRef("service_connection", nullable), Config: f.object("config", required|jsonField),
			Managed: f.text("managed", nullable|trim|notBlank),
		}
	},
	wire: func(c *call, o *racd.Outpost) outpostJSON {
		shown := *o
		shown.ProviderObjs = c.shownProviders(o.ProviderObjs) // (nested.go)
		return toOutpostJSON(&shown)
	},
	// The store uses the key when it creates the outpost's service account and token
	// (outpostkey.go); the account's grants follow the providers.
	complete: func(s *Server, in *racd.OutpostInput) (err error) {
		in.ServiceKey, err = s.newServiceKey()
		return err
	},
	changesAccess: true,
}

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
	return outpostJSON{
		PK: o.UUID, Name: o.Name, Type: o.Type, Providers: orEmpty(o.Providers), ProvidersObj: toProviderObjsJSON(o.ProviderObjs),
		RefreshIntervalS: o.RefreshIntervalSeconds(), TokenIdentifier: o.TokenIdentifier(), Config: objectOrEmpty(o.Config),
		Managed: optStr(o.Managed),
	}
}

// outpostDefaultSettings answers authentik's OutpostDefaultConfig: the config a new
// outpost starts from, pointing at the authentik (here: racd) the client reached.
func outpostDefaultSettings(s *Server, c *call) error {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return s.writeJSON(c, http.StatusOK, map[string]any{"config": racd.DefaultOutpostConfig(scheme + "://" + c.r.Host + "/")})
}
