package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBackupUnderLoad: `racd backup --to FILE` runs while four clients keep creating
// providers through a serving racd. The copy holds every create acknowledged before
// the backup started, is a transactional snapshot (each provider in it has its
// model_created event, nothing more), and `racd serve` on the copy serves it with the
// original token.
func TestBackupUnderLoad(t *testing.T) {
	dir := t.TempDir()
	dbURL := "sqlite://" + filepath.Join(dir, "racd.db")
	r := Start(t, dbURL)
	flow := createFlow(t, r, "authz")

	var (
		mu    sync.Mutex
		acked = map[string]bool{}
		fails []string
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rep, err := r.Do("POST", "/api/v3/providers/rac/", fmt.Sprintf(`{"name":"w%d-%d","authorization_flow":"%s"}`, w, i, flow))
				mu.Lock()
				if err != nil || rep.Status != 201 {
					fails = append(fails, fmt.Sprintf("%v %d %s", err, rep.Status, rep.Body))
				} else {
					acked[pkOf(rep.Body)] = true
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	mu.Lock()
	before := make([]string, 0, len(acked))
	for pk := range acked {
		before = append(before, pk)
	}
	mu.Unlock()

	copyPath := filepath.Join(dir, "backup", "copy.db")
	if err := os.Mkdir(filepath.Dir(copyPath), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(racdBin, "backup", "--to", copyPath)
	cmd.Env = append(os.Environ(), "RACD_DATABASE_URL="+dbURL, "RACD_SECRET_KEY="+Secret)
	started := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(started)
	if err != nil || !strings.Contains(string(out), "integrity ok") {
		t.Fatalf("racd backup: %v\n%s", err, out)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	mu.Lock()
	total := len(acked)
	mu.Unlock()
	if len(fails) > 0 {
		t.Fatalf("%d writes failed during the backup, e.g. %s", len(fails), fails[0])
	}
	if total <= len(before) {
		t.Fatalf("no write was acknowledged during and after the backup (%d before, %d in all)", len(before), total)
	}
	if st, err := os.Stat(copyPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("copy: %v %v", st, err)
	}
	if leftovers, _ := filepath.Glob(copyPath + ".partial-*"); len(leftovers) > 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}

	// The original keeps serving; stop it, then serve the copy.
	r.Stop()
	c := Start(t, "sqlite://"+copyPath)
	inCopy := map[string]bool{}
	for page := 1; ; page++ {
		list := c.Must(t, 200, "GET", fmt.Sprintf("/api/v3/providers/rac/?page_size=1000&page=%d", page), "")
		for _, p := range list["results"].([]any) {
			inCopy[fmt.Sprint(p.(map[string]any)["pk"])] = true
		}
		if list["pagination"].(map[string]any)["next"].(float64) == 0 {
			break
		}
	}
	missing := 0
	for _, pk := range before {
		if !inCopy[pk] {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d writes acknowledged before the backup are missing from the copy", missing, len(before))
	}
	ev := c.Must(t, 200, "GET", "/api/v3/events/events/?page_size=1&action=model_created&context_model_name=racprovider", "")
	if n := ev["pagination"].(map[string]any)["count"].(float64); int(n) != len(inCopy) {
		t.Fatalf("copy has %d providers but %v model_created events for them: not a snapshot", len(inCopy), n)
	}
	p := c.Must(t, 200, "GET", "/api/v3/providers/rac/"+before[0]+"/", "")
	if p["authorization_flow"] != flow {
		t.Fatalf("provider from the copy: %v", p)
	}
	t.Logf("backup took %v under load: %d creates acknowledged before it, all in the copy (%d providers); %d acknowledged in all; %s",
		took.Round(time.Millisecond), len(before), len(inCopy), total, strings.TrimSpace(lastLine(string(out))))
}

// pkOf reads "pk" from a provider's JSON answer.
func pkOf(body string) string {
	rest := strings.TrimPrefix(body, `{"pk":`)
	if i := strings.IndexByte(rest, ','); i > 0 {
		return rest[:i]
	}
	return ""
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
