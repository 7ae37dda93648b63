package sqlstore

import (
	"database/sql"
	"time"
)

// Observer receives what the store does, for metrics. Calls are on the query path:
// implementations must be cheap and safe for concurrent use.
type Observer interface {
	// Statement reports one statement's latency (for a query: until its first row
	// is ready) by kind: "query", "exec", "begin" or "commit"; failed says it
	// returned an error.
	Statement(op string, d time.Duration, failed bool)
	// EventWritten reports an audit event committed to the database, by action.
	EventWritten(action string)
}

// Statement kinds reported to the Observer.
const (
	opQuery  = "query"
	opExec   = "exec"
	opBegin  = "begin"
	opCommit = "commit"
)

type nopObserver struct{}

func (nopObserver) Statement(string, time.Duration, bool) {}
func (nopObserver) EventWritten(string)                   {}

// timed reports a statement that started at start and ended with *err.
func (s *Store) timed(op string, start time.Time, err *error) {
	s.obs.Statement(op, time.Since(start), *err != nil)
}

// eventWritten counts an inserted event: at commit inside a write transaction (a
// transaction that rolls back or runs again wrote nothing), at once outside one.
func (c conn) eventWritten(action string) {
	if c.events != nil {
		*c.events = append(*c.events, action)
		return
	}
	c.s.obs.EventWritten(action)
}

// PoolStats returns the connection pools' statistics by pool: "write" and "read" on
// SQLite (one writer connection, a read-only pool), "shared" on PostgreSQL.
func (s *Store) PoolStats() map[string]sql.DBStats {
	if s.ro == s.rw {
		return map[string]sql.DBStats{"shared": s.rw.Stats()}
	}
	return map[string]sql.DBStats{"write": s.rw.Stats(), "read": s.ro.Stats()}
}
