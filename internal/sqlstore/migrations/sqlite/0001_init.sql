-- racd schema, SQLite dialect. Timestamps are unix microseconds (UTC); JSON columns hold
-- compact JSON text; booleans are 0/1. Keep in step with ../postgres/0001_init.sql.

CREATE TABLE flows (
    uuid               TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    slug               TEXT NOT NULL CONSTRAINT flows_slug_key UNIQUE,
    title              TEXT NOT NULL,
    designation        TEXT NOT NULL,
    policy_engine_mode TEXT NOT NULL DEFAULT 'any',
    compatibility_mode BOOLEAN NOT NULL DEFAULT FALSE,
    layout             TEXT NOT NULL DEFAULT 'stacked',
    denied_action      TEXT NOT NULL DEFAULT 'message_continue',
    authentication     TEXT NOT NULL DEFAULT 'none'
);
CREATE INDEX flows_name ON flows (name);

CREATE TABLE property_mappings (
    uuid            TEXT PRIMARY KEY,
    managed         TEXT CONSTRAINT property_mappings_managed_key UNIQUE,
    name            TEXT NOT NULL CONSTRAINT property_mappings_name_key UNIQUE,
    expression      TEXT NOT NULL DEFAULT '',
    static_settings TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE providers (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    name                       TEXT NOT NULL CONSTRAINT providers_name_key UNIQUE,
    authentication_flow        TEXT REFERENCES flows (uuid) ON DELETE SET NULL,
    authorization_flow         TEXT NOT NULL REFERENCES flows (uuid) ON DELETE CASCADE,
    settings                   TEXT NOT NULL DEFAULT '{}',
    connection_expiry          TEXT NOT NULL DEFAULT 'hours=8',
    delete_token_on_disconnect BOOLEAN NOT NULL DEFAULT FALSE,
    backchannel_application    TEXT REFERENCES applications (uuid) ON DELETE SET NULL
);
CREATE INDEX providers_authentication_flow ON providers (authentication_flow);
CREATE INDEX providers_authorization_flow ON providers (authorization_flow);
CREATE INDEX providers_backchannel_application ON providers (backchannel_application);

CREATE TABLE provider_property_mappings (
    provider_id  INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    mapping_uuid TEXT NOT NULL REFERENCES property_mappings (uuid) ON DELETE CASCADE,
    PRIMARY KEY (provider_id, mapping_uuid)
) WITHOUT ROWID;
CREATE INDEX provider_property_mappings_mapping ON provider_property_mappings (mapping_uuid);

CREATE TABLE applications (
    uuid               TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    slug               TEXT NOT NULL CONSTRAINT applications_slug_key UNIQUE,
    provider_id        INTEGER CONSTRAINT applications_provider_key UNIQUE REFERENCES providers (id) ON DELETE SET NULL,
    open_in_new_tab    BOOLEAN NOT NULL DEFAULT FALSE,
    meta_launch_url    TEXT NOT NULL DEFAULT '',
    meta_description   TEXT NOT NULL DEFAULT '',
    meta_publisher     TEXT NOT NULL DEFAULT '',
    policy_engine_mode TEXT NOT NULL DEFAULT 'any',
    group_name         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX applications_name ON applications (name);
CREATE INDEX applications_group ON applications (group_name, name);

CREATE TABLE outposts (
    uuid               TEXT PRIMARY KEY,
    name               TEXT NOT NULL CONSTRAINT outposts_name_key UNIQUE,
    type               TEXT NOT NULL,
    service_connection TEXT,
    config             TEXT NOT NULL DEFAULT '{}',
    managed            TEXT CONSTRAINT outposts_managed_key UNIQUE
);

CREATE TABLE outpost_providers (
    outpost_uuid TEXT NOT NULL REFERENCES outposts (uuid) ON DELETE CASCADE,
    provider_id  INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    PRIMARY KEY (outpost_uuid, provider_id)
) WITHOUT ROWID;
CREATE INDEX outpost_providers_provider ON outpost_providers (provider_id);

CREATE TABLE endpoints (
    uuid                TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    provider_id         INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    protocol            TEXT NOT NULL,
    host                TEXT NOT NULL,
    settings            TEXT NOT NULL DEFAULT '{}',
    auth_mode           TEXT NOT NULL,
    maximum_connections INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX endpoints_provider ON endpoints (provider_id);
CREATE INDEX endpoints_name ON endpoints (name, protocol);

CREATE TABLE endpoint_property_mappings (
    endpoint_uuid TEXT NOT NULL REFERENCES endpoints (uuid) ON DELETE CASCADE,
    mapping_uuid  TEXT NOT NULL REFERENCES property_mappings (uuid) ON DELETE CASCADE,
    PRIMARY KEY (endpoint_uuid, mapping_uuid)
) WITHOUT ROWID;
CREATE INDEX endpoint_property_mappings_mapping ON endpoint_property_mappings (mapping_uuid);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid        TEXT NOT NULL CONSTRAINT users_uuid_key UNIQUE,
    username    TEXT NOT NULL CONSTRAINT users_username_key UNIQUE,
    name        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    is_active   BOOLEAN NOT NULL DEFAULT TRUE,
    path        TEXT NOT NULL DEFAULT 'users',
    type        TEXT NOT NULL DEFAULT 'internal',
    attributes  TEXT NOT NULL DEFAULT '{}',
    last_login  BIGINT,
    date_joined BIGINT NOT NULL,
    password    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE groups (
    uuid         TEXT PRIMARY KEY,
    num_pk       INTEGER NOT NULL CONSTRAINT groups_num_pk_key UNIQUE,
    name         TEXT NOT NULL CONSTRAINT groups_name_key UNIQUE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    parent_uuid  TEXT REFERENCES groups (uuid) ON DELETE SET NULL,
    attributes   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX groups_parent ON groups (parent_uuid);

CREATE TABLE group_users (
    group_uuid TEXT NOT NULL REFERENCES groups (uuid) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_uuid, user_id)
) WITHOUT ROWID;
CREATE INDEX group_users_user ON group_users (user_id);

CREATE TABLE roles (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL CONSTRAINT roles_name_key UNIQUE
);

CREATE TABLE group_roles (
    group_uuid TEXT NOT NULL REFERENCES groups (uuid) ON DELETE CASCADE,
    role_uuid  TEXT NOT NULL REFERENCES roles (uuid) ON DELETE CASCADE,
    PRIMARY KEY (group_uuid, role_uuid)
) WITHOUT ROWID;
CREATE INDEX group_roles_role ON group_roles (role_uuid);

-- Permission grants. object_pk '' is a global grant; otherwise the object's primary key
-- as text. permission is the full codename, e.g. authentik_providers_rac.view_racprovider.
CREATE TABLE user_permissions (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    object_pk  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, permission, object_pk)
) WITHOUT ROWID;
CREATE INDEX user_permissions_object ON user_permissions (permission, object_pk);

CREATE TABLE role_permissions (
    role_uuid  TEXT NOT NULL REFERENCES roles (uuid) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    object_pk  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (role_uuid, permission, object_pk)
) WITHOUT ROWID;
CREATE INDEX role_permissions_object ON role_permissions (permission, object_pk);

-- API tokens. The key is never stored in clear: key_hash is HMAC-SHA256 under the
-- server secret (the lookup index), key_sealed its AES-GCM ciphertext for view_key.
CREATE TABLE tokens (
    uuid        TEXT PRIMARY KEY,
    identifier  TEXT NOT NULL CONSTRAINT tokens_identifier_key UNIQUE,
    key_hash    BLOB NOT NULL CONSTRAINT tokens_key_hash_key UNIQUE,
    key_sealed  BLOB NOT NULL,
    intent      TEXT NOT NULL DEFAULT 'verification',
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    description TEXT NOT NULL DEFAULT '',
    expiring    BOOLEAN NOT NULL DEFAULT TRUE,
    expires     BIGINT,
    managed     TEXT CONSTRAINT tokens_managed_key UNIQUE
);
CREATE INDEX tokens_user ON tokens (user_id);

-- RAC connection tokens. The secret is returned once at launch; only its hash is kept.
CREATE TABLE connection_tokens (
    uuid          TEXT PRIMARY KEY,
    token_hash    BLOB NOT NULL CONSTRAINT connection_tokens_token_hash_key UNIQUE,
    provider_id   INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    endpoint_uuid TEXT NOT NULL REFERENCES endpoints (uuid) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    settings      TEXT NOT NULL DEFAULT '{}',
    created       BIGINT NOT NULL,
    expires       BIGINT
);
CREATE INDEX connection_tokens_endpoint ON connection_tokens (endpoint_uuid, expires);
CREATE INDEX connection_tokens_provider ON connection_tokens (provider_id);
CREATE INDEX connection_tokens_user ON connection_tokens (user_id);
CREATE INDEX connection_tokens_expires ON connection_tokens (expires);

CREATE TABLE events (
    uuid       TEXT PRIMARY KEY,
    action     TEXT NOT NULL,
    app        TEXT NOT NULL,
    user_json  TEXT NOT NULL DEFAULT '{}',
    context    TEXT NOT NULL DEFAULT '{}',
    client_ip  TEXT,
    created    BIGINT NOT NULL,
    expires    BIGINT NOT NULL,
    username   TEXT NOT NULL DEFAULT '',
    model_app  TEXT NOT NULL DEFAULT '',
    model_name TEXT NOT NULL DEFAULT '',
    model_pk   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_created ON events (created);
CREATE INDEX events_action ON events (action, created);
CREATE INDEX events_model ON events (model_app, model_name, model_pk);
