package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/racd/racd/internal/racd"
)

// Sign-in's storage: password hashes (users.password), browser sessions
// (browser_sessions, keyed by the keyed hash of the cookie's id) and failure counts
// for throttling (login_throttle), all in the shared database so that every replica
// sees the same sessions and the same failures.

// sessionUserCols are the user columns a session carries: enough to authenticate
// (active, superuser) and to record events.
var sessionUserCols = "u.id, CAST(u.uuid AS TEXT), u.username, u.name, u.email, u.is_active, " + superuserExpr

// sessionCols are a browser session's columns, then its user's.
var sessionCols = "CAST(bs.uuid AS TEXT), bs.created, bs.last_used, bs.expires, bs.last_ip, bs.last_user_agent, " + sessionUserCols

func scanSession(sc interface{ Scan(...any) error }, extra ...any) (*racd.BrowserSession, error) {
	var (
		bs                     racd.BrowserSession
		created, used, expires int64
	)
	u := &bs.User
	dest := []any{&bs.UUID, &created, &used, &expires, &bs.LastIP, &bs.LastUserAgent,
		&u.ID, &u.UUID, &u.Username, &u.Name, &u.Email, &u.IsActive, &u.IsSuperuser}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	bs.Created, bs.LastUsed, bs.Expires = fromMicros(created), fromMicros(used), fromMicros(expires)
	return &bs, nil
}

// PasswordLogin implements racd.SignInStore: the username first, else an email that
// exactly one user has.
func (s *Store) PasswordLogin(ctx context.Context, login string) (*racd.User, string, error) {
	if !storable(login) {
		return nil, "", racd.ErrNotFound
	}
	scan := func(rows *sql.Rows, u *racd.User, hash *string) error {
		return rows.Scan(&u.ID, &u.UUID, &u.Username, &u.Name, &u.Email, &u.IsActive, &u.IsSuperuser, hash)
	}
	var (
		users  []*racd.User
		hashes []string
	)
	q := "SELECT " + sessionUserCols + ", u.password FROM users u WHERE u.username = $1"
	qEmail := "SELECT " + sessionUserCols + ", u.password FROM users u WHERE " + s.d.iequal("u.email", "$1") + " AND u.email <> '' LIMIT 2"
	for _, query := range []string{q, qEmail} {
		err := queryEach(ctx, s.read(), query, []any{login}, func(rows *sql.Rows) error {
			u, h := &racd.User{}, ""
			if err := scan(rows, u, &h); err != nil {
				return err
			}
			users, hashes = append(users, u), append(hashes, h)
			return nil
		})
		if err != nil {
			return nil, "", classify(err)
		}
		if len(users) == 1 {
			return users[0], hashes[0], nil
		}
		users, hashes = nil, nil // two users share that email: it names no one
	}
	return nil, "", racd.ErrNotFound
}

// SetPassword implements racd.SignInStore.
func (s *Store) SetPassword(ctx context.Context, id int64, hash, keep string, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		var username string
		var superuser bool
		if err := c.queryRow(ctx, "SELECT u.username, "+superuserExpr+" FROM users u WHERE u.id = $1"+s.d.forUpdate("u"), id).Scan(&username, &superuser); err != nil {
			return err
		}
		// Only superusers set a superuser's password: whoever knows it is that superuser.
		if superuser && !a.Superuser {
			return racd.ErrForbidden
		}
		// As authentik's set_password: the password's change date, and the row's.
		now := micros(s.now())
		if _, err := c.exec(ctx, "UPDATE users SET password = $1, password_change_date = $2, last_updated = $2 WHERE id = $3", hash, now, id); err != nil {
			return err
		}
		// A new password ends the user's other sessions, as Django's session auth hash does.
		if err := s.deleteSessions(ctx, c, "bs.user_id = $1 AND CAST(bs.uuid AS TEXT) <> $2", id, keep); err != nil {
			return err
		}
		ref := racd.UserModel.Ref(strconv.FormatInt(id, 10), username)
		ev := &racd.Event{Action: racd.EventPasswordSet, User: a.User, Request: a.Request, ClientIP: a.Request.ClientIP,
			Extra: map[string]any{"user": map[string]any{"app": ref.App, "model_name": ref.ModelName, "pk": id, "name": username}}}
		return s.insertEvent(ctx, c, ev)
	})
}

// RehashPassword implements racd.SignInStore.
func (s *Store) RehashPassword(ctx context.Context, id int64, oldHash, newHash string) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, "UPDATE users SET password = $1 WHERE id = $2 AND password = $3", newHash, id, oldHash)
		return err
	})
}

// CreateBrowserSession implements racd.SignInStore.
func (s *Store) CreateBrowserSession(ctx context.Context, bs *racd.BrowserSession, idHash []byte, a racd.Audit) error {
	if bs.UUID == "" {
		bs.UUID = s.newUUID()
	}
	return s.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `INSERT INTO browser_sessions (uuid, id_hash, user_id, created, last_used, expires, last_ip, last_user_agent)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, bs.UUID, idHash, bs.User.ID, micros(bs.Created), micros(bs.LastUsed),
			micros(bs.Expires), bs.LastIP, bs.LastUserAgent); err != nil {
			return err
		}
		if _, err := c.exec(ctx, "UPDATE users SET last_login = $1 WHERE id = $2", micros(bs.Created), bs.User.ID); err != nil {
			return err
		}
		return s.insertEvent(ctx, c, &racd.Event{Action: racd.EventLogin, User: a.User, Request: a.Request, ClientIP: a.Request.ClientIP,
			Extra: map[string]any{"auth_method": "password", "auth_method_args": map[string]any{}}})
	})
}

// BrowserSessionByHash implements racd.SignInStore.
func (s *Store) BrowserSessionByHash(ctx context.Context, idHash []byte) (*racd.BrowserSession, error) {
	bs, err := scanSession(s.read().queryRow(ctx, "SELECT "+sessionCols+" FROM browser_sessions bs JOIN users u ON u.id = bs.user_id WHERE bs.id_hash = $1", idHash))
	return bs, classify(err)
}

// GetBrowserSession implements racd.SignInStore.
func (s *Store) GetBrowserSession(ctx context.Context, uuid string) (*racd.BrowserSession, error) {
	id, ok := racd.ParseUUID(uuid)
	if !ok {
		return nil, racd.ErrNotFound
	}
	bs, err := scanSession(s.read().queryRow(ctx, "SELECT "+sessionCols+" FROM browser_sessions bs JOIN users u ON u.id = bs.user_id WHERE bs.uuid = $1", id))
	return bs, classify(err)
}

// TouchBrowserSession implements racd.SignInStore.
func (s *Store) TouchBrowserSession(ctx context.Context, uuid string, at time.Time, ip, ua string) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, "UPDATE browser_sessions SET last_used = $1, last_ip = $2, last_user_agent = $3 WHERE uuid = $4 AND last_used < $1",
			micros(at), ip, ua, uuid)
		return err
	})
}

// sessionTable is how browser sessions are listed (the API's authenticated sessions):
// each with its user; who sees which is the caller's rule (BrowserSessionQuery.OwnerID).
var sessionTable = table[*racd.BrowserSession]{
	place: place{model: racd.AuthenticatedSessionModel, name: "browser_sessions", alias: "bs", pk: "uuid"},
	cols:  func(dialect) string { return sessionCols },
	joins: " " + sessionJoins,
	scan:  func(sc scanner, extra ...any) (*racd.BrowserSession, error) { return scanSession(sc, extra...) },
	order: map[string]string{
		"uuid": "bs.uuid", "user__username": "u.username", "last_ip": "bs.last_ip", "last_user_agent": "bs.last_user_agent",
		"last_used": "bs.last_used", "expires": "bs.expires",
	},
	defaultOrder:  []racd.OrderTerm{{Field: "user__username"}},
	ownVisibility: true,
}

const sessionJoins = "JOIN users u ON u.id = bs.user_id"

// ListBrowserSessions implements racd.SignInStore.
func (s *Store) ListBrowserSessions(ctx context.Context, q racd.BrowserSessionQuery) ([]*racd.BrowserSession, int, error) {
	b := &qb{d: s.d}
	b.and("bs.last_used >= " + b.arg(micros(q.IdleBefore)) + " AND bs.expires > " + b.arg(micros(q.Now)))
	if q.OwnerID != 0 {
		b.and("bs.user_id = " + b.arg(q.OwnerID))
	}
	for _, f := range []struct {
		col string
		v   *string
	}{{"u.username", q.Username}, {"bs.last_ip", q.LastIP}, {"bs.last_user_agent", q.LastUserAgent}} {
		if f.v != nil {
			b.eq(f.col, *f.v)
		}
	}
	b.search(q.Search, "u.username", "bs.last_ip", "bs.last_user_agent")
	return list(ctx, s, &sessionTable, q.ListQuery, b, sessionJoins, sessionJoins)
}

// EndBrowserSession implements racd.SignInStore.
func (s *Store) EndBrowserSession(ctx context.Context, uuid, action string, a racd.Audit) error {
	id, ok := racd.ParseUUID(uuid)
	if !ok {
		return racd.ErrNotFound
	}
	return s.write(ctx, func(c conn) error {
		bs, err := scanSession(c.queryRow(ctx, "SELECT "+sessionCols+" FROM browser_sessions bs JOIN users u ON u.id = bs.user_id WHERE bs.uuid = $1"+s.d.forUpdate("bs"), id))
		if err != nil {
			return err
		}
		if err := s.deleteSessions(ctx, c, "bs.uuid = $1", id); err != nil {
			return err
		}
		ev := &racd.Event{Action: action, User: a.User, Request: a.Request, ClientIP: a.Request.ClientIP}
		if action != racd.EventLogout {
			ref := bs.Ref()
			ev = racd.NewModelEvent(action, a, ref, nil)
		}
		return s.insertEvent(ctx, c, ev)
	})
}

// endedSessions selects the sessions the janitor deletes ($1: idle before, $2: now):
// past their absolute end, or idle with no live remote connection opened from them
// (a connection in use is activity the pages do not see, and must not be cut for
// idleness).
const endedSessions = "bs.expires <= $2 OR (bs.last_used < $1 AND NOT EXISTS (SELECT 1 FROM connection_tokens ct" +
	" WHERE ct.browser_session = CAST(bs.uuid AS TEXT) AND ct.session_gen > 0 AND ct.session_ended IS NULL))"

// PurgeBrowserSessions implements racd.SignInStore.
func (s *Store) PurgeBrowserSessions(ctx context.Context, idleBefore, now time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(c conn) error {
		var err error
		n, err = s.countSessions(ctx, c, endedSessions, micros(idleBefore), micros(now))
		if err != nil || n == 0 {
			return err
		}
		return s.deleteSessions(ctx, c, endedSessions, micros(idleBefore), micros(now))
	})
	return n, err
}

func (s *Store) countSessions(ctx context.Context, c conn, where string, args ...any) (int64, error) {
	var n int64
	err := c.queryRow(ctx, "SELECT count(*) FROM browser_sessions bs WHERE "+where, args...).Scan(&n)
	return n, err
}

// deleteSessions deletes the sessions matching where (over alias bs) with the
// connection tokens launched from them.
func (s *Store) deleteSessions(ctx context.Context, c conn, where string, args ...any) error {
	if err := s.deleteSessionTokens(ctx, c, where, args...); err != nil {
		return err
	}
	_, err := c.exec(ctx, "DELETE FROM browser_sessions WHERE uuid IN (SELECT bs.uuid FROM browser_sessions bs WHERE "+where+")", args...)
	return err
}

// Throttle implements racd.SignInStore.
func (s *Store) Throttle(ctx context.Context, keys []string) ([]racd.ThrottleState, error) {
	out := make([]racd.ThrottleState, len(keys))
	for i, k := range keys {
		var failures int
		var until int64
		err := s.read().queryRow(ctx, "SELECT failures, blocked_until FROM login_throttle WHERE throttle_key = $1", k).Scan(&failures, &until)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, classify(err)
		}
		out[i] = racd.ThrottleState{Failures: failures, BlockedUntil: fromMicros(until)}
	}
	return out, nil
}

// RecordFailure implements racd.SignInStore. The row is locked while it is read and
// written, so failures counted at the same time on several replicas all count.
func (s *Store) RecordFailure(ctx context.Context, keys []string, now time.Time, window time.Duration, backoff func(int) time.Duration) error {
	return s.write(ctx, func(c conn) error {
		for _, k := range keys {
			if _, err := c.exec(ctx, "INSERT INTO login_throttle (throttle_key, failures, last_failure, blocked_until) VALUES ($1, 0, 0, 0) ON CONFLICT (throttle_key) DO NOTHING", k); err != nil {
				return err
			}
			var failures int
			var last int64
			if err := c.queryRow(ctx, "SELECT failures, last_failure FROM login_throttle WHERE throttle_key = $1"+s.d.forUpdate("login_throttle"), k).Scan(&failures, &last); err != nil {
				return err
			}
			if now.Sub(fromMicros(last)) > window {
				failures = 0
			}
			failures++
			until := now.Add(backoff(failures))
			if _, err := c.exec(ctx, "UPDATE login_throttle SET failures = $1, last_failure = $2, blocked_until = $3 WHERE throttle_key = $4",
				failures, micros(now), micros(until), k); err != nil {
				return err
			}
		}
		// Forget keys nobody failed under for a long time, so the table stays small.
		_, err := c.exec(ctx, "DELETE FROM login_throttle WHERE last_failure < $1 AND blocked_until < $2", micros(now.Add(-window)), micros(now))
		return err
	})
}

// ClearFailures implements racd.SignInStore.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, "DELETE FROM login_throttle WHERE throttle_key = $1", key)
		return err
	})
}

// deleteSessionTokens deletes the connection tokens launched from the sessions
// matching where (over alias bs). The deletion trigger tells every replica's gateway,
// which ends the tokens' live RAC sessions.
func (s *Store) deleteSessionTokens(ctx context.Context, c conn, where string, args ...any) error {
	_, err := c.exec(ctx, "DELETE FROM connection_tokens WHERE browser_session IN (SELECT CAST(bs.uuid AS TEXT) FROM browser_sessions bs WHERE "+where+")", args...)
	return err
}
