package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/racd/racd/internal/racd"
)

// flexBool reads a JSON boolean that SQLite writes as 0/1.
type flexBool bool

func (b *flexBool) UnmarshalJSON(p []byte) error {
	s := string(p)
	*b = flexBool(s == "true" || s == "1")
	return nil
}

// ---- users ----

func (s *Store) userCols() string {
	d := s.d
	group := d.jsonObject("pk", "CAST(g.uuid AS TEXT)", "num_pk", "g.num_pk", "name", "g.name", "is_superuser", "g.is_superuser",
		"parent", "CAST(g.parent_uuid AS TEXT)", "parent_name", "gp.name", "attributes", d.jsonText("g.attributes"))
	return "u.id, CAST(u.uuid AS TEXT), u.username, u.name, u.email, u.is_active, " + superuserExpr + ", u.path, u.type, u.attributes, u.last_login, u.date_joined, " +
		d.jsonObjects(group, "group_users gu JOIN groups g ON g.uuid = gu.group_uuid LEFT JOIN groups gp ON gp.uuid = g.parent_uuid WHERE gu.user_id = u.id", "g.name")
}

type userGroupJSON struct {
	PK          string          `json:"pk"`
	NumPK       int64           `json:"num_pk"`
	Name        string          `json:"name"`
	IsSuperuser flexBool        `json:"is_superuser"`
	Parent      *string         `json:"parent"`
	ParentName  *string         `json:"parent_name"`
	Attributes  json.RawMessage `json:"attributes"`
}

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (*racd.User, error) {
	var (
		u         racd.User
		attrs     []byte
		lastLogin sql.NullInt64
		joined    int64
		groups    []byte
	)
	dest := []any{&u.ID, &u.UUID, &u.Username, &u.Name, &u.Email, &u.IsActive, &u.IsSuperuser, &u.Path, &u.Type, &attrs, &lastLogin, &joined, &groups}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	u.Attributes = json.RawMessage(attrs)
	if lastLogin.Valid {
		t := fromMicros(lastLogin.Int64)
		u.LastLogin = &t
	}
	u.DateJoined = fromMicros(joined)
	var gs []userGroupJSON
	if err := json.Unmarshal(groups, &gs); err != nil {
		return nil, fmt.Errorf("user %d: groups: %w", u.ID, err)
	}
	u.Groups = make([]racd.UserGroup, len(gs))
	for i, g := range gs {
		ug := racd.UserGroup{UUID: g.PK, NumPK: g.NumPK, Name: g.Name, IsSuperuser: bool(g.IsSuperuser), Attributes: g.Attributes}
		if g.Parent != nil {
			ug.Parent = *g.Parent
		}
		if g.ParentName != nil {
			ug.ParentName = *g.ParentName
		}
		u.Groups[i] = ug
	}
	return &u, nil
}

func (s *Store) getUser(ctx context.Context, c conn, where string, arg any) (*racd.User, error) {
	u, err := scanUser(c.queryRow(ctx, "SELECT "+s.userCols()+" FROM users u WHERE "+where, arg))
	return u, classify(err)
}

// GetUser implements racd.IdentityStore.
func (s *Store) GetUser(ctx context.Context, id int64) (*racd.User, error) {
	return s.getUser(ctx, s.read(), "u.id = $1", id)
}

// GetUserByUsername implements racd.IdentityStore.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*racd.User, error) {
	return s.getUser(ctx, s.read(), "u.username = $1", username)
}

var userOrderCols = map[string]string{
	"pk": "u.id", "username": "u.username", "name": "u.name", "is_active": "u.is_active", "email": "u.email",
	"last_login": "u.last_login", "date_joined": "u.date_joined", "path": "u.path", "type": "u.type",
}

// ListUsers implements racd.IdentityStore.
func (s *Store) ListUsers(ctx context.Context, q racd.UserQuery) ([]*racd.User, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "u.username", "u.name", "u.email", "CAST(u.uuid AS TEXT)")
	for _, f := range []struct {
		col string
		v   *string
	}{{"u.username", q.Username}, {"u.email", q.Email}, {"u.name", q.Name}, {"u.path", q.Path}} {
		if f.v != nil {
			b.and(f.col + " = " + b.arg(*f.v))
		}
	}
	if q.UUID != nil {
		b.and("u.uuid = " + b.arg(*q.UUID))
	}
	if q.IsActive != nil {
		b.and("u.is_active = " + b.arg(*q.IsActive))
	}
	if q.IsSuperuser != nil {
		if *q.IsSuperuser {
			b.and(superuserExpr)
		} else {
			b.and("NOT " + superuserExpr)
		}
	}
	if q.IDs != nil {
		b.and(s.d.in("u.id", b.arg(s.d.listArg(q.IDs)), intKey))
	}
	b.visible("u.id", intKey, q.Visible)
	order := orderSQL(q.Ordering, userOrderCols, []racd.OrderTerm{{Field: "username"}}, "u.id")
	return listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "users", "u", "") },
		func(limit, offset int) string {
			return pageSQL(b, "users", "u", "id", "", "", order, s.userCols(), "", limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.User, error) { return scanUser(rows, count) })
}

// usersByID loads users by id in one query.
func (s *Store) usersByID(ctx context.Context, c conn, ids []int64) (map[int64]*racd.User, error) {
	out := map[int64]*racd.User{}
	if len(ids) == 0 {
		return out, nil
	}
	b := &qb{d: s.d}
	q := "SELECT " + s.userCols() + " FROM users u WHERE " + s.d.in("u.id", b.arg(s.d.listArg(ids)), intKey)
	err := queryEach(ctx, c, q, b.args, func(rows *sql.Rows) error {
		u, err := scanUser(rows)
		if err != nil {
			return err
		}
		out[u.ID] = u
		return nil
	})
	return out, classify(err)
}

// checkRefs runs existence and uniqueness checks in one UNION query: each check
// returns rows (kind, id) for what it found.
type refCheck struct {
	kind string
	sql  string // SELECT '<kind>', <id as text> FROM ...
}

func (s *Store) runChecks(ctx context.Context, c conn, b *qb, checks []refCheck) (map[string]bool, error) {
	found := map[string]bool{}
	if len(checks) == 0 {
		return found, nil
	}
	parts := make([]string, len(checks))
	for i, ch := range checks {
		parts[i] = ch.sql
	}
	err := queryEach(ctx, c, joinUnion(parts), b.args, func(rows *sql.Rows) error {
		var kind, id string
		if err := rows.Scan(&kind, &id); err != nil {
			return err
		}
		found[kind+":"+id] = true
		return nil
	})
	return found, err
}

func (s *Store) checkUserInput(ctx context.Context, c conn, in *racd.UserInput, u *racd.User, selfID int64) error {
	b := &qb{d: s.d}
	var checks []refCheck
	checkName := in.Username.Set && !in.Errors.Has("username")
	if checkName {
		checks = append(checks, refCheck{"name", "SELECT 'name', '' FROM users WHERE username = " + b.arg(u.Username) + " AND id <> " + b.arg(selfID)})
	}
	var groups []string
	if in.Groups.Set && !in.Errors.Has("groups") {
		for _, r := range in.Groups.V {
			groups = append(groups, r.ID)
		}
	}
	if len(groups) > 0 {
		checks = append(checks, refCheck{"group", "SELECT 'group', CAST(uuid AS TEXT) FROM groups WHERE " + s.d.in("uuid", b.arg(s.d.listArg(groups)), uuidKey)})
	}
	found, err := s.runChecks(ctx, c, b, checks)
	if err != nil {
		return err
	}
	if checkName && found["name:"] {
		in.Errors.Add("username", racd.MsgUniqueField)
	}
	for _, r := range groups {
		if !found["group:"+r] {
			in.Errors.Add("groups", racd.MsgDoesNotExist(refRaw(in.Groups.V, r)))
			break
		}
	}
	return nil
}

func refRaw(refs []racd.Ref, id string) string {
	for _, r := range refs {
		if r.ID == id {
			return r.Raw
		}
	}
	return id
}

func userGroupUUIDs(u *racd.User) []string {
	out := make([]string, len(u.Groups))
	for i, g := range u.Groups {
		out[i] = g.UUID
	}
	return sortedCopy(out)
}

func inputGroupUUIDs(in *racd.UserInput) []string {
	out := make([]string, 0, len(in.Groups.V))
	seen := map[string]bool{}
	for _, r := range in.Groups.V {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r.ID)
		}
	}
	return sortedCopy(out)
}

func userFields(u *racd.User, groups []string) []racd.Field {
	return []racd.Field{
		{Name: "username", Value: u.Username}, {Name: "name", Value: u.Name}, {Name: "is_active", Value: u.IsActive},
		{Name: "groups", Value: groups}, {Name: "email", Value: u.Email}, {Name: "attributes", Value: racd.RawJSON(u.Attributes)},
		{Name: "path", Value: u.Path}, {Name: "type", Value: u.Type},
	}
}

// CreateUser implements racd.IdentityStore.
func (s *Store) CreateUser(ctx context.Context, in *racd.UserInput, a racd.Audit) (*racd.User, error) {
	return s.createUser(ctx, in, false, a)
}

// CreateSuperuser implements racd.IdentityStore: the user joins the bootstrap
// superuser group (created when missing).
func (s *Store) CreateSuperuser(ctx context.Context, in *racd.UserInput, a racd.Audit) (*racd.User, error) {
	return s.createUser(ctx, in, true, a)
}

func (s *Store) createUser(ctx context.Context, in *racd.UserInput, superuser bool, a racd.Audit) (*racd.User, error) {
	var id int64
	err := s.write(ctx, func(c conn) error {
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		u := racd.NewUser()
		inCopy.Apply(u, true)
		if err := s.checkUserInput(ctx, c, &inCopy, u, 0); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.UserFields)
			return &inCopy.Errors
		}
		u.UUID = s.newUUID()
		if err := c.queryRow(ctx, `INSERT INTO users (uuid, username, name, email, is_active, path, type, attributes, date_joined)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			u.UUID, u.Username, u.Name, u.Email, u.IsActive, u.Path, u.Type, string(u.Attributes), micros(s.now())).Scan(&u.ID); err != nil {
			return err
		}
		groups := []string{}
		if inCopy.Groups.Set {
			groups = inputGroupUUIDs(&inCopy)
		}
		if superuser {
			g, err := s.superuserGroup(ctx, c)
			if err != nil {
				return err
			}
			groups = append(groups, g)
		}
		if err := s.setLinks(ctx, c, "group_users", "user_id", u.ID, "group_uuid", groups); err != nil {
			return err
		}
		id = u.ID
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, u.Ref(), racd.Diff(nil, userFields(u, sortedCopy(groups))))
	})
	if err != nil {
		return nil, err
	}
	return s.GetUser(ctx, id)
}

// superuserGroup returns the bootstrap superuser group, creating it when missing.
func (s *Store) superuserGroup(ctx context.Context, c conn) (string, error) {
	var id string
	err := c.queryRow(ctx, "SELECT CAST(uuid AS TEXT) FROM groups WHERE name = $1", racd.BootstrapGroupName).Scan(&id)
	if err == sql.ErrNoRows {
		id = s.newUUID()
		_, err = c.exec(ctx, `INSERT INTO groups (uuid, num_pk, name, is_superuser)
			VALUES ($1, (SELECT coalesce(max(num_pk), 1000) + 1 FROM groups), $2, TRUE)`, id, racd.BootstrapGroupName)
	}
	return id, err
}

func (s *Store) lockRow(ctx context.Context, c conn, table, where string, arg any) error {
	q := "SELECT 1 FROM " + table + " x WHERE " + where + s.d.forUpdate("x")
	var one int
	return classify(c.queryRow(ctx, q, arg).Scan(&one))
}

// UpdateUser implements racd.IdentityStore.
func (s *Store) UpdateUser(ctx context.Context, id int64, in *racd.UserInput, a racd.Audit) (*racd.User, error) {
	err := s.write(ctx, func(c conn) error {
		if err := s.lockRow(ctx, c, "users", "id = $1", id); err != nil {
			return err
		}
		u, err := s.getUser(ctx, c, "u.id = $1", id)
		if err != nil {
			return err
		}
		before := *u
		beforeGroups := userGroupUUIDs(u)
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(u, false)
		if err := s.checkUserInput(ctx, c, &inCopy, u, id); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.UserFields)
			return &inCopy.Errors
		}
		if _, err := c.exec(ctx, `UPDATE users SET username = $1, name = $2, email = $3, is_active = $4, path = $5, type = $6, attributes = $7 WHERE id = $8`,
			u.Username, u.Name, u.Email, u.IsActive, u.Path, u.Type, string(u.Attributes), id); err != nil {
			return err
		}
		groups := beforeGroups
		if inCopy.Groups.Set {
			groups = inputGroupUUIDs(&inCopy)
			if !sameStrings(groups, beforeGroups) {
				if _, err := c.exec(ctx, "DELETE FROM group_users WHERE user_id = $1", id); err != nil {
					return err
				}
				if err := s.setLinks(ctx, c, "group_users", "user_id", id, "group_uuid", groups); err != nil {
					return err
				}
			}
		}
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, u.Ref(), racd.Diff(userFields(&before, beforeGroups), userFields(u, groups)))
	})
	if err != nil {
		return nil, err
	}
	return s.GetUser(ctx, id)
}

// DeleteUser implements racd.IdentityStore; tokens, connection tokens, memberships and
// grants go with the user.
func (s *Store) DeleteUser(ctx context.Context, id int64, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		u, err := s.getUser(ctx, c, "u.id = $1", id)
		if err != nil {
			return err
		}
		return s.deleteObject(ctx, c, "users", "id", id, u.Ref(), userFields(u, userGroupUUIDs(u)), a)
	})
}

// UserUsedBy implements racd.IdentityStore: the user's tokens and connection tokens.
func (s *Store) UserUsedBy(ctx context.Context, id int64, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, id, vis, tokensWhere("t.user_id = $1"), connectionTokensWhere("ct.user_id = $1"))
}

// ---- groups ----

func (s *Store) groupCols() string {
	d := s.d
	member := d.jsonObject("pk", "mu.id", "uuid", "CAST(mu.uuid AS TEXT)", "username", "mu.username", "name", "mu.name", "is_active", "mu.is_active",
		"last_login", "mu.last_login", "email", "mu.email", "attributes", d.jsonText("mu.attributes"))
	role := d.jsonObject("pk", "CAST(r.uuid AS TEXT)", "name", "r.name")
	return "CAST(g.uuid AS TEXT), g.num_pk, g.name, g.is_superuser, CAST(g.parent_uuid AS TEXT), coalesce(gp.name, ''), g.attributes, " +
		d.jsonObjects(member, "group_users gu JOIN users mu ON mu.id = gu.user_id WHERE gu.group_uuid = g.uuid", "mu.id") + ", " +
		d.jsonObjects(role, "group_roles gr JOIN roles r ON r.uuid = gr.role_uuid WHERE gr.group_uuid = g.uuid", "r.name")
}

const groupJoins = " LEFT JOIN groups gp ON gp.uuid = g.parent_uuid "

type memberJSON struct {
	PK         int64           `json:"pk"`
	UUID       string          `json:"uuid"`
	Username   string          `json:"username"`
	Name       string          `json:"name"`
	IsActive   flexBool        `json:"is_active"`
	LastLogin  *int64          `json:"last_login"`
	Email      string          `json:"email"`
	Attributes json.RawMessage `json:"attributes"`
}

func scanGroup(sc interface{ Scan(...any) error }, extra ...any) (*racd.Group, error) {
	var (
		g              racd.Group
		parent         sql.NullString
		attrs          []byte
		members, roles []byte
	)
	dest := []any{&g.UUID, &g.NumPK, &g.Name, &g.IsSuperuser, &parent, &g.ParentName, &attrs, &members, &roles}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	g.Parent = parent.String
	g.Attributes = json.RawMessage(attrs)
	var ms []memberJSON
	if err := json.Unmarshal(members, &ms); err != nil {
		return nil, fmt.Errorf("group %s: members: %w", g.UUID, err)
	}
	g.Users = make([]int64, len(ms))
	g.Members = make([]racd.GroupMember, len(ms))
	for i, m := range ms {
		g.Users[i] = m.PK
		gm := racd.GroupMember{ID: m.PK, UUID: m.UUID, Username: m.Username, Name: m.Name, IsActive: bool(m.IsActive), Email: m.Email, Attributes: m.Attributes}
		if m.LastLogin != nil {
			t := fromMicros(*m.LastLogin)
			gm.LastLogin = &t
		}
		g.Members[i] = gm
	}
	var rs []struct {
		PK   string `json:"pk"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(roles, &rs); err != nil {
		return nil, fmt.Errorf("group %s: roles: %w", g.UUID, err)
	}
	g.RoleObjs = make([]racd.Role, len(rs))
	g.Roles = make([]string, len(rs))
	for i, r := range rs {
		g.RoleObjs[i] = racd.Role{UUID: r.PK, Name: r.Name}
		g.Roles[i] = r.PK
	}
	g.Roles = sortedCopy(g.Roles)
	return &g, nil
}

func (s *Store) getGroup(ctx context.Context, c conn, uuid string) (*racd.Group, error) {
	g, err := scanGroup(c.queryRow(ctx, "SELECT "+s.groupCols()+" FROM groups g"+groupJoins+"WHERE g.uuid = $1", uuid))
	return g, classify(err)
}

// GetGroup implements racd.IdentityStore.
func (s *Store) GetGroup(ctx context.Context, uuid string) (*racd.Group, error) {
	return s.getGroup(ctx, s.read(), uuid)
}

var groupOrderCols = map[string]string{"pk": "g.uuid", "name": "g.name", "is_superuser": "g.is_superuser", "num_pk": "g.num_pk"}

// ListGroups implements racd.IdentityStore.
func (s *Store) ListGroups(ctx context.Context, q racd.GroupQuery) ([]*racd.Group, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "g.name")
	if q.Name != nil {
		b.and("g.name = " + b.arg(*q.Name))
	}
	if q.IsSuperuser != nil {
		b.and("g.is_superuser = " + b.arg(*q.IsSuperuser))
	}
	if len(q.MemberIDs) > 0 {
		b.and("EXISTS (SELECT 1 FROM group_users fu WHERE fu.group_uuid = g.uuid AND " + s.d.in("fu.user_id", b.arg(s.d.listArg(q.MemberIDs)), intKey) + ")")
	}
	b.visible("g.uuid", uuidKey, q.Visible)
	order := orderSQL(q.Ordering, groupOrderCols, []racd.OrderTerm{{Field: "name"}}, "g.uuid")
	return listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "groups", "g", "") },
		func(limit, offset int) string {
			return pageSQL(b, "groups", "g", "uuid", "", "", order, s.groupCols(), groupJoins, limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.Group, error) { return scanGroup(rows, count) })
}

func (s *Store) checkGroupInput(ctx context.Context, c conn, in *racd.GroupInput, g *racd.Group, self string) error {
	b := &qb{d: s.d}
	var checks []refCheck
	checkName := in.Name.Set && !in.Errors.Has("name")
	if checkName {
		checks = append(checks, refCheck{"name", "SELECT 'name', '' FROM groups WHERE name = " + b.arg(g.Name) + " AND CAST(uuid AS TEXT) <> " + b.arg(self)})
	}
	checkParent := in.Parent.Set && !in.Errors.Has("parent") && g.Parent != ""
	if checkParent {
		checks = append(checks, refCheck{"parent", "SELECT 'parent', CAST(uuid AS TEXT) FROM groups WHERE uuid = " + b.arg(g.Parent)})
	}
	checkUsers := in.Users.Set && !in.Errors.Has("users") && len(g.Users) > 0
	if checkUsers {
		checks = append(checks, refCheck{"user", "SELECT 'user', CAST(id AS TEXT) FROM users WHERE " + s.d.in("id", b.arg(s.d.listArg(g.Users)), intKey)})
	}
	checkRoles := in.Roles.Set && !in.Errors.Has("roles") && len(g.Roles) > 0
	if checkRoles {
		checks = append(checks, refCheck{"role", "SELECT 'role', CAST(uuid AS TEXT) FROM roles WHERE " + s.d.in("uuid", b.arg(s.d.listArg(g.Roles)), uuidKey)})
	}
	found, err := s.runChecks(ctx, c, b, checks)
	if err != nil {
		return err
	}
	if checkName && found["name:"] {
		in.Errors.Add("name", racd.MsgUniqueField)
	}
	if checkParent && !found["parent:"+g.Parent] {
		in.Errors.Add("parent", racd.MsgDoesNotExist(in.Parent.V.Raw))
	}
	if checkUsers {
		for _, r := range in.Users.V {
			if !found["user:"+strconv.FormatInt(r.ID, 10)] {
				in.Errors.Add("users", racd.MsgDoesNotExist(r.Raw))
				break
			}
		}
	}
	if checkRoles {
		for _, r := range in.Roles.V {
			if !found["role:"+r.ID] {
				in.Errors.Add("roles", racd.MsgDoesNotExist(r.Raw))
				break
			}
		}
	}
	return nil
}

func groupFields(g *racd.Group) []racd.Field {
	users := make([]string, len(g.Users))
	for i, u := range g.Users {
		users[i] = strconv.FormatInt(u, 10)
	}
	var parent any
	if g.Parent != "" {
		parent = g.Parent
	}
	return []racd.Field{
		{Name: "name", Value: g.Name}, {Name: "is_superuser", Value: g.IsSuperuser}, {Name: "parent", Value: parent},
		{Name: "users", Value: users}, {Name: "attributes", Value: racd.RawJSON(g.Attributes)}, {Name: "roles", Value: sortedCopy(g.Roles)},
	}
}

func (s *Store) setGroupLinks(ctx context.Context, c conn, g *racd.Group, before *racd.Group, in *racd.GroupInput) error {
	if in.Users.Set && (before == nil || !sameInts(before.Users, g.Users)) {
		if before != nil {
			if _, err := c.exec(ctx, "DELETE FROM group_users WHERE group_uuid = $1", g.UUID); err != nil {
				return err
			}
		}
		if err := s.setLinksInt(ctx, c, g.UUID, g.Users); err != nil {
			return err
		}
	}
	if in.Roles.Set && (before == nil || !sameStrings(sortedCopy(before.Roles), sortedCopy(g.Roles))) {
		if before != nil {
			if _, err := c.exec(ctx, "DELETE FROM group_roles WHERE group_uuid = $1", g.UUID); err != nil {
				return err
			}
		}
		if err := s.setLinks(ctx, c, "group_roles", "group_uuid", g.UUID, "role_uuid", g.Roles); err != nil {
			return err
		}
	}
	return nil
}

// setLinksInt inserts group_users rows for integer user ids.
func (s *Store) setLinksInt(ctx context.Context, c conn, group string, users []int64) error {
	if len(users) == 0 {
		return nil
	}
	b := &qb{d: s.d}
	g := b.arg(group)
	vals := make([]string, len(users))
	for i, u := range users {
		vals[i] = "(" + g + ", " + b.arg(u) + ")"
	}
	_, err := c.exec(ctx, "INSERT INTO group_users (group_uuid, user_id) VALUES "+strings.Join(vals, ", "), b.args...)
	return err
}

func sameInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// CreateGroup implements racd.IdentityStore.
func (s *Store) CreateGroup(ctx context.Context, in *racd.GroupInput, a racd.Audit) (*racd.Group, error) {
	var id string
	err := s.write(ctx, func(c conn) error {
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		g := &racd.Group{Attributes: racd.EmptyObject, Users: []int64{}, Roles: []string{}}
		inCopy.Apply(g)
		if err := s.checkGroupInput(ctx, c, &inCopy, g, ""); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.GroupFields)
			return &inCopy.Errors
		}
		g.UUID = s.newUUID()
		if _, err := c.exec(ctx, `INSERT INTO groups (uuid, num_pk, name, is_superuser, parent_uuid, attributes)
			VALUES ($1, (SELECT coalesce(max(num_pk), 1000) + 1 FROM groups), $2, $3, $4, $5)`,
			g.UUID, g.Name, g.IsSuperuser, nullString(g.Parent), string(g.Attributes)); err != nil {
			return err
		}
		if err := s.setGroupLinks(ctx, c, g, nil, &inCopy); err != nil {
			return err
		}
		id = g.UUID
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, g.Ref(), racd.Diff(nil, groupFields(g)))
	})
	if err != nil {
		return nil, err
	}
	return s.GetGroup(ctx, id)
}

// UpdateGroup implements racd.IdentityStore.
func (s *Store) UpdateGroup(ctx context.Context, uuid string, in *racd.GroupInput, a racd.Audit) (*racd.Group, error) {
	err := s.write(ctx, func(c conn) error {
		if err := s.lockRow(ctx, c, "groups", "uuid = $1", uuid); err != nil {
			return err
		}
		g, err := s.getGroup(ctx, c, uuid)
		if err != nil {
			return err
		}
		before := *g
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(g)
		if err := s.checkGroupInput(ctx, c, &inCopy, g, uuid); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.GroupFields)
			return &inCopy.Errors
		}
		if _, err := c.exec(ctx, `UPDATE groups SET name = $1, is_superuser = $2, parent_uuid = $3, attributes = $4 WHERE uuid = $5`,
			g.Name, g.IsSuperuser, nullString(g.Parent), string(g.Attributes), uuid); err != nil {
			return err
		}
		if err := s.setGroupLinks(ctx, c, g, &before, &inCopy); err != nil {
			return err
		}
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, g.Ref(), racd.Diff(groupFields(&before), groupFields(g)))
	})
	if err != nil {
		return nil, err
	}
	return s.GetGroup(ctx, uuid)
}

// DeleteGroup implements racd.IdentityStore; child groups lose their parent.
func (s *Store) DeleteGroup(ctx context.Context, uuid string, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		g, err := s.getGroup(ctx, c, uuid)
		if err != nil {
			return err
		}
		return s.deleteObject(ctx, c, "groups", "uuid", uuid, g.Ref(), groupFields(g), a)
	})
}

// GroupUsedBy implements racd.IdentityStore: child groups (set_null).
func (s *Store) GroupUsedBy(ctx context.Context, uuid string, vis func(perm string) racd.Visibility) ([]racd.UsedBy, error) {
	return s.usedBy(ctx, uuid, vis, groupsWhere("cg.parent_uuid = $1", racd.ActionSetNull))
}

// SetGroupMember implements racd.IdentityStore.
func (s *Store) SetGroupMember(ctx context.Context, uuid string, userID int64, member bool, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		g, err := s.getGroup(ctx, c, uuid)
		if err != nil {
			return err
		}
		var one int
		if err := c.queryRow(ctx, "SELECT 1 FROM users WHERE id = $1", userID).Scan(&one); err != nil {
			return classify(err)
		}
		before := groupFields(g)
		if member {
			_, err = c.exec(ctx, "INSERT INTO group_users (group_uuid, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", uuid, userID)
		} else {
			_, err = c.exec(ctx, "DELETE FROM group_users WHERE group_uuid = $1 AND user_id = $2", uuid, userID)
		}
		if err != nil {
			return err
		}
		after, err := s.getGroup(ctx, c, uuid)
		if err != nil {
			return err
		}
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, g.Ref(), racd.Diff(before, groupFields(after)))
	})
}

// ---- roles ----

// GetRole implements racd.IdentityStore.
func (s *Store) GetRole(ctx context.Context, uuid string) (*racd.Role, error) {
	return s.getRole(ctx, s.read(), uuid)
}

func (s *Store) getRole(ctx context.Context, c conn, uuid string) (*racd.Role, error) {
	var r racd.Role
	err := c.queryRow(ctx, "SELECT CAST(uuid AS TEXT), name FROM roles WHERE uuid = $1", uuid).Scan(&r.UUID, &r.Name)
	if err != nil {
		return nil, classify(err)
	}
	return &r, nil
}

// ListRoles implements racd.IdentityStore.
func (s *Store) ListRoles(ctx context.Context, q racd.RoleQuery) ([]*racd.Role, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "r.name")
	if q.GroupName != nil {
		b.and("EXISTS (SELECT 1 FROM group_roles fgr JOIN groups fg ON fg.uuid = fgr.group_uuid WHERE fgr.role_uuid = r.uuid AND fg.name = " + b.arg(*q.GroupName) + ")")
	}
	b.visible("r.uuid", uuidKey, q.Visible)
	order := orderSQL(q.Ordering, map[string]string{"pk": "r.uuid", "name": "r.name"}, []racd.OrderTerm{{Field: "name"}}, "r.uuid")
	return listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "roles", "r", "") },
		func(limit, offset int) string {
			return pageSQL(b, "roles", "r", "uuid", "", "", order, "CAST(r.uuid AS TEXT), r.name", "", limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.Role, error) {
			var r racd.Role
			return &r, rows.Scan(&r.UUID, &r.Name, count)
		})
}

func (s *Store) saveRole(ctx context.Context, uuid string, in *racd.RoleInput, a racd.Audit) (*racd.Role, error) {
	var out *racd.Role
	err := s.write(ctx, func(c conn) error {
		r := &racd.Role{}
		var before *racd.Role
		if uuid != "" {
			if err := s.lockRow(ctx, c, "roles", "uuid = $1", uuid); err != nil {
				return err
			}
			cur, err := s.getRole(ctx, c, uuid)
			if err != nil {
				return err
			}
			b := *cur
			before, r = &b, cur
		}
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(r)
		if inCopy.Name.Set && !inCopy.Errors.Has("name") {
			var n int
			if err := c.queryRow(ctx, "SELECT count(*) FROM roles WHERE name = $1 AND CAST(uuid AS TEXT) <> $2", r.Name, uuid).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				inCopy.Errors.Add("name", racd.MsgUnique("role", "name"))
			}
		}
		if !inCopy.Errors.Empty() {
			return &inCopy.Errors
		}
		out = r
		if before == nil {
			r.UUID = s.newUUID()
			if _, err := c.exec(ctx, "INSERT INTO roles (uuid, name) VALUES ($1, $2)", r.UUID, r.Name); err != nil {
				return err
			}
			return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, r.Ref(), racd.Diff(nil, roleFields(r)))
		}
		if _, err := c.exec(ctx, "UPDATE roles SET name = $1 WHERE uuid = $2", r.Name, uuid); err != nil {
			return err
		}
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, r.Ref(), racd.Diff(roleFields(before), roleFields(r)))
	})
	return out, err
}

// CreateRole implements racd.IdentityStore.
func (s *Store) CreateRole(ctx context.Context, in *racd.RoleInput, a racd.Audit) (*racd.Role, error) {
	return s.saveRole(ctx, "", in, a)
}

// UpdateRole implements racd.IdentityStore.
func (s *Store) UpdateRole(ctx context.Context, uuid string, in *racd.RoleInput, a racd.Audit) (*racd.Role, error) {
	return s.saveRole(ctx, uuid, in, a)
}

// DeleteRole implements racd.IdentityStore; its grants and group links go with it.
func (s *Store) DeleteRole(ctx context.Context, uuid string, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		r, err := s.getRole(ctx, c, uuid)
		if err != nil {
			return err
		}
		return s.deleteObject(ctx, c, "roles", "uuid", uuid, r.Ref(), roleFields(r), a)
	})
}

// ---- tokens ----

const tokenCols = "CAST(t.uuid AS TEXT), coalesce(t.managed, ''), t.identifier, t.intent, t.user_id, t.description, t.expires, t.expiring"

func scanToken(sc interface{ Scan(...any) error }, extra ...any) (*racd.Token, error) {
	var (
		t       racd.Token
		expires sql.NullInt64
	)
	if err := sc.Scan(append([]any{&t.UUID, &t.Managed, &t.Identifier, &t.Intent, &t.UserID, &t.Description, &expires, &t.Expiring}, extra...)...); err != nil {
		return nil, err
	}
	if expires.Valid {
		e := fromMicros(expires.Int64)
		t.Expires = &e
	}
	return &t, nil
}

// attachOwners loads the owners of tokens in one query.
func (s *Store) attachOwners(ctx context.Context, c conn, ts []*racd.Token) error {
	ids := make([]int64, 0, len(ts))
	for _, t := range ts {
		ids = append(ids, t.UserID)
	}
	users, err := s.usersByID(ctx, c, ids)
	if err != nil {
		return err
	}
	for _, t := range ts {
		t.User = users[t.UserID]
	}
	return nil
}

func (s *Store) getToken(ctx context.Context, c conn, identifier string) (*racd.Token, error) {
	t, err := scanToken(c.queryRow(ctx, "SELECT "+tokenCols+" FROM tokens t WHERE t.identifier = $1", identifier))
	if err != nil {
		return nil, classify(err)
	}
	return t, nil
}

// GetToken implements racd.IdentityStore.
func (s *Store) GetToken(ctx context.Context, identifier string) (*racd.Token, error) {
	c := s.read()
	t, err := s.getToken(ctx, c, identifier)
	if err != nil {
		return nil, err
	}
	return t, s.attachOwners(ctx, c, []*racd.Token{t})
}

var tokenOrderCols = map[string]string{
	"pk": "t.uuid", "identifier": "t.identifier", "intent": "t.intent", "user": "t.user_id", "description": "t.description",
	"expires": "t.expires", "expiring": "t.expiring", "managed": "t.managed",
}

// ListTokens implements racd.IdentityStore.
func (s *Store) ListTokens(ctx context.Context, q racd.TokenQuery) ([]*racd.Token, int, error) {
	b := &qb{d: s.d}
	b.search(q.Search, "t.identifier", "t.intent", "t.description", "(SELECT su.username FROM users su WHERE su.id = t.user_id)")
	if q.OwnerID != nil {
		b.and("t.user_id = " + b.arg(*q.OwnerID))
	}
	for _, f := range []struct {
		col string
		v   *string
	}{{"t.identifier", q.Identifier}, {"t.intent", q.Intent}, {"t.description", q.Description}, {"t.managed", q.Managed}} {
		if f.v != nil {
			b.and(f.col + " = " + b.arg(*f.v))
		}
	}
	if q.UserUsername != nil {
		b.and("t.user_id IN (SELECT fu.id FROM users fu WHERE fu.username = " + b.arg(*q.UserUsername) + ")")
	}
	if q.Expiring != nil {
		b.and("t.expiring = " + b.arg(*q.Expiring))
	}
	order := orderSQL(q.Ordering, tokenOrderCols, []racd.OrderTerm{{Field: "identifier"}, {Field: "expires"}}, "t.uuid")
	ts, n, err := listPage(ctx, s, q.ListQuery, b,
		func() string { return countSQL(b, "tokens", "t", "") },
		func(limit, offset int) string {
			return pageSQL(b, "tokens", "t", "uuid", "", "", order, tokenCols, "", limit, offset)
		},
		func(rows *sql.Rows, count *int) (*racd.Token, error) { return scanToken(rows, count) })
	if err != nil {
		return nil, 0, err
	}
	return ts, n, s.attachOwners(ctx, s.read(), ts)
}

func (s *Store) checkTokenInput(ctx context.Context, c conn, in *racd.TokenInput, t *racd.Token, self string) error {
	b := &qb{d: s.d}
	var checks []refCheck
	checkID := in.Identifier.Set && !in.Errors.Has("identifier")
	if checkID {
		checks = append(checks, refCheck{"identifier", "SELECT 'identifier', '' FROM tokens WHERE identifier = " + b.arg(t.Identifier) + " AND CAST(uuid AS TEXT) <> " + b.arg(self)})
	}
	checkManaged := in.Managed.Set && !in.Errors.Has("managed") && t.Managed != ""
	if checkManaged {
		checks = append(checks, refCheck{"managed", "SELECT 'managed', '' FROM tokens WHERE managed = " + b.arg(t.Managed) + " AND CAST(uuid AS TEXT) <> " + b.arg(self)})
	}
	checkUser := in.User.Set && !in.Errors.Has("user")
	if checkUser {
		checks = append(checks, refCheck{"user", "SELECT 'user', '' FROM users WHERE id = " + b.arg(t.UserID)})
	}
	found, err := s.runChecks(ctx, c, b, checks)
	if err != nil {
		return err
	}
	if checkManaged && found["managed:"] {
		in.Errors.Add("managed", racd.MsgUnique("token", "Managed by authentik"))
	}
	if checkID && found["identifier:"] {
		in.Errors.Add("identifier", racd.MsgUnique("token", "identifier"))
	}
	if checkUser && !found["user:"] {
		in.Errors.Add("user", racd.MsgDoesNotExist(in.User.V.Raw))
	}
	return nil
}

func tokenFields(t *racd.Token) []racd.Field {
	var expires, managed any
	if t.Expires != nil {
		expires = t.Expires.UTC().Format(time.RFC3339Nano)
	}
	if t.Managed != "" {
		managed = t.Managed
	}
	return []racd.Field{
		{Name: "managed", Value: managed}, {Name: "identifier", Value: t.Identifier}, {Name: "intent", Value: t.Intent},
		{Name: "user", Value: t.UserID}, {Name: "description", Value: t.Description}, {Name: "expires", Value: expires},
		{Name: "expiring", Value: t.Expiring},
	}
}

func microsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// CreateToken implements racd.IdentityStore. Without expires, the token expires
// racd.DefaultTokenLifetime from now (authentik's default).
func (s *Store) CreateToken(ctx context.Context, in *racd.TokenInput, key racd.SealedKey, a racd.Audit) (*racd.Token, error) {
	var ident string
	err := s.write(ctx, func(c conn) error {
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		exp := s.now().UTC().Add(racd.DefaultTokenLifetime).Truncate(time.Microsecond)
		t := &racd.Token{Intent: racd.IntentAPI, Expiring: true, Expires: &exp}
		inCopy.Apply(t)
		if err := s.checkTokenInput(ctx, c, &inCopy, t, ""); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.TokenFields)
			return &inCopy.Errors
		}
		t.UUID = s.newUUID()
		if _, err := c.exec(ctx, `INSERT INTO tokens (uuid, identifier, key_hash, key_sealed, intent, user_id, description, expiring, expires, managed)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			t.UUID, t.Identifier, key.Hash, key.Ciphertext, t.Intent, t.UserID, t.Description, t.Expiring, microsPtr(t.Expires), nullString(t.Managed)); err != nil {
			return err
		}
		ident = t.Identifier
		return s.recordModelEvent(ctx, c, racd.EventModelCreated, a, t.Ref(), racd.Diff(nil, tokenFields(t)))
	})
	if err != nil {
		return nil, err
	}
	return s.GetToken(ctx, ident)
}

// UpdateToken implements racd.IdentityStore.
func (s *Store) UpdateToken(ctx context.Context, identifier string, in *racd.TokenInput, a racd.Audit) (*racd.Token, error) {
	var ident string
	err := s.write(ctx, func(c conn) error {
		if err := s.lockRow(ctx, c, "tokens", "identifier = $1", identifier); err != nil {
			return err
		}
		t, err := s.getToken(ctx, c, identifier)
		if err != nil {
			return err
		}
		before := *t
		inCopy := *in
		inCopy.Errors = in.Errors.Clone()
		inCopy.Apply(t)
		if err := s.checkTokenInput(ctx, c, &inCopy, t, t.UUID); err != nil {
			return err
		}
		if !inCopy.Errors.Empty() {
			inCopy.Errors.SortBy(racd.TokenFields)
			return &inCopy.Errors
		}
		if _, err := c.exec(ctx, `UPDATE tokens SET identifier = $1, intent = $2, user_id = $3, description = $4, expiring = $5, expires = $6, managed = $7 WHERE uuid = $8`,
			t.Identifier, t.Intent, t.UserID, t.Description, t.Expiring, microsPtr(t.Expires), nullString(t.Managed), t.UUID); err != nil {
			return err
		}
		ident = t.Identifier
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, t.Ref(), racd.Diff(tokenFields(&before), tokenFields(t)))
	})
	if err != nil {
		return nil, err
	}
	return s.GetToken(ctx, ident)
}

// DeleteToken implements racd.IdentityStore.
func (s *Store) DeleteToken(ctx context.Context, identifier string, a racd.Audit) error {
	return s.write(ctx, func(c conn) error {
		t, err := s.getToken(ctx, c, identifier)
		if err != nil {
			return err
		}
		return s.deleteObject(ctx, c, "tokens", "uuid", t.UUID, t.Ref(), tokenFields(t), a)
	})
}

// TokenKey implements racd.IdentityStore.
func (s *Store) TokenKey(ctx context.Context, identifier string, a racd.Audit) ([]byte, error) {
	var sealed []byte
	err := s.write(ctx, func(c conn) error {
		t, err := s.getToken(ctx, c, identifier)
		if err != nil {
			return err
		}
		if err := c.queryRow(ctx, "SELECT key_sealed FROM tokens WHERE uuid = $1", t.UUID).Scan(&sealed); err != nil {
			return err
		}
		ref := t.Ref()
		return s.insertEvent(ctx, c, &racd.Event{
			Action: racd.EventSecretView, User: a.User, Request: a.Request, ClientIP: a.Request.ClientIP,
			Extra: map[string]any{"secret": map[string]any{"app": ref.App, "model_name": ref.ModelName, "pk": ref.PK, "name": ref.Name}},
		})
	})
	return sealed, err
}

// ---- permissions ----

func (s *Store) holderTable(h racd.PermissionHolder) (table, col string, key any, ref racd.ObjectRef) {
	if h.RoleUUID != "" {
		return "role_permissions", "role_uuid", h.RoleUUID, racd.RoleModel.Ref(h.RoleUUID, "")
	}
	return "user_permissions", "user_id", h.UserID, racd.UserModel.Ref(strconv.FormatInt(h.UserID, 10), "")
}

func (s *Store) changePermissions(ctx context.Context, h racd.PermissionHolder, perms []string, objectPK string, assign bool, a racd.Audit) error {
	table, col, key, ref := s.holderTable(h)
	return s.write(ctx, func(c conn) error {
		var name string
		q := "SELECT username FROM users WHERE id = $1"
		if h.RoleUUID != "" {
			q = "SELECT name FROM roles WHERE uuid = $1"
		}
		if err := c.queryRow(ctx, q, key).Scan(&name); err != nil {
			return classify(err)
		}
		ref.Name = name
		if h.RoleUUID != "" {
			ref.Name = racd.RoleModel.Titled(name)
		}
		for _, p := range perms {
			var err error
			if assign {
				_, err = c.exec(ctx, "INSERT INTO "+table+" ("+col+", permission, object_pk) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", key, p, objectPK)
			} else {
				_, err = c.exec(ctx, "DELETE FROM "+table+" WHERE "+col+" = $1 AND permission = $2 AND object_pk = $3", key, p, objectPK)
			}
			if err != nil {
				return err
			}
		}
		grant := map[string]any{"permissions": perms, "object_pk": objectPK}
		var diff []racd.Change
		if assign {
			diff = []racd.Change{{Field: "assigned_permissions", Previous: nil, New: grant}}
		} else {
			diff = []racd.Change{{Field: "unassigned_permissions", Previous: grant, New: nil}}
		}
		return s.recordModelEvent(ctx, c, racd.EventModelUpdated, a, ref, diff)
	})
}

// AssignPermissions implements racd.IdentityStore.
func (s *Store) AssignPermissions(ctx context.Context, h racd.PermissionHolder, perms []string, objectPK string, a racd.Audit) error {
	return s.changePermissions(ctx, h, perms, objectPK, true, a)
}

// UnassignPermissions implements racd.IdentityStore.
func (s *Store) UnassignPermissions(ctx context.Context, h racd.PermissionHolder, perms []string, objectPK string, a racd.Audit) error {
	return s.changePermissions(ctx, h, perms, objectPK, false, a)
}

// objectTables maps a model ("app.model") to its table and key kind.
var objectTables = map[string]struct {
	table, col string
	key        keyKind
}{
	"authentik_providers_rac.racprovider":        {"providers", "id", intKey},
	"authentik_providers_rac.endpoint":           {"endpoints", "uuid", uuidKey},
	"authentik_providers_rac.connectiontoken":    {"connection_tokens", "uuid", uuidKey},
	"authentik_providers_rac.racpropertymapping": {"property_mappings", "uuid", uuidKey},
	"authentik_flows.flow":                       {"flows", "uuid", uuidKey},
	"authentik_core.application":                 {"applications", "uuid", uuidKey},
	"authentik_outposts.outpost":                 {"outposts", "uuid", uuidKey},
	"authentik_core.user":                        {"users", "id", intKey},
	"authentik_core.group":                       {"groups", "uuid", uuidKey},
	"authentik_core.token":                       {"tokens", "uuid", uuidKey},
	"authentik_rbac.role":                        {"roles", "uuid", uuidKey},
	"authentik_events.event":                     {"events", "uuid", uuidKey},
}

// ObjectExists implements racd.IdentityStore.
func (s *Store) ObjectExists(ctx context.Context, model, pk string) (string, bool, error) {
	t, ok := objectTables[model]
	if !ok {
		return "", false, nil
	}
	var arg any
	canonical := ""
	if t.key == intKey {
		n, err := strconv.ParseInt(strings.TrimSpace(pk), 10, 64)
		if err != nil {
			return "", false, nil
		}
		arg, canonical = n, strconv.FormatInt(n, 10)
	} else {
		id, ok := racd.ParseUUID(pk)
		if !ok {
			return "", false, nil
		}
		arg, canonical = id, id
	}
	var one int
	err := s.read().queryRow(ctx, "SELECT 1 FROM "+t.table+" WHERE "+t.col+" = $1", arg).Scan(&one)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	if err != nil {
		return "", false, classify(err)
	}
	return canonical, true, nil
}

func roleFields(r *racd.Role) []racd.Field { return []racd.Field{{Name: "name", Value: r.Name}} }
