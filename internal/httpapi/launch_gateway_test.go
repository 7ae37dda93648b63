package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/racd/racd/internal/apitest"
)

// TestLaunchAnswerForTheGateway: the launch answer names the session page of its
// token, and its settings leave out every credential (which only guacd receives, when
// the gateway computes the settings at connect time).
func TestLaunchAnswerForTheGateway(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		e := f.endpoint(map[string]any{"settings": map[string]any{
			"username": "alice", "password": "hunter2", "private-key": "-----BEGIN KEY-----", "passphrase": "pp",
			"sftp-password": "s1", "sftp-private-key": "s2", "sftp-passphrase": "s3", "gateway-password": "g1",
		}})["pk"].(string)
		r, l := f.launch(apitest.AdminToken, e, "")
		if r.Status != 201 {
			t.Fatalf("launch: %d %s", r.Status, r.Body)
		}
		var raw map[string]any
		if err := json.Unmarshal(r.Body, &raw); err != nil {
			t.Fatal(err)
		}
		if raw["url"] != "/if/rac/"+l.Token+"/" {
			t.Errorf("url = %v, want /if/rac/<token>/", raw["url"])
		}
		if l.Settings["username"] != "alice" || l.Settings["hostname"] != "desk" {
			t.Errorf("settings lost what they should carry: %v", l.Settings)
		}
		// Nor anywhere else in the answer: the endpoint nested in connection_token shows
		// its settings without their secret parameters (issue 9 §2).
		for _, secret := range []string{"hunter2", "BEGIN KEY", `"pp"`, `"s1"`, `"s2"`, `"s3"`, `"g1"`} {
			if strings.Contains(string(r.Body), secret) {
				t.Errorf("the launch answer carries the credential %s: %s", secret, r.Body)
			}
		}
	})
}
