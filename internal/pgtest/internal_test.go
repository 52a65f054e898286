//go:build unix

package pgtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Without server binaries anywhere, findBinDir says so with the one error
// that may turn into a skip.
func TestFindBinDirNone(t *testing.T) {
	saved := search
	t.Cleanup(func() { search = saved })
	dir := t.TempDir()
	search.pgConfig = filepath.Join(dir, "no-pg_config")
	search.debianGlob = filepath.Join(dir, "*", "bin")
	search.onPath = "no-such-postgres-binary"
	if _, err := findBinDir(); !errors.Is(err, errNoBinaries) {
		t.Fatalf("findBinDir = %v, want errNoBinaries", err)
	}

	// The newest of several versioned directories wins.
	for _, v := range []string{"9", "15", "13"} {
		bin := filepath.Join(dir, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "postgres"} {
			if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := findBinDir()
	if want := filepath.Join(dir, "15", "bin"); err != nil || got != want {
		t.Fatalf("findBinDir = %q, %v; want %q", got, err, want)
	}
}

// recorder stands in for a test to see whether unavailable skips or fails.
type recorder struct {
	testing.TB
	outcome string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Skipf(f string, args ...any)  { r.outcome = "skip: " + fmt.Sprintf(f, args...) }
func (r *recorder) Fatalf(f string, args ...any) { r.outcome = "fail: " + fmt.Sprintf(f, args...) }

func TestUnavailable(t *testing.T) {
	missing := fmt.Errorf("looking: %w", errNoBinaries)
	for _, tc := range []struct {
		name string
		err  error
		ci   bool
		want string
	}{
		{"missing on a developer machine", missing, false, "skip"},
		{"missing in CI", missing, true, "fail"},
		{"broken server", errors.New("initdb: exit status 1"), false, "fail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			unavailable(r, tc.err, tc.ci)
			if len(r.outcome) < 4 || r.outcome[:4] != tc.want {
				t.Fatalf("outcome %q, want %s", r.outcome, tc.want)
			}
			if tc.err == missing && !strings.Contains(r.outcome, "make deps") {
				t.Fatalf("outcome %q does not say to run make deps", r.outcome)
			}
		})
	}
}

// A server that dies at start is reported at once, quoting its log.
func TestStartFailureQuotesLog(t *testing.T) {
	// Not t.TempDir: when running as root the fake binaries run as an
	// unprivileged user, who needs to reach them.
	bin, err := os.MkdirTemp("", "pgtest-fake-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(bin) })
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, script := range map[string]string{
		"initdb":   "#!/bin/sh\nexit 0\n",
		"postgres": "#!/bin/sh\necho 'FATAL: fake server refuses to start' >&2\nexit 1\n",
	} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	saved := search
	t.Cleanup(func() { search = saved })
	search.pgConfig = filepath.Join(bin, "no-pg_config")
	search.debianGlob = filepath.Join(bin, "none", "*")
	search.onPath = filepath.Join(bin, "postgres")

	start := time.Now()
	s, err := startServer()
	if err == nil {
		s.stop()
		t.Fatal("startServer succeeded with a postgres that exits at once")
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the failure took %v to notice", took)
	}
	if !strings.Contains(err.Error(), "fake server refuses to start") || !strings.Contains(err.Error(), "exited during start") {
		t.Fatalf("startServer error = %v; want it to say the server exited and quote its log", err)
	}
}
