package sqlstore

import (
	"context"
	"database/sql"
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

// RecordEvent implements racd.EventStore.
func (s *Store) RecordEvent(ctx context.Context, e *racd.Event) error {
	return s.write(ctx, func(c conn) error { return s.insertEvent(ctx, c, e) })
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

const eventCols = "CAST(uuid AS TEXT), action, app, user_json, context, client_ip, created, expires"

func scanEvent(sc interface{ Scan(...any) error }, extra ...any) (*racd.Event, error) {
	var (
		e                racd.Event
		userJSON, ctxRaw []byte
		ip               sql.NullString
		created, expires int64
	)
	if err := sc.Scan(append([]any{&e.UUID, &e.Action, &e.App, &userJSON, &ctxRaw, &ip, &created, &expires}, extra...)...); err != nil {
		return nil, err
	}
	e.ClientIP = ip.String
	e.Created, e.Expires = fromMicros(created), fromMicros(expires)
	e.UserJSON, e.ContextJSON = userJSON, ctxRaw
	return &e, nil
}

// GetEvent implements racd.EventStore.
func (s *Store) GetEvent(ctx context.Context, uuid string) (*racd.Event, error) {
	// Expired events are gone as far as clients can tell, as in ListEvents, even
	// before the janitor purges them.
	e, err := scanEvent(s.read().queryRow(ctx, "SELECT "+eventCols+" FROM events WHERE uuid = $1 AND expires > $2", uuid, micros(s.now())))
	return e, classify(err)
}

var eventOrderCols = map[string]string{
	"created": "ev.created", "action": "ev.action", "app": "ev.app", "client_ip": "ev.client_ip", "user": "ev.username",
}

// ListEvents implements racd.EventStore, newest first by default.
func (s *Store) ListEvents(ctx context.Context, q racd.EventQuery) ([]*racd.Event, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "ev.action", "ev.app", "ev.username", "ev.model_name")
	if q.Action != nil {
		b.and("ev.action = " + b.arg(*q.Action))
	}
	if q.Username != nil {
		b.and("ev.username = " + b.arg(*q.Username))
	}
	if q.App != nil {
		b.and("ev.model_app = " + b.arg(*q.App))
	}
	if q.Model != nil {
		b.and("ev.model_name = " + b.arg(*q.Model))
	}
	if q.PK != nil {
		b.and("ev.model_pk = " + b.arg(*q.PK))
	}
	if q.ClientIP != nil {
		b.and("ev.client_ip = " + b.arg(*q.ClientIP))
	}
	b.and("ev.expires > " + b.arg(micros(s.now())))
	b.visible("ev.uuid", uuidKey, q.Visible)
	order := orderSQL(q.Ordering, eventOrderCols, []racd.OrderTerm{{Field: "created", Desc: true}}, "ev.uuid")
	cols := "CAST(ev.uuid AS TEXT), ev.action, ev.app, ev.user_json, ev.context, ev.client_ip, ev.created, ev.expires"
	return listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "events", "ev", "") },
		func(limit, offset int) string {
			return pageSQL(b, "events", "ev", "uuid", "", "", order, cols, "", limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.Event, error) { return scanEvent(rows, count) })
}
