package gateway_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/racd/racd/internal/gateway"
)

type gatewayConfig = gateway.Config

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type httpCookie = http.Cookie

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// testSQL runs raw queries on a harness's database, for looking at stored rows.
type testSQL struct{ h *harness }

func (s testSQL) ExecSQL(ctx context.Context, q string, args ...any) error {
	return errors.New("not needed")
}

func (s testSQL) QueryIntSQL(ctx context.Context, q string, args ...any) (int64, error) {
	db, err := sql.Open(map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[s.h.backend], dsn(s.h.dbURL))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if s.h.backend == "sqlite" {
		q = strings.ReplaceAll(q, "$", "?")
	}
	var n int64
	err = db.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// dsn turns a racd database URL into the driver's data source name.
func dsn(u string) string {
	if p, ok := strings.CutPrefix(u, "sqlite://"); ok {
		return "file:" + p
	}
	return u
}
