package racd

import (
	"time"
)

// Event actions racd records.
const (
	EventModelCreated       = "model_created"
	EventModelUpdated       = "model_updated"
	EventModelDeleted       = "model_deleted"
	EventConfigurationError = "configuration_error"
	EventSecretView         = "secret_view"
)

// EventApp is the app label events carry, as authentik's audit middleware sets it.
const EventApp = "authentik.events.models"

// Change is one field's change in an update event.
type Change struct {
	Field    string
	Previous any
	New      any
}

// Event is an audit event.
type Event struct {
	UUID     string
	Action   string
	App      string
	User     UserRef
	Model    *ObjectRef
	Request  RequestInfo
	Diff     []Change
	Message  string
	Extra    map[string]any
	ClientIP string
	Created  time.Time
	Expires  time.Time

	// Set when an event is read back: the user and context objects as stored.
	UserJSON    []byte
	ContextJSON []byte
}

// Ref returns the event as references name it.
func (e *Event) Ref() ObjectRef { return EventModel.Ref(e.UUID, "Event "+e.Action) }

// EventRetention is how long events are kept (authentik's default).
const EventRetention = 365 * 24 * time.Hour

// NewModelEvent builds the event of a create, update or delete.
func NewModelEvent(action string, a Audit, obj ObjectRef, diff []Change) *Event {
	return &Event{
		Action:   action,
		App:      EventApp,
		User:     a.User,
		Model:    &obj,
		Request:  a.Request,
		Diff:     diff,
		ClientIP: a.Request.ClientIP,
	}
}

// Diff compares two ordered field lists of the same object and returns what changed.
// before is nil for a create, after nil for a delete.
func Diff(before, after []Field) []Change {
	var out []Change
	switch {
	case before == nil:
		for _, f := range after {
			out = append(out, Change{Field: f.Name, Previous: nil, New: f.Value})
		}
	case after == nil:
		for _, f := range before {
			out = append(out, Change{Field: f.Name, Previous: f.Value, New: nil})
		}
	default:
		prev := make(map[string]any, len(before))
		for _, f := range before {
			prev[f.Name] = f.Value
		}
		for _, f := range after {
			if !sameValue(prev[f.Name], f.Value) {
				out = append(out, Change{Field: f.Name, Previous: prev[f.Name], New: f.Value})
			}
		}
	}
	return out
}

// Field is one named value of an object, for diffs.
type Field struct {
	Name  string
	Value any
}

func sameValue(a, b any) bool {
	switch av := a.(type) {
	case []string:
		bv, ok := b.([]string)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if av[i] != bv[i] {
				return false
			}
		}
		return true
	case RawJSON:
		bv, ok := b.(RawJSON)
		return ok && string(av) == string(bv)
	default:
		return a == b
	}
}

// RawJSON is a JSON value inside an event diff, kept as its text.
type RawJSON string

// EventQuery is an event list request.
type EventQuery struct {
	ListQuery
	Action   *string
	Actions  []string // any of these actions (authentik 2025.6's actions); nil for no filter
	Username *string  // the acting user's username
	App      *string  // app label of the changed model (context.model.app)
	Model    *string  // model name of the changed model (context.model.model_name)
	PK       *string  // primary key of the changed object, as text
	ClientIP *string
}
