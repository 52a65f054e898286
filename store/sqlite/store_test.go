package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"partnerboard/hub"
)

// Appends from several goroutines to several boards must all commit, have
// their done callbacks called one at a time in Append order, load back
// exactly, and survive a reopen.
func TestAppendLoadReopen(t *testing.T) {
	s, path := tempStore(t, Options{})
	const (
		nBoards        = 4
		nGoroutines    = 8 // two per board, so a board's seqs interleave writers
		appendsPerGoro = 60
	)
	boards := make([]string, nBoards)
	for i := range boards {
		boards[i] = fmt.Sprintf("board-%d", i)
		createBoard(t, s, boards[i], int64(i))
	}

	var (
		appendMu sync.Mutex // orders Append calls so "Append order" is defined
		nextSeq  = map[string]uint64{}
		nextIdx  int
		want     = map[string][]hub.Entry{}

		doneMu   sync.Mutex
		doneIdx  []int
		doneErrs []error
		inDone   atomic.Bool
		overlaps atomic.Int32
		wg       sync.WaitGroup
	)
	for g := range nGoroutines {
		board := boards[g%nBoards]
		wg.Go(func() {
			for i := range appendsPerGoro {
				appendMu.Lock()
				n := uint64(i%3 + 1) // batches of 1 to 3 entries
				from := nextSeq[board] + 1
				nextSeq[board] += n
				es := entries(board, from, from+n-1)
				want[board] = append(want[board], es...)
				idx := nextIdx
				nextIdx++
				wg.Add(1)
				s.Append(board, es, func(err error) {
					defer wg.Done()
					if !inDone.CompareAndSwap(false, true) {
						overlaps.Add(1)
					}
					doneMu.Lock()
					doneIdx = append(doneIdx, idx)
					doneErrs = append(doneErrs, err)
					doneMu.Unlock()
					inDone.Store(false)
				})
				appendMu.Unlock()
			}
		})
	}
	wg.Wait()

	total := nGoroutines * appendsPerGoro
	if len(doneIdx) != total {
		t.Fatalf("%d done calls, want %d", len(doneIdx), total)
	}
	for i, err := range doneErrs {
		if err != nil {
			t.Fatalf("done %d: %v", i, err)
		}
	}
	if !isSorted(doneIdx) {
		t.Fatalf("done calls out of Append order: %v", doneIdx)
	}
	if n := overlaps.Load(); n != 0 {
		t.Fatalf("done called concurrently %d times", n)
	}
	if st := s.Stats(); st.Appends != uint64(total) || st.Commits == 0 {
		t.Fatalf("Stats() = %+v, want %d appends and some commits", st, total)
	}

	check := func(s *Store) {
		t.Helper()
		for i, b := range boards {
			l := load(t, s, b)
			wantInfo := hub.BoardInfo{ID: b, Title: "title " + b, Template: "kanban", Epoch: "ep-" + b, Created: int64(i)}
			if l.Info != wantInfo || l.Seq != 0 || string(l.State) != `{"board":"`+b+`"}` {
				t.Fatalf("LoadBoard(%q) = info %+v seq %d state %s", b, l.Info, l.Seq, l.State)
			}
			checkEntries(t, l.Entries, want[b])
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s2 := openStore(t, path, Options{})
	check(s2)
	if err := s2.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("IntegrityCheck: %v", err)
	}
}

// Many concurrent appenders must share transactions (and so fsyncs).
func TestGroupCommit(t *testing.T) {
	s, _ := tempStore(t, Options{})
	const goroutines, perGoroutine = 50, 100
	for g := range goroutines {
		createBoard(t, s, fmt.Sprintf("b%d", g), 0)
	}
	var (
		wg     sync.WaitGroup
		failed atomic.Int32
	)
	for g := range goroutines {
		board := fmt.Sprintf("b%d", g)
		wg.Go(func() {
			for seq := uint64(1); seq <= perGoroutine; seq++ {
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
	if st.Appends != goroutines*perGoroutine {
		t.Fatalf("Appends = %d, want %d", st.Appends, goroutines*perGoroutine)
	}
	if st.Commits == 0 || st.Commits >= st.Appends {
		t.Fatalf("Commits = %d for %d appends: group commit is not grouping", st.Commits, st.Appends)
	}
	for g := range goroutines {
		board := fmt.Sprintf("b%d", g)
		checkEntries(t, load(t, s, board).Entries, entries(board, 1, perGoroutine))
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

// Compact replaces state and seq, drops entries below keepFrom, and never
// goes backwards.
func TestCompact(t *testing.T) {
	type call struct {
		seq, keepFrom uint64
		wantErr       bool
	}
	for _, tc := range []struct {
		name      string
		calls     []call
		wantSeq   uint64
		wantState string
		wantFrom  uint64 // first retained entry; entries 1..10 were appended
	}{
		{"drops below keepFrom", []call{{seq: 6, keepFrom: 4}}, 6, "s6", 4},
		{"keepFrom zero keeps all", []call{{seq: 6, keepFrom: 0}}, 6, "s6", 1},
		{"keepFrom just past seq", []call{{seq: 10, keepFrom: 11}}, 10, "s10", 11},
		{"older compaction ignored", []call{{seq: 8, keepFrom: 8}, {seq: 5, keepFrom: 2}}, 8, "s8", 8},
		{"older compaction does not delete", []call{{seq: 8, keepFrom: 2}, {seq: 5, keepFrom: 6}}, 8, "s8", 2},
		{"same seq reapplied", []call{{seq: 6, keepFrom: 2}, {seq: 6, keepFrom: 5}}, 6, "s6", 5},
		{"newer after older", []call{{seq: 4, keepFrom: 2}, {seq: 9, keepFrom: 7}}, 9, "s9", 7},
		{"keepFrom past seq rejected", []call{{seq: 4, keepFrom: 6, wantErr: true}}, 0, "initial", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := tempStore(t, Options{})
			if err := s.CreateBoard(t.Context(), hub.BoardInfo{ID: "b"}, []byte("initial")); err != nil {
				t.Fatal(err)
			}
			if err := appendWait(t, s, "b", entries("b", 1, 10)); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.calls {
				err := s.Compact(t.Context(), "b", c.seq, fmt.Appendf(nil, "s%d", c.seq), c.keepFrom)
				if (err != nil) != c.wantErr {
					t.Fatalf("Compact(seq %d, keepFrom %d) = %v, want error %v", c.seq, c.keepFrom, err, c.wantErr)
				}
			}
			l := load(t, s, "b")
			if l.Seq != tc.wantSeq || string(l.State) != tc.wantState {
				t.Fatalf("seq %d state %q, want %d %q", l.Seq, l.State, tc.wantSeq, tc.wantState)
			}
			var want []hub.Entry
			if tc.wantFrom <= 10 {
				want = entries("b", tc.wantFrom, 10)
			}
			checkEntries(t, l.Entries, want)
		})
	}
}

// A Compact is ordered after every Append made before it, even when those
// appends have not been committed yet when Compact is called.
func TestCompactOrderedAfterAppends(t *testing.T) {
	s, _ := tempStore(t, Options{})
	createBoard(t, s, "b", 0)
	var committed atomic.Int32
	for seq := uint64(1); seq <= 50; seq++ {
		s.Append("b", []hub.Entry{entry("b", seq)}, func(err error) {
			if err != nil {
				t.Errorf("append %d: %v", seq, err)
			}
			committed.Add(1)
		})
	}
	if err := s.Compact(t.Context(), "b", 50, []byte("s50"), 41); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if n := committed.Load(); n != 50 {
		t.Fatalf("Compact returned with %d of 50 earlier appends done", n)
	}
	l := load(t, s, "b")
	if l.Seq != 50 || string(l.State) != "s50" {
		t.Fatalf("seq %d state %q", l.Seq, l.State)
	}
	checkEntries(t, l.Entries, entries("b", 41, 50))
}

// A compaction of an unknown board fails alone; the appends sharing its
// transaction still commit.
func TestCompactUnknownBoard(t *testing.T) {
	s, _ := tempStore(t, Options{})
	createBoard(t, s, "b", 0)
	release := blockCommitter(t, s, "b", 1)
	defer release()

	compactErr := make(chan error, 1)
	go func() { compactErr <- s.Compact(context.Background(), "nope", 3, nil, 1) }()
	waitQueued(t, s, 1)
	appendErr := make(chan error, 1)
	s.Append("b", []hub.Entry{entry("b", 2)}, func(err error) { appendErr <- err })
	waitQueued(t, s, 2)
	release()

	if err := <-compactErr; !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("Compact(unknown) = %v, want hub.ErrNotFound", err)
	}
	if err := <-appendErr; err != nil {
		t.Fatalf("append in the same group: %v", err)
	}
	checkEntries(t, load(t, s, "b").Entries, entries("b", 1, 2))
}

// A failing insert fails its whole transaction, reports the error to every
// done in it with context, and leaves the store usable.
func TestFailedGroup(t *testing.T) {
	for _, tc := range []struct {
		name    string
		board   string
		entries []hub.Entry
	}{
		{"duplicate seq", "a", []hub.Entry{entry("a", 1)}},
		{"unknown board", "ghost", []hub.Entry{entry("ghost", 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := tempStore(t, Options{})
			createBoard(t, s, "a", 0)
			createBoard(t, s, "b", 0)
			release := blockCommitter(t, s, "a", 1)
			defer release()

			errs := make(chan error, 2)
			s.Append("b", []hub.Entry{entry("b", 1)}, func(err error) { errs <- err })
			s.Append(tc.board, tc.entries, func(err error) { errs <- err })
			waitQueued(t, s, 2)
			release()

			good, bad := <-errs, <-errs
			for _, err := range []error{good, bad} {
				if err == nil || !strings.Contains(err.Error(), "append ops to board "+fmt.Sprintf("%q", tc.board)) {
					t.Fatalf("done error = %v, want the failing insert's error", err)
				}
			}
			if good != bad {
				t.Fatalf("group members got different errors: %v / %v", good, bad)
			}
			if got := load(t, s, "b").Entries; len(got) != 0 {
				t.Fatalf("rolled-back append left entries %v", seqs(got))
			}
			if err := appendWait(t, s, "b", entries("b", 1, 2)); err != nil {
				t.Fatalf("append after failed group: %v", err)
			}
			checkEntries(t, load(t, s, "b").Entries, entries("b", 1, 2))
			checkEntries(t, load(t, s, "a").Entries, entries("a", 1, 1))
		})
	}
}

func TestLoadUnknownBoard(t *testing.T) {
	s, _ := tempStore(t, Options{})
	_, err := s.LoadBoard(t.Context(), "missing")
	if !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("LoadBoard(missing) = %v, want hub.ErrNotFound", err)
	}
}

func TestCreateBoardDuplicate(t *testing.T) {
	s, _ := tempStore(t, Options{})
	info := createBoard(t, s, "b", 7)
	err := s.CreateBoard(t.Context(), hub.BoardInfo{ID: "b", Title: "other"}, []byte("other"))
	if !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate CreateBoard = %v, want ErrExists", err)
	}
	l := load(t, s, "b")
	if l.Info != info || string(l.State) != `{"board":"b"}` {
		t.Fatalf("duplicate create changed the board: %+v %s", l.Info, l.State)
	}
}

func TestListBoardsNewestFirst(t *testing.T) {
	s, _ := tempStore(t, Options{})
	if got, err := s.ListBoards(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("empty ListBoards = %v, %v", got, err)
	}
	for _, b := range []struct {
		id      string
		created int64
	}{{"old", 1000}, {"new", 3000}, {"mid", 2000}, {"new2", 3000}} {
		createBoard(t, s, b.id, b.created)
	}
	got, err := s.ListBoards(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range got {
		ids = append(ids, b.ID)
	}
	// new2 was created after new in the same millisecond.
	if want := []string{"new2", "new", "mid", "old"}; !slices.Equal(ids, want) {
		t.Fatalf("ListBoards order %v, want %v", ids, want)
	}
	if got[0].Title != "title new2" || got[0].Epoch != "ep-new2" || got[0].Template != "kanban" || got[0].Created != 3000 {
		t.Fatalf("ListBoards()[0] = %+v", got[0])
	}
}

// Close commits everything appended before it and calls every done.
func TestCloseCommitsPending(t *testing.T) {
	s, path := tempStore(t, Options{MaxBatch: 16}) // several groups still pending at Close
	createBoard(t, s, "b", 0)
	const n = 200
	var (
		mu   sync.Mutex
		errs []error
	)
	for seq := uint64(1); seq <= n; seq++ {
		s.Append("b", []hub.Entry{entry("b", seq)}, func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != n {
		t.Fatalf("Close returned with %d of %d done callbacks called", len(errs), n)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("done %d: %v", i, err)
		}
	}
	s2 := openStore(t, path, Options{})
	checkEntries(t, load(t, s2, "b").Entries, entries("b", 1, n))
}

// After Close every entry point reports ErrClosed, and Close is idempotent.
func TestAfterClose(t *testing.T) {
	s, _ := tempStore(t, Options{})
	createBoard(t, s, "b", 0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	called := 0
	var appendErr error
	s.Append("b", []hub.Entry{entry("b", 1)}, func(err error) { called++; appendErr = err })
	if called != 1 || !errors.Is(appendErr, ErrClosed) {
		t.Fatalf("Append after Close: done called %d times with %v, want once with ErrClosed", called, appendErr)
	}
	s.Append("b", nil, nil) // a nil done must not panic

	for name, err := range map[string]error{
		"Compact":        s.Compact(t.Context(), "b", 1, nil, 1),
		"CreateBoard":    s.CreateBoard(t.Context(), hub.BoardInfo{ID: "c"}, nil),
		"LoadBoard":      func() error { _, err := s.LoadBoard(t.Context(), "b"); return err }(),
		"ListBoards":     func() error { _, err := s.ListBoards(t.Context()); return err }(),
		"IntegrityCheck": s.IntegrityCheck(t.Context()),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// An Append made by a done callback while Close is draining is answered with
// ErrClosed, in order, without deadlocking Close.
func TestAppendFromDoneDuringClose(t *testing.T) {
	s, _ := tempStore(t, Options{})
	createBoard(t, s, "b", 0)
	release := blockCommitter(t, s, "b", 1)
	defer release()

	var order []string
	s.Append("b", []hub.Entry{entry("b", 2)}, func(err error) {
		order = append(order, fmt.Sprintf("first:%v", err))
		s.Append("b", []hub.Entry{entry("b", 3)}, func(err error) {
			order = append(order, fmt.Sprintf("nested:%v", errors.Is(err, ErrClosed)))
		})
	})
	waitQueued(t, s, 1)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// Close must mark the store closing before the committer is released,
	// otherwise the nested append would simply be committed.
	for !s.isClosing() {
		runtime.Gosched()
	}
	release()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if want := []string{"first:<nil>", "nested:true"}; !slices.Equal(order, want) {
		t.Fatalf("done order %v, want %v", order, want)
	}
}

// The DSN pragmas must really be in effect on both pools.
func TestPragmas(t *testing.T) {
	s, _ := tempStore(t, Options{})
	for _, tc := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"writer", "journal_mode", "wal"},
		{"writer", "synchronous", "2"}, // FULL
		{"writer", "busy_timeout", "5000"},
		{"writer", "foreign_keys", "1"},
		{"reader", "busy_timeout", "5000"},
		{"reader", "query_only", "1"},
		{"reader", "journal_mode", "wal"},
		{"writer", "user_version", fmt.Sprint(len(migrations))},
	} {
		db := s.w
		if tc.pool == "reader" {
			db = s.r
		}
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("%s PRAGMA %s: %v", tc.pool, tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("%s PRAGMA %s = %q, want %q", tc.pool, tc.pragma, got, tc.want)
		}
	}
	if _, err := s.r.ExecContext(t.Context(), `DELETE FROM boards`); err == nil {
		t.Error("reader pool accepted a write")
	}
}

// Paths with characters that mean something in a URI still name the file.
func TestOpenOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c%20d e")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x?.db")
	s := openStore(t, path, Options{})
	createBoard(t, s, "b", 0)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %q: %v", path, err)
	}
}

// Reopening keeps the schema version; a file from a newer build is refused.
func TestSchemaVersion(t *testing.T) {
	s, path := tempStore(t, Options{})
	createBoard(t, s, "b", 0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, Options{}) // migrations must not run twice
	load(t, s, "b")
	if _, err := s.w.ExecContext(t.Context(), fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), Options{Path: path})
	if err == nil {
		s2.Close()
		t.Fatal("Open accepted a newer schema version")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open error = %v, want it to name the newer schema", err)
	}
}

func TestOpenNoPath(t *testing.T) {
	if s, err := Open(t.Context(), Options{}); err == nil {
		s.Close()
		t.Fatal("Open without a path succeeded")
	}
}

// IntegrityCheck must report a damaged file, not only say "ok".
func TestIntegrityCheckDetectsCorruption(t *testing.T) {
	s, path := tempStore(t, Options{})
	createBoard(t, s, "b", 0)
	// Enough rows for the ops table to span many pages.
	if err := appendWait(t, s, "b", entries("b", 1, 2000)); err != nil {
		t.Fatal(err)
	}
	if err := s.IntegrityCheck(t.Context()); err != nil {
		t.Fatalf("IntegrityCheck on a healthy file: %v", err)
	}
	if err := s.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}

	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the middle of the file, away from the header and schema
	// pages, which would make Open itself fail.
	junk := []byte(strings.Repeat("\xde\xad\xbe\xef", 1024))
	if _, err := f.WriteAt(junk, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openStore(t, path, Options{})
	if err := s2.IntegrityCheck(t.Context()); err == nil {
		t.Fatal("IntegrityCheck passed a corrupted file")
	}
}
