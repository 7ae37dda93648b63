package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	api "goauthentik.io/api/v3"
)

// launchResult is the body of POST /rac/endpoints/{pbm_uuid}/launch/.
type racLaunchResult struct {
	Token           string            `json:"token"`
	Expires         *string           `json:"expires"`
	Settings        map[string]string `json:"settings"`
	ConnectionToken struct {
		PK       string `json:"pk"`
		Endpoint string `json:"endpoint"`
		Provider int32  `json:"provider"`
	} `json:"connection_token"`
}

// launch calls the launch route, which authentik's client does not know, over raw HTTP.
func racLaunch(t *testing.T, r *Racd, endpoint, body string) (int, string, racLaunchResult) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), "POST", r.URL+"/api/v3/rac/endpoints/"+endpoint+"/launch/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var l racLaunchResult
	if res.StatusCode == 201 {
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatalf("launch body: %v %s", err, b)
		}
	}
	return res.StatusCode, string(b), l
}

// racSetup creates an authorization flow and returns its UUID.
func racFlow(t *testing.T, c *api.APIClient) string {
	t.Helper()
	fl, _, err := c.FlowsApi.FlowsInstancesCreate(ctx(t)).FlowRequest(*api.NewFlowRequest("Authz", "authz", "Authorize", api.FLOWDESIGNATIONENUM_AUTHORIZATION)).Execute()
	if err != nil {
		t.Fatalf("create flow: %v", err)
	}
	return fl.Pk
}

func racProvider(t *testing.T, c *api.APIClient, flow, name, expiry string) int32 {
	t.Helper()
	req := api.NewRACProviderRequest(name, flow)
	req.SetConnectionExpiry(expiry)
	p, _, err := c.ProvidersApi.ProvidersRacCreate(ctx(t)).RACProviderRequest(*req).Execute()
	if err != nil {
		t.Fatalf("create provider: %v", err)
	}
	return p.Pk
}

func racEndpoint(t *testing.T, c *api.APIClient, provider int32, name string, limit int32) *api.Endpoint {
	t.Helper()
	req := api.NewEndpointRequest(name, provider, api.PROTOCOLENUM_RDP, "desk.example:3389", api.AUTHMODEENUM_PROMPT)
	req.SetMaximumConnections(limit)
	req.SetSettings(map[string]any{"security": "nla"})
	e, _, err := c.RacApi.RacEndpointsCreate(ctx(t)).EndpointRequest(*req).Execute()
	if err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
	return e
}

// TestRACEndpointsAndTokens drives endpoints and connection tokens through the official
// client and launch over HTTP: expiry from connection_expiry (and none for hours=0),
// tokens disappearing at expiry, and revocation freeing a limit-1 endpoint.
func TestRACEndpointsAndTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		c := r.Client(t, Token)
		flow := racFlow(t, c)
		short := racProvider(t, c, flow, "short", "seconds=2")
		e := racEndpoint(t, c, short, "desk", 1)
		if e.GetMaximumConnections() != 1 || e.ProviderObj.Name != "short" || e.LaunchUrl.IsSet() && e.LaunchUrl.Get() != nil {
			t.Errorf("created: %+v", e)
		}
		got, _, err := c.RacApi.RacEndpointsRetrieve(ctx(t), e.Pk).Execute()
		if err != nil || got.Host != "desk.example:3389" {
			t.Fatalf("retrieve: %v %+v", err, got)
		}
		name := "desk-1"
		if _, _, err := c.RacApi.RacEndpointsPartialUpdate(ctx(t), e.Pk).PatchedEndpointRequest(api.PatchedEndpointRequest{Name: &name}).Execute(); err != nil {
			t.Fatalf("patch: %v", err)
		}
		list, _, err := c.RacApi.RacEndpointsList(ctx(t)).Search("desk").Provider(short).Execute()
		if err != nil || list.Pagination.Count != 1 {
			t.Fatalf("list: %v %+v", err, list)
		}

		// Launch: expiry is issue time + seconds=2.
		before := time.Now()
		st, body, l := racLaunch(t, r, e.Pk, `{"settings":{"resize-method":"display-update"}}`)
		if st != 201 {
			t.Fatalf("launch: %d %s", st, body)
		}
		if l.Expires == nil {
			t.Fatalf("no expiry: %s", body)
		}
		exp, err := time.Parse(time.RFC3339Nano, *l.Expires)
		if err != nil || !strings.HasSuffix(*l.Expires, "Z") {
			t.Fatalf("expires %q: %v", *l.Expires, err)
		}
		if d := exp.Sub(before); d < 1500*time.Millisecond || d > 3*time.Second {
			t.Errorf("expires %v after launch, want about 2s", d)
		}
		if l.Settings["hostname"] != "desk.example" || l.Settings["port"] != "3389" || l.Settings["security"] != "nla" ||
			l.Settings["resize-method"] != "display-update" || l.Settings["drive-path"] != "/tmp/connection/"+l.Token {
			t.Errorf("settings: %v", l.Settings)
		}
		toks, _, err := c.RacApi.RacConnectionTokensList(ctx(t)).Endpoint(e.Pk).Execute()
		if err != nil || toks.Pagination.Count != 1 || toks.Results[0].GetPk() != l.ConnectionToken.PK || toks.Results[0].User.Username != "akadmin" {
			t.Fatalf("token list: %v %+v", err, toks)
		}
		if tok, _, err := c.RacApi.RacConnectionTokensRetrieve(ctx(t), l.ConnectionToken.PK).Execute(); err != nil || tok.EndpointObj.Pk != e.Pk || tok.ProviderObj.Pk != short {
			t.Fatalf("token retrieve: %v %+v", err, tok)
		}
		if _, _, err := c.RacApi.RacConnectionTokensUsedByList(ctx(t), l.ConnectionToken.PK).Execute(); err != nil {
			t.Fatalf("token used_by: %v", err)
		}
		if st, body, _ := racLaunch(t, r, e.Pk, ""); st != 400 || body != `{"non_field_errors":["Maximum connection limit reached."]}` {
			t.Fatalf("second launch: %d %s", st, body)
		}
		// At expiry the token is gone and the slot is free again.
		time.Sleep(time.Until(exp) + 200*time.Millisecond)
		toks, _, err = c.RacApi.RacConnectionTokensList(ctx(t)).Execute()
		if err != nil || toks.Pagination.Count != 0 {
			t.Fatalf("list after expiry: %v %+v", err, toks)
		}
		if _, res, err := c.RacApi.RacConnectionTokensRetrieve(ctx(t), l.ConnectionToken.PK).Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("retrieve after expiry: %v", err)
		}
		if st, body, _ := racLaunch(t, r, e.Pk, ""); st != 201 {
			t.Fatalf("launch after expiry: %d %s", st, body)
		}

		// hours=0: no fixed expiry; revoking with DELETE frees a limit-1 endpoint.
		forever := racProvider(t, c, flow, "forever", "hours=0")
		e2 := racEndpoint(t, c, forever, "server", 1)
		st, body, l2 := racLaunch(t, r, e2.Pk, "")
		if st != 201 || l2.Expires != nil || !strings.Contains(body, `"expires":null`) {
			t.Fatalf("hours=0 launch: %d %s", st, body)
		}
		if st, _, _ := racLaunch(t, r, e2.Pk, ""); st != 400 {
			t.Fatalf("limit: %d", st)
		}
		if _, err := c.RacApi.RacConnectionTokensDestroy(ctx(t), l2.ConnectionToken.PK).Execute(); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		if st, body, _ := racLaunch(t, r, e2.Pk, ""); st != 201 {
			t.Fatalf("launch after revoke: %d %s", st, body)
		}
		if used, _, err := c.RacApi.RacEndpointsUsedByList(ctx(t), e2.Pk).Execute(); err != nil || len(used) != 1 {
			t.Fatalf("endpoint used_by: %v %+v", err, used)
		}
		// Deleting the endpoint deletes its tokens.
		if _, err := c.RacApi.RacEndpointsDestroy(ctx(t), e2.Pk).Execute(); err != nil {
			t.Fatalf("delete endpoint: %v", err)
		}
		toks, _, err = c.RacApi.RacConnectionTokensList(ctx(t)).Provider(forever).Execute()
		if err != nil || toks.Pagination.Count != 0 {
			t.Fatalf("tokens after endpoint delete: %v %+v", err, toks)
		}
	})
}

// TestRACLaunchLimitRace launches concurrently on a limit-1 endpoint from two clients
// (separate connections) many times: exactly one launch wins each round.
func TestRACLaunchLimitRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		c := r.Client(t, Token)
		flow := racFlow(t, c)
		p := racProvider(t, c, flow, "p", "hours=1")
		for round := 0; round < 5; round++ {
			e := racEndpoint(t, c, p, "race-"+string(rune('a'+round)), 1)
			var wg sync.WaitGroup
			var mu sync.Mutex
			results := map[int]int{}
			start := make(chan struct{})
			for i := 0; i < 2; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					st, body, _ := racLaunch(t, r, e.Pk, "")
					if st != 201 && (st != 400 || body != `{"non_field_errors":["Maximum connection limit reached."]}`) {
						t.Errorf("launch: %d %s", st, body)
					}
					mu.Lock()
					results[st]++
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			if results[201] != 1 || results[400] != 1 {
				t.Fatalf("round %d: %v", round, results)
			}
		}
	})
}
