// Package pgtest gives tests a fresh, empty PostgreSQL database each.
//
// The databases live on one server per test binary. If PB_TEST_POSTGRES_URL
// is set it names that server (an admin URL whose role may CREATE DATABASE,
// e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable). Otherwise
// the first call to URL starts a private server from the installed PostgreSQL
// binaries: initdb into a temporary directory and postgres on a free loopback
// port, so tests never depend on (or disturb) a server the machine may run.
// A package that calls URL must stop that server from its TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without PostgreSQL binaries the tests are skipped, or fail when CI=true,
// where a missing dependency is a broken setup rather than a choice.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable that points the tests at an
// existing server instead of a private one.
const EnvURL = "PB_TEST_POSTGRES_URL"

// errNoBinaries marks the one failure that may skip a test outside CI.
var errNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found")

var (
	startOnce sync.Once
	adminURL  string // the server's admin URL, once known
	startErr  error  // why there is no server, if there is none

	ownMu sync.Mutex
	own   *server // our private server, if one was started
)

// URL returns a connection URL to a new, empty database that is dropped
// (with any connections still open to it) when tb ends. Callers should close
// their own connections in an earlier cleanup, which t.Cleanup's last-in,
// first-out order gives for anything opened after URL returns.
func URL(tb testing.TB) string {
	tb.Helper()
	admin := serverURL(tb)

	name := "pb_test_" + randomHex(tb, 8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// template0 rather than the default template1: CREATE DATABASE refuses to
	// copy a template that has other sessions, and no one connects to
	// template0, so parallel tests cannot trip over each other here.
	if err := adminExec(ctx, admin, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE (PostgreSQL 13+) ends sessions a failed test left behind,
		// which would otherwise make the drop fail and leak the database.
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})

	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("pgtest: parse admin URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Main runs the tests and then stops the private server, if one was
// started, and removes its directory. It does not return.
func Main(m *testing.M) {
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Stop stops the server this package started, if it started one. A
// TestMain that cannot use Main calls it after m.Run.
func Stop() error { return stopOwn() }

// serverURL returns the admin URL of the server to create databases in,
// starting a private server on first use. It fails or skips tb when there is
// none.
func serverURL(tb testing.TB) string {
	tb.Helper()
	startOnce.Do(func() {
		if env := os.Getenv(EnvURL); env != "" {
			adminURL, startErr = checkEnvURL(env)
			return
		}
		s, err := startServer()
		if err != nil {
			startErr = err
			return
		}
		ownMu.Lock()
		own = s
		ownMu.Unlock()
		adminURL = s.url
	})
	if startErr != nil {
		unavailable(tb, startErr, os.Getenv("CI") == "true")
		return ""
	}
	return adminURL
}

// unavailable ends tb because there is no server: a skip when only the
// binaries are missing on a developer's machine, a failure in CI (where a
// skip would pass a run that tested nothing) and for any other cause.
func unavailable(tb testing.TB, err error, ci bool) {
	tb.Helper()
	switch {
	case errors.Is(err, errNoBinaries) && !ci:
		tb.Skipf("pgtest: %v; run make deps to install them (Debian package postgresql)", err)
	case errors.Is(err, errNoBinaries):
		tb.Fatalf("pgtest: %v; CI must install them: run make deps (Debian package postgresql)", err)
	default:
		tb.Fatalf("pgtest: %v", err)
	}
}

// checkEnvURL makes sure the URL can be rewritten to name another database:
// only the URL form has a path to replace.
func checkEnvURL(env string) (string, error) {
	u, err := url.Parse(env)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("%s must be a postgres:// URL", EnvURL)
	}
	return env, nil
}

// adminExec runs one statement on its own connection to the admin URL.
// CREATE and DROP DATABASE cannot run inside a transaction, and a fresh
// connection per call keeps the helper free of shared state.
func adminExec(ctx context.Context, admin, stmt string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, stmt)
	return err
}

// randomHex returns n random bytes as lowercase hex, which is a valid part
// of an unquoted SQL identifier.
func randomHex(tb testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("pgtest: random name: %v", err)
	}
	return hex.EncodeToString(b)
}

// stopOwn stops the private server if one is running.
func stopOwn() error {
	ownMu.Lock()
	s := own
	own = nil
	ownMu.Unlock()
	if s == nil {
		return nil
	}
	return s.stop()
}

// tail returns the last n bytes of s, for error messages that quote a log.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
