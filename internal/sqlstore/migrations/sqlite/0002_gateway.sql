-- The connection gateway. A connection token is bound to the first browser that opens
-- it (claim_hash: the keyed hash of that browser's claim cookie) or, once browser
-- sign-in exists, to the signed-in session that launched it (browser_session).
-- session_gen numbers the token's sessions (the newest one wins, on any replica);
-- session_ended is when its last session ended (NULL while one is live), from which a
-- token of a provider with delete_token_on_disconnect is deleted after the grace.
ALTER TABLE connection_tokens ADD COLUMN claim_hash BLOB;
ALTER TABLE connection_tokens ADD COLUMN browser_session TEXT;
ALTER TABLE connection_tokens ADD COLUMN session_gen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connection_tokens ADD COLUMN session_ended BIGINT;
CREATE INDEX connection_tokens_session_ended ON connection_tokens (session_ended);

-- Notices for the replicas: SQLite writes a row for every deleted connection token,
-- whatever deleted it (the API, a cascade from its endpoint, provider or user, the
-- janitor), in the deleting transaction, so a rolled-back delete leaves none. The
-- notifier reads the rows after each commit.
CREATE TABLE notices (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX notices_created ON notices (created);
CREATE TRIGGER connection_tokens_notice AFTER DELETE ON connection_tokens FOR EACH ROW BEGIN INSERT INTO notices (kind, id, created) VALUES ('connection_token_deleted', OLD.uuid, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)); END;
