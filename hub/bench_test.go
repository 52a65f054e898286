package hub_test

// Benchmarks of the hub on its own, without sockets: fan-out by room size
// and a join of a large board. They live in the external test package
// because store/sqlite imports hub, so only hub_test may use the real store.
//
//	go test -run '^$' -bench . -benchmem ./hub/
//
// docs/benchmarks.md has the figures and the machine they came from.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/bus/memory"
	"partnerboard/hub"
	"partnerboard/store/sqlite"
)

// memStore is a hub.Store that keeps everything in memory and commits
// nothing to disk: a goroutine reports each Append as committed, in order,
// as soon as it sees it. A benchmark on it measures the hub's own cost
// (ordering, apply, encode once, queue for every client) without the fsync
// that a real acknowledgement waits for; the store=sqlite variants measure
// that path.
type memStore struct {
	mu     sync.Mutex
	boards map[string]*hub.Loaded
	queue  []func(error)
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

func newMemStore() *memStore {
	s := &memStore{boards: make(map[string]*hub.Loaded), wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go s.commit()
	return s
}

// commit calls the waiting callbacks in Append order, one at a time, as the
// Store contract requires; a callback may call Append again.
func (s *memStore) commit() {
	defer close(s.done)
	for {
		select {
		case <-s.wake:
		case <-s.stop:
			return
		}
		s.mu.Lock()
		q := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, done := range q {
			done(nil)
		}
	}
}

func (s *memStore) CreateBoard(_ context.Context, info hub.BoardInfo, state []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.boards[info.ID]; ok {
		return fmt.Errorf("board %s exists", info.ID)
	}
	s.boards[info.ID] = &hub.Loaded{Info: info, State: state}
	return nil
}

func (s *memStore) LoadBoard(_ context.Context, id string) (*hub.Loaded, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.boards[id]
	if !ok {
		return nil, hub.ErrNotFound
	}
	cp := *l // entries are not kept: a load starts from the compacted state
	return &cp, nil
}

func (s *memStore) Append(_ string, _ []hub.Entry, done func(error)) {
	s.mu.Lock()
	s.queue = append(s.queue, done)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *memStore) Compact(_ context.Context, id string, seq uint64, state []byte, _ uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.boards[id]; ok && seq >= l.Seq {
		l.Seq, l.State = seq, state
	}
	return nil
}

// Close stops the committer; the benchmarks close the hub first, which
// waits for every pending append.
func (s *memStore) Close() error {
	close(s.stop)
	<-s.done
	return nil
}

// benchStore returns the named store, closed when the benchmark ends.
func benchStore(b testing.TB, kind string) hub.Store {
	b.Helper()
	if kind == "mem" {
		s := newMemStore()
		b.Cleanup(func() { _ = s.Close() })
		return s
	}
	st, err := sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}

// benchHub starts a hub on st and closes it when the benchmark ends.
func benchHub(b testing.TB, st hub.Store, cfg hub.Config) *hub.Hub {
	b.Helper()
	// A client that leaves while the room fans out is logged as too slow;
	// the benchmarks' own churn would flood the output.
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	h := hub.New(st, memory.New(st, cfg.RetainOps), cfg)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			b.Errorf("close hub: %v", err)
		}
	})
	return h
}

// createBoard creates a board holding state (empty if nil).
func createBoard(b testing.TB, st hub.Store, id string, state *board.State) {
	b.Helper()
	if state == nil {
		state = board.NewState()
	}
	raw, err := state.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateBoard(context.Background(), hub.BoardInfo{ID: id, Title: id, Template: "blank", Epoch: "e-" + id, Created: 1}, raw); err != nil {
		b.Fatal(err)
	}
}

// largeState builds a board of n objects of mixed kinds, like a busy
// workshop board: notes, list items with links, partners and connectors.
func largeState(b *testing.B, n int) *board.State {
	b.Helper()
	s := board.NewState()
	ops := make([]board.Op, 0, n)
	for i := range n {
		id := fmt.Sprintf("o%05d", i)
		x, y := float64(i%100)*120, float64(i/100)*90
		var op board.Op
		switch i % 5 {
		case 0, 1:
			op = board.Op{Type: board.OpCreate, ID: id, Kind: board.KindNote, Fields: map[string]any{
				"x": x, "y": y, "w": 100.0, "h": 80.0, "z": "V", "color": "#ffe066", "text": "An idea about partnership working"}}
		case 2:
			op = board.Op{Type: board.OpCreate, ID: id, Kind: board.KindItem, Fields: map[string]any{
				"x": x, "y": y, "parent": "o00000", "order": "V", "text": "Shared referral form",
				"links": []string{"o00001"}, "partners": []string{"o00003"}, "jointly": true}}
		case 3:
			op = board.Op{Type: board.OpCreate, ID: id, Kind: board.KindPartner, Fields: map[string]any{
				"x": x, "y": y, "name": "Citizens Advice", "tier": "core", "order": "a"}}
		case 4:
			op = board.Op{Type: board.OpCreate, ID: id, Kind: board.KindConnector, Fields: map[string]any{
				"from": fmt.Sprintf("o%05d", i-4), "to": fmt.Sprintf("o%05d", i-1), "arrow": "end"}}
		}
		ops = append(ops, op)
	}
	if err := board.ValidateOps(ops[:min(len(ops), board.MaxOpsPerBatch)]); err != nil {
		b.Fatal(err)
	}
	s.Apply(ops)
	if s.Len() != n {
		b.Fatalf("built %d objects, want %d", s.Len(), n)
	}
	return s
}

// deliveries counts op and ack messages taken by every member of a room;
// want is the count at which the benchmark's current step is complete.
type deliveries struct {
	got  atomic.Int64
	want atomic.Int64
	done chan struct{}
}

func (d *deliveries) add(n int64) {
	if n > 0 && d.got.Add(n) == d.want.Load() {
		d.done <- struct{}{}
	}
}

// drain is a write loop that writes nothing: it takes the client's queue
// whenever it is signalled and counts the messages that are ops or acks.
func drain(c *hub.Client, d *deliveries) {
	var msgs [][]byte
	for {
		select {
		case <-c.Ready():
			msgs = c.Take(msgs)
			var n int64
			for _, m := range msgs {
				if len(m) > 8 && (string(m[:9]) == `{"t":"op"` || string(m[:9]) == `{"t":"ack`) {
					n++
				}
			}
			d.add(n)
		case <-c.Done():
			return
		}
	}
}

// joinRoom joins n clients to board id, each drained by its own goroutine,
// and returns them; the first is the one that edits.
func joinRoom(b *testing.B, h *hub.Hub, id string, n int, d *deliveries) []*hub.Client {
	b.Helper()
	cs := make([]*hub.Client, n)
	for i := range cs {
		c, err := h.Join(context.Background(), hub.JoinRequest{Board: id, ClientID: "c" + strconv.Itoa(i), Name: "Person " + strconv.Itoa(i)})
		if err != nil {
			b.Fatal(err)
		}
		cs[i] = c
		go drain(c, d)
	}
	b.Cleanup(func() {
		for _, c := range cs {
			c.Leave()
		}
	})
	return cs
}

// editOps is a typical small edit: a note's text and position change.
func editOps(b *testing.B) ([]board.Op, []byte) {
	b.Helper()
	ops := []board.Op{{Type: board.OpUpdate, ID: "note-1", Fields: map[string]any{"text": "t=1745000000000000000", "x": 120.0, "y": 80.0}}}
	if err := board.ValidateOps(ops); err != nil {
		b.Fatal(err)
	}
	raw, err := json.Marshal(ops)
	if err != nil {
		b.Fatal(err)
	}
	return ops, raw
}

// BenchmarkFanout measures one edit reaching a whole room: from Submit
// until every other member has taken the op from its queue and the sender
// its ack (each member takes exactly one message per edit). The op is
// encoded once and the same bytes are queued for everyone; what grows with
// the room is one queue push per member and one wake-up of its write loop.
//
// burst=1 is latency: one edit at a time. burst=64 submits 64 edits before
// waiting, as a busy board does, so the room takes many in one turn and the
// store commits them together; ns/op is then per edit.
//
// store=mem commits nothing (see memStore): the hub's own cost. store=sqlite
// is the real path, where each acknowledgement waits for an fsync'd commit.
func BenchmarkFanout(b *testing.B) {
	for _, storeKind := range []string{"mem", "sqlite"} {
		for _, burst := range []int{1, 64} {
			for _, n := range []int{1, 25, 200, 1000} {
				b.Run(fmt.Sprintf("store=%s/burst=%d/clients=%d", storeKind, burst, n), func(b *testing.B) {
					benchFanout(b, storeKind, burst, n)
				})
			}
		}
	}
}

func benchFanout(b *testing.B, storeKind string, burst, n int) {
	st := benchStore(b, storeKind)
	h := benchHub(b, st, hub.Config{})
	const id = "fanout"
	createBoard(b, st, id, nil)
	d := &deliveries{done: make(chan struct{}, 1)}
	cs := joinRoom(b, h, id, n, d)
	sender := cs[0]
	ops, raw := editOps(b)
	ctx := context.Background()
	var batch int
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		k := min(burst, b.N-done)
		d.want.Add(int64(k * n))
		for range k {
			batch++
			if err := sender.Submit(ctx, "b"+strconv.Itoa(batch), ops, raw); err != nil {
				b.Fatal(err)
			}
		}
		select {
		case <-d.done:
		case <-time.After(time.Minute):
			b.Fatalf("after %d edits: %d of %d deliveries", done, d.got.Load(), d.want.Load())
		}
		done += k
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkJoinLargeBoard measures a client joining a board of 10,000
// objects, from Join until its welcome (the whole state, about 1.7 MB) is
// queued for its socket. The sockets' part is in server's benchmark.
//
//   - cold: nobody is on the board, so the join loads it from SQLite (read
//     the compacted state, decode and validate it) and then encodes it.
//   - stale: the board is live but an edit was applied since the last
//     join, so the state is encoded again (the usual case in a workshop).
//   - cached: the board is live and unchanged since the last welcome; the
//     encoded state is reused.
func BenchmarkJoinLargeBoard(b *testing.B) {
	const objects = 10000
	for _, mode := range []string{"cold", "stale", "cached"} {
		b.Run("objects=10000/"+mode, func(b *testing.B) {
			st := benchStore(b, "sqlite")
			h := benchHub(b, st, hub.Config{})
			const id = "large"
			createBoard(b, st, id, largeState(b, objects))
			ctx := context.Background()
			var holder *hub.Client
			d := &deliveries{done: make(chan struct{}, 1)}
			if mode != "cold" {
				// Someone stays on the board so the room stays live.
				holder = joinRoom(b, h, id, 1, d)[0]
			}
			ops, raw := editOps(b)
			ops = []board.Op{{Type: board.OpUpdate, ID: "o00000", Fields: ops[0].Fields}}
			raw, _ = json.Marshal(ops)
			var batch int
			var size int
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if mode == "stale" {
					// Apply one edit and wait for its ack, untimed.
					b.StopTimer()
					batch++
					d.want.Add(1)
					if err := holder.Submit(ctx, "b"+strconv.Itoa(batch), ops, raw); err != nil {
						b.Fatal(err)
					}
					<-d.done
					b.StartTimer()
				}
				c, err := h.Join(ctx, hub.JoinRequest{Board: id, ClientID: "joiner", Name: "Joiner"})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				msgs := c.Take(nil)
				if len(msgs) == 0 || !bytes.HasPrefix(msgs[0], []byte(`{"t":"welcome"`)) {
					b.Fatal("no welcome queued")
				}
				size = len(msgs[0])
				c.Leave()
				if mode == "cold" {
					// Wait for the room to unload, so the next join loads again.
					for h.Rooms() != 0 {
						time.Sleep(100 * time.Microsecond)
					}
				}
				b.StartTimer()
			}
			b.StopTimer()
			b.ReportMetric(float64(size), "welcome-bytes")
		})
	}
}
