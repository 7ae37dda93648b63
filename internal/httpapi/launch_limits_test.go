package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/racd"
)

// TestLaunchBounds pins the bounds on what a launch computes (issue 9 §4): a mapping
// whose result is over racd.MaxMappingResultBytes, and one that would take the merged
// settings over racd.MaxMergedSettingsBytes, are skipped and recorded as
// configuration_error events; a launch's own settings over
// racd.MaxLaunchSettingsBytes are a 400 with nothing written.
func TestLaunchBounds(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		mk := func(name, expression string) string {
			return f.MustAdmin(201, "POST", "/api/v3/propertymappings/rac/", map[string]any{"name": name, "expression": expression, "static_settings": map[string]any{}})["pk"].(string)
		}
		var mappings []string
		// Five mappings of 60,000 characters each: four fit in 256 KiB, the fifth not.
		for i := 1; i <= 5; i++ {
			mappings = append(mappings, mk(fmt.Sprintf("m%d", i), fmt.Sprintf("return {'k%d': 'x' * 60000}", i)))
		}
		mappings = append(mappings, mk("m6-too-large", "return {'big': 'x' * 70000}"))
		mappings = append(mappings, mk("m7-small", "return {'small': 'yes'}"))
		e := f.endpoint(map[string]any{"name": "desk", "property_mappings": mappings, "maximum_connections": -1})["pk"].(string)

		r, l := f.launch(apitest.AdminToken, e, "")
		if r.Status != 201 {
			t.Fatalf("launch: %d %s", r.Status, r.Body)
		}
		for _, k := range []string{"k1", "k2", "k3", "k4"} {
			if len(l.Settings[k]) != 60000 {
				t.Errorf("settings[%s] has %d characters, want 60000", k, len(l.Settings[k]))
			}
		}
		if _, ok := l.Settings["k5"]; ok {
			t.Error("the mapping past the merged bound was merged")
		}
		if _, ok := l.Settings["big"]; ok {
			t.Error("the mapping over the result bound was merged")
		}
		if l.Settings["small"] != "yes" {
			t.Errorf("a small mapping after the skipped ones was not merged: %q", l.Settings["small"])
		}
		for name, why := range map[string]string{"m5": "merged settings would be larger than 256 KiB", "m6-too-large": "result larger than 64 KiB"} {
			if n := f.QueryInt("SELECT count(*) FROM events WHERE action = 'configuration_error' AND CAST(context AS TEXT) LIKE $1 AND CAST(context AS TEXT) LIKE $2",
				"%Failed to evaluate property-mapping: '"+name+"'%", "%"+why+"%"); n != 1 {
				t.Errorf("configuration_error events for %s (%s): %d, want 1", name, why, n)
			}
		}
		if n := f.QueryInt("SELECT count(*) FROM events WHERE action = 'configuration_error'"); n != 2 {
			t.Errorf("configuration_error events: %d, want 2", n)
		}

		// The launch's own settings.
		tokens := f.QueryInt("SELECT count(*) FROM connection_tokens")
		big := `{"settings":{"x":"` + strings.Repeat("a", racd.MaxLaunchSettingsBytes) + `"}}`
		if r, _ := f.launch(apitest.AdminToken, e, big); r.Status != 400 || string(r.Body) != `{"settings":["Ensure this value is no larger than 64 KiB as JSON."]}` {
			t.Errorf("launch with large settings: %d %.200s", r.Status, r.Body)
		}
		if n := f.QueryInt("SELECT count(*) FROM connection_tokens"); n != tokens {
			t.Errorf("a refused launch stored a token: %d -> %d", tokens, n)
		}
		fits := `{"settings":{"x":"` + strings.Repeat("a", racd.MaxLaunchSettingsBytes-20) + `"}}`
		if r, _ := f.launch(apitest.AdminToken, e, fits); r.Status != 201 {
			t.Errorf("launch with settings within the bound: %d %.200s", r.Status, r.Body)
		}
	})
}

// TestLaunchBusy pins the bound on evaluations running at once: while every slot is
// taken, a launch that needs one answers 503 with Retry-After within about one
// evaluation time limit and issues no token; a launch without mappings is not held
// up; once a slot frees up, launches succeed again.
func TestLaunchBusy(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		f := newRACFixture(t, backend)
		withMapping := f.endpoint(map[string]any{"name": "mapped", "property_mappings": []string{f.mapping}, "maximum_connections": -1})["pk"].(string)
		plain := f.endpoint(map[string]any{"name": "plain", "maximum_connections": -1})["pk"].(string)

		ev := expr.NewEvaluator(1, expr.Limits{Timeout: 300 * time.Millisecond})
		srv := httptest.NewServer(httpapi.New(httpapi.Config{Store: f.Store, Keys: f.Keys, Evaluator: ev}))
		defer srv.Close()
		launch := func(ep string) (*http.Response, time.Duration) {
			req, _ := http.NewRequest("POST", srv.URL+"/api/v3/rac/endpoints/"+ep+"/launch/", nil)
			req.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp, time.Since(start)
		}
		slot, err := ev.Reserve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		tokens := f.QueryInt("SELECT count(*) FROM connection_tokens")
		resp, took := launch(withMapping)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("launch while busy: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if took < 250*time.Millisecond || took > 1500*time.Millisecond {
			t.Errorf("launch while busy answered after %v, want about 300ms", took)
		}
		if n := f.QueryInt("SELECT count(*) FROM connection_tokens"); n != tokens {
			t.Errorf("a launch refused as busy stored a token: %d -> %d", tokens, n)
		}
		if resp, _ := launch(plain); resp.StatusCode != 201 {
			t.Errorf("launch without mappings while busy: %d", resp.StatusCode)
		}
		slot.Release()
		time.Sleep(10 * time.Millisecond) // Release frees the slot in the background
		if resp, _ := launch(withMapping); resp.StatusCode != 201 {
			t.Errorf("launch after the slot freed up: %d", resp.StatusCode)
		}
	})
}
