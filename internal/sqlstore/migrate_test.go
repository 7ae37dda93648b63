package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/racd/racd/internal/storetest"
)

// TestMigrationFilesMatch keeps the dialects in step: the same numbered files on both.
func TestMigrationFilesMatch(t *testing.T) {
	names := map[string][]string{}
	for _, d := range []string{"sqlite", "postgres"} {
		entries, err := fs.ReadDir(migrationFS, path.Join("migrations", d))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names[d] = append(names[d], e.Name())
		}
		if _, err := Migrations(d); err != nil {
			t.Fatalf("%s migrations: %v", d, err)
		}
	}
	if len(names["sqlite"]) == 0 || fmt.Sprint(names["sqlite"]) != fmt.Sprint(names["postgres"]) {
		t.Fatalf("migration files differ:\n sqlite   %v\n postgres %v", names["sqlite"], names["postgres"])
	}
}

func TestSplitStatements(t *testing.T) {
	got := splitStatements("-- comment\nCREATE TABLE a (\n  x INT\n);\n\nCREATE INDEX i ON a (x);\nSELECT 1")
	want := []string{"CREATE TABLE a (\n  x INT\n);", "CREATE INDEX i ON a (x);", "SELECT 1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("split: %q", got)
	}
}

func appliedVersions(t *testing.T, s *Store) map[int]int {
	t.Helper()
	rows, err := s.rw.Query("SELECT version, count(*) FROM schema_migrations GROUP BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]int{}
	for rows.Next() {
		var v, n int
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		out[v] = n
	}
	return out
}

// TestMigrateTwice: a second run applies nothing and the status is current.
func TestMigrateTwice(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, storetest.URL(t, backend), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			st, err := s.Status(ctx)
			if err != nil || st.Current != 0 || st.Latest < 1 {
				t.Fatalf("status of an empty database: %+v %v", st, err)
			}
			first, err := s.Migrate(ctx)
			if err != nil || len(first) != st.Latest {
				t.Fatalf("first migrate applied %d of %d: %v", len(first), st.Latest, err)
			}
			again, err := s.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("second migrate applied %v: %v", again, err)
			}
			st, err = s.Status(ctx)
			if err != nil || st.Current != st.Latest {
				t.Fatalf("status after migrate: %+v %v", st, err)
			}
			for v, n := range appliedVersions(t, s) {
				if n != 1 || v < 1 || v > st.Latest {
					t.Fatalf("schema_migrations: version %d recorded %d times", v, n)
				}
			}
		})
	}
}

// TestConcurrentMigrate: five replicas migrating one empty database at once apply
// every migration exactly once between them.
func TestConcurrentMigrate(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dbURL := storetest.URL(t, backend)
			const n = 5
			stores := make([]*Store, n)
			for i := range stores {
				s, err := Open(ctx, dbURL, Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				stores[i] = s
			}
			var wg sync.WaitGroup
			applied := make([][]Migration, n)
			errs := make([]error, n)
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					applied[i], errs[i] = s.Migrate(ctx)
				}()
			}
			wg.Wait()
			total := 0
			for i := range stores {
				if errs[i] != nil {
					t.Fatalf("replica %d: %v", i, errs[i])
				}
				total += len(applied[i])
			}
			ms, _ := Migrations(stores[0].Dialect())
			if total != len(ms) {
				t.Fatalf("replicas report %d migrations applied, want %d in all", total, len(ms))
			}
			got := appliedVersions(t, stores[0])
			if len(got) != len(ms) {
				t.Fatalf("schema_migrations has %d versions, want %d", len(got), len(ms))
			}
			for v, c := range got {
				if c != 1 {
					t.Fatalf("version %d recorded %d times", v, c)
				}
			}
		})
	}
}

// TestSchemaTooNew: a database migrated by a newer racd is refused.
func TestSchemaTooNew(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := openMigrated(t, storetest.URL(t, backend))
			if _, err := s.rw.Exec(mustBind(s.d, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)"), 999); err != nil {
				t.Fatal(err)
			}
			_, err := s.Migrate(context.Background())
			if !errors.Is(err, ErrSchemaTooNew) {
				t.Fatalf("migrate on a newer schema: %v, want ErrSchemaTooNew", err)
			}
			st, err := s.Status(context.Background())
			if err != nil || st.Current != 999 {
				t.Fatalf("status: %+v %v", st, err)
			}
		})
	}
}

// schemaColumns lists "table.column (null|not null)" of every table a migrated store
// holds, sorted, from the database's own catalog.
func schemaColumns(t *testing.T, s *Store) []string {
	t.Helper()
	q := `SELECT table_name, column_name, is_nullable = 'YES' FROM information_schema.columns WHERE table_schema = current_schema()`
	if s.d.sqlite() {
		// SQLite reports INTEGER PRIMARY KEY columns as nullable; they are not.
		q = `SELECT m.name, p.name, p."notnull" = 0 AND p.pk = 0 FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	}
	rows, err := s.rw.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, col string
		var nullable bool
		if err := rows.Scan(&table, &col, &nullable); err != nil {
			t.Fatal(err)
		}
		null := "not null"
		if nullable {
			null = "null"
		}
		out = append(out, table+"."+col+" ("+null+")")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestMigrationsSameSchema keeps the two dialects' migrations in step beyond their file
// names: once applied, both databases hold the same tables with the same columns,
// nullable alike.
func TestMigrationsSameSchema(t *testing.T) {
	lite := schemaColumns(t, openMigrated(t, storetest.SQLiteURL(t)))
	pg := schemaColumns(t, openMigrated(t, storetest.PostgresURL(t)))
	if len(lite) < 50 {
		t.Fatalf("SQLite schema lists only %d columns: %v", len(lite), lite)
	}
	if d := diffSorted(lite, pg); d != "" {
		t.Fatalf("the dialects' schemas differ:\n%s", d)
	}
	if d := diffSorted(lite, lite[1:]); d == "" {
		t.Fatal("diffSorted misses a dropped column")
	}
}

// diffSorted describes how two sorted lists differ, or "".
func diffSorted(a, b []string) string {
	inB := map[string]bool{}
	for _, s := range b {
		inB[s] = true
	}
	inA := map[string]bool{}
	var out []string
	for _, s := range a {
		inA[s] = true
		if !inB[s] {
			out = append(out, "only in SQLite:     "+s)
		}
	}
	for _, s := range b {
		if !inA[s] {
			out = append(out, "only in PostgreSQL: "+s)
		}
	}
	return strings.Join(out, "\n")
}

// TestMigrationGroupParents: 0007 moves each group's single parent (parent_uuid) into
// group_parents and leaves the old column empty; the group then reads back with that
// parent, as parent and as its one parent.
func TestMigrationGroupParents(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, storetest.URL(t, backend), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ms, err := Migrations(s.d.name)
			if err != nil || len(ms) < 7 || ms[6].Name != "group_parents" {
				t.Fatalf("migrations: %v", err)
			}
			c, err := s.rw.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			for _, m := range ms[:6] {
				if _, err := s.applyMigration(ctx, c, m); err != nil {
					t.Fatalf("%04d: %v", m.Version, err)
				}
			}
			c.Close()
			a, b, ch := s.newUUID(), s.newUUID(), s.newUUID()
			for i, g := range [][3]any{{a, "a", nil}, {b, "b", a}, {ch, "c", b}} {
				if _, err := s.rw.Exec(mustBind(s.d, "INSERT INTO groups (uuid, num_pk, name, parent_uuid) VALUES ($1, $2, $3, $4)"), g[0], 1001+i, g[1], g[2]); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var links, old int
			if err := s.rw.QueryRow(mustBind(s.d, "SELECT count(*) FROM group_parents WHERE (group_uuid = $1 AND parent_uuid = $2) OR (group_uuid = $3 AND parent_uuid = $4)"),
				b, a, ch, b).Scan(&links); err != nil || links != 2 {
				t.Errorf("group_parents rows from parent_uuid: %d %v", links, err)
			}
			if err := s.rw.QueryRow("SELECT count(*) FROM groups WHERE parent_uuid IS NOT NULL").Scan(&old); err != nil || old != 0 {
				t.Errorf("groups still with parent_uuid: %d %v", old, err)
			}
			g, err := s.Groups().Get(ctx, ch)
			if err != nil || g.Parent != b || g.ParentName != "b" || fmt.Sprint(g.Parents) != "["+b+"]" {
				t.Errorf("c after the migration: %+v %v", g, err)
			}
		})
	}
}
