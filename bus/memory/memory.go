package memory

import (
	"context"
	"fmt"
	"sync"

	"partnerboard/hub"
)

var _ hub.Bus = (*Bus)(nil)

// DefaultRetain is how many recent batches per board are remembered to
// recognise retries; it matches hub.DefaultRetainOps.
const DefaultRetain = hub.DefaultRetainOps

// Bus orders batches for the boards open in this process. It is safe for
// concurrent use.
type Bus struct {
	store  hub.Store
	retain int

	mu     sync.Mutex
	boards map[string]*boardLog
}

// New returns a bus that makes batches durable in store and remembers the
// last retain batches of each board (DefaultRetain if retain <= 0).
func New(store hub.Store, retain int) *Bus {
	if retain <= 0 {
		retain = DefaultRetain
	}
	return &Bus{store: store, retain: retain, boards: make(map[string]*boardLog)}
}

type batchKey struct{ client, batch string }

// boardLog is the shared state of one open board; handles count its users.
type boardLog struct {
	bus *Bus
	id  string

	// mu guards the ordering state; it is held while a publish is handed
	// to the store, so the store gets this board's entries in seq order.
	mu     sync.Mutex
	refs   int
	seq    uint64
	seen   map[batchKey]uint64
	recent []batchKey // the keys in seen, oldest first, to forget them in order

	// cbMu guards what the store's callback needs. The callback may run
	// inside Append (a closed store answers at once), so it must never
	// need mu. Lock order: mu, then cbMu.
	cbMu   sync.Mutex
	subs   map[*handle]struct{}
	failed error
}

// Open implements hub.Bus.
func (b *Bus) Open(_ context.Context, board string, head hub.Head, deliver func([]hub.Entry)) (hub.BoardLog, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bl := b.boards[board]
	if bl == nil {
		bl = &boardLog{bus: b, id: board, seq: head.Seq, seen: make(map[batchKey]uint64), subs: make(map[*handle]struct{})}
		for _, e := range head.Entries {
			bl.remember(batchKey{e.Client, e.Batch}, e.Seq)
		}
		b.boards[board] = bl
	}
	bl.mu.Lock()
	defer bl.mu.Unlock()
	bl.cbMu.Lock()
	defer bl.cbMu.Unlock()
	if bl.seq != head.Seq {
		// Another room of this board is still open here and has moved on;
		// this one would miss entries. The hub never lets that happen.
		return nil, fmt.Errorf("open board %s at seq %d: the bus is at %d", board, head.Seq, bl.seq)
	}
	h := &handle{bl: bl, deliver: deliver}
	bl.subs[h] = struct{}{}
	bl.refs++
	return h, nil
}

// remember records key at seq, forgetting the oldest beyond the limit. bl.mu held.
func (bl *boardLog) remember(key batchKey, seq uint64) {
	bl.seen[key] = seq
	bl.recent = append(bl.recent, key)
	if over := len(bl.recent) - bl.bus.retain; over > 0 {
		for _, k := range bl.recent[:over] {
			delete(bl.seen, k)
		}
		clear(bl.recent[:over])
		bl.recent = bl.recent[over:]
	}
}

// handle is one room's view of a board log.
type handle struct {
	bl      *boardLog
	deliver func([]hub.Entry)
	closed  bool // guarded by bl.cbMu
}

// Publish implements hub.BoardLog.
func (h *handle) Publish(entries []hub.Entry, done func([]hub.Published, error)) {
	bl := h.bl
	bl.mu.Lock()
	bl.cbMu.Lock()
	err := bl.failed
	bl.cbMu.Unlock()
	if err != nil {
		bl.mu.Unlock()
		done(nil, err)
		return
	}
	res := make([]hub.Published, len(entries))
	fresh := make([]hub.Entry, 0, len(entries))
	for i, e := range entries {
		key := batchKey{e.Client, e.Batch}
		if seq, ok := bl.seen[key]; ok {
			res[i] = hub.Published{Seq: seq, Dup: true}
			continue
		}
		bl.seq++
		e.Seq = bl.seq
		bl.remember(key, e.Seq)
		res[i] = hub.Published{Seq: e.Seq}
		fresh = append(fresh, e)
	}
	if len(fresh) == 0 {
		bl.mu.Unlock()
		done(res, nil)
		return
	}
	// Append only queues, so holding bl.mu here is cheap, and it makes the
	// store commit this board's entries in seq order.
	bl.bus.store.Append(bl.id, fresh, func(err error) {
		if err != nil {
			bl.cbMu.Lock()
			// Later seqs may have been handed out; nothing more is
			// accepted until every room has closed and reloaded.
			if bl.failed == nil {
				bl.failed = fmt.Errorf("store batches of board %s: %w", bl.id, err)
			}
			err = bl.failed
			bl.cbMu.Unlock()
			done(nil, err)
			return
		}
		bl.cbMu.Lock()
		subs := make([]*handle, 0, len(bl.subs))
		for s := range bl.subs {
			subs = append(subs, s)
		}
		bl.cbMu.Unlock()
		// Store callbacks run one at a time in commit order, so every
		// room sees entries in seq order.
		for _, s := range subs {
			s.deliver(fresh)
		}
		done(res, nil)
	})
	bl.mu.Unlock()
}

// Trim implements hub.BoardLog. Entries live in the store, which drops
// them itself when it compacts, so there is nothing to do.
func (h *handle) Trim(context.Context, uint64) error { return nil }

// Close implements hub.BoardLog.
func (h *handle) Close() error {
	bl := h.bl
	b := bl.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	bl.mu.Lock()
	defer bl.mu.Unlock()
	bl.cbMu.Lock()
	defer bl.cbMu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	delete(bl.subs, h)
	bl.refs--
	if bl.refs == 0 && b.boards[bl.id] == bl {
		delete(b.boards, bl.id)
	}
	return nil
}
