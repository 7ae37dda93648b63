-- A group may have several parents (authentik 2025.12's Group.parents); its members
-- hold the roles and the superuser flag of every ancestor. One row per (group,
-- parent). The single parent_uuid column of 0001 is copied here and then no longer
-- read or written (it stays, NULL, so that both dialects keep the same columns: SQLite
-- cannot drop a column a foreign key names). A 2024.6 client's `parent` is the first
-- parent by name. Keep in step with ../sqlite/0007_group_parents.sql.
CREATE TABLE group_parents (
    group_uuid  UUID NOT NULL REFERENCES groups (uuid) ON DELETE CASCADE,
    parent_uuid UUID NOT NULL REFERENCES groups (uuid) ON DELETE CASCADE,
    PRIMARY KEY (group_uuid, parent_uuid),
    CHECK (group_uuid <> parent_uuid)
);
CREATE INDEX group_parents_parent ON group_parents (parent_uuid);
INSERT INTO group_parents (group_uuid, parent_uuid)
    SELECT uuid, parent_uuid FROM groups WHERE parent_uuid IS NOT NULL AND parent_uuid <> uuid;
UPDATE groups SET parent_uuid = NULL;
DROP INDEX groups_parent;
