package apitest

import (
	"context"
	"database/sql"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver

	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
)

// Raw access to an Env's database, for rows the API cannot make (expired tokens,
// bulk rows, intents it refuses) and for counting what a request left behind.
// Statements are written with $N placeholders for both databases.

// sqlDB opens the raw connection on first use.
func (e *Env) sqlDB() *sql.DB {
	e.T.Helper()
	if e.db != nil {
		return e.db
	}
	var err error
	if e.Backend == "sqlite" {
		path, perr := sqlstore.SQLitePath(e.dbURL)
		if perr != nil {
			e.T.Fatal(perr)
		}
		e.db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)")
	} else {
		e.db, err = sql.Open("pgx", e.dbURL)
	}
	if err != nil {
		e.T.Fatal(err)
	}
	e.db.SetMaxOpenConns(1)
	db := e.db
	e.T.Cleanup(func() { db.Close() })
	return e.db
}

// bind writes $N placeholders the backend's way.
func (e *Env) bind(q string) string {
	if e.Backend == "sqlite" {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}

// Exec runs a statement and fails the test on error.
func (e *Env) Exec(q string, args ...any) {
	e.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.sqlDB().ExecContext(ctx, e.bind(q), args...); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
}

// QueryRow runs a query and scans its one row into dest.
func (e *Env) QueryRow(q string, args []any, dest ...any) {
	e.T.Helper()
	if err := e.sqlDB().QueryRow(e.bind(q), args...).Scan(dest...); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
}

// QueryInt runs a query selecting one integer.
func (e *Env) QueryInt(q string, args ...any) int64 {
	e.T.Helper()
	var n int64
	e.QueryRow(q, args, &n)
	return n
}

// Counts returns the rows of the tables a provider write may touch.
func (e *Env) Counts() map[string]int64 {
	e.T.Helper()
	out := map[string]int64{}
	for _, table := range []string{"providers", "provider_property_mappings", "flows", "property_mappings", "events"} {
		out[table] = e.QueryInt("SELECT count(*) FROM " + table)
	}
	return out
}

// InsertUser inserts a user without groups or grants and returns its id.
func (e *Env) InsertUser(username string, active bool) int64 {
	e.T.Helper()
	uuid, _ := racd.NewUUID(nil)
	var id int64
	e.QueryRow(`INSERT INTO users (uuid, username, name, is_active, date_joined, last_updated, password_change_date) VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id`,
		[]any{uuid, username, username, active, time.Now().UnixMicro()}, &id)
	return id
}

// InsertToken inserts a token with key for user (expires nil: none), any intent.
func (e *Env) InsertToken(identifier, key, intent string, userID int64, expiring bool, expires *int64) {
	e.T.Helper()
	uuid, _ := racd.NewUUID(nil)
	sealed, err := e.Keys.Seal(key)
	if err != nil {
		e.T.Fatal(err)
	}
	var exp any
	if expires != nil {
		exp = *expires
	}
	e.Exec(`INSERT INTO tokens (uuid, identifier, key_hash, key_sealed, intent, user_id, expiring, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		uuid, identifier, e.Keys.Hash(key), sealed, intent, userID, expiring, exp)
}
