package postgres

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerboard/hub"
	"partnerboard/internal/pgtest"
)

// Everything committed, compactions included, is there after a reopen, and
// the reopen does not run the migrations again.
func TestReopenKeepsData(t *testing.T) {
	s, url := tempStore(t, Options{})
	infos := map[string]hub.BoardInfo{}
	for i := range 3 {
		id := fmt.Sprintf("b%d", i)
		infos[id] = createBoard(t, s, id, int64(i))
		if err := appendWait(t, s, id, entries(id, 1, 20)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Compact(t.Context(), "b1", 15, []byte("s15"), 11); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openStore(t, url, Options{})
	for id, info := range infos {
		l := load(t, s2, id)
		if l.Info != info {
			t.Fatalf("%s: info %+v, want %+v", id, l.Info, info)
		}
		if id == "b1" {
			if l.Seq != 15 || string(l.State) != "s15" {
				t.Fatalf("b1: seq %d state %q after reopen, want 15 s15", l.Seq, l.State)
			}
			checkEntries(t, l.Entries, entries(id, 11, 20))
			continue
		}
		checkEntries(t, l.Entries, entries(id, 1, 20))
	}
	if v, err := schemaVersion(t.Context(), s2.pool); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations))
	}
	if err := s2.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// Nodes of a cluster starting together against an empty database must not
// trip over each other's migrations.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	const nodes = 4
	stores := make([]*Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = Open(context.Background(), Options{URL: url}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	// Each node's boards land, and every node sees all of them.
	for i, s := range stores {
		id := fmt.Sprintf("node%d", i)
		createBoard(t, s, id, int64(i))
		if err := appendWait(t, s, id, entries(id, 1, 5)); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
	for i := range nodes {
		id := fmt.Sprintf("node%d", i)
		checkEntries(t, load(t, stores[(i+1)%nodes], id).Entries, entries(id, 1, 5))
	}
	list, err := stores[0].ListBoards(t.Context())
	if err != nil || len(list) != nodes {
		t.Fatalf("ListBoards = %d boards, %v; want %d", len(list), err, nodes)
	}
}

// A database from a newer build is refused rather than misread.
func TestSchemaNewer(t *testing.T) {
	s, url := tempStore(t, Options{})
	if _, err := s.pool.Exec(t.Context(), `UPDATE schema_version SET version = $1`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), Options{URL: url})
	if err == nil {
		s2.Close()
		t.Fatal("Open accepted a newer schema version")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open error = %v, want it to name the newer schema", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	if s, err := Open(t.Context(), Options{}); err == nil {
		s.Close()
		t.Fatal("Open without a URL succeeded")
	}
	_, err := Open(t.Context(), Options{URL: "postgres://user:s3cret@127.0.0.1:notaport/db"})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Open of a malformed URL = %v; want an error that does not quote the password", err)
	}
	// A session whose commits are not flushed could not keep the promise
	// behind an ack.
	u, err := neturl.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("synchronous_commit", "off") // pgx passes unknown parameters on as session settings
	u.RawQuery = q.Encode()
	s, err := Open(t.Context(), Options{URL: u.String()})
	if err == nil {
		s.Close()
		t.Fatal("Open accepted synchronous_commit=off")
	}
	if !strings.Contains(err.Error(), "synchronous_commit") {
		t.Fatalf("Open error = %v, want it to name synchronous_commit", err)
	}
}

// Many boards appending at once share transactions, and all of them land.
func TestGroupCommit(t *testing.T) {
	s, _ := tempStore(t, Options{})
	const boards, perBoard = 50, 100
	for b := range boards {
		createBoard(t, s, fmt.Sprintf("b%d", b), 0)
	}
	var (
		wg     sync.WaitGroup
		failed atomic.Int32
	)
	for b := range boards {
		board := fmt.Sprintf("b%d", b)
		wg.Go(func() {
			for seq := uint64(1); seq <= perBoard; seq++ {
				wg.Add(1)
				s.Append(board, []hub.Entry{entry(board, seq)}, func(err error) {
					if err != nil {
						failed.Add(1)
					}
					wg.Done()
				})
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d appends failed", n)
	}
	st := s.Stats()
	t.Logf("%d appends in %d commits", st.Appends, st.Commits)
	if st.Appends != boards*perBoard {
		t.Fatalf("Appends = %d, want %d", st.Appends, boards*perBoard)
	}
	if st.Commits == 0 || st.Commits >= st.Appends {
		t.Fatalf("Commits = %d for %d appends: group commit is not grouping", st.Commits, st.Appends)
	}
	for b := range boards {
		board := fmt.Sprintf("b%d", b)
		checkEntries(t, load(t, s, board).Entries, entries(board, 1, perBoard))
	}
}

// MaxBatch bounds a group: with the committer held, every queued request
// waits, and the groups taken afterwards can be counted exactly.
func TestMaxBatch(t *testing.T) {
	for _, tc := range []struct {
		maxBatch, appends int
		wantCommits       uint64 // after the blocking append's own commit
	}{
		{maxBatch: 1, appends: 10, wantCommits: 10},
		{maxBatch: 3, appends: 10, wantCommits: 4},
		{maxBatch: 512, appends: 10, wantCommits: 1},
	} {
		t.Run(fmt.Sprintf("max%d", tc.maxBatch), func(t *testing.T) {
			s, _ := tempStore(t, Options{MaxBatch: tc.maxBatch})
			createBoard(t, s, "b", 0)
			release := blockCommitter(t, s, "b", 1)
			defer release()
			var wg sync.WaitGroup
			for i := range tc.appends {
				wg.Add(1)
				s.Append("b", []hub.Entry{entry("b", uint64(i+2))}, func(err error) {
					if err != nil {
						t.Errorf("append %d: %v", i, err)
					}
					wg.Done()
				})
			}
			waitQueued(t, s, tc.appends)
			before := s.Stats().Commits
			release()
			wg.Wait()
			if got := s.Stats().Commits - before; got != tc.wantCommits {
				t.Fatalf("%d appends with MaxBatch %d took %d commits, want %d", tc.appends, tc.maxBatch, got, tc.wantCommits)
			}
			checkEntries(t, load(t, s, "b").Entries, entries("b", 1, uint64(tc.appends+1)))
		})
	}
}

// A failing statement fails its whole transaction: every done of the group
// gets the same error, saying what failed, nothing of the group is stored,
// and the store keeps working.
func TestFailedGroup(t *testing.T) {
	for _, tc := range []struct {
		name      string
		board     string
		entries   []hub.Entry
		wantInErr string
	}{
		{"duplicate seq", "a", []hub.Entry{entry("a", 1)}, "already exists"},
		{"unknown board", "ghost", []hub.Entry{entry("ghost", 1)}, "ghost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := tempStore(t, Options{})
			createBoard(t, s, "a", 0)
			createBoard(t, s, "b", 0)
			release := blockCommitter(t, s, "a", 1)
			defer release()

			errs := make(chan error, 3)
			s.Append("b", []hub.Entry{entry("b", 1)}, func(err error) { errs <- err })
			// A compaction between them puts the failing insert in a
			// statement of its own, after a successful one.
			go func() { errs <- s.Compact(context.Background(), "b", 1, []byte("s1"), 1) }()
			waitQueued(t, s, 2)
			s.Append(tc.board, tc.entries, func(err error) { errs <- err })
			waitQueued(t, s, 3)
			release()

			var got []error
			for range 3 {
				got = append(got, <-errs)
			}
			for _, err := range got {
				if err == nil || !strings.Contains(err.Error(), "commit ops") || !strings.Contains(err.Error(), tc.wantInErr) {
					t.Fatalf("done errors %v: want each to be the failing insert's error, naming %q", got, tc.wantInErr)
				}
			}
			if got[0] != got[1] || got[1] != got[2] {
				t.Fatalf("group members got different errors: %v", got)
			}
			l := load(t, s, "b")
			if len(l.Entries) != 0 || l.Seq != 0 {
				t.Fatalf("rolled-back group left seq %d, entries %v", l.Seq, seqs(l.Entries))
			}
			if err := appendWait(t, s, "b", entries("b", 1, 2)); err != nil {
				t.Fatalf("append after the failed group: %v", err)
			}
			checkEntries(t, load(t, s, "b").Entries, entries("b", 1, 2))
			checkEntries(t, load(t, s, "a").Entries, entries("a", 1, 1))
		})
	}
}

// An append PostgreSQL's text columns would refuse fails alone instead of
// taking its whole group down with it.
func TestUnstorableTextFailsAlone(t *testing.T) {
	s, _ := tempStore(t, Options{})
	createBoard(t, s, "b", 0)
	release := blockCommitter(t, s, "b", 1)
	defer release()

	bad := entry("b", 2)
	bad.Author = "nul\x00author"
	errs := make(chan error, 3)
	s.Append("b", []hub.Entry{entry("b", 2)}, func(err error) { errs <- err })
	s.Append("b", []hub.Entry{bad}, func(err error) { errs <- err })
	s.Append("b", []hub.Entry{entry("b", 3)}, func(err error) { errs <- err })
	waitQueued(t, s, 3)
	release()
	if err := <-errs; err != nil {
		t.Fatalf("good append before the bad one: %v", err)
	}
	if err := <-errs; err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("bad append: %v, want an error about its text", err)
	}
	if err := <-errs; err != nil {
		t.Fatalf("good append after the bad one: %v", err)
	}
	checkEntries(t, load(t, s, "b").Entries, entries("b", 1, 3))
}

// When the server drops the store's connections, the store reconnects: at
// most the group in flight fails, and the next appends commit.
func TestConnectionsKilled(t *testing.T) {
	s, url := tempStore(t, Options{})
	createBoard(t, s, "b", 0)
	if err := appendWait(t, s, "b", entries("b", 1, 1)); err != nil {
		t.Fatal(err)
	}
	admin := connect(t, url)
	var killed int
	if err := admin.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("the store had no connections to kill")
	}
	next := uint64(2)
	failures := 0
	for next <= 5 {
		if err := appendWait(t, s, "b", entries("b", next, next)); err != nil {
			failures++
			t.Logf("append %d after the kill: %v", next, err)
			if failures > 1 {
				t.Fatalf("more than one append failed after the connections were killed")
			}
			continue
		}
		next++
	}
	checkEntries(t, load(t, s, "b").Entries, entries("b", 1, 5))
}

// A database that stops answering turns into errors after CommitTimeout,
// not a committer stuck forever behind which every board waits.
func TestCommitTimeout(t *testing.T) {
	s, url := tempStore(t, Options{CommitTimeout: 500 * time.Millisecond})
	createBoard(t, s, "b", 0)
	blocker := connect(t, url)
	tx, err := blocker.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), `LOCK TABLE ops IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = appendWait(t, s, "b", entries("b", 1, 1))
	if err == nil {
		t.Fatal("append behind a locked table succeeded")
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Fatalf("append failed only after %v", waited)
	}
	t.Logf("append behind the lock: %v", err)
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := appendWait(t, s, "b", entries("b", 1, 2)); err != nil {
		t.Fatalf("append once the lock is gone: %v", err)
	}
	checkEntries(t, load(t, s, "b").Entries, entries("b", 1, 2))
}

func TestPingAfterClose(t *testing.T) {
	s, _ := tempStore(t, Options{})
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Ping after Close = %v, want ErrClosed", err)
	}
}
