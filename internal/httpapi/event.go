package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/racd/racd/internal/racd"
)

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

// eventOrderFields are the terms ?ordering= accepts on events.
var eventOrderFields = []string{"created", "action", "app", "client_ip", "user"}

func toEventJSON(e *racd.Event) eventJSON {
	out := eventJSON{
		PK: e.UUID, User: rawObject(e.UserJSON), Action: e.Action, App: e.App,
		Context: rawObject(e.ContextJSON), Created: drfTime(e.Created), Expires: drfTime(e.Expires),
		Brand: racd.EmptyObject,
	}
	if e.ClientIP != "" {
		ip := e.ClientIP
		out.ClientIP = &ip
	}
	return out
}

// rawObject passes stored JSON through, falling back to {} for an empty or corrupt
// value so that one bad row cannot break a whole list.
func rawObject(b []byte) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return racd.EmptyObject
	}
	return json.RawMessage(b)
}

// drfTime formats t as Django REST framework renders datetimes: ISO 8601 in UTC with
// "Z", microseconds only when non-zero (Python's isoformat).
func drfTime(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		frac := strconv.Itoa(us + 1000000)
		s += "." + frac[1:]
	}
	return s + "Z"
}

func listEvents(s *Server, c *call) error {
	if err := requireList(c, racd.EventModel); err != nil {
		return err
	}
	qv := c.query()
	lq, err := listQuery(qv, eventOrderFields)
	if err != nil {
		return err
	}
	lq.Visible = c.p.Visibility(racd.EventModel.Perm(racd.PermView))
	q := racd.EventQuery{
		ListQuery: lq,
		Action:    strFilter(qv, "action"),
		Username:  strFilter(qv, "username"),
		App:       strFilter(qv, "context_model_app"),
		Model:     strFilter(qv, "context_model_name"),
		PK:        strFilter(qv, "context_model_pk"),
		ClientIP:  strFilter(qv, "client_ip"),
	}
	events, count, err := s.store.Events().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]eventJSON, len(events))
	for i, e := range events {
		out[i] = toEventJSON(e)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func getEvent(s *Server, c *call) error {
	if err := requireList(c, racd.EventModel); err != nil {
		return err
	}
	id, ok := racd.ParseUUID(c.param("event_uuid"))
	if !ok {
		return errNotFound
	}
	e, err := s.store.Events().Get(c.ctx, id)
	if err != nil {
		return err
	}
	if err := requireObject(c, racd.EventModel, e.UUID, racd.PermView); err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toEventJSON(e))
}
