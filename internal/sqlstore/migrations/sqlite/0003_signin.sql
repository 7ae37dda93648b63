-- Browser sign-in. A signed-in browser holds a random session id in a cookie; racd
-- keeps only its keyed hash (id_hash). A session ends when it has been idle too long
-- (last_used) or at its absolute end (expires), both settings of racd serve; deleting
-- the user deletes its sessions.
CREATE TABLE browser_sessions (
    uuid            TEXT PRIMARY KEY,
    id_hash         BLOB NOT NULL CONSTRAINT browser_sessions_id_hash_key UNIQUE,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created         BIGINT NOT NULL,
    last_used       BIGINT NOT NULL,
    expires         BIGINT NOT NULL,
    last_ip         TEXT NOT NULL DEFAULT '',
    last_user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX browser_sessions_user ON browser_sessions (user_id);
CREATE INDEX browser_sessions_last_used ON browser_sessions (last_used);
CREATE INDEX browser_sessions_expires ON browser_sessions (expires);

-- Failed sign-ins per throttling key (the keyed hash of an account name or a client
-- address), shared by every replica: failures counts those within the window, and no
-- sign-in under the key is tried before blocked_until.
CREATE TABLE login_throttle (
    throttle_key  TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    last_failure  BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
CREATE INDEX login_throttle_last_failure ON login_throttle (last_failure);

-- Signing out deletes the connection tokens a browser session launched.
CREATE INDEX connection_tokens_browser_session ON connection_tokens (browser_session);
