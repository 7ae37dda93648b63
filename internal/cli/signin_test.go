package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/racd/racd/internal/cli"
	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/storetest"
)

// storedPassword returns the password hash of username in the database at dbURL.
func storedPassword(t *testing.T, dbURL, username string) (*racd.User, string) {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dbURL, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, hash, err := st.PasswordLogin(context.Background(), username)
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return u, hash
}

func verify(t *testing.T, hash, pw string) bool {
	t.Helper()
	ok, err := password.Verify(hash, pw)
	if err != nil {
		t.Fatalf("stored hash %q: %v", hash, err)
	}
	return ok
}

// TestBootstrapPassword: RACD_BOOTSTRAP_PASSWORD gives akadmin its password when racd
// creates akadmin, and never changes the password of an akadmin that exists.
func TestBootstrapPassword(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			dbURL := storetest.URL(t, backend)
			vars := map[string]string{"RACD_DATABASE_URL": dbURL, "RACD_SECRET_KEY": secret, "RACD_LISTEN": "127.0.0.1:0",
				"RACD_BOOTSTRAP_PASSWORD": "first password", "RACD_BOOTSTRAP_TOKEN": "bootstrap-key-0123456789abcdef"}
			logs := serveOnce(t, vars)
			if !strings.Contains(logs, "created bootstrap admin with its password") || strings.Contains(logs, "first password") {
				t.Fatalf("first start:\n%s", logs)
			}
			u, hash := storedPassword(t, dbURL, "akadmin")
			if !u.IsSuperuser || !verify(t, hash, "first password") || !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=3,p=2$") {
				t.Fatalf("akadmin superuser=%v hash %q", u.IsSuperuser, hash)
			}
			vars["RACD_BOOTSTRAP_PASSWORD"] = "second password"
			logs = serveOnce(t, vars)
			if !strings.Contains(logs, "RACD_BOOTSTRAP_PASSWORD ignored: akadmin exists") {
				t.Fatalf("second start:\n%s", logs)
			}
			if _, hash2 := storedPassword(t, dbURL, "akadmin"); hash2 != hash {
				t.Fatal("a later start changed akadmin's password")
			}
		})
	}
	// An akadmin made by the token alone keeps having no password.
	dbURL := storetest.SQLiteURL(t)
	vars := map[string]string{"RACD_DATABASE_URL": dbURL, "RACD_LISTEN": "127.0.0.1:0", "RACD_BOOTSTRAP_TOKEN": "bootstrap-key-0123456789abcdef"}
	serveOnce(t, vars)
	vars["RACD_BOOTSTRAP_PASSWORD"] = "too late"
	serveOnce(t, vars)
	if _, hash := storedPassword(t, dbURL, "akadmin"); hash != "" {
		t.Fatal("RACD_BOOTSTRAP_PASSWORD set the password of an akadmin that existed")
	}
}

// TestSetPassword: racd user set-password reads the password from standard input
// (never argv), stores an Argon2id hash and records password_set.
func TestSetPassword(t *testing.T) {
	dbURL := storetest.SQLiteURL(t)
	vars := map[string]string{"RACD_DATABASE_URL": dbURL}
	if code, _, errOut := run(t, vars, "user", "create", "--username", "kim"); code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	setPw := func(stdin string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.RunStdin(context.Background(), append([]string{"user", "set-password"}, args...), strings.NewReader(stdin), &out, &errOut, env(vars))
		return code, out.String(), errOut.String()
	}
	code, out, errOut := setPw("kims new password\n", "--username", "kim")
	if code != 0 || out != "password set for kim\n" || strings.Contains(out+errOut, "kims new password") {
		t.Fatalf("set-password: %d %q %q", code, out, errOut)
	}
	_, hash := storedPassword(t, dbURL, "kim")
	if !verify(t, hash, "kims new password") {
		t.Fatal("the stored hash does not verify the password")
	}
	for _, c := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"", []string{"--username", "kim"}, 1, "the password is empty"},
		{"\n", []string{"--username", "kim"}, 1, "the password is empty"},
		{strings.Repeat("x", 5000), []string{"--username", "kim"}, 1, "longer than 4096 bytes"},
		{"pw\n", []string{"--username", "nobody"}, 1, `no user with username "nobody"`},
		{"pw\n", nil, 2, "--username is required"},
		{"pw\n", []string{"--username", "kim", "--password", "pw"}, 2, "flag provided but not defined: -password"},
	} {
		code, _, errOut := setPw(c.stdin, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%q %v: %d %q", c.stdin, c.args, code, errOut)
		}
	}
	if _, hash2 := storedPassword(t, dbURL, "kim"); hash2 != hash {
		t.Fatal("a refused set-password changed the password")
	}
	// Run (without standard input) refuses instead of waiting.
	if code, _, errOut := run(t, vars, "user", "set-password", "--username", "kim"); code != 1 || !strings.Contains(errOut, "standard input") {
		t.Fatalf("without stdin: %d %q", code, errOut)
	}
}
