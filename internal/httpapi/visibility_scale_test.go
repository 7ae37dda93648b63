package httpapi_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/storetest"
)

const (
	scaleProviders = 100_000
	scaleVisible   = 100 // providers whose id is a multiple of 1000
)

// scaleEnv is an API over 100,000 providers, a user who may view 100 of them, and a
// server whose auth cache outlives the test (so a request costs only its own queries).
type scaleEnv struct {
	e       *apitest.Env
	url     string
	userKey string
	visible []int64
}

// rawDB opens a second connection to the test database for bulk seeding.
func rawDB(tb testing.TB, backend, dbURL string) *sql.DB {
	tb.Helper()
	var db *sql.DB
	var err error
	if backend == "sqlite" {
		path, perr := sqlstore.SQLitePath(dbURL)
		if perr != nil {
			tb.Fatal(perr)
		}
		db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(20000)&_pragma=foreign_keys(ON)")
	} else {
		db, err = sql.Open("pgx", dbURL)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func newScaleEnv(tb testing.TB, backend string) *scaleEnv {
	tb.Helper()
	dbURL := storetest.URL(tb, backend)
	e := apitest.NewWithURL(tb, dbURL)
	flow := e.Flow("scale-authz", "authorization")
	userID, key := e.User("scale-viewer")
	db := rawDB(tb, backend, dbURL)
	ctx := context.Background()
	seed := []string{
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
		 INSERT INTO providers (name, authorization_flow) SELECT 'bulk-' || substr('000000' || x, -6, 6), ? FROM c`,
		`INSERT INTO user_permissions (user_id, permission, object_pk)
		 SELECT ?, 'authentik_providers_rac.view_racprovider', CAST(id AS TEXT) FROM providers WHERE id % 1000 = 0`,
	}
	if backend == "postgres" {
		seed = []string{
			`INSERT INTO providers (name, authorization_flow) SELECT 'bulk-' || lpad(CAST(x AS TEXT), 6, '0'), CAST($1 AS UUID) FROM generate_series(1, 100000) x`,
			`INSERT INTO user_permissions (user_id, permission, object_pk)
			 SELECT CAST($1 AS BIGINT), 'authentik_providers_rac.view_racprovider', CAST(id AS TEXT) FROM providers WHERE id % 1000 = 0`,
			`ANALYZE`,
		}
	}
	args := [][]any{{flow}, {userID}, nil}
	for i, q := range seed {
		if _, err := db.ExecContext(ctx, q, args[i]...); err != nil {
			tb.Fatalf("seed: %v", err)
		}
	}
	rows, err := db.QueryContext(ctx, "SELECT id FROM providers WHERE id % 1000 = 0 ORDER BY id")
	if err != nil {
		tb.Fatal(err)
	}
	var visible []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		visible = append(visible, id)
	}
	rows.Close()
	if len(visible) != scaleVisible {
		tb.Fatalf("seeded %d visible providers, want %d", len(visible), scaleVisible)
	}
	api := httpapi.New(httpapi.Config{Store: e.Store, Keys: e.Keys, AuthCacheTTL: time.Hour})
	srv := httptest.NewServer(api)
	tb.Cleanup(srv.Close)
	return &scaleEnv{e: e, url: srv.URL, userKey: key, visible: visible}
}

type providerPage struct {
	Raw struct {
		Next       int `json:"next"`
		Previous   int `json:"previous"`
		Count      int `json:"count"`
		Current    int `json:"current"`
		TotalPages int `json:"total_pages"`
		StartIndex int `json:"start_index"`
		EndIndex   int `json:"end_index"`
	} `json:"pagination"`
	Results []struct {
		PK int64 `json:"pk"`
	} `json:"results"`
}

func (s *scaleEnv) get(tb testing.TB, key, path string) (int, []byte) {
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestObjectVisibilityAtScale: a user with view on 100 of 100,000 providers lists
// exactly those, paginated correctly, each page in exactly one SQL query.
func TestObjectVisibilityAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 providers")
	}
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		s := newScaleEnv(t, backend)
		// Warm the auth cache: later requests cost only their own queries.
		if st, b := s.get(t, s.userKey, "/api/v3/providers/rac/?page_size=1"); st != 200 {
			t.Fatalf("warm-up: %d %s", st, b)
		}
		var got []int64
		const size = 30
		for page := 1; page <= 4; page++ {
			before := s.e.Store.Queries()
			st, body := s.get(t, s.userKey, "/api/v3/providers/rac/?ordering=pk&page_size="+strconv.Itoa(size)+"&page="+strconv.Itoa(page))
			queries := s.e.Store.Queries() - before
			if st != 200 {
				t.Fatalf("page %d: %d %s", page, st, body)
			}
			if queries != 1 {
				t.Errorf("page %d cost %d SQL queries, want exactly 1", page, queries)
			}
			var p providerPage
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			wantLen := size
			if page == 4 {
				wantLen = scaleVisible - 3*size
			}
			next := page + 1
			if page == 4 {
				next = 0
			}
			want := fmt.Sprintf("{%d %d %d %d %d %d %d}", next, page-1, scaleVisible, page, 4, (page-1)*size+1, (page-1)*size+wantLen)
			if gotP := fmt.Sprint(p.Raw); gotP != want || len(p.Results) != wantLen {
				t.Errorf("page %d: pagination %s with %d results, want %s with %d", page, gotP, len(p.Results), want, wantLen)
			}
			for _, r := range p.Results {
				got = append(got, r.PK)
			}
		}
		if st, _ := s.get(t, s.userKey, "/api/v3/providers/rac/?page_size=30&page=5"); st != 404 {
			t.Errorf("page past the end: %d, want 404", st)
		}
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		if fmt.Sprint(got) != fmt.Sprint(s.visible) {
			t.Errorf("listed %v\nwant %v", got, s.visible)
		}
		// The superuser sees all 100,000, also in one query.
		before := s.e.Store.Queries()
		st, body := s.get(t, apitest.AdminToken, "/api/v3/providers/rac/?page_size=10")
		var p providerPage
		_ = json.Unmarshal(body, &p)
		if st != 200 || p.Raw.Count != scaleProviders {
			t.Errorf("superuser list: %d count %d, want %d", st, p.Raw.Count, scaleProviders)
		}
		if n := s.e.Store.Queries() - before; n > 3 { // first admin request also authenticates (2 queries)
			t.Errorf("superuser list cost %d queries", n)
		}
	})
}

// BenchmarkListProvidersObjectVisibility lists the first page (100) of providers among
// 100,000: as a user with object-level view on 100 of them, and as the superuser.
func BenchmarkListProvidersObjectVisibility(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			s := newScaleEnv(b, backend)
			for _, who := range []struct{ name, key string }{{"object-view-100", s.userKey}, {"superuser", apitest.AdminToken}} {
				b.Run(who.name, func(b *testing.B) {
					s.get(b, who.key, "/api/v3/providers/rac/")
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if st, body := s.get(b, who.key, "/api/v3/providers/rac/"); st != 200 {
							b.Fatalf("%d %s", st, body)
						}
					}
				})
			}
		})
	}
}
