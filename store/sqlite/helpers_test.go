package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"partnerboard/hub"
)

// openStore opens a store at path and closes it when the test ends (a second
// Close by the test itself is harmless).
func openStore(tb testing.TB, path string, opts Options) *Store {
	tb.Helper()
	opts.Path = path
	s, err := Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// tempStore opens a store on a fresh file in the test's temp dir and returns
// it with the file's path, for tests that reopen it.
func tempStore(tb testing.TB, opts Options) (*Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "partnerboard.db")
	return openStore(tb, path, opts), path
}

// createBoard creates a board with a recognisable state and fails the test
// if that does not work.
func createBoard(tb testing.TB, s *Store, id string, created int64) hub.BoardInfo {
	tb.Helper()
	info := hub.BoardInfo{ID: id, Title: "title " + id, Template: "kanban", Epoch: "ep-" + id, Created: created}
	if err := s.CreateBoard(context.Background(), info, []byte(`{"board":"`+id+`"}`)); err != nil {
		tb.Fatalf("CreateBoard(%q): %v", id, err)
	}
	return info
}

// entry builds the entry a test appends at seq, with every field derived
// from board and seq so that loads can be checked field by field.
func entry(board string, seq uint64) hub.Entry {
	raw, _ := json.Marshal([]map[string]any{{"op": "set", "board": board, "seq": seq}})
	return hub.Entry{
		Seq:    seq,
		Client: "client-" + board,
		Batch:  fmt.Sprintf("batch-%d", seq),
		Author: "author " + board,
		Raw:    raw,
	}
}

// entries builds entry(board, seq) for every seq in [from, to].
func entries(board string, from, to uint64) []hub.Entry {
	var es []hub.Entry
	for seq := from; seq <= to; seq++ {
		es = append(es, entry(board, seq))
	}
	return es
}

// appendWait appends and waits for done, returning its error.
func appendWait(tb testing.TB, s *Store, board string, es []hub.Entry) error {
	tb.Helper()
	ch := make(chan error, 1)
	s.Append(board, es, func(err error) { ch <- err })
	select {
	case err := <-ch:
		return err
	case <-time.After(30 * time.Second):
		tb.Fatalf("Append(%q) done not called within 30s", board)
		return nil
	}
}

// load loads a board and fails the test on error.
func load(tb testing.TB, s *Store, id string) *hub.Loaded {
	tb.Helper()
	l, err := s.LoadBoard(context.Background(), id)
	if err != nil {
		tb.Fatalf("LoadBoard(%q): %v", id, err)
	}
	return l
}

// checkEntries asserts that got is exactly want, field by field, in order.
// Ops must stay nil: stores do not decode.
func checkEntries(tb testing.TB, got, want []hub.Entry) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d entries (seqs %v), want %d (seqs %v)", len(got), seqs(got), len(want), seqs(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Seq != w.Seq || g.Client != w.Client || g.Batch != w.Batch || g.Author != w.Author ||
			string(g.Raw) != string(w.Raw) || g.Ops != nil {
			tb.Fatalf("entry %d:\n got  %+v (raw %s)\n want %+v (raw %s)", i, g, g.Raw, w, w.Raw)
		}
	}
}

// seqs lists the seqs of es, for failure messages.
func seqs(es []hub.Entry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

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

// isSorted reports whether xs is strictly increasing.
func isSorted(xs []int) bool {
	return slices.IsSorted(xs) && len(slices.Compact(slices.Clone(xs))) == len(xs)
}
