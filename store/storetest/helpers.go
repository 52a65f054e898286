package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"partnerboard/hub"
)

// These helpers are exported for the implementations' own tests, so that
// their store-specific tests build entries and check loads the same way the
// contract does.

// Entry returns the entry a test appends to board at seq. Every field is
// derived from board and seq, so a load can be checked field by field.
func Entry(board string, seq uint64) hub.Entry {
	raw, _ := json.Marshal([]map[string]any{{"op": "set", "board": board, "seq": seq}})
	return hub.Entry{
		Seq:    seq,
		Client: "client-" + board,
		Batch:  fmt.Sprintf("batch-%d", seq),
		Author: "author " + board,
		Raw:    raw,
	}
}

// Entries returns Entry(board, seq) for every seq from first to last.
func Entries(board string, first, last uint64) []hub.Entry {
	var es []hub.Entry
	for seq := first; seq <= last; seq++ {
		es = append(es, Entry(board, seq))
	}
	return es
}

// CreateBoard creates a board with a recognisable description and state
// (see State) and fails tb if it cannot.
func CreateBoard(tb testing.TB, st hub.Store, id string, created int64) hub.BoardInfo {
	tb.Helper()
	info := hub.BoardInfo{ID: id, Title: "title " + id, Template: "kanban", Epoch: "ep-" + id, Created: created}
	if err := st.CreateBoard(tb.Context(), info, []byte(State(id))); err != nil {
		tb.Fatalf("CreateBoard(%q): %v", id, err)
	}
	return info
}

// State is the initial state CreateBoard gives board id.
func State(id string) string { return `{"board":"` + id + `"}` }

// AppendErr appends and waits for done, returning its error, or an error of
// its own if done is not called in time. Unlike AppendWait it may be used
// from any goroutine.
func AppendErr(st hub.Store, board string, es []hub.Entry) error {
	ch := make(chan error, 1)
	st.Append(board, es, func(err error) { ch <- err })
	select {
	case err := <-ch:
		return err
	case <-time.After(waitLimit):
		return errDoneLost
	}
}

var errDoneLost = errors.New("done not called within " + waitLimit.String())

// AppendWait is AppendErr that fails tb if done is never called.
func AppendWait(tb testing.TB, st hub.Store, board string, es []hub.Entry) error {
	tb.Helper()
	err := AppendErr(st, board, es)
	if errors.Is(err, errDoneLost) {
		tb.Fatalf("Append(%q): %v", board, err)
	}
	return err
}

// Load loads a board and fails tb if that fails.
func Load(tb testing.TB, st hub.Store, id string) *hub.Loaded {
	tb.Helper()
	l, err := st.LoadBoard(tb.Context(), id)
	if err != nil {
		tb.Fatalf("LoadBoard(%q): %v", id, err)
	}
	return l
}

// CheckEntries fails tb unless got is want, field by field and in order,
// with Raw byte for byte and Ops left nil (stores do not decode).
func CheckEntries(tb testing.TB, got, want []hub.Entry) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d entries (seqs %v), want %d (seqs %v)", len(got), Seqs(got), len(want), Seqs(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Seq != w.Seq || g.Client != w.Client || g.Batch != w.Batch || g.Author != w.Author ||
			string(g.Raw) != string(w.Raw) || g.Ops != nil {
			tb.Fatalf("entry %d:\n got  %+v (raw %s)\n want %+v (raw %s)", i, g, g.Raw, w, w.Raw)
		}
	}
}

// Seqs lists the seqs of es, for failure messages.
func Seqs(es []hub.Entry) []uint64 {
	out := make([]uint64, 0, len(es))
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func boardName(i int) string { return fmt.Sprintf("board-%d", i) }

// waitGroup waits for wg, failing tb if that takes longer than waitLimit:
// a lost done callback must fail the test, not hang it until go test's
// timeout.
func waitGroup(tb testing.TB, wg *sync.WaitGroup, what string) {
	tb.Helper()
	ch := make(chan struct{})
	go func() {
		wg.Wait()
		close(ch)
	}()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		tb.Fatalf("%s still outstanding after %v", what, waitLimit)
	}
}
