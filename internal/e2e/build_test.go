package e2e

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// moduleRoot is the repository root (tests run in internal/e2e).
const moduleRoot = "../.."

// readmeBuildLine finds the README's build command: the line of a shell block that
// runs `go build` on ./cmd/racd.
func readmeBuildLine() (string, error) {
	f, err := os.Open(filepath.Join(moduleRoot, "README.md"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.Contains(line, "go build") && strings.HasSuffix(line, "./cmd/racd") && !strings.HasPrefix(line, "`") {
			return line, sc.Err()
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("README.md has no line running go build on ./cmd/racd")
}

// readmeBuild turns the README's build command into a command that writes the binary
// to out: leading NAME=value words become the environment, the output path of -o is
// replaced. The machine's go env may turn VCS stamping off (GOFLAGS=-buildvcs=false);
// the build here uses Go's default (auto) so the binary carries what an operator's
// build in a checkout carries.
func readmeBuild(out string) (*exec.Cmd, error) {
	line, err := readmeBuildLine()
	if err != nil {
		return nil, err
	}
	words := strings.Fields(line)
	env := append(os.Environ(), "GOFLAGS=-buildvcs=auto")
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env = append(env, words[0])
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		return nil, fmt.Errorf("README build command %q does not run go build", line)
	}
	args := words[1:]
	replaced := false
	for i := 0; i < len(args)-1; i++ {
		if args[i] == "-o" {
			args[i+1] = out
			replaced = true
		}
	}
	if !replaced {
		args = append([]string{"build", "-o", out}, args[1:]...)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot
	cmd.Env = env
	return cmd, nil
}

// TestStaticBinary checks that the README's build command gives a static binary: an
// ELF without a program interpreter (PT_INTERP) and without shared libraries, which
// runs on any Linux of its architecture, in a scratch container or a systemd sandbox.
func TestStaticBinary(t *testing.T) {
	line, err := readmeBuildLine()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line, "CGO_ENABLED=0") {
		t.Errorf("README build command %q does not disable cgo", line)
	}
	f, err := elf.Open(racdBin)
	if err != nil {
		t.Fatalf("racd is not an ELF binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp := make([]byte, p.Filesz)
			_, _ = p.ReadAt(interp, 0)
			t.Errorf("racd built with %q asks for the interpreter %s: it is dynamically linked", line, strings.TrimRight(string(interp), "\x00"))
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("racd needs shared libraries %v (%v)", libs, err)
	}
	t.Logf("%s: %d program headers, no PT_INTERP, no DT_NEEDED", line, len(f.Progs))
}

// TestVersionFromBuildInfo runs `racd version` on the binary built by the README's
// command without -ldflags: it names the Go version that built it and, when built in
// a git checkout (as CI's clone is), the commit.
func TestVersionFromBuildInfo(t *testing.T) {
	out, err := exec.Command(racdBin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("racd version: %v\n%s", err, out)
	}
	got := strings.TrimSpace(string(out))
	if !strings.HasPrefix(got, "racd ") || !strings.Contains(got, runtime.Version()) {
		t.Errorf("racd version = %q; want the version and %s", got, runtime.Version())
	}
	// Go records VCS information when the module root holds a .git directory (a
	// clone; a linked worktree's .git file is not recognised by the toolchain).
	if st, err := os.Stat(filepath.Join(moduleRoot, ".git")); err == nil && st.IsDir() {
		rev, err := exec.Command("git", "-C", moduleRoot, "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatalf("git rev-parse: %v", err)
		}
		if want := "revision " + strings.TrimSpace(string(rev)); !strings.Contains(got, want) {
			t.Errorf("racd version = %q; want %q", got, want)
		}
		// The toolchain derives a pseudo-version (v0.0.0-<time>-<commit>) from it.
		if strings.HasPrefix(got, "racd dev ") {
			t.Errorf("racd version = %q; want the pseudo-version of the commit", got)
		}
	} else if !strings.Contains(got, "no VCS revision recorded") {
		t.Errorf("racd version = %q outside a clone; want it to say no revision was recorded", got)
	}
	t.Log(got)
}
