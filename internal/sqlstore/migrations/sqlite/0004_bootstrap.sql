-- What RACD_BOOTSTRAP_TOKEN made: the superuser it created itself and that user's
-- superuser group. Bootstrap only ever adds to that group a user it creates, and never
-- promotes an existing user, whatever it is named now (a deleted one leaves NULL). One
-- row, locked by bootstrap so that replicas starting together take turns. An earlier
-- bootstrap is recognised by the bootstrap token's owner, or else by an akadmin in
-- the superuser group of its name.
CREATE TABLE bootstrap (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    group_uuid TEXT REFERENCES groups (uuid) ON DELETE SET NULL
);
INSERT INTO bootstrap (id, user_id, group_uuid) VALUES (1,
    coalesce(
        (SELECT t.user_id FROM tokens t WHERE t.identifier = 'racd-bootstrap-token'),
        (SELECT u.id FROM users u JOIN group_users gu ON gu.user_id = u.id JOIN groups g ON g.uuid = gu.group_uuid
         WHERE u.username = 'akadmin' AND g.name = 'authentik Admins' AND g.is_superuser)),
    (SELECT g.uuid FROM groups g WHERE g.name = 'authentik Admins' AND g.is_superuser));
