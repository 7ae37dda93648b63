package httpapi

import (
	"encoding/json"

	"github.com/racd/racd/internal/racd"
)

// events is /api/v3/events/events/, by UUID: read-only.
var events = &resource[*racd.Event, any, string, racd.EventQuery, eventJSON]{
	model: racd.EventModel, path: "/api/v3/events/events/", param: "event_uuid", key: uuidKey, keyIsPK: true,
	store: func(st racd.Store) racd.Reader[*racd.Event, string, racd.EventQuery] { return st.Events() },
	query: func(f *filters) racd.EventQuery {
		return racd.EventQuery{
			// Any action text is a filter, newer authentik versions' actions
			// included: they match no event racd records.
			ListQuery: f.lq, Action: f.str("action"), Actions: f.texts("actions"), Username: f.str("username"),
			App: f.str("context_model_app"), Model: f.str("context_model_name"),
			PK: f.str("context_model_pk"), ClientIP: f.str("client_ip"),
		}
	},
	wire: func(_ *call, e *racd.Event) eventJSON { return toEventJSON(e) },
}

// eventJSON is authentik's Event. user and context are emitted as stored (JSON text
// written when the event was recorded); racd has no brands, so brand is always {}.
type eventJSON struct {
	PK       string          `json:"pk"`
	User     json.RawMessage `json:"user"`
	Action   string          `json:"action"`
	App      string          `json:"app"`
	Context  json.RawMessage `json:"context"`
	ClientIP *string         `json:"client_ip"`
	Created  string          `json:"created"`
	Expires  string          `json:"expires"`
	Brand    json.RawMessage `json:"brand"`
}

func toEventJSON(e *racd.Event) eventJSON {
	return eventJSON{
		PK: e.UUID, User: rawObject(e.UserJSON), Action: e.Action, App: e.App, Context: rawObject(e.ContextJSON),
		ClientIP: optStr(e.ClientIP), Created: isoTime(e.Created), Expires: isoTime(e.Expires), Brand: racd.EmptyObject,
	}
}

// rawObject passes stored JSON through, falling back to {} for an empty or corrupt
// value so that one bad row cannot break a whole list.
func rawObject(b []byte) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return racd.EmptyObject
	}
	return json.RawMessage(b)
}
