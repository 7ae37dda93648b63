package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/racd/racd/internal/storetest"
)

// Property mappings that take an evaluation as far as its bounds let it (issue 9 §4).
var floodMappings = map[string]string{
	// Recursion without end: fails at the call-depth bound.
	"recurse": "def f(n):\n    return f(n + 1)\nreturn f(0)",
	// Recursion to the depth bound, then a loop there until the time limit: the
	// deepest stack an evaluation can hold, for as long as it can.
	// (Each turn of the loop scans a 1 MB string, so it runs into the time limit
	// before the step limit.)
	"recurse-and-spin": "s = 'x' * 1000000\ndef f(n):\n    if n == 0:\n        while 'y' not in s:\n            pass\n    return f(n - 1)\nreturn f(180)",
	// The allocation budget (16 MiB) filled, then held until the time limit.
	"fill-budget": "l = []\nfor i in range(15):\n    l.append('x' * 1000000)\nwhile 'y' not in l[0]:\n    pass",
	// The largest results allowed (64 KiB each); the fourth would take the merged
	// settings over 256 KiB.
	"result-1": "return {'r1': 'x' * 65000}",
	"result-2": "return {'r2': 'x' * 65000}",
	"result-3": "return {'r3': 'x' * 65000}",
	"result-4": "return {'r4': 'x' * 65000}",
}

// floodEndpoints are the mappings of the three kinds of endpoint the burst launches.
var floodEndpoints = [][]string{
	{"recurse", "recurse-and-spin"},
	{"result-1", "result-2", "result-3", "result-4"},
	{"fill-budget"},
}

// BenchmarkLaunchFlood launches 64 endpoints at once, on a real racd serve (SQLite,
// default limits: 8 evaluations at once, 1s each), whose property mappings recurse
// without end, fill the allocation budget or build the largest results allowed. It
// reports the server's peak resident memory over its idle baseline in the same run
// (target: under 256 MiB), and checks that every answer is a 201 or a 503 "busy" and
// came within its bound: one evaluation time limit waiting for a slot, plus one time
// limit (and the 250ms overrun allowance) per mapping, plus a second for the rest.
//
//	go test -run x -bench LaunchFlood -benchtime 3x ./internal/e2e/
func BenchmarkLaunchFlood(b *testing.B) {
	const launches = 64
	r := Start(b, storetest.SQLiteURL(b))
	pid := r.cmd.Process.Pid
	flow := createFlow(b, r, "authz")
	prov := r.Must(b, 201, "POST", "/api/v3/providers/rac/", `{"name":"flood","authorization_flow":"`+flow+`"}`)["pk"]
	pk := map[string]string{}
	for name, src := range floodMappings {
		body, _ := json.Marshal(map[string]any{"name": name, "expression": src, "static_settings": map[string]any{}})
		pk[name] = r.Must(b, 201, "POST", "/api/v3/propertymappings/rac/", string(body))["pk"].(string)
	}
	type endpoint struct {
		id    string
		bound time.Duration
	}
	var eps []endpoint
	for i := 0; i < launches; i++ {
		kind := floodEndpoints[i%len(floodEndpoints)]
		var ms []string
		for _, m := range kind {
			ms = append(ms, pk[m])
		}
		body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("ep%d", i), "provider": prov, "protocol": "rdp",
			"host": "desk:3389", "auth_mode": "prompt", "maximum_connections": -1, "property_mappings": ms})
		id := r.Must(b, 201, "POST", "/api/v3/rac/endpoints/", string(body))["pk"].(string)
		eps = append(eps, endpoint{id, time.Second + time.Duration(len(ms))*1250*time.Millisecond + time.Second})
	}
	// Warm up (one launch of each kind), then let the server settle: the baseline is
	// the idle server that has served requests.
	for _, e := range eps[:len(floodEndpoints)] {
		if rep, err := r.Do("POST", "/api/v3/rac/endpoints/"+e.id+"/launch/", ""); err != nil || rep.Status != 201 {
			b.Fatalf("warm-up launch: %d %v", rep.Status, err)
		}
	}
	time.Sleep(2 * time.Second)
	baseline := procStatus(b, pid, "VmRSS")
	resetPeak(b, pid)

	var worst float64
	created, busy := 0, 0
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for _, e := range eps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				rep, err := r.Do("POST", "/api/v3/rac/endpoints/"+e.id+"/launch/", "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					b.Errorf("launch: %v after %v", err, rep.Elapsed)
				case rep.Status == 201:
					created++
				case rep.Status == 503 && rep.Header.Get("Retry-After") == "1" && strings.Contains(rep.Body, "Too many property-mapping evaluations"):
					busy++
				default:
					b.Errorf("launch: %d %.200s", rep.Status, rep.Body)
				}
				if ratio := float64(rep.Elapsed) / float64(e.bound); ratio > worst {
					worst = ratio
				}
				if rep.Elapsed > e.bound {
					b.Errorf("launch answered after %v, past its bound %v", rep.Elapsed, e.bound)
				}
			}()
		}
		close(start)
		wg.Wait()
	}
	b.StopTimer()
	peak := procStatus(b, pid, "VmHWM")
	growth := float64(peak-baseline) / (1 << 20)
	b.ReportMetric(growth, "peak-MiB-over-idle")
	b.ReportMetric(float64(baseline)/(1<<20), "idle-MiB")
	b.ReportMetric(worst, "max-answer/bound")
	b.ReportMetric(float64(created)/float64(b.N), "201/op")
	b.ReportMetric(float64(busy)/float64(b.N), "503/op")
	if growth >= 256 {
		b.Errorf("peak memory grew by %.0f MiB over the idle %.0f MiB, target under 256 MiB", growth, float64(baseline)/(1<<20))
	}
	if !r.Alive() {
		b.Fatal("racd died")
	}
}

// procStatus reads a memory field of /proc/<pid>/status, in bytes.
func procStatus(t testing.TB, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// resetPeak resets the peak resident size (VmHWM) of pid to its current one.
func resetPeak(t testing.TB, pid int) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		t.Fatal(err)
	}
}
