package httpapi_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/storetest"
)

// racEnv is an API plus a raw connection to its database, for creating non-admin
// callers directly in SQL while the users and permissions API is built elsewhere.
type racEnv struct {
	*apitest.Env
	db      *sql.DB
	backend string
}

func newRACEnv(t *testing.T, backend string) *racEnv {
	t.Helper()
	u := storetest.URL(t, backend)
	env := apitest.NewWithURL(t, u)
	var db *sql.DB
	var err error
	if backend == "sqlite" {
		path, perr := sqlstore.SQLitePath(u)
		if perr != nil {
			t.Fatal(perr)
		}
		db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)")
	} else {
		db, err = sql.Open("pgx", u)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &racEnv{Env: env, db: db, backend: backend}
}

// exec runs SQL written with $N placeholders on either database.
func (e *racEnv) exec(q string, args ...any) {
	e.T.Helper()
	if e.backend == "sqlite" {
		q = strings.ReplaceAll(q, "$", "?")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.db.ExecContext(ctx, q, args...); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
}

func (e *racEnv) queryInt(q string, args ...any) int64 {
	e.T.Helper()
	if e.backend == "sqlite" {
		q = strings.ReplaceAll(q, "$", "?")
	}
	var n int64
	if err := e.db.QueryRow(q, args...).Scan(&n); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
	return n
}

// user creates an active non-superuser holding grants (full codenames; "perm@pk" for
// an object grant) and an api token; it returns the user's id and the token key.
func (e *racEnv) user(username string, grants ...string) (int64, string) {
	e.T.Helper()
	uid := racTestUUID(e.T)
	e.exec("INSERT INTO users (uuid, username, name, email, is_active, date_joined) VALUES ($1, $2, $3, $4, TRUE, $5)",
		uid, username, "Name "+username, username+"@example.com", time.Now().UnixMicro())
	id := e.queryInt("SELECT id FROM users WHERE username = $1", username)
	for _, g := range grants {
		perm, pk, _ := strings.Cut(g, "@")
		e.exec("INSERT INTO user_permissions (user_id, permission, object_pk) VALUES ($1, $2, $3)", id, perm, pk)
	}
	key := "key-" + username + "-0123456789"
	sealed, err := e.Keys.Seal(key)
	if err != nil {
		e.T.Fatal(err)
	}
	e.exec("INSERT INTO tokens (uuid, identifier, key_hash, key_sealed, intent, user_id, expiring) VALUES ($1, $2, $3, $4, $5, $6, FALSE)",
		racTestUUID(e.T), "tok-"+username, e.Keys.Hash(key), sealed, racd.IntentAPI, id)
	return id, key
}

func racTestUUID(t testing.TB) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

// as sends a request with key.
func (e *racEnv) as(key, method, path, body string) *apitest.Resp {
	e.T.Helper()
	return e.Do(apitest.Request{Method: method, Path: path, Body: body, Token: key})
}
