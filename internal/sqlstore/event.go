package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/racd/racd/internal/racd"
)

// recordModelEvent stores a model_created/updated/deleted event inside the change's
// transaction, so a change and its audit record commit together or not at all.
func (s *Store) recordModelEvent(ctx context.Context, c conn, action string, a racd.Audit, obj racd.ObjectRef, diff []racd.Change) error {
	return s.insertEvent(ctx, c, racd.NewModelEvent(action, a, obj, diff))
}

func (s *Store) insertEvent(ctx context.Context, c conn, e *racd.Event) error {
	if e.UUID == "" {
		e.UUID = s.newUUID()
	}
	if e.Created.IsZero() {
		e.Created = s.now().UTC()
	}
	if e.Expires.IsZero() {
		e.Expires = e.Created.Add(s.retention)
	}
	if e.App == "" {
		e.App = racd.EventApp
	}
	userJSON, err := json.Marshal(eventUser(e.User))
	if err != nil {
		return err
	}
	ctxJSON, err := json.Marshal(eventContext(e))
	if err != nil {
		return err
	}
	var mApp, mName, mPK string
	if e.Model != nil {
		mApp, mName, mPK = e.Model.App, e.Model.ModelName, e.Model.PK
	}
	_, err = c.exec(ctx, `INSERT INTO events (uuid, action, app, user_json, context, client_ip, created, expires, username, model_app, model_name, model_pk)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.UUID, e.Action, e.App, string(userJSON), string(ctxJSON), nullString(e.ClientIP), micros(e.Created), micros(e.Expires),
		e.User.Username, mApp, mName, mPK)
	if err == nil {
		c.eventWritten(e.Action)
	}
	return err
}

// events is racd.EventStore.
type events struct{ s *Store }

// Events implements racd.Store.
func (s *Store) Events() racd.EventStore { return events{s} }

// Record implements racd.EventStore.
func (ev events) Record(ctx context.Context, e *racd.Event) error {
	return ev.s.write(ctx, func(c conn) error { return ev.s.insertEvent(ctx, c, e) })
}

func eventUser(u racd.UserRef) map[string]any {
	if u.ID == 0 && u.Username == "" {
		return map[string]any{}
	}
	return map[string]any{"pk": u.ID, "email": u.Email, "username": u.Username}
}

// eventContext builds the context object authentik's events carry: the model, the HTTP
// request and (racd) the field diff.
func eventContext(e *racd.Event) map[string]any {
	ctx := map[string]any{}
	for k, v := range e.Extra {
		ctx[k] = v
	}
	if e.Message != "" {
		ctx["message"] = e.Message
	}
	if e.Model != nil {
		var pk any = e.Model.PK
		if n, err := strconv.ParseInt(e.Model.PK, 10, 64); err == nil {
			pk = n
		}
		ctx["model"] = map[string]any{"app": e.Model.App, "model_name": e.Model.ModelName, "pk": pk, "name": e.Model.Name}
	}
	if e.Request.Path != "" {
		ctx["http_request"] = map[string]any{
			"args": e.Request.Query, "path": e.Request.Path, "method": e.Request.Method,
			"request_id": e.Request.RequestID, "user_agent": e.Request.UserAgent,
		}
	}
	if e.Action == racd.EventModelUpdated || e.Action == racd.EventModelCreated || e.Action == racd.EventModelDeleted {
		diff := map[string]any{}
		for _, ch := range e.Diff {
			diff[ch.Field] = map[string]any{"previous_value": diffValue(ch.Previous), "new_value": diffValue(ch.New)}
		}
		ctx["diff"] = diff
	}
	return ctx
}

func diffValue(v any) any {
	if r, ok := v.(racd.RawJSON); ok {
		return json.RawMessage(r)
	}
	return v
}

// eventTable reads events; those past their retention are gone, as far as clients can
// tell, even before the janitor purges them.
var eventTable = &table[*racd.Event]{
	place: place{model: racd.EventModel, name: "events", alias: "ev", pk: "uuid"},
	cols: func(dialect) string {
		return "CAST(ev.uuid AS TEXT), ev.action, ev.app, ev.user_json, ev.context, ev.client_ip, ev.created, ev.expires"
	},
	scan: rowOf(func(e *racd.Event) []any {
		return []any{&e.UUID, &e.Action, &e.App, &e.UserJSON, &e.ContextJSON, orZero[string]{&e.ClientIP}, micro{&e.Created}, micro{&e.Expires}}
	}),
	order:        map[string]string{"created": "ev.created", "action": "ev.action", "app": "ev.app", "client_ip": "ev.client_ip", "user": "ev.username"},
	defaultOrder: []racd.OrderTerm{{Field: "created", Desc: true}},
	live:         func(now string) string { return "ev.expires > " + now },
}

// Get implements racd.EventStore.
func (ev events) Get(ctx context.Context, uuid string) (*racd.Event, error) {
	return get(ctx, ev.s, ev.s.read(), eventTable, "uuid", uuid, false)
}

// List implements racd.EventStore, newest first by default.
func (ev events) List(ctx context.Context, q racd.EventQuery) ([]*racd.Event, int, error) {
	s := ev.s
	b := &qb{d: s.d}
	b.search(q.Search, "ev.action", "ev.app", "ev.username", "ev.model_name")
	b.eqs(eqFilter{"ev.action", q.Action}, eqFilter{"ev.username", q.Username}, eqFilter{"ev.model_app", q.App},
		eqFilter{"ev.model_name", q.Model}, eqFilter{"ev.model_pk", q.PK}, eqFilter{"ev.client_ip", q.ClientIP})
	if q.Actions != nil {
		b.and(s.d.in("ev.action", b.arg(s.d.listArg(q.Actions)), textKey))
	}
	return list(ctx, s, eventTable, q.ListQuery, b, "", "")
}
