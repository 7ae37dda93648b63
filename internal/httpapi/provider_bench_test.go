package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/storetest"
)

// benchProviders is how many providers the list benchmark searches and orders.
const benchProviders = 10000

// BenchmarkProviderAPI measures the provider routes through the whole handler (auth,
// decoding, store, rendering) on a table of 10,000 providers, on SQLite and (with
// RACD_TEST_POSTGRES_URL) PostgreSQL:
//
//	go test -run x -bench ProviderAPI ./internal/httpapi/
func BenchmarkProviderAPI(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			e := apitest.New(b, backend)
			flow := e.Flow("bench-authz", "authorization")
			ids := seedProviders(b, e, flow)
			do := func(b *testing.B, method, path, body string, want int) {
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				rec := httptest.NewRecorder()
				e.API.ServeHTTP(rec, req)
				if rec.Code != want {
					b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
				}
			}
			var created atomic.Int64
			b.Run("create", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					do(b, "POST", "/api/v3/providers/rac/", fmt.Sprintf(`{"name":"created-%d","authorization_flow":"%s","settings":{"a":1}}`, created.Add(1), flow), http.StatusCreated)
				}
			})
			b.Run("get", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					do(b, "GET", fmt.Sprintf("/api/v3/providers/rac/%d/", ids[i%len(ids)]), "", http.StatusOK)
				}
			})
			b.Run("list-search-ordering-20", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					do(b, "GET", fmt.Sprintf("/api/v3/providers/rac/?page_size=20&page=%d&search=-0%d&ordering=-connection_expiry,name", 1+i%5, i%10), "", http.StatusOK)
				}
			})
			b.Run("list-default-20", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					do(b, "GET", fmt.Sprintf("/api/v3/providers/rac/?page_size=20&page=%d", 1+i%500), "", http.StatusOK)
				}
			})
			b.Run("patch", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					do(b, "PATCH", fmt.Sprintf("/api/v3/providers/rac/%d/", ids[i%len(ids)]), fmt.Sprintf(`{"connection_expiry":"minutes=%d"}`, 1+i%50), http.StatusOK)
				}
			})
			b.Run("get-parallel", func(b *testing.B) {
				var n atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := n.Add(1)
						do(b, "GET", fmt.Sprintf("/api/v3/providers/rac/%d/", ids[int(i)%len(ids)]), "", http.StatusOK)
					}
				})
			})
		})
	}
}

// seedProviders creates benchProviders providers through the store (in parallel; the
// store serializes where the database needs it) and returns their ids.
func seedProviders(b *testing.B, e *apitest.Env, flow string) []int64 {
	b.Helper()
	ids := make([]int64, benchProviders)
	var wg sync.WaitGroup
	var next atomic.Int64
	var failed atomic.Value
	expiries := []string{"hours=8", "hours=1", "minutes=30", "days=1"}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= benchProviders {
					return
				}
				in := storetest.ProviderInput(fmt.Sprintf("provider-%05d", i), flow)
				in.ConnectionExpiry = racd.Some(expiries[i%len(expiries)])
				p, err := e.Store.Providers().Create(context.Background(), in, racd.Audit{})
				if err != nil {
					failed.Store(err)
					return
				}
				ids[i] = p.ID
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatalf("seeding: %v", err)
	}
	return ids
}
