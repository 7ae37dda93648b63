-- The connection gateway. A connection token is bound to the first browser that opens
-- it (claim_hash: the keyed hash of that browser's claim cookie) or, once browser
-- sign-in exists, to the signed-in session that launched it (browser_session).
-- session_gen numbers the token's sessions (the newest one wins, on any replica);
-- session_ended is when its last session ended (NULL while one is live), from which a
-- token of a provider with delete_token_on_disconnect is deleted after the grace.
ALTER TABLE connection_tokens ADD COLUMN claim_hash BYTEA;
ALTER TABLE connection_tokens ADD COLUMN browser_session TEXT COLLATE "C";
ALTER TABLE connection_tokens ADD COLUMN session_gen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connection_tokens ADD COLUMN session_ended BIGINT;
CREATE INDEX connection_tokens_session_ended ON connection_tokens (session_ended);

-- Notices for the replicas travel by NOTIFY on the channel racd_<schema>, delivered
-- when the deleting transaction commits (never when it rolls back). The trigger
-- catches every deletion of a connection token: the API, a cascade from its endpoint,
-- provider or user, the janitor. The notices table is SQLite's way; it exists here so
-- that both dialects hold the same tables, and stays empty.
CREATE TABLE notices (
    seq     BIGSERIAL PRIMARY KEY,
    kind    TEXT COLLATE "C" NOT NULL,
    id      TEXT COLLATE "C" NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX notices_created ON notices (created);
CREATE FUNCTION racd_connection_token_notice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('racd_' || current_schema(), json_build_object('kind', 'connection_token_deleted', 'id', OLD.uuid::text)::text); RETURN OLD; END $$;
CREATE TRIGGER connection_tokens_notice AFTER DELETE ON connection_tokens FOR EACH ROW EXECUTE FUNCTION racd_connection_token_notice();
