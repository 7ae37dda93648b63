package sqlstore

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/storetest"
)

// TestDeletesLockTheRow: every delete locks its row before it reads the values its
// model_deleted event carries, so a concurrent change that commits first is what the
// event reports, never the values from before it. On PostgreSQL an unlocked read would
// see the old row (the change is not committed yet) and the DELETE would then wait for
// it; SQLite's single writer serializes both anyway.
func TestDeletesLockTheRow(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dbURL := storetest.URL(t, backend)
			s := openMigrated(t, dbURL)
			other, err := Open(ctx, dbURL, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			a := racd.Audit{User: racd.UserRef{ID: 1, Username: "akadmin"}, Superuser: true}
			u, err := s.Users().Create(ctx, &racd.UserInput{Username: racd.Some("ann")}, a)
			if err != nil {
				t.Fatal(err)
			}
			g, err := s.Groups().Create(ctx, &racd.GroupInput{Name: racd.Some("g")}, a)
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Roles().Create(ctx, &racd.RoleInput{Name: racd.Some("r")}, a)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := s.Tokens().Create(ctx, &racd.TokenInput{Identifier: racd.Some("tok"), User: racd.Some(racd.IntRef{ID: u.ID}),
				Key: racd.SealedKey{Hash: []byte("h"), Ciphertext: []byte("c")}}, a)
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name, update, field string
				pk                  any
				ref                 racd.ObjectRef
				del                 func() error
			}{
				{"token", "UPDATE tokens SET description = 'changed' WHERE uuid = $1", "description", tok.UUID, tok.Ref(),
					func() error { return s.Tokens().Delete(ctx, "tok", a) }},
				{"role", "UPDATE roles SET name = 'changed' WHERE uuid = $1", "name", r.UUID, r.Ref(),
					func() error { return s.Roles().Delete(ctx, r.UUID, a) }},
				{"group", "UPDATE groups SET name = 'changed' WHERE uuid = $1", "name", g.UUID, g.Ref(),
					func() error { return s.Groups().Delete(ctx, g.UUID, a) }},
				{"user", "UPDATE users SET name = 'changed' WHERE id = $1", "name", u.ID, u.Ref(),
					func() error { return s.Users().Delete(ctx, u.ID, a) }},
			}
			for _, c := range cases {
				tx, err := other.rw.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, mustBind(s.d, c.update), c.pk); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- c.del() }()
				time.Sleep(300 * time.Millisecond) // the delete reads (or waits) meanwhile
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				if err := <-done; err != nil {
					t.Fatalf("delete %s: %v", c.name, err)
				}
				app, pk := c.ref.App, c.ref.PK
				evs, _, err := s.Events().List(ctx, racd.EventQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 10, Visible: racd.Everything},
					Action: strPtr(racd.EventModelDeleted), App: &app, PK: &pk})
				if err != nil || len(evs) != 1 {
					t.Fatalf("%s: delete events %v %v", c.name, evs, err)
				}
				var ctxJSON struct {
					Diff map[string]struct {
						Previous any `json:"previous_value"`
					} `json:"diff"`
				}
				if err := json.Unmarshal(evs[0].ContextJSON, &ctxJSON); err != nil {
					t.Fatal(err)
				}
				if got := ctxJSON.Diff[c.field].Previous; got != "changed" {
					t.Errorf("%s: the delete event reports %s %v, not the value committed before it (%q)", c.name, c.field, got, "changed")
				}
			}
		})
	}
}

func strPtr(s string) *string { return &s }
