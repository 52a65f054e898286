package memory_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"partnerboard/bus/memory"
	"partnerboard/hub"
	"partnerboard/store/sqlite"
)

func openStore(tb testing.TB) *sqlite.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(tb.TempDir(), "pb.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func createBoard(tb testing.TB, st hub.Store, id string) {
	tb.Helper()
	if err := st.CreateBoard(context.Background(), hub.BoardInfo{ID: id, Epoch: "e1"}, []byte(`{"objects":[],"deleted":[]}`)); err != nil {
		tb.Fatal(err)
	}
}

// collector records deliveries.
type collector struct {
	mu      sync.Mutex
	entries []hub.Entry
}

func (c *collector) deliver(es []hub.Entry) {
	c.mu.Lock()
	c.entries = append(c.entries, es...)
	c.mu.Unlock()
}

func (c *collector) seqs() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []uint64
	for _, e := range c.entries {
		out = append(out, e.Seq)
	}
	return out
}

func entry(client, batch string) hub.Entry {
	return hub.Entry{Client: client, Batch: batch, Raw: []byte(`[{"op":"delete","id":"x"}]`)}
}

func publish(tb testing.TB, l hub.BoardLog, es ...hub.Entry) []hub.Published {
	tb.Helper()
	type out struct {
		res []hub.Published
		err error
	}
	ch := make(chan out, 1)
	l.Publish(es, func(res []hub.Published, err error) { ch <- out{res, err} })
	o := <-ch
	if o.err != nil {
		tb.Fatalf("publish: %v", o.err)
	}
	return o.res
}

// Concurrent publishers of one board get one gap-free order, delivered in
// that order, and the store holds exactly it.
func TestOrderAcrossPublishers(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	createBoard(t, st, "b1")
	bus := memory.New(st, 0)
	var col collector
	l, err := bus.Open(context.Background(), "b1", hub.Head{}, col.deliver)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for p := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				publish(t, l, entry(fmt.Sprintf("c%d", p), fmt.Sprintf("b%d", i)))
			}
		}()
	}
	wg.Wait()
	seqs := col.seqs()
	if len(seqs) != 400 {
		t.Fatalf("delivered %d entries, want 400", len(seqs))
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("delivery %d has seq %d: not in order", i, s)
		}
	}
	loaded, err := st.LoadBoard(context.Background(), "b1")
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.Entries) != 400 || loaded.Entries[399].Seq != 400 {
		t.Fatalf("store holds %d entries", len(loaded.Entries))
	}
}

// A batch published again, by the same client under the same batch id, is
// reported as a repeat with its first seq and not stored twice — also after
// the bus forgot the board and rebuilt its memory from the store's head.
func TestRepeatsAreRecognised(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	createBoard(t, st, "b1")
	bus := memory.New(st, 3)
	var col collector
	l, _ := bus.Open(context.Background(), "b1", hub.Head{}, col.deliver)
	first := publish(t, l, entry("c", "1"), entry("c", "2"))
	again := publish(t, l, entry("c", "2"), entry("c", "3"))
	if first[1].Seq != 2 || first[1].Dup || !again[0].Dup || again[0].Seq != 2 || again[1].Seq != 3 || again[1].Dup {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	if got := col.seqs(); len(got) != 3 {
		t.Fatalf("delivered %v, want 3 entries", got)
	}
	l.Close()

	loaded, _ := st.LoadBoard(context.Background(), "b1")
	l2, err := bus.Open(context.Background(), "b1", hub.Head{Seq: 3, Entries: loaded.Entries}, col.deliver)
	if err != nil {
		t.Fatal(err)
	}
	res := publish(t, l2, entry("c", "1"), entry("c", "4"))
	if !res[0].Dup || res[0].Seq != 1 || res[1].Seq != 4 {
		t.Fatalf("after reopen: %+v", res)
	}
	// Only the last 3 are remembered: batch 1 has been forgotten now.
	res = publish(t, l2, entry("c", "5"), entry("c", "1"))
	if res[1].Dup {
		t.Fatalf("a batch older than the retained window was still recognised: %+v", res)
	}
}

// Opening a board at an older head than the bus holds is refused: the room
// would miss entries.
func TestOpenBehindIsRefused(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	createBoard(t, st, "b1")
	bus := memory.New(st, 0)
	var col collector
	l, _ := bus.Open(context.Background(), "b1", hub.Head{}, col.deliver)
	publish(t, l, entry("c", "1"))
	if _, err := bus.Open(context.Background(), "b1", hub.Head{Seq: 0}, col.deliver); err == nil {
		t.Fatal("a second room behind the first was let in")
	}
	if _, err := bus.Open(context.Background(), "b1", hub.Head{Seq: 1}, col.deliver); err != nil {
		t.Fatalf("a second room at the same head: %v", err)
	}
}

// failingStore fails every append, as a full disk would.
type failingStore struct{ hub.Store }

var errDisk = errors.New("disk full")

func (failingStore) Append(_ string, _ []hub.Entry, done func(error)) { done(errDisk) }

func TestStoreFailureIsReportedAndSticks(t *testing.T) {
	t.Parallel()
	bus := memory.New(failingStore{}, 0)
	var col collector
	l, _ := bus.Open(context.Background(), "b1", hub.Head{}, col.deliver)
	for range 2 {
		ch := make(chan error, 1)
		l.Publish([]hub.Entry{entry("c", "1")}, func(_ []hub.Published, err error) { ch <- err })
		if err := <-ch; !errors.Is(err, errDisk) {
			t.Fatalf("publish error = %v, want the store's", err)
		}
	}
	if got := col.seqs(); len(got) != 0 {
		t.Fatalf("entries that were never stored were delivered: %v", got)
	}
	// Once every room has closed, the board starts afresh from the store.
	l.Close()
	l2, err := bus.Open(context.Background(), "b1", hub.Head{}, col.deliver)
	if err != nil {
		t.Fatalf("reopen after failure: %v", err)
	}
	l2.Close()
}
