// Package storetest is the contract every partnerboard store must meet: one
// suite, run by each implementation's tests against its own fresh stores, so
// the embedded store and the cluster store cannot drift apart in what the
// hub and the bus rely on.
//
// The suite is black-box. It checks what callers can observe: results,
// errors, the order and the concurrency of done callbacks, and what a load
// returns. How a store groups its commits, and whether data survives a
// reopen, are left to each implementation's own tests.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerboard/hub"
)

// Store is what both stores offer: hub.Store plus the start page's listing.
type Store interface {
	hub.Store
	// ListBoards describes every board, newest first; boards created in the
	// same millisecond come in reverse creation order.
	ListBoards(ctx context.Context) ([]hub.BoardInfo, error)
}

// Errors are an implementation's sentinel errors, which the suite expects
// errors.Is to find in the matching failures. Each store package declares
// its own, so the suite is told which they are.
type Errors struct {
	Closed error // every operation after Close
	Exists error // CreateBoard of a taken id
}

// Run runs the contract suite. open must return a new, empty store and
// close it when tb ends; the suite may close it earlier itself, so a second
// Close must be harmless.
func Run(t *testing.T, open func(tb testing.TB) Store, errs Errors) {
	if errs.Closed == nil || errs.Exists == nil {
		t.Fatal("storetest.Run needs both sentinel errors")
	}
	s := suite{open: open, errs: errs}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"CreateLoad", s.createLoad},
		{"CreateDuplicate", s.createDuplicate},
		{"LoadUnknown", s.loadUnknown},
		{"AppendLoadRawIntact", s.appendLoadRawIntact},
		{"AppendEmpty", s.appendEmpty},
		{"AppendFailures", s.appendFailures},
		{"DoneInAppendOrder", s.doneInAppendOrder},
		{"AppendFromDone", s.appendFromDone},
		{"ManyBoardsConcurrently", s.manyBoardsConcurrently},
		{"Compact", s.compact},
		{"CompactOrderedAfterAppends", s.compactOrderedAfterAppends},
		{"CompactUnknownBoard", s.compactUnknownBoard},
		{"LoadConsistentWithCompaction", s.loadConsistentWithCompaction},
		{"CloseCommitsPending", s.closeCommitsPending},
		{"AfterClose", s.afterClose},
		{"ListBoardsNewestFirst", s.listBoardsNewestFirst},
	} {
		t.Run(tc.name, tc.fn)
	}
}

type suite struct {
	open func(tb testing.TB) Store
	errs Errors
}

// waitLimit bounds every wait for a done callback or a Compact: a store that
// loses a callback must fail the test, not hang it.
const waitLimit = 30 * time.Second

func (s suite) createLoad(t *testing.T) {
	st := s.open(t)
	info := hub.BoardInfo{ID: "b1", Title: "Retro · Q3", Template: "retro", Epoch: "e-1", Created: 1_700_000_000_123}
	state := []byte(`{"objects":{"n1":{"kind":"note","text":"héllo \u2603"}}}`)
	if err := st.CreateBoard(t.Context(), info, state); err != nil {
		t.Fatalf("CreateBoard: %v", err)
	}
	l := Load(t, st, "b1")
	if l.Info != info || l.Seq != 0 || string(l.State) != string(state) || len(l.Entries) != 0 {
		t.Fatalf("LoadBoard = info %+v seq %d state %q entries %d\nwant info %+v seq 0 state %q no entries",
			l.Info, l.Seq, l.State, len(l.Entries), info, state)
	}

	// A board may start with no state at all.
	if err := st.CreateBoard(t.Context(), hub.BoardInfo{ID: "empty"}, nil); err != nil {
		t.Fatalf("CreateBoard(nil state): %v", err)
	}
	if l := Load(t, st, "empty"); len(l.State) != 0 || l.Info.ID != "empty" {
		t.Fatalf("board created without state loads as %+v state %q", l.Info, l.State)
	}
}

func (s suite) createDuplicate(t *testing.T) {
	st := s.open(t)
	info := CreateBoard(t, st, "b", 7)
	err := st.CreateBoard(t.Context(), hub.BoardInfo{ID: "b", Title: "other"}, []byte("other"))
	if !errors.Is(err, s.errs.Exists) {
		t.Fatalf("CreateBoard of a taken id = %v, want the store's ErrExists", err)
	}
	if l := Load(t, st, "b"); l.Info != info || string(l.State) != State("b") {
		t.Fatalf("the failed create changed the board: %+v %q", l.Info, l.State)
	}
}

func (s suite) loadUnknown(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "known", 1)
	if _, err := st.LoadBoard(t.Context(), "unknown"); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("LoadBoard(unknown) = %v, want hub.ErrNotFound", err)
	}
}

// Raw is stored and returned byte for byte: the room fans it out as is, so
// a store must not re-encode, reorder keys or normalise whitespace.
func (s suite) appendLoadRawIntact(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "b", 1)
	raws := []string{
		`[{"op":"set","id":"n1","text":"plain"}]`,
		`[ {"z":1,  "a":2} ,{"op":"x"}]`,                         // key order and spacing kept
		`[{"text":"\u00e9 é \u2603 ☃ \ud83d\ude00 😀 \"q\" \\"}]`, // escapes and raw UTF-8 both kept
		`[{"n":1.50,"e":1e3,"big":12345678901234567890}]`,        // numbers not reformatted
		`[]`,
	}
	var want []hub.Entry
	for i, raw := range raws {
		e := Entry("b", uint64(i+1))
		e.Raw = json.RawMessage(raw)
		want = append(want, e)
	}
	// One Append holding several entries, then single ones.
	if err := AppendWait(t, st, "b", want[:2]); err != nil {
		t.Fatalf("Append: %v", err)
	}
	for i := 2; i < len(want); i++ {
		if err := AppendWait(t, st, "b", want[i:i+1]); err != nil {
			t.Fatalf("Append seq %d: %v", i+1, err)
		}
	}
	CheckEntries(t, Load(t, st, "b").Entries, want)
}

func (s suite) appendEmpty(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "b", 1)
	if err := AppendWait(t, st, "b", nil); err != nil {
		t.Fatalf("Append of no entries: %v", err)
	}
	if err := AppendWait(t, st, "b", Entries("b", 1, 1)); err != nil {
		t.Fatalf("Append after an empty one: %v", err)
	}
	CheckEntries(t, Load(t, st, "b").Entries, Entries("b", 1, 1))
}

// Appends the store cannot make durable are reported in done, not lost
// silently, and do not break the store.
func (s suite) appendFailures(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "b", 1)
	if err := AppendWait(t, st, "b", Entries("b", 1, 3)); err != nil {
		t.Fatal(err)
	}
	if err := AppendWait(t, st, "b", Entries("b", 3, 3)); err == nil {
		t.Error("Append of a seq already stored succeeded")
	}
	if err := AppendWait(t, st, "ghost", Entries("ghost", 1, 1)); err == nil {
		t.Error("Append to a board that was never created succeeded")
	}
	if err := AppendWait(t, st, "b", Entries("b", 4, 5)); err != nil {
		t.Fatalf("Append after failed ones: %v", err)
	}
	CheckEntries(t, Load(t, st, "b").Entries, Entries("b", 1, 5))
	if _, err := st.LoadBoard(t.Context(), "ghost"); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("the failed append created board ghost: LoadBoard = %v", err)
	}
}

// done is called once per Append, in Append order across all boards, one
// call at a time, even when Appends come from many goroutines.
func (s suite) doneInAppendOrder(t *testing.T) {
	st := s.open(t)
	const boards, goroutines, perGoroutine = 4, 8, 50
	for b := range boards {
		CreateBoard(t, st, boardName(b), int64(b))
	}
	var (
		appendMu sync.Mutex // makes "Append order" well defined
		nextSeq  = map[string]uint64{}
		want     = map[string][]hub.Entry{}
		calls    int

		doneMu   sync.Mutex
		order    []int
		failures []error
		inDone   atomic.Bool
		overlaps atomic.Int32
		wg       sync.WaitGroup
	)
	for g := range goroutines {
		board := boardName(g % boards)
		wg.Go(func() {
			for i := range perGoroutine {
				appendMu.Lock()
				n := uint64(i%3 + 1)
				es := Entries(board, nextSeq[board]+1, nextSeq[board]+n)
				nextSeq[board] += n
				want[board] = append(want[board], es...)
				idx := calls
				calls++
				wg.Add(1)
				st.Append(board, es, func(err error) {
					defer wg.Done()
					if !inDone.CompareAndSwap(false, true) {
						overlaps.Add(1)
					}
					doneMu.Lock()
					order = append(order, idx)
					if err != nil {
						failures = append(failures, err)
					}
					doneMu.Unlock()
					inDone.Store(false)
				})
				appendMu.Unlock()
			}
		})
	}
	waitGroup(t, &wg, "done callbacks")
	if len(failures) > 0 {
		t.Fatalf("%d appends failed, first: %v", len(failures), failures[0])
	}
	if len(order) != goroutines*perGoroutine {
		t.Fatalf("%d done calls, want %d", len(order), goroutines*perGoroutine)
	}
	if !slices.IsSorted(order) {
		t.Fatalf("done calls out of Append order: %v", order)
	}
	if n := overlaps.Load(); n > 0 {
		t.Fatalf("done ran concurrently with itself %d times", n)
	}
	for b := range boards {
		CheckEntries(t, Load(t, st, boardName(b)).Entries, want[boardName(b)])
	}
}

// Append never blocks, not even when called from a done callback, which is
// where a bus naturally hands on its next batch.
func (s suite) appendFromDone(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "b", 1)
	const n = 100
	finished := make(chan error, 1)
	var step func(seq uint64) func(error)
	step = func(seq uint64) func(error) {
		return func(err error) {
			if err != nil || seq == n {
				finished <- err
				return
			}
			st.Append("b", Entries("b", seq+1, seq+1), step(seq+1))
		}
	}
	st.Append("b", Entries("b", 1, 1), step(1))
	select {
	case err := <-finished:
		if err != nil {
			t.Fatalf("chained Append: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("an Append made from a done callback never completed")
	}
	CheckEntries(t, Load(t, st, "b").Entries, Entries("b", 1, n))
}

// Many boards appending at once all land, each board's entries in seq
// order and each board's done calls in that board's Append order.
func (s suite) manyBoardsConcurrently(t *testing.T) {
	st := s.open(t)
	const boards, perBoard = 40, 30
	for b := range boards {
		CreateBoard(t, st, boardName(b), int64(b))
	}
	var (
		wg       sync.WaitGroup
		failed   atomic.Int32
		outOrder atomic.Int32
	)
	for b := range boards {
		board := boardName(b)
		wg.Go(func() {
			var last atomic.Uint64 // written only by done, which never overlaps itself
			for seq := uint64(1); seq <= perBoard; seq++ {
				wg.Add(1)
				st.Append(board, Entries(board, seq, seq), func(err error) {
					defer wg.Done()
					if err != nil {
						failed.Add(1)
					}
					if last.Swap(seq) != seq-1 {
						outOrder.Add(1)
					}
				})
			}
		})
	}
	waitGroup(t, &wg, "done callbacks")
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d appends failed", n, boards*perBoard)
	}
	if n := outOrder.Load(); n > 0 {
		t.Fatalf("%d done calls came out of their board's Append order", n)
	}
	for b := range boards {
		CheckEntries(t, Load(t, st, boardName(b)).Entries, Entries(boardName(b), 1, perBoard))
	}
}

// Compact replaces the state and seq, drops entries below keepFrom, never
// moves a board backwards, and refuses to drop entries its state lacks.
func (s suite) compact(t *testing.T) {
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
		{"older compaction deletes nothing", []call{{seq: 8, keepFrom: 2}, {seq: 5, keepFrom: 6}}, 8, "s8", 2},
		{"same seq applied again", []call{{seq: 6, keepFrom: 2}, {seq: 6, keepFrom: 5}}, 6, "s6", 5},
		{"newer after older", []call{{seq: 4, keepFrom: 2}, {seq: 9, keepFrom: 7}}, 9, "s9", 7},
		{"keepFrom past seq+1 refused", []call{{seq: 4, keepFrom: 6, wantErr: true}}, 0, "initial", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := s.open(t)
			if err := st.CreateBoard(t.Context(), hub.BoardInfo{ID: "b"}, []byte("initial")); err != nil {
				t.Fatal(err)
			}
			if err := AppendWait(t, st, "b", Entries("b", 1, 10)); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.calls {
				err := st.Compact(t.Context(), "b", c.seq, fmt.Appendf(nil, "s%d", c.seq), c.keepFrom)
				if (err != nil) != c.wantErr {
					t.Fatalf("Compact(seq %d, keepFrom %d) = %v, want error: %v", c.seq, c.keepFrom, err, c.wantErr)
				}
			}
			l := Load(t, st, "b")
			if l.Seq != tc.wantSeq || string(l.State) != tc.wantState {
				t.Fatalf("after compaction: seq %d state %q, want %d %q", l.Seq, l.State, tc.wantSeq, tc.wantState)
			}
			var want []hub.Entry
			if tc.wantFrom <= 10 {
				want = Entries("b", tc.wantFrom, 10)
			}
			CheckEntries(t, l.Entries, want)
		})
	}
}

// A Compact waits for, and applies after, every Append made before it, even
// ones not yet committed when it is called.
func (s suite) compactOrderedAfterAppends(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "b", 1)
	var committed atomic.Int32
	for seq := uint64(1); seq <= 50; seq++ {
		st.Append("b", Entries("b", seq, seq), func(err error) {
			if err != nil {
				t.Errorf("append %d: %v", seq, err)
			}
			committed.Add(1)
		})
	}
	if err := st.Compact(t.Context(), "b", 50, []byte("s50"), 41); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if n := committed.Load(); n != 50 {
		t.Fatalf("Compact returned with %d of the 50 earlier appends done", n)
	}
	l := Load(t, st, "b")
	if l.Seq != 50 || string(l.State) != "s50" {
		t.Fatalf("seq %d state %q, want 50 s50", l.Seq, l.State)
	}
	// Had the compaction overtaken any append, that append's entry would
	// have escaped the delete and show up below 41.
	CheckEntries(t, l.Entries, Entries("b", 41, 50))
}

// Compacting an unknown board fails that call alone.
func (s suite) compactUnknownBoard(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "b", 1)
	appended := make(chan error, 1)
	st.Append("b", Entries("b", 1, 1), func(err error) { appended <- err })
	if err := st.Compact(t.Context(), "nope", 3, nil, 1); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("Compact(unknown board) = %v, want hub.ErrNotFound", err)
	}
	if err := <-appended; err != nil {
		t.Fatalf("append next to the failed compaction: %v", err)
	}
	if err := AppendWait(t, st, "b", Entries("b", 2, 2)); err != nil {
		t.Fatalf("append after the failed compaction: %v", err)
	}
	CheckEntries(t, Load(t, st, "b").Entries, Entries("b", 1, 2))
}

// A load racing appends and compactions sees one consistent moment: the
// retained entries are contiguous and reach back to at most the state's seq
// + 1, so replaying them on the state never skips an entry.
func (s suite) loadConsistentWithCompaction(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "b", 1)
	const last, every = 300, 25
	writerDone := make(chan error, 1)
	go func() {
		for seq := uint64(1); seq <= last; seq++ {
			if err := AppendErr(st, "b", Entries("b", seq, seq)); err != nil {
				writerDone <- fmt.Errorf("append %d: %w", seq, err)
				return
			}
			if seq%every == 0 {
				if err := st.Compact(context.Background(), "b", seq, fmt.Appendf(nil, "s%d", seq), seq-4); err != nil {
					writerDone <- fmt.Errorf("compact at %d: %w", seq, err)
					return
				}
			}
		}
		writerDone <- nil
	}()
	for loads := 0; ; loads++ {
		select {
		case err := <-writerDone:
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d loads raced the writer", loads)
			l := Load(t, st, "b")
			if l.Seq != last {
				t.Fatalf("final seq %d, want %d", l.Seq, last)
			}
			CheckEntries(t, l.Entries, Entries("b", last-4, last))
			return
		default:
		}
		l := Load(t, st, "b")
		if string(l.State) != fmt.Sprintf("s%d", l.Seq) && !(l.Seq == 0 && string(l.State) == State("b")) {
			t.Fatalf("state %q does not belong to seq %d", l.State, l.Seq)
		}
		for i, e := range l.Entries {
			if i > 0 && e.Seq != l.Entries[i-1].Seq+1 {
				t.Fatalf("load at seq %d has a gap in its entries: %v", l.Seq, Seqs(l.Entries))
			}
		}
		if len(l.Entries) > 0 && l.Entries[0].Seq > l.Seq+1 {
			t.Fatalf("load at seq %d starts its entries at %d: %d to %d are lost",
				l.Seq, l.Entries[0].Seq, l.Seq+1, l.Entries[0].Seq-1)
		}
	}
}

// Close commits everything appended before it and calls every done before
// it returns.
func (s suite) closeCommitsPending(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "b", 1)
	const n = 200
	var (
		mu   sync.Mutex
		errs []error
	)
	for seq := uint64(1); seq <= n; seq++ {
		st.Append("b", Entries("b", seq, seq), func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != n {
		t.Fatalf("Close returned with %d of %d done callbacks called", len(errs), n)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("done %d after Close: %v, want nil (appended before Close)", i, err)
		}
	}
}

// After Close every operation reports the store's ErrClosed, and Close may
// be called again.
func (s suite) afterClose(t *testing.T) {
	st := s.open(t)
	CreateBoard(t, st, "b", 1)
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := AppendWait(t, st, "b", Entries("b", 1, 1)); !errors.Is(err, s.errs.Closed) {
		t.Errorf("Append after Close: done got %v, want ErrClosed", err)
	}
	st.Append("b", nil, nil) // a nil done must not panic

	for name, err := range map[string]error{
		"Compact":     st.Compact(t.Context(), "b", 1, nil, 1),
		"CreateBoard": st.CreateBoard(t.Context(), hub.BoardInfo{ID: "c"}, nil),
		"LoadBoard":   func() error { _, err := st.LoadBoard(t.Context(), "b"); return err }(),
		"ListBoards":  func() error { _, err := st.ListBoards(t.Context()); return err }(),
	} {
		if !errors.Is(err, s.errs.Closed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func (s suite) listBoardsNewestFirst(t *testing.T) {
	st := s.open(t)
	if got, err := st.ListBoards(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("ListBoards of an empty store = %v, %v", got, err)
	}
	for _, b := range []struct {
		id      string
		created int64
	}{{"old", 1000}, {"new", 3000}, {"mid", 2000}, {"new2", 3000}} {
		CreateBoard(t, st, b.id, b.created)
	}
	got, err := st.ListBoards(t.Context())
	if err != nil {
		t.Fatalf("ListBoards: %v", err)
	}
	var ids []string
	for _, b := range got {
		ids = append(ids, b.ID)
	}
	// new2 was created after new, in the same millisecond.
	if want := []string{"new2", "new", "mid", "old"}; !slices.Equal(ids, want) {
		t.Fatalf("ListBoards order %v, want %v", ids, want)
	}
	want := hub.BoardInfo{ID: "new2", Title: "title new2", Template: "kanban", Epoch: "ep-new2", Created: 3000}
	if got[0] != want {
		t.Fatalf("ListBoards()[0] = %+v, want %+v", got[0], want)
	}
}
