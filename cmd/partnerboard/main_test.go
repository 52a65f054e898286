package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/pgtest"
	"partnerboard/internal/testenv"
	"partnerboard/store/sqlite"
)

// binary is the real partnerboard program, built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "partnerboard-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "partnerboard")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build partnerboard: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	if err := pgtest.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one running partnerboard process.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *strings.Builder
	mu     *sync.Mutex
	exited chan struct{}
}

// startBinary runs partnerboard on a free port with the given data
// directory and any further flags.
func startBinary(t *testing.T, dataDir string, flags ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"-addr", "127.0.0.1:0", "-data", dataDir}, flags...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &strings.Builder{}, mu: &sync.Mutex{}, exited: make(chan struct{})}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.stderr.Write(b)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Partnerboard is running at "); ok {
				urls <- strings.TrimSuffix(u, "/")
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	select {
	case p.url = <-urls:
	case <-p.exited:
		t.Fatalf("partnerboard exited at start: %s", p.log())
	case <-time.After(60 * time.Second):
		t.Fatal("partnerboard printed no URL")
	}
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

var _ io.Writer = writerFunc(nil)

// editBurst has writers send batches until stop is closed and returns,
// per writer, the ids of the notes whose batches were acknowledged.
func editBurst(t *testing.T, p *proc, id string, writers int, stop <-chan struct{}, acked chan<- string) *sync.WaitGroup {
	t.Helper()
	var wg sync.WaitGroup
	for w := range writers {
		c := testenv.Dial(t, client.Options{URL: p.url, Board: id, Name: fmt.Sprintf("Writer %d", w)})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				nid := fmt.Sprintf("w%d-%d", w, i)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := c.Send(ctx, []board.Op{testenv.Note(nid, "kept", float64(i), float64(w))})
				cancel()
				if err != nil {
					return // the server went away; unacknowledged batches may be lost
				}
				acked <- nid
			}
		}()
	}
	return &wg
}

// Acceptance: SIGKILL right after a burst of acks loses nothing that was
// acknowledged, and the database passes SQLite's integrity check.
func TestAckedEditsSurviveSIGKILL(t *testing.T) {
	data := t.TempDir()
	p := startBinary(t, data)
	id := testenv.CreateBoard(t, p.url, "Crash test")

	acked := make(chan string, 100000)
	stop := make(chan struct{})
	wg := editBurst(t, p, id, 4, stop, acked)
	for len(acked) < 300 {
		time.Sleep(time.Millisecond)
	}
	// Kill while the writers are still sending.
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	close(stop)
	wg.Wait()
	close(acked)

	st, err := sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(data, "partnerboard.db")})
	if err != nil {
		t.Fatalf("open the database after the crash: %v", err)
	}
	if err := st.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("integrity check: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	p2 := startBinary(t, data)
	n, total := checkAcked(t, p2.url, id, acked, 300)
	t.Logf("%d acknowledged edits survived SIGKILL; %d notes on the board", n, total)
}

// checkAcked reads the board from a running server and
// fails for every acknowledged note that is missing, or if fewer than min
// edits were acknowledged at all (the test would then prove little).
func checkAcked(t *testing.T, url, id string, acked <-chan string, min int) (n, total int) {
	t.Helper()
	state, _ := testenv.BoardState(t, url, id)
	for nid := range acked {
		n++
		if _, ok := state.Get(nid); !ok {
			t.Errorf("acknowledged note %s is missing after the restart", nid)
		}
	}
	if n < min {
		t.Fatalf("only %d acknowledged edits", n)
	}
	return n, state.Len()
}

// Acceptance: SIGTERM closes every client with 1001, loses no acknowledged
// edit, and the process exits 0.
func TestSIGTERMClosesClientsWith1001(t *testing.T) {
	data := t.TempDir()
	p := startBinary(t, data)
	id := testenv.CreateBoard(t, p.url, "Shutdown test")

	idle := make([]*client.Client, 3)
	for i := range idle {
		idle[i] = testenv.Dial(t, client.Options{URL: p.url, Board: id, Name: fmt.Sprintf("Watcher %d", i)})
	}
	acked := make(chan string, 100000)
	stop := make(chan struct{})
	wg := editBurst(t, p, id, 3, stop, acked)
	for len(acked) < 100 {
		time.Sleep(time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(60 * time.Second):
		t.Fatal("partnerboard did not exit after SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM; log:\n%s", code, p.log())
	}
	close(stop)
	wg.Wait()
	close(acked)
	for i, c := range idle {
		<-c.Done()
		if got := c.CloseStatus(); got != websocket.StatusGoingAway {
			t.Errorf("watcher %d closed with %v (%v), want 1001", i, got, c.Err())
		}
	}

	p2 := startBinary(t, data)
	checkAcked(t, p2.url, id, acked, 100)
}
