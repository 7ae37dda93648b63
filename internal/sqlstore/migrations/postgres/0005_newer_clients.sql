-- What authentik's clients from 2024.8 on write and read beside 2024.6's fields: a
-- flow's background and an application's icon (set by clients from 2025.12; '' is
-- authentik's default), whether an application is hidden from the user's library
-- (2026.8), and when a user row last changed and when its password last did (2025.2,
-- 2025.6). Existing users get their date_joined for both. Keep in step with
-- ../sqlite/0005_newer_clients.sql.
ALTER TABLE flows ADD COLUMN background TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN meta_icon TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN meta_hide BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN last_updated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_change_date BIGINT NOT NULL DEFAULT 0;
UPDATE users SET last_updated = date_joined, password_change_date = date_joined;

-- Roles given to a user directly (authentik 2025.12's User.roles and
-- rbac/roles/{uuid}/add_user/), beside the roles of the user's groups.
CREATE TABLE user_roles (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_uuid UUID NOT NULL REFERENCES roles (uuid) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_uuid)
);
CREATE INDEX user_roles_role ON user_roles (role_uuid);
