package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/getkin/kin-openapi/openapi3"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/storetest"
)

var metricsListenRE = regexp.MustCompile(`msg="metrics listening" addr=(\S+)`)

// scrape reads racd's /metrics and parses it with Prometheus's own text parser.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("/metrics: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// series returns a family's samples keyed by their labels ("k=v,k=v" in order).
func series(fams map[string]*dto.MetricFamily, name string) map[string]*dto.Metric {
	out := map[string]*dto.Metric{}
	f := fams[name]
	if f == nil {
		return out
	}
	for _, m := range f.Metric {
		var parts []string
		for _, l := range m.Label {
			parts = append(parts, l.GetName()+"="+l.GetValue())
		}
		out[strings.Join(parts, ",")] = m
	}
	return out
}

// counterDelta is a counter's movement per series between two scrapes.
func counterDelta(before, after map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	b := series(before, name)
	for k, m := range series(after, name) {
		v := m.GetCounter().GetValue()
		if old := b[k]; old != nil {
			v -= old.GetCounter().GetValue()
		}
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// histogramCountDelta is a histogram's observation count movement per series.
func histogramCountDelta(before, after map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	b := series(before, name)
	for k, m := range series(after, name) {
		v := float64(m.GetHistogram().GetSampleCount())
		if old := b[k]; old != nil {
			v -= float64(old.GetHistogram().GetSampleCount())
		}
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func sameCounts(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s{%s} moved by %v, want %v", what, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s{%s} moved by %v, want no movement", what, k, v)
		}
	}
}

// TestMetrics drives a real racd with RACD_METRICS_LISTEN through a scripted mix of
// requests and checks, with Prometheus's parser, that every counter moved by exactly
// what was sent: requests by route pattern, method and status; latency observations;
// response bytes; auth-cache lookups; expression outcomes; audit events by action
// (checked against the events API). No label carries a raw id or path.
func TestMetrics(t *testing.T) {
	racdDoc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			r := Start(t, storetest.URL(t, backend), "RACD_METRICS_LISTEN=127.0.0.1:0", "RACD_AUTH_CACHE_TTL=1h")
			m := metricsListenRE.FindStringSubmatch(r.Logs())
			if m == nil {
				t.Fatalf("no metrics listener in the log:\n%s", r.Logs())
			}
			metricsAddr := m[1]
			// Event counts by action before, through the API (outside the scraped window).
			actions := []string{"model_created", "model_updated", "model_deleted", "configuration_error", "secret_view"}
			eventCounts := func() map[string]float64 {
				out := map[string]float64{}
				for _, a := range actions {
					page := r.Must(t, 200, "GET", "/api/v3/events/events/?page_size=1&action="+a, "")
					out[a] = page["pagination"].(map[string]any)["count"].(float64)
				}
				return out
			}
			eventsBefore := eventCounts()
			before := scrape(t, metricsAddr)

			requests := map[string]float64{} // route,method,status → count
			observed := map[string]float64{} // route,method → count
			bytes := map[string]float64{}    // route,method → bytes
			lookups := 0.0
			var ids []string
			send := func(method, path, body, token, route string, status int) map[string]any {
				t.Helper()
				req, err := http.NewRequest(method, r.URL+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := rawClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != status {
					t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, b, status)
				}
				label := method
				if method == "BREW" {
					label = "OTHER"
				}
				requests[fmt.Sprintf("method=%s,route=%s,status=%d", label, route, status)]++
				observed[fmt.Sprintf("method=%s,route=%s", label, route)]++
				bytes[fmt.Sprintf("method=%s,route=%s", label, route)] += float64(len(b))
				if token != "" && route != "unmatched" && !strings.HasPrefix(route, "/-/") && route != "/api/v3/schema/" {
					lookups++
				}
				var out map[string]any
				_ = json.Unmarshal(b, &out)
				return out
			}
			const (
				providers = "/api/v3/providers/rac/"
				provider  = "/api/v3/providers/rac/{id}/"
			)
			for range 3 {
				send("GET", providers, "", Token, providers, 200)
			}
			flow := send("POST", "/api/v3/flows/instances/", `{"name":"F","slug":"metrics-flow","title":"T","designation":"authorization"}`,
				Token, "/api/v3/flows/instances/", 201)["pk"].(string)
			var mappings []string
			for i, expr := range []string{`return {"port": "3390"}`, `return {"a": 1 // 0}`, "x = 0\nwhile True:\n    x += 1"} {
				pm := send("POST", "/api/v3/propertymappings/rac/", fmt.Sprintf(`{"name":"m%d","expression":%q,"static_settings":{}}`, i, expr),
					Token, "/api/v3/propertymappings/rac/", 201)["pk"].(string)
				mappings = append(mappings, `"`+pm+`"`)
				ids = append(ids, pm)
			}
			p1 := send("POST", providers, `{"name":"p1","authorization_flow":"`+flow+`","property_mappings":[`+strings.Join(mappings, ",")+`]}`, Token, providers, 201)["pk"]
			p2 := send("POST", providers, `{"name":"p2","authorization_flow":"`+flow+`"}`, Token, providers, 201)["pk"]
			send("GET", fmt.Sprintf("%s%v/", providers, p1), "", Token, provider, 200)
			send("GET", fmt.Sprintf("%s%v/", providers, p2), "", Token, provider, 200)
			send("GET", providers+"987654/", "", Token, provider, 404)
			send("PATCH", fmt.Sprintf("%s%v/", providers, p2), `{"connection_expiry":"hours=3"}`, Token, provider, 200)
			send("DELETE", fmt.Sprintf("%s%v/", providers, p2), "", Token, provider, 204)
			ep := send("POST", "/api/v3/rac/endpoints/", fmt.Sprintf(`{"name":"d","provider":%v,"protocol":"rdp","host":"10.0.0.5","auth_mode":"prompt"}`, p1),
				Token, "/api/v3/rac/endpoints/", 201)["pk"].(string)
			launch := send("POST", "/api/v3/rac/endpoints/"+ep+"/launch/", "", Token, "/api/v3/rac/endpoints/{pbm_uuid}/launch/", 201)
			send("GET", "/api/v3/nope/secret-id-424242/", "", Token, "unmatched", 404)
			send("GET", providers, "", "not-a-token-5555", providers, 403)
			send("BREW", providers, "", Token, providers, 405)
			send("GET", "/-/health/live/", "", "", "/-/health/live/", 200)
			send("GET", "/api/v3/schema/?format=json", "", "", "/api/v3/schema/", 200)
			ids = append(ids, flow, ep, launch["token"].(string), "987654", "secret-id-424242", "not-a-token-5555", Token, "metrics-flow")

			// A request is counted just after its answer is sent: wait for the last one.
			after := scrape(t, metricsAddr)
			for deadline := time.Now().Add(3 * time.Second); sum(counterDelta(before, after, "racd_http_requests_total")) < sum(requests) && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
				after = scrape(t, metricsAddr)
			}
			sameCounts(t, "racd_http_requests_total", counterDelta(before, after, "racd_http_requests_total"), requests)
			sameCounts(t, "racd_http_request_duration_seconds count", histogramCountDelta(before, after, "racd_http_request_duration_seconds"), observed)
			sameCounts(t, "racd_http_response_bytes_total", counterDelta(before, after, "racd_http_response_bytes_total"), bytes)
			auth := counterDelta(before, after, "racd_auth_cache_lookups_total")
			if auth["result=hit"]+auth["result=miss"] != lookups || auth["result=miss"] != 1 {
				// One miss: the bad token (the admin token's lookup was cached by the
				// event counting before the window).
				t.Errorf("auth cache moved %v, want %v lookups with one miss", auth, lookups)
			}
			sameCounts(t, "racd_expression_evaluations_total", counterDelta(before, after, "racd_expression_evaluations_total"),
				map[string]float64{"outcome=ok": 1, "outcome=failed": 1, "outcome=over_budget": 1})
			eventsAfter := eventCounts()
			wantEvents := map[string]float64{}
			for _, a := range actions {
				if d := eventsAfter[a] - eventsBefore[a]; d != 0 {
					wantEvents["action="+a] = d
				}
			}
			if wantEvents["action=configuration_error"] != 2 || wantEvents["action=model_created"] < 8 {
				t.Fatalf("events API moved %v", wantEvents)
			}
			sameCounts(t, "racd_audit_events_written_total", counterDelta(before, after, "racd_audit_events_written_total"), wantEvents)
			// The database and the runtime are there too.
			if q := histogramCountDelta(before, after, "racd_db_statement_duration_seconds"); q["op=query,result=ok"] < 10 || q["op=commit,result=ok"] < 8 {
				t.Errorf("statement latencies moved %v", q)
			}
			pools := map[string][]string{"sqlite": {"pool=read", "pool=write"}, "postgres": {"pool=shared"}}[backend]
			for _, p := range pools {
				if s := series(after, "racd_db_pool_max_open_connections")[p]; s == nil || s.GetGauge().GetValue() < 1 {
					t.Errorf("no pool gauge for %s", p)
				}
			}
			for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
				if after[name] == nil {
					t.Errorf("%s is missing", name)
				}
			}
			// No label names a raw id, path or key.
			routes := map[string]bool{"unmatched": true}
			for path := range racdDoc.Paths.Map() {
				routes[path] = true
			}
			for name, f := range after {
				for _, s := range f.Metric {
					for _, l := range s.Label {
						v := l.GetValue()
						if l.GetName() == "route" && !routes[v] {
							t.Errorf("%s has route label %q, not a route pattern", name, v)
						}
						for _, id := range ids {
							if strings.Contains(v, id) {
								t.Errorf("%s label %s=%q carries the raw id %q", name, l.GetName(), v, id)
							}
						}
					}
				}
			}
			t.Logf("%d request series, %v requests, %v lookups, events %v", len(requests), sum(requests), lookups, wantEvents)
		})
	}
}

func sum(m map[string]float64) float64 {
	var n float64
	for _, v := range m {
		n += v
	}
	return n
}

// gaugeValue is a gauge's value for a series ("" for a family without labels).
func gaugeValue(fams map[string]*dto.MetricFamily, name, labels string) float64 {
	if s := series(fams, name)[labels]; s != nil {
		return s.GetGauge().GetValue()
	}
	return -1
}

// TestGatewayMetrics: a session through racd's gateway (test guacd) moves the
// gateway's metrics: one live session while it runs, one start, one ok handshake,
// bytes both ways, and once the browser leaves one end with reason browser_closed.
func TestGatewayMetrics(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		guacd := guacdtest.Start(t, guacdtest.Options{})
		r := Start(t, dbURL, "RACD_GUACD_ADDR="+guacd.Addr(), "RACD_METRICS_LISTEN=127.0.0.1:0")
		addr := metricsListenRE.FindStringSubmatch(r.Logs())[1]
		secret, tokenUUID := gatewayFixture(t, r, nil)
		// A mapping on the provider, evaluated when the gateway connects.
		pm := r.Must(t, 201, "POST", "/api/v3/propertymappings/rac/", `{"name":"at-connect","expression":"return {\"color-depth\": \"16\"}","static_settings":{}}`)["pk"].(string)
		prov := r.Must(t, 200, "GET", "/api/v3/providers/rac/?name=gateway", "")["results"].([]any)[0].(map[string]any)["pk"]
		r.Must(t, 200, "PATCH", fmt.Sprintf("/api/v3/providers/rac/%v/", prov), `{"property_mappings":["`+pm+`"]}`)
		before := scrape(t, addr)
		if v := gaugeValue(before, "racd_gateway_sessions_live", ""); v != 0 {
			t.Fatalf("live sessions before: %v", v)
		}
		ws := newPageBrowser().session(t, r, secret)
		sent := []byte("5.mouse,2.10,2.10,1.0;")
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ws.Write(c, websocket.MessageText, sent); err != nil {
			t.Fatal(err)
		}
		var during map[string]*dto.MetricFamily
		for deadline := time.Now().Add(5 * time.Second); ; {
			during = scrape(t, addr)
			from := counterDelta(before, during, "racd_gateway_relayed_bytes_from_browser_total")[""]
			if from >= float64(len(sent)) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if v := gaugeValue(during, "racd_gateway_sessions_live", ""); v != 1 {
			t.Errorf("live sessions during: %v, want 1", v)
		}
		sameCounts(t, "racd_gateway_sessions_started_total", counterDelta(before, during, "racd_gateway_sessions_started_total"), map[string]float64{"": 1})
		sameCounts(t, "racd_gateway_guacd_handshake_duration_seconds count",
			histogramCountDelta(before, during, "racd_gateway_guacd_handshake_duration_seconds"), map[string]float64{"result=ok": 1})
		to := counterDelta(before, during, "racd_gateway_relayed_bytes_to_browser_total")[""]
		from := counterDelta(before, during, "racd_gateway_relayed_bytes_from_browser_total")[""]
		if to <= 0 || from < float64(len(sent)) {
			t.Errorf("relayed %v bytes to the browser and %v from it; want > 0 and >= %d", to, from, len(sent))
		}
		sameCounts(t, "racd_expression_evaluations_total", counterDelta(before, during, "racd_expression_evaluations_total"), map[string]float64{"outcome=ok": 1})
		ws.Close(websocket.StatusNormalClosure, "")
		var after map[string]*dto.MetricFamily
		for deadline := time.Now().Add(5 * time.Second); ; {
			after = scrape(t, addr)
			// The live gauge and the ended counter move one after the other: wait for both.
			ended := counterDelta(before, after, "racd_gateway_sessions_ended_total")["reason=browser_closed"]
			if gaugeValue(after, "racd_gateway_sessions_live", "") == 0 && ended > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if v := gaugeValue(after, "racd_gateway_sessions_live", ""); v != 0 {
			t.Errorf("live sessions after: %v, want 0", v)
		}
		sameCounts(t, "racd_gateway_sessions_ended_total", counterDelta(before, after, "racd_gateway_sessions_ended_total"), map[string]float64{"reason=browser_closed": 1})
		for name, f := range after {
			for _, s := range f.Metric {
				for _, l := range s.Label {
					if strings.Contains(l.GetValue(), secret) || strings.Contains(l.GetValue(), tokenUUID) {
						t.Errorf("%s label %s carries the token", name, l.GetValue())
					}
				}
			}
		}
		t.Logf("session: %v bytes to the browser, %v from it; ended browser_closed", to, from)
	})
}
