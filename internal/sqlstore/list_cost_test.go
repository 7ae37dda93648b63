package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/storetest"
)

// openTestStore opens and migrates a fresh store on backend.
func openTestStore(tb testing.TB, backend string) *Store {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, storetest.URL(tb, backend), Options{})
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}

// seedProviders inserts n providers named provider-00001... With related, each
// provider also gets an application using it, a backchannel application, an outpost
// of its own and three property mappings (shared by all). Rows go in with multi-row
// INSERTs inside one transaction, so 10,000 providers seed in seconds.
func seedProviders(tb testing.TB, s *Store, n int, related bool) {
	tb.Helper()
	ctx := context.Background()
	err := s.write(ctx, func(c conn) error {
		flow := s.newUUID()
		if _, err := c.exec(ctx, "INSERT INTO flows (uuid, name, slug, title, designation) VALUES ($1, 'authz', 'authz', 'authz', 'authorization')", flow); err != nil {
			return err
		}
		mappings := []string{s.newUUID(), s.newUUID(), s.newUUID()}
		for i, m := range mappings {
			if _, err := c.exec(ctx, "INSERT INTO property_mappings (uuid, name) VALUES ($1, $2)", m, fmt.Sprintf("mapping-%d", i)); err != nil {
				return err
			}
		}
		type row []any
		batch := func(head string, rows []row) error {
			const per = 100
			for start := 0; start < len(rows); start += per {
				end := min(start+per, len(rows))
				b := &qb{d: s.d}
				vals := make([]string, 0, end-start)
				for _, r := range rows[start:end] {
					ph := make([]string, len(r))
					for j, v := range r {
						ph[j] = b.arg(v)
					}
					vals = append(vals, "("+strings.Join(ph, ", ")+")")
				}
				if _, err := c.exec(ctx, head+" VALUES "+strings.Join(vals, ", "), b.args...); err != nil {
					return err
				}
			}
			return nil
		}
		var backApps, providers, apps, outposts, links, mapLinks []row
		for i := 1; i <= n; i++ {
			var back any
			if related {
				u := s.newUUID()
				back = u
				backApps = append(backApps, row{u, fmt.Sprintf("Backchannel %05d", i), fmt.Sprintf("back-%05d", i)})
				apps = append(apps, row{s.newUUID(), fmt.Sprintf("App %05d", i), fmt.Sprintf("app-%05d", i), int64(i)})
				o := s.newUUID()
				outposts = append(outposts, row{o, fmt.Sprintf("outpost-%05d", i), "rac"})
				links = append(links, row{o, int64(i)})
				for _, m := range mappings {
					mapLinks = append(mapLinks, row{int64(i), m})
				}
			}
			providers = append(providers, row{int64(i), fmt.Sprintf("provider-%05d", i), flow, back})
		}
		for _, step := range []struct {
			head string
			rows []row
		}{
			{"INSERT INTO applications (uuid, name, slug)", backApps},
			{"INSERT INTO providers (id, name, authorization_flow, backchannel_application)", providers},
			{"INSERT INTO applications (uuid, name, slug, provider_id)", apps},
			{"INSERT INTO outposts (uuid, name, type)", outposts},
			{"INSERT INTO outpost_providers (outpost_uuid, provider_id)", links},
			{"INSERT INTO provider_property_mappings (provider_id, mapping_uuid)", mapLinks},
		} {
			if err := batch(step.head, step.rows); err != nil {
				return err
			}
		}
		// Only this store's tables: a database-wide ANALYZE would also wait for every
		// other test's schema on a shared server.
		analyze := "ANALYZE providers, applications, outposts, outpost_providers, provider_property_mappings, property_mappings, flows"
		if !s.d.sqlite() {
			// Explicit ids leave the identity behind; keep later inserts working.
			if _, err := c.exec(ctx, "SELECT setval(pg_get_serial_sequence('providers', 'id'), (SELECT max(id) FROM providers))"); err != nil {
				return err
			}
		} else {
			analyze = "ANALYZE"
		}
		_, err := c.exec(ctx, analyze)
		return err
	})
	if err != nil {
		tb.Fatalf("seed %d providers: %v", n, err)
	}
}

// queriesOf returns how many statements fn sent.
func queriesOf(s *Store, fn func()) int64 {
	before := s.Queries()
	fn()
	return s.Queries() - before
}

// TestListQueriesFixed: a list costs the same number of statements for one row as for
// a hundred, each with an application, a backchannel application, an outpost and three
// property mappings — providers one statement, applications and outposts two (the
// page, then every provider the page refers to).
func TestListQueriesFixed(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			// One provider alone, then a hundred listed one per page and all on one page.
			one := openTestStore(t, backend)
			seedProviders(t, one, 1, true)
			s := openTestStore(t, backend)
			seedProviders(t, s, 100, true)
			ctx := context.Background()
			if n := queriesOf(one, func() {
				ps, _, err := one.Providers().List(ctx, racd.ProviderQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 100, Visible: racd.Everything}})
				if err != nil || len(ps) != 1 || len(ps[0].Outposts) != 1 {
					t.Fatalf("list of one: %v %v", ps, err)
				}
			}); n != 1 {
				t.Errorf("ListProviders of a single provider: %d statements, want 1", n)
			}
			page := func(size int) racd.ListQuery {
				return racd.ListQuery{Page: 1, PageSize: size, Visible: racd.Everything, Search: []string{"provider"},
					Ordering: []racd.OrderTerm{{Field: "application__slug"}}}
			}
			for _, size := range []int{1, 100} {
				var ps []*racd.Provider
				var count int
				n := queriesOf(s, func() {
					var err error
					ps, count, err = s.Providers().List(ctx, racd.ProviderQuery{ListQuery: page(size)})
					if err != nil {
						t.Fatal(err)
					}
				})
				if n != 1 {
					t.Errorf("ListProviders page_size=%d: %d statements, want 1", size, n)
				}
				if len(ps) != size || count != 100 {
					t.Fatalf("page_size=%d: %d rows of %d", size, len(ps), count)
				}
				for _, p := range ps {
					if p.Application.Slug == "" || p.BackchannelApplication.Slug == "" || len(p.Outposts) != 1 || len(p.PropertyMappings) != 3 {
						t.Fatalf("provider %d lacks its relations: %+v", p.ID, p)
					}
				}
				if ps[0].Application.Slug != "app-00001" {
					t.Errorf("ordering by application__slug: first is %s", ps[0].Application.Slug)
				}

				var apps []*racd.Application
				n = queriesOf(s, func() {
					var err error
					apps, _, err = s.Applications().List(ctx, racd.ApplicationQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: size, Visible: racd.Everything, Search: []string{"app-"}}})
					if err != nil {
						t.Fatal(err)
					}
				})
				if n != 2 {
					t.Errorf("ListApplications page_size=%d: %d statements, want 2", size, n)
				}
				if len(apps) != size || apps[0].Provider == nil {
					t.Fatalf("applications page_size=%d: %d rows, provider loaded: %v", size, len(apps), len(apps) > 0 && apps[0].Provider != nil)
				}

				var outs []*racd.Outpost
				n = queriesOf(s, func() {
					var err error
					outs, _, err = s.Outposts().List(ctx, racd.OutpostQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: size, Visible: racd.Everything, Search: []string{"provider"}}})
					if err != nil {
						t.Fatal(err)
					}
				})
				if n != 2 {
					t.Errorf("ListOutposts page_size=%d: %d statements, want 2", size, n)
				}
				if len(outs) != size || len(outs[0].ProviderObjs) != 1 {
					t.Fatalf("outposts page_size=%d: %d rows", size, len(outs))
				}
			}
		})
	}
}

// BenchmarkListProviders lists one page of 20 providers (search + ordering=name) out of
// 10,000, bare and with every provider holding an application, a backchannel
// application, an outpost and three property mappings:
//
//	go test ./internal/sqlstore/ -run x -bench BenchmarkListProviders -benchtime 200x
func BenchmarkListProviders(b *testing.B) {
	const n = 10000
	for _, backend := range storetest.Backends {
		for _, related := range []bool{false, true} {
			name := backend + "/bare"
			if related {
				name = backend + "/related"
			}
			b.Run(name, func(b *testing.B) {
				s := openTestStore(b, backend)
				seedProviders(b, s, n, related)
				ctx := context.Background()
				q := racd.ProviderQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 20, Visible: racd.Everything,
					Search: []string{"provider-"}, Ordering: []racd.OrderTerm{{Field: "name"}}}}
				for b.Loop() {
					ps, count, err := s.Providers().List(ctx, q)
					if err != nil || len(ps) != 20 || count != n {
						b.Fatalf("list: %d rows of %d: %v", len(ps), count, err)
					}
				}
			})
		}
	}
}

// BenchmarkListProvidersRatio runs the same list on both seedings in alternation, so
// that load from other processes hits both alike, and reports the median time of each
// and their ratio (related/bare):
//
//	go test ./internal/sqlstore/ -run x -bench BenchmarkListProvidersRatio -benchtime 200x
func BenchmarkListProvidersRatio(b *testing.B) {
	const n = 10000
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			bare, related := openTestStore(b, backend), openTestStore(b, backend)
			seedProviders(b, bare, n, false)
			seedProviders(b, related, n, true)
			ctx := context.Background()
			q := racd.ProviderQuery{ListQuery: racd.ListQuery{Page: 1, PageSize: 20, Visible: racd.Everything,
				Search: []string{"provider-"}, Ordering: []racd.OrderTerm{{Field: "name"}}}}
			var tBare, tRelated []time.Duration
			for b.Loop() {
				for _, s := range []*Store{bare, related} {
					start := time.Now()
					if ps, _, err := s.Providers().List(ctx, q); err != nil || len(ps) != 20 {
						b.Fatalf("list: %d rows: %v", len(ps), err)
					}
					if s == bare {
						tBare = append(tBare, time.Since(start))
					} else {
						tRelated = append(tRelated, time.Since(start))
					}
				}
			}
			mb, mr := median(tBare), median(tRelated)
			b.ReportMetric(float64(mb.Microseconds())/1000, "ms-bare")
			b.ReportMetric(float64(mr.Microseconds())/1000, "ms-related")
			b.ReportMetric(float64(mr)/float64(mb), "related/bare")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
