package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	_ "modernc.org/sqlite"           // registers the "sqlite" driver

	"github.com/racd/racd/internal/racd"
)

// Options tune a Store. The zero value is fine.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // defaults to time.Now
	Rand   io.Reader        // randomness for UUIDs; nil means crypto/rand
	// MaxConns caps the PostgreSQL pool and the SQLite read pool; 0 picks a default.
	MaxConns int
	// StatementTimeout, when positive, is PostgreSQL's statement_timeout on every
	// connection: a backstop under the cancellation of a statement whose request
	// ended (migrations lift it).
	StatementTimeout time.Duration
	// EventRetention is how long audit events are kept; 0 means racd.EventRetention.
	EventRetention time.Duration
	// Observer receives statement timings and committed audit events (metrics); nil
	// means none.
	Observer Observer
	// TokenMaxLifetime is the longest a token written by an actor who is not a
	// superuser lives (RACD_TOKEN_MAX_LIFETIME); 0 means racd.DefaultTokenMaxLifetime.
	TokenMaxLifetime time.Duration
	// Sealer seals secret connection parameters at rest (the keyring of
	// RACD_SECRET_KEY). Without one, writing or using such a parameter is an error.
	Sealer Sealer
}

// Store is racd.Store on SQLite or PostgreSQL.
type Store struct {
	d       dialect
	rw      *sql.DB // writes (SQLite: a single connection)
	ro      *sql.DB // reads (SQLite: a read-only pool; PostgreSQL: rw)
	log     *slog.Logger
	now     func() time.Time
	rand    io.Reader
	queries atomic.Int64
	url     string
	// retention is how long an event is kept (Options.EventRetention).
	retention time.Duration
	obs       Observer
	tokens    racd.TokenPolicy // for tokens written by actors who are not superusers
	sealer    Sealer

	rwStmts, roStmts sync.Map // query text → *sql.Stmt (SQLite only)
	stmtCount        atomic.Int64
	toPrepare        sync.Map // write statements seen inside transactions, not yet prepared

	idle    int        // PostgreSQL: idle connections kept
	flushMu sync.Mutex // serializes flushIdle

	committed atomic.Pointer[func()] // called after each committed write (the SQLite notifier)
}

var _ racd.Store = (*Store)(nil)

// Kind names the database behind a URL: "sqlite" or "postgres".
func Kind(dbURL string) (string, error) {
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		return "sqlite", nil
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return "postgres", nil
	}
	return "", fmt.Errorf("database URL %q: scheme must be sqlite:// or postgres://", redact(dbURL))
}

// SQLitePath returns the file path of a sqlite:// URL: sqlite:///abs/path is absolute,
// sqlite://rel/path relative to the working directory.
func SQLitePath(dbURL string) (string, error) {
	p := strings.TrimPrefix(dbURL, "sqlite://")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" || p == "/" {
		return "", fmt.Errorf("database URL %q names no file", dbURL)
	}
	return filepath.Clean(p), nil
}

// Open connects to the database at dbURL (sqlite://path or postgres://...). It does
// not migrate; call Migrate.
func Open(ctx context.Context, dbURL string, o Options) (*Store, error) {
	kind, err := Kind(dbURL)
	if err != nil {
		return nil, err
	}
	s := &Store{log: o.Logger, now: o.Now, rand: o.Rand, url: dbURL, retention: o.EventRetention, obs: o.Observer,
		tokens: racd.TokenPolicy{MaxLifetime: o.TokenMaxLifetime}, sealer: o.Sealer}
	if s.obs == nil {
		s.obs = nopObserver{}
	}
	if s.retention <= 0 {
		s.retention = racd.EventRetention
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if kind == "sqlite" {
		err = s.openSQLite(dbURL, o)
	} else {
		err = s.openPostgres(dbURL, o)
	}
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.rw.PingContext(pctx); err != nil {
		s.Close()
		err = fmt.Errorf("connect to %s: %w", redact(dbURL), err)
		if unavailable(err) {
			err = unreachable{err} // the caller may wait and try again
		}
		return nil, err
	}
	return s, nil
}

func (s *Store) openSQLite(dbURL string, o Options) error {
	path, err := SQLitePath(dbURL)
	if err != nil {
		return err
	}
	if err := s.createPrivate(path); err != nil {
		return err
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-16000)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	rw, err := sql.Open("sqlite", base+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return err
	}
	// One writer: SQLite serializes writes anyway, and a single connection turns
	// contention into queueing in Go instead of busy-waiting in SQLite.
	rw.SetMaxOpenConns(1)
	rw.SetMaxIdleConns(1)
	rw.SetConnMaxIdleTime(0)
	rw.SetConnMaxLifetime(0)
	// Create the file and switch it to WAL before the read pool opens it.
	if _, err := rw.Exec("SELECT 1"); err != nil {
		rw.Close()
		return fmt.Errorf("open %s: %w", path, err)
	}
	ro, err := sql.Open("sqlite", base+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		rw.Close()
		return err
	}
	n := o.MaxConns
	if n <= 0 {
		n = 4 * runtime.GOMAXPROCS(0)
	}
	ro.SetMaxOpenConns(n)
	ro.SetMaxIdleConns(n)
	ro.SetConnMaxIdleTime(0)
	ro.SetConnMaxLifetime(0)
	s.d = sqliteDialect
	s.rw, s.ro = rw, ro
	return nil
}

func (s *Store) openPostgres(dbURL string, o Options) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return fmt.Errorf("database URL: %w", err)
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		// Fail fast while the server is down: requests answer 503 promptly.
		q.Set("connect_timeout", "3")
	}
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return fmt.Errorf("database URL: %w", err) // pgx hides the password
	}
	// When a request's context ends, ask the server to cancel the statement at once,
	// and give up on the connection if it has not answered a second later. (pgx's
	// default lets the socket time out and closes the connection, sending a cancel
	// request as it goes: the statement ends too, but the pool has to reconnect.)
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: cancelGrace}
	}
	if o.StatementTimeout > 0 {
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	}
	// No JIT: racd's statements are short, and LLVM compiling a large expression
	// checks for no interrupt (a statement with thousands of conditions kept a server
	// process busy for over twenty minutes, deaf to cancellation and to
	// pg_terminate_backend).
	cfg.RuntimeParams["jit"] = "off"
	db := stdlib.OpenDB(*cfg)
	n := o.MaxConns
	if n <= 0 {
		n = 16
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	s.idle = n
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	s.d = postgresDialect
	s.rw, s.ro = db, db
	return nil
}

// cancelGrace is how long a PostgreSQL statement may outlive its request: the cancel
// request goes out at once, and the connection is dropped if the server has not
// answered it by then.
const cancelGrace = time.Second

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// Close closes every connection.
func (s *Store) Close() error {
	var errs []error
	for _, m := range []*sync.Map{&s.rwStmts, &s.roStmts} {
		m.Range(func(_, v any) bool {
			errs = append(errs, v.(*sql.Stmt).Close())
			return true
		})
	}
	if s.ro != nil && s.ro != s.rw {
		errs = append(errs, s.ro.Close())
	}
	if s.rw != nil {
		errs = append(errs, s.rw.Close())
	}
	return errors.Join(errs...)
}

// Ping reports whether the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read().queryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return classify(err)
	}
	return nil
}

// Queries returns how many SQL statements the store has sent; tests use it to check
// that a list costs a fixed number of queries.
func (s *Store) Queries() int64 { return s.queries.Load() }

// conn runs statements written for both dialects, on the read pool, the write pool or
// a transaction, and counts them. On SQLite it reuses prepared statements: parsing a
// statement costs more than running most of racd's queries. (pgx caches prepared
// statements per connection by itself.) retry (reads on the pool, never inside a
// transaction) runs a statement once more when its pooled connection was broken.
type conn struct {
	s     *Store
	db    *sql.DB
	tx    *sql.Tx // nil outside a transaction
	retry bool
	// events collects the actions of the audit events a write transaction inserts,
	// reported to the Observer once it commits (nil outside a transaction).
	events *[]string
}

// maxCachedStmts bounds the statement cache; past it statements are prepared per use.
const maxCachedStmts = 512

// stmt returns a prepared statement for q, or nil when q should run unprepared.
func (c conn) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if !c.s.d.sqlite() {
		return nil, nil
	}
	cache := &c.s.roStmts
	if c.db == c.s.rw {
		cache = &c.s.rwStmts
	}
	var st *sql.Stmt
	if v, ok := cache.Load(q); ok {
		st = v.(*sql.Stmt)
	} else {
		if c.s.stmtCount.Load() >= maxCachedStmts {
			return nil, nil
		}
		if c.tx != nil {
			// The write pool's only connection is this transaction's: preparing on the
			// pool now would wait for it forever. Run unprepared; prepare after commit.
			c.s.toPrepare.Store(q, struct{}{})
			return nil, nil
		}
		prepared, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		if v, loaded := cache.LoadOrStore(q, prepared); loaded {
			prepared.Close()
			st = v.(*sql.Stmt)
		} else {
			c.s.stmtCount.Add(1)
			st = prepared
		}
	}
	if c.tx != nil {
		return c.tx.StmtContext(ctx, st), nil
	}
	return st, nil
}

func (c conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return run(ctx, c, opExec, q, args, (*sql.Stmt).ExecContext, querier.ExecContext)
}

// querier runs unprepared statements: a transaction or the pool.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// run counts, times and binds a statement, then runs it prepared, or directly on the
// transaction or the pool. (prepared and direct are method expressions: no closure is
// made per statement.)
func run[R any](ctx context.Context, c conn, op, q string, args []any,
	prepared func(*sql.Stmt, context.Context, ...any) (R, error), direct func(querier, context.Context, string, ...any) (R, error)) (out R, err error) {
	c.s.queries.Add(1)
	defer c.s.timed(op, time.Now(), &err)
	if q, err = c.s.d.bind(q); err != nil {
		return out, err
	}
	args = c.s.d.args(args)
	st, err := c.stmt(ctx, q)
	switch {
	case err != nil:
		return out, err
	case st != nil:
		return prepared(st, ctx, args...)
	case c.tx != nil:
		return direct(c.tx, ctx, q, args...)
	}
	return direct(c.db, ctx, q, args...)
}

func (c conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := c.queryOnce(ctx, q, args...)
	if c.retry && c.s.brokenConn(ctx, err) {
		c.s.flushIdle()
		rows, err = c.queryOnce(ctx, q, args...)
	}
	return rows, err
}

func (c conn) queryOnce(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return run(ctx, c, opQuery, q, args, (*sql.Stmt).QueryContext, querier.QueryContext)
}

// row is the result of queryRow: like *sql.Row, it carries the error of the query.
type row struct {
	rows *sql.Rows
	err  error
}

// Scan copies the first row's columns into dest; no row is sql.ErrNoRows.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	return r.rows.Close()
}

func (c conn) queryRow(ctx context.Context, q string, args ...any) row {
	rows, err := c.query(ctx, q, args...)
	return row{rows: rows, err: err}
}

// read returns a conn on the read pool. Its statements run once more on a fresh
// connection when a pooled PostgreSQL connection turns out to be broken.
func (s *Store) read() conn { return conn{s: s, db: s.ro, retry: true} }

// brokenConn reports an error of a pooled PostgreSQL connection that died (the server
// restarted, a proxy or the network dropped it), after which a fresh connection may
// well work. Failing to open a new connection is not one: trying again at once would
// only double the wait.
func (s *Store) brokenConn(ctx context.Context, err error) bool {
	if err == nil || s.d.sqlite() || ctx.Err() != nil {
		return false
	}
	var connErr *pgconn.ConnectError
	return !errors.As(err, &connErr) && unavailable(err)
}

// flushIdle closes every idle PostgreSQL connection. When one pooled connection is
// found broken the others usually are too (a server restart breaks them all); without
// this, each would fail one request before the pool replaced it.
func (s *Store) flushIdle() {
	if s.d.sqlite() {
		return
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.rw.SetMaxIdleConns(0) // closes the idle connections
	s.rw.SetMaxIdleConns(s.idle)
	s.log.Info("a database connection was broken; dropped the idle ones")
}

// maxAttempts bounds how often a write transaction runs when concurrent writers make
// it fail with a retryable error.
const maxAttempts = 5

// write runs fn in one transaction on the write pool and commits it. A transaction
// that fails because of a concurrent writer (serialization failure, deadlock, or a
// unique or foreign-key violation that the validation inside fn did not see yet) runs
// again; fn must be safe to repeat.
func (s *Store) write(ctx context.Context, fn func(c conn) error) error {
	var err error
	reconnected := false
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = s.writeOnce(ctx, fn)
		// A transaction that failed on a broken pooled connection before COMMIT was
		// sent did not commit: run it once more on a fresh connection. (After a failed
		// COMMIT the outcome is unknown; the client gets a 503 and decides.)
		var ce commitError
		if !reconnected && !errors.As(err, &ce) && s.brokenConn(ctx, err) {
			reconnected = true
			s.flushIdle()
			continue
		}
		if err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
		s.log.Debug("retrying write transaction", "attempt", attempt, "err", err)
		time.Sleep(time.Duration(attempt) * 2 * time.Millisecond)
	}
	if err != nil && retryable(err) {
		return racd.ErrConflict
	}
	return classify(err)
}

// sqliteBusyTimeout is how long SQLite waits for a write lock another process holds
// (the busy_timeout pragma) when the caller sets no deadline.
const sqliteBusyTimeout = 10 * time.Second

func (s *Store) writeOnce(ctx context.Context, fn func(c conn) error) error {
	var (
		tx      *sql.Tx
		release = func() {}
		err     error
	)
	began := time.Now()
	if s.d.sqlite() {
		tx, release, err = s.beginSQLite(ctx)
	} else {
		s.queries.Add(1)
		tx, err = s.rw.BeginTx(ctx, nil)
	}
	s.timed(opBegin, began, &err)
	if err != nil {
		return err
	}
	var events []string
	if err = fn(conn{s: s, db: s.rw, tx: tx, events: &events}); err != nil {
		_ = tx.Rollback()
		release()
		return err
	}
	s.queries.Add(1)
	committing := time.Now()
	err = tx.Commit()
	s.timed(opCommit, committing, &err)
	release() // before prepareWrites, which needs SQLite's only write connection
	if err != nil {
		return commitError{err}
	}
	for _, action := range events {
		s.obs.EventWritten(action) // committed: counted once, whatever ran before
	}
	s.prepareWrites(ctx)
	if f := s.committed.Load(); f != nil {
		(*f)()
	}
	return nil
}

// commitError marks a failure of COMMIT itself, after which the transaction may or
// may not have committed.
type commitError struct{ err error }

func (e commitError) Error() string { return e.err.Error() }
func (e commitError) Unwrap() error { return e.err }

// beginSQLite starts a write transaction (BEGIN IMMEDIATE) that waits for the write
// lock at most until ctx's deadline; release hands the connection back once the
// transaction has ended. SQLite's busy handler sleeps without looking at the context,
// so when another process holds the lock (a second racd on the same file, a backup, an
// operator's shell) a request would otherwise wait the whole busy_timeout, past
// RACD_REQUEST_TIMEOUT; setting the pragma to what is left of the request bounds the
// wait, after which the write is a 503.
func (s *Store) beginSQLite(ctx context.Context) (*sql.Tx, func(), error) {
	c, err := s.rw.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	wait := sqliteBusyTimeout
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, max(time.Until(dl), time.Millisecond))
	}
	s.queries.Add(1) // BEGIN; the pragma is bookkeeping, counted on neither dialect
	if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", wait.Milliseconds())); err != nil {
		c.Close()
		return nil, nil, err
	}
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return tx, func() { c.Close() }, nil
}

// prepareWrites prepares the write statements transactions ran unprepared, now that
// the write connection is free, so later transactions reuse them.
func (s *Store) prepareWrites(ctx context.Context) {
	if !s.d.sqlite() {
		return
	}
	s.toPrepare.Range(func(k, _ any) bool {
		q := k.(string)
		s.toPrepare.Delete(q)
		if _, ok := s.rwStmts.Load(q); ok || s.stmtCount.Load() >= maxCachedStmts {
			return true
		}
		st, err := s.rw.PrepareContext(ctx, q)
		if err != nil {
			return true // it runs unprepared; the error, if real, shows where it runs
		}
		if _, loaded := s.rwStmts.LoadOrStore(q, st); loaded {
			st.Close()
		} else {
			s.stmtCount.Add(1)
		}
		return true
	})
}

// newUUID returns a fresh random UUID.
func (s *Store) newUUID() string {
	id, err := racd.NewUUID(s.rand)
	if err != nil {
		panic(fmt.Sprintf("sqlstore: reading randomness: %v", err))
	}
	return id
}

// redact hides a password in a database URL for logs and errors.
func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil || u.User == nil {
		return dbURL
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
