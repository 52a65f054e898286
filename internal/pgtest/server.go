//go:build unix

package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// server is a private PostgreSQL started by this test binary.
type server struct {
	url      string
	dir      string // holds data/, the socket and postgres.log; removed by stop
	data     string
	cmd      *exec.Cmd     // the watchdog shell, postgres's parent
	lifeline *os.File      // closing it stops the server
	done     chan struct{} // closed once cmd has been waited for
}

// watchdog runs postgres ("$0" "$@") and stops it with SIGINT (fast
// shutdown) when fd 3 reads EOF, then exits with postgres's status. It also
// exits when postgres does, so a server that fails to start is noticed at
// once. The watcher's stdin is redirected explicitly because sh gives
// background jobs /dev/null.
const watchdog = `"$0" "$@" </dev/null 3<&- &
pid=$!
{ read -r _ <&3; kill -INT "$pid" 2>/dev/null; } &
watcher=$!
exec 3<&-
wait "$pid"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"`

// startServer creates a cluster in a new temporary directory and runs
// postgres on a free loopback port until stop.
func startServer() (_ *server, err error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("make server directory: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if cred != nil {
		// The server runs as cred and must own its directory; MkdirTemp's
		// 0700 keeps everyone else out.
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("hand %s to uid %d: %w", dir, cred.Uid, err)
		}
	}
	data := filepath.Join(dir, "data")

	// -N skips initdb's fsyncs: a test cluster that a machine crash destroys
	// is simply made again. The server itself keeps fsync on, so commits in
	// tests (and the benchmark) cost what they cost in production.
	initdb := exec.Command(filepath.Join(bin, "initdb"),
		"-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "-N")
	prepare(initdb, dir, cred)
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, tail(string(out), 2000))
	}

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create server log: %w", err)
	}
	defer logFile.Close() // the child has its own copy of the descriptor

	// The write end of this pipe is the server's lifeline: the watchdog
	// script below stops postgres once the pipe reads EOF, which happens
	// when stop closes it and equally when this process dies without
	// stopping it (go test's timeout, a kill -9), so no server outlives its
	// test binary. (Pdeathsig cannot do this: the kernel clears it when the
	// child switches to an unprivileged user.)
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("make lifeline pipe: %w", err)
	}
	defer lifeR.Close() // the child has its own copy
	cmd := exec.Command("/bin/sh", "-c", watchdog, filepath.Join(bin, "postgres"),
		"-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1",
		// Each store holds a small pool; parallel tests add up.
		"-c", "max_connections=200")
	prepare(cmd, dir, cred)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.ExtraFiles = []*os.File{lifeR} // fd 3
	if err := cmd.Start(); err != nil {
		lifeW.Close()
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	s := &server{
		url:      fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		dir:      dir,
		data:     data,
		cmd:      cmd,
		lifeline: lifeW,
		done:     make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(60 * time.Second); err != nil {
		log, _ := os.ReadFile(logPath) // before stop removes it
		_ = s.stop()
		return nil, fmt.Errorf("%w\npostgres log:\n%s", err, tail(string(log), 4000))
	}
	return s, nil
}

// prepare runs c in dir with a locale every system has, and as cred when
// that is set.
func prepare(c *exec.Cmd, dir string, cred *syscall.Credential) {
	c.Dir = dir
	c.Env = append(os.Environ(), "LC_ALL=C")
	if cred != nil {
		if c.SysProcAttr == nil {
			c.SysProcAttr = &syscall.SysProcAttr{}
		}
		c.SysProcAttr.Credential = cred
	}
}

// waitReady polls until the server accepts a connection, it exits, or the
// timeout passes.
func (s *server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.url)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited during start (%v)", s.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after %v: %w", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop asks for a fast shutdown (SIGINT: roll back sessions, checkpoint,
// exit) through the lifeline, kills the server if that takes too long, and
// removes its directory.
func (s *server) stop() error {
	s.lifeline.Close()
	var errs []error
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		// postgres is the watchdog's child, so killing the shell alone
		// would orphan it; its pid is in the first line of postmaster.pid.
		if b, err := os.ReadFile(filepath.Join(s.data, "postmaster.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		_ = s.cmd.Process.Kill()
		<-s.done
		errs = append(errs, errors.New("postgres did not stop within 30s of SIGINT; killed it"))
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove server directory: %w", err))
	}
	return errors.Join(errs...)
}

// search is where findBinDir looks; tests point it elsewhere.
var search = struct{ pgConfig, debianGlob, onPath string }{
	pgConfig:   "pg_config",
	debianGlob: "/usr/lib/postgresql/*/bin",
	onPath:     "postgres",
}

// findBinDir locates the directory holding initdb and postgres: pg_config's
// answer first, then Debian's versioned directories (newest first), then
// $PATH.
func findBinDir() (string, error) {
	var candidates []string
	if out, err := exec.Command(search.pgConfig, "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	debian, _ := filepath.Glob(search.debianGlob)
	slices.SortFunc(debian, func(a, b string) int { return versionOf(b) - versionOf(a) })
	candidates = append(candidates, debian...)
	if p, err := exec.LookPath(search.onPath); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, dir := range candidates {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	// Debian's libpq-dev ships a pg_config whose bindir has no server, so
	// a pg_config alone is not proof of one.
	return "", errNoBinaries
}

// versionOf reads the major version out of /usr/lib/postgresql/N/bin.
func versionOf(bindir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bindir)))
	return n
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// serverCredential returns who to run the server as: nil (ourselves) unless
// we are root, which PostgreSQL refuses to run as. Then the Debian postgres
// account if there is one, else nobody.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err := errors.Join(err1, err2); err != nil {
			errs = append(errs, fmt.Errorf("user %s: %w", name, err))
			continue
		}
		// An empty (not nil) Groups makes the child drop root's
		// supplementary groups too, not just its uid and gid.
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
	}
	return nil, fmt.Errorf("running as root and found no unprivileged user to run postgres as: %w", errors.Join(errs...))
}

// freePort asks the kernel for a loopback port that is free right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
