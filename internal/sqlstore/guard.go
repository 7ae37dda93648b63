package sqlstore

import (
	"context"

	"github.com/racd/racd/internal/racd"
)

// guard is what a writer's rules (writer.guard) see of a write in progress: who acts,
// what the write changes, and the transaction, for the queries the rules need. A rule
// that may take the last active superuser away calls demotes; done, run once the row
// is written, then refuses the write if it did.
type guard struct {
	s        *Store
	ctx      context.Context
	c        conn
	a        racd.Audit
	create   bool
	deleting bool
	changes  []racd.Change // what the write changes (every field on create)
	errs     *racd.FieldErrors

	demoteField string // the field a refused demotion is reported on
	hadActive   bool   // an active superuser existed before the write
}

// changed reports whether the write changes field.
func (g *guard) changed(field string) bool {
	for _, ch := range g.changes {
		if ch.Field == field {
			return true
		}
	}
	return false
}

// demotes says the write may leave fewer active superusers (reported on field, or
// non_field_errors for ""). Writes that may do so take turns (a concurrent one could
// otherwise take the other last superuser away), and the count before is noted.
func (g *guard) demotes(field string) error {
	if g.demoteField != "" {
		return nil
	}
	if q := g.s.d.superuserLock(); q != "" {
		if _, err := g.c.exec(g.ctx, q); err != nil {
			return err
		}
	}
	has, err := g.s.activeSuperuserExists(g.ctx, g.c)
	if err != nil {
		return err
	}
	g.hadActive = has
	if field == "" {
		field = racd.NonFieldErrors
	}
	g.demoteField = field
	return nil
}

// done refuses the write (rolled back with it) when it took the last active superuser
// away.
func (g *guard) done() error {
	if g == nil || !g.hadActive {
		return nil
	}
	has, err := g.s.activeSuperuserExists(g.ctx, g.c)
	if err != nil || has {
		return err
	}
	return racd.FieldError(g.demoteField, racd.MsgLastSuperuser)
}

// superuserGroupsSQL selects the groups whose members are superusers: those with
// is_superuser and their descendants (through any of their parents).
const superuserGroupsSQL = `WITH RECURSIVE sg(uuid) AS (
	SELECT uuid FROM groups WHERE is_superuser
	UNION SELECT c.group_uuid FROM group_parents c JOIN sg ON c.parent_uuid = sg.uuid)`

// activeSuperuserExists reports whether an active user is a superuser.
func (s *Store) activeSuperuserExists(ctx context.Context, c conn) (bool, error) {
	var n int
	err := c.queryRow(ctx, superuserGroupsSQL+` SELECT CASE WHEN EXISTS (
		SELECT 1 FROM group_users gu JOIN sg ON sg.uuid = gu.group_uuid JOIN users u ON u.id = gu.user_id WHERE u.is_active)
		THEN 1 ELSE 0 END`).Scan(&n)
	return n == 1, err
}

// grantsSuperuser reports whether the members of group uuid are superusers (it or an
// ancestor has is_superuser).
func (s *Store) grantsSuperuser(ctx context.Context, c conn, uuid string) (bool, error) {
	var n int
	err := c.queryRow(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM groups sa WHERE sa.is_superuser AND sa.uuid IN (`+
		groupAncestorsSQL("$1", true)+`)) THEN 1 ELSE 0 END`, uuid).Scan(&n)
	return n == 1, err
}

// descendsFrom reports whether one of the groups uuids is ancestor or has it among
// its ancestors (following every parent; a cycle already stored ends where it
// repeats).
func (s *Store) descendsFrom(ctx context.Context, c conn, uuids []string, ancestor string) (bool, error) {
	if len(uuids) == 0 {
		return false, nil
	}
	b := &qb{d: s.d}
	list := b.arg(s.d.listArg(uuids))
	var n int
	err := c.queryRow(ctx, `WITH RECURSIVE anc(uuid) AS (
		SELECT uuid FROM groups WHERE `+s.d.in("uuid", list, uuidKey)+`
		UNION SELECT p.parent_uuid FROM group_parents p JOIN anc ON p.group_uuid = anc.uuid)
		SELECT CASE WHEN EXISTS (SELECT 1 FROM anc WHERE anc.uuid = `+b.arg(ancestor)+`) THEN 1 ELSE 0 END`, b.args...).Scan(&n)
	return n == 1, err
}
