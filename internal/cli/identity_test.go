package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/cli"
	"github.com/racd/racd/internal/storetest"
)

func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

// TestUserAndTokenCreate creates a user and a token with the CLI; the printed key then
// authenticates against the API on the same database.
func TestUserAndTokenCreate(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			dbURL := storetest.URL(t, backend)
			env := map[string]string{"RACD_DATABASE_URL": dbURL, "RACD_SECRET_KEY": apitest.Secret, "RACD_LOG_LEVEL": "warn"}

			code, out, errOut := run(t, env, "user", "create", "--username", "ops", "--name", "Operator")
			if code != 0 || !strings.HasPrefix(out, "created user ops (pk ") {
				t.Fatalf("user create: %d %q %q", code, out, errOut)
			}
			if code, _, errOut := run(t, env, "user", "create", "--username", "ops"); code != 1 || !strings.Contains(errOut, "username: This field must be unique.") {
				t.Errorf("duplicate user: %d %q", code, errOut)
			}
			code, out, errOut = run(t, env, "user", "create", "--username", "root", "--superuser")
			if code != 0 || !strings.HasPrefix(out, "created superuser root") {
				t.Fatalf("superuser create: %d %q %q", code, out, errOut)
			}

			code, out, errOut = run(t, env, "token", "create", "--user", "ops", "--identifier", "ops-key", "--expires", "24h", "--description", "from the CLI")
			key := strings.TrimSpace(out)
			if code != 0 || len(key) != 60 || strings.ContainsAny(key, " \n") {
				t.Fatalf("token create: %d %q %q", code, out, errOut)
			}
			if !strings.Contains(errOut, "created API token ops-key for ops") {
				t.Errorf("token create stderr: %q", errOut)
			}
			code, out, _ = run(t, env, "token", "create", "--user", "root", "--expires", "never")
			rootKey := strings.TrimSpace(out)
			if code != 0 || len(rootKey) != 60 {
				t.Fatalf("token create for root: %d %q", code, out)
			}

			e := apitest.NewWithURL(t, dbURL)
			me := e.Do(apitest.Request{Method: "GET", Path: "/api/v3/core/users/me/", Token: key})
			if me.Status != 200 || !strings.Contains(string(me.Body), `"username":"ops"`) || !strings.Contains(string(me.Body), `"is_superuser":false`) {
				t.Fatalf("me with the CLI key: %s", me)
			}
			tok := e.MustAdmin(200, "GET", "/api/v3/core/tokens/ops-key/", nil)
			if tok["expiring"] != true || tok["description"] != "from the CLI" || tok["intent"] != "api" || tok["expires"] == nil {
				t.Errorf("token as stored: %v", tok)
			}
			rootMe := e.Do(apitest.Request{Method: "GET", Path: "/api/v3/core/users/me/", Token: rootKey})
			if rootMe.Status != 200 || !strings.Contains(string(rootMe.Body), `"is_superuser":true`) {
				t.Fatalf("me as CLI superuser: %s", rootMe)
			}
			// A superuser created by the CLI may do everything.
			if r := e.Do(apitest.Request{Method: "GET", Path: "/api/v3/core/users/", Token: rootKey}); r.Status != 200 {
				t.Errorf("superuser list users: %s", r)
			}
		})
	}
}

func TestOperatorCommandErrors(t *testing.T) {
	dbURL := storetest.SQLiteURL(t)
	env := map[string]string{"RACD_DATABASE_URL": dbURL, "RACD_SECRET_KEY": apitest.Secret}
	cases := []struct {
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{[]string{"user", "create", "--help"}, 0, "--username U"},
		{[]string{"token", "create", "--help"}, 0, "--expires E"},
		{[]string{"user"}, 2, "Usage: racd user create"},
		{[]string{"token", "--help"}, 0, "print its key on stdout"},
		{[]string{"user", "delete"}, 2, "unknown subcommand"},
		{[]string{"user", "create"}, 2, "--username is required"},
		{[]string{"token", "create"}, 2, "--user is required"},
		{[]string{"token", "create", "--user", "nobody"}, 1, `no user with username "nobody"`},
		{[]string{"token", "create", "--user", "x", "--expires", "soon"}, 2, "--expires"},
		{[]string{"token", "create", "--user", "x", "--expires", "-1h"}, 2, "positive"},
		{[]string{"token", "create", "--user", "x", "--expires", "2001-01-01T00:00:00Z"}, 2, "past"},
		{[]string{"user", "create", "--username", "a", "extra"}, 2, "unexpected arguments"},
		{[]string{"--help"}, 0, "racd token create"},
	}
	for _, c := range cases {
		code, out, errOut := run(t, env, c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.out) {
			t.Errorf("racd %v: exit %d, output %q %q; want exit %d containing %q", c.args, code, out, errOut, c.code, c.out)
		}
	}
}
