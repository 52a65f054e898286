package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"partnerboard/hub"
	"partnerboard/internal/pgtest"
	"partnerboard/store/storetest"
)

// openStore opens a store on url and closes it when the test ends (a second
// Close by the test itself is harmless).
func openStore(tb testing.TB, url string, opts Options) *Store {
	tb.Helper()
	opts.URL = url
	s, err := Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// tempStore opens a store on a fresh database and returns it with the
// database's URL, for tests that reopen it or look inside.
func tempStore(tb testing.TB, opts Options) (*Store, string) {
	tb.Helper()
	url := pgtest.URL(tb)
	return openStore(tb, url, opts), url
}

// connect opens a plain connection to url, closed when the test ends, for
// tests that inspect or disturb the database behind the store's back.
func connect(tb testing.TB, url string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Short names for the shared helpers.
var (
	entry        = storetest.Entry
	entries      = storetest.Entries
	createBoard  = storetest.CreateBoard
	appendWait   = storetest.AppendWait
	load         = storetest.Load
	checkEntries = storetest.CheckEntries
	seqs         = storetest.Seqs
)

// waitQueued waits until the committer queue holds n requests; tests use it
// to know that requests made from other goroutines are queued.
func waitQueued(tb testing.TB, s *Store, n int) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		l := len(s.queue)
		s.mu.Unlock()
		if l == n {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("queue length %d, want %d", l, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// blockCommitter appends a one-entry batch to board whose done callback
// holds the committer until the returned release function is called. While
// it is held, further requests pile up in the queue and are then taken as one
// group, which makes grouping deterministic for tests.
func blockCommitter(tb testing.TB, s *Store, board string, seq uint64) (release func()) {
	tb.Helper()
	entered := make(chan error, 1)
	gate := make(chan struct{})
	s.Append(board, []hub.Entry{entry(board, seq)}, func(err error) {
		entered <- err
		<-gate
	})
	select {
	case err := <-entered:
		if err != nil {
			tb.Fatalf("blocking append: %v", err)
		}
	case <-time.After(30 * time.Second):
		tb.Fatal("blocking append not committed within 30s")
	}
	return sync.OnceFunc(func() { close(gate) })
}
