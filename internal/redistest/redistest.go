// Package redistest runs real redis-server processes for tests, on free
// loopback ports, and can kill and restart them.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Server is one redis-server process.
type Server struct {
	Addr string
	dir  string
	port int
	aof  bool
	cmd  *exec.Cmd
	done chan struct{}
}

// Binary returns the redis-server path, or fails the test (under CI=true)
// or skips it with a reason naming what to install.
func Binary(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("redis-server is not installed; run make deps")
	}
	tb.Skip("redis-server is not installed; run make deps to install it")
	return ""
}

// Start runs a fresh redis-server with its data in a temporary directory;
// aof turns on the append-only file with an fsync per write. It is stopped
// when the test ends.
func Start(tb testing.TB, aof bool) *Server {
	tb.Helper()
	Binary(tb)
	s := &Server{dir: tb.TempDir(), port: freePort(tb), aof: aof}
	s.Addr = "127.0.0.1:" + strconv.Itoa(s.port)
	s.start(tb)
	tb.Cleanup(func() { s.Kill(tb) })
	return s
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *Server) start(tb testing.TB) {
	tb.Helper()
	args := []string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--daemonize", "no", "--protected-mode", "yes", "--logfile", ""}
	if s.aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	s.cmd = exec.Command(Binary(tb), args...)
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "Ready to accept connections") {
				close(ready)
				signalled = true
			}
		}
		if !signalled {
			close(ready)
		}
	}()
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(s.cmd, s.done)
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		tb.Fatal("redis-server did not start")
	}
	select {
	case <-s.done:
		tb.Fatalf("redis-server on port %d exited at start", s.port)
	default:
	}
}

// Kill stops the server with SIGKILL, as a crash would.
func (s *Server) Kill(tb testing.TB) {
	tb.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart kills the server and starts it again on the same port and data
// directory: with AOF on, what it acknowledged comes back.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.Kill(tb)
	s.start(tb)
}

func (s *Server) String() string { return fmt.Sprintf("redis-server at %s", s.Addr) }

// Client returns a go-redis client of s, closed when the test ends.
func Client(tb testing.TB, s *Server) *goredis.Client {
	tb.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}
