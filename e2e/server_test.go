package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/internal/pgtest"
	"partnerboard/internal/testenv"
)

// binDir holds the real partnerboard binary, built the first time a test
// needs it; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "partnerboard-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	// Cluster mode (testenv.ModeEnv) may have started a PostgreSQL server.
	if err := pgtest.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// startServer starts a server in the test process: real hub, real SQLite
// file, real HTTP and WebSocket edge on a loopback port.
func startServer(tb testing.TB) *testenv.Env {
	tb.Helper()
	return testenv.Start(tb, testenv.Options{})
}

// partner is a partner organisation as POST /api/boards takes it.
type partner struct {
	Name  string `json:"name"`
	Tier  string `json:"tier"`
	Color string `json:"color,omitempty"`
}

// createBoard creates a board from a template through the API and returns
// its id.
func createBoard(tb testing.TB, base, title, template string, partners ...partner) string {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"title": title, "template": template, "partners": partners})
	if err != nil {
		tb.Fatal(err)
	}
	res, err := http.Post(base+"/api/boards", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("create board: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		tb.Fatalf("create board: %s: %s", res.Status, b)
	}
	var info struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &info); err != nil || info.ID == "" {
		tb.Fatalf("create board: answer %s: %v", b, err)
	}
	return info.ID
}

// serverState is the board as the server holds it (GET /api/boards/{id}).
func serverState(tb testing.TB, base, id string) *board.State {
	tb.Helper()
	s, _ := testenv.BoardState(tb, base, id)
	return s
}

// stateJSON is the canonical encoding of s, for comparisons that print
// readably when they fail.
func stateJSON(tb testing.TB, s *board.State) string {
	tb.Helper()
	return testenv.StateJSON(tb, s)
}

// waitUntil polls cond, which runs in the test, until it holds; like
// Page.WaitFor it gives up only after patience.
func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// partnerboardBinary builds the real program once per test run (with the
// race detector when the tests have it, as cmd/partnerboard's tests do).
func partnerboardBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		out := filepath.Join(binDir, "partnerboard")
		args := []string{"build", "-o", out}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "partnerboard/cmd/partnerboard")...)
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build partnerboard: %v\n%s", err, b)
			return
		}
		binary = out
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binary
}

// freeAddr returns a loopback address with a port nothing listens on now,
// so that a server can be stopped and started again at the same address.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		tb.Fatal(err)
	}
	return addr
}

// proc is one run of the real partnerboard binary.
type proc struct {
	cmd    *exec.Cmd
	URL    string
	out    *syncBuffer
	exited chan struct{}
}

// startProc runs partnerboard at addr with its database in dataDir and
// returns once it prints its address. It is killed when the test ends if
// it is still running.
func startProc(tb testing.TB, addr, dataDir string) *proc {
	tb.Helper()
	cmd := exec.Command(partnerboardBinary(tb), "-addr", addr, "-data", dataDir)
	p := &proc{cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.out, line)
			if u, ok := strings.CutPrefix(line, "Partnerboard is running at "); ok {
				select {
				case urls <- strings.TrimSuffix(u, "/"):
				default:
				}
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	tb.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if tb.Failed() {
			tb.Logf("partnerboard at %s: log:\n%s", addr, lastLines(p.out.String(), 40))
		}
	})
	select {
	case p.URL = <-urls:
	case <-p.exited:
		tb.Fatalf("partnerboard exited at start: %s", p.out.String())
	case <-time.After(patience):
		tb.Fatalf("partnerboard printed no address: %s", p.out.String())
	}
	return p
}

// Stop sends SIGTERM and waits for a clean exit.
func (p *proc) Stop(tb testing.TB) {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(patience):
		tb.Fatalf("partnerboard did not exit after SIGTERM: %s", p.out.String())
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		tb.Fatalf("partnerboard exited with %d after SIGTERM: %s", code, p.out.String())
	}
}
