package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/racd/racd/internal/racd"
)

// classify maps driver errors to racd's error kinds: a database that cannot be reached
// becomes racd.ErrUnavailable, a missing row racd.ErrNotFound. Domain errors and
// context errors pass through; anything else is returned as is (a 500).
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return racd.ErrNotFound
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case unavailable(err), queryCanceled(err):
		return errors.Join(racd.ErrUnavailable, err)
	}
	if fe, ok := valueTooLong(err); ok {
		return fe
	}
	return err
}

// MsgTooLong is racd's message for a text value too long for PostgreSQL to index.
const MsgTooLong = "This value is too long."

// valueTooLong turns PostgreSQL's refusal to index a very long text value (SQLSTATE
// 54000: an index row holds at most about 2.7 kB, so a unique name of a few thousand
// random characters cannot be stored) into a 400 on the indexed column instead of a
// 500: the client sent the value. The column is read from the index name, which is
// <table>_<column>[_key] throughout racd's schema. SQLite has no such limit.
func valueTooLong(err error) (*racd.FieldErrors, bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "54000" || !strings.Contains(pgErr.Message, "index row size") {
		return nil, false
	}
	field := strings.TrimSuffix(strings.TrimPrefix(pgErr.ConstraintName, pgErr.TableName+"_"), "_key")
	if pgErr.TableName == "" || field == "" || field == pgErr.ConstraintName {
		field = racd.NonFieldErrors
	}
	return racd.FieldError(field, MsgTooLong), true
}

// queryCanceled reports a PostgreSQL statement cancelled because its request ended or
// it ran past statement_timeout (SQLSTATE 57014): the database did not answer in time.
// (Not a broken connection: running it again at once would not help.)
func queryCanceled(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "57014"
}

// unavailable reports errors that mean "the database is not answering right now".
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // shutdown, starting up
			pgErr.Code == "53300", pgErr.Code == "53100", pgErr.Code == "53200": // too many connections, disk full, out of memory
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	var sqErr *sqlite.Error
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, sql.ErrConnDone):
		return true
	case errors.As(err, &sqErr):
		switch sqErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL:
			return true
		}
	}
	// pgx reports a connection lost mid-query with these texts.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "failed to connect")
}

// retryable reports errors a concurrent writer causes, after which the transaction
// runs again and its validation sees the other writer's commit.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", "40P01", "23505", "23503":
			return true
		}
		return false
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return true
		}
	}
	return false
}

// unreachable marks an error of Open that says the database did not answer (refused,
// timed out, starting up), which waiting may cure: it is racd.ErrUnavailable to
// errors.Is, and reads as the underlying error.
type unreachable struct{ err error }

func (u unreachable) Error() string        { return u.err.Error() }
func (u unreachable) Unwrap() error        { return u.err }
func (u unreachable) Is(target error) bool { return target == racd.ErrUnavailable }
