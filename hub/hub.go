package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Config; each is documented in docs/protocol.md.
const (
	// DefaultQueueSize is how many messages may wait for one socket before
	// the client is disconnected as too slow; DefaultQueueBytes how many
	// bytes. A welcome with a full board of 20,000 objects fits.
	DefaultQueueSize  = 4096
	DefaultQueueBytes = 32 << 20
	// DefaultRetainOps is how many recent entries a room keeps for
	// recovery and retry detection; an older resume gets a snapshot.
	DefaultRetainOps = 1000
	// DefaultCompactEvery is how many entries a room applies between
	// writing a compacted state to the store.
	DefaultCompactEvery = 1000
	// DefaultCursorTick is how often a room sends the cursors that moved:
	// 20 cursor messages a second, plus those that ride with an edit in
	// the same write (the tick then starts again).
	DefaultCursorTick = 50 * time.Millisecond
	// presenceWatchTimeout bounds how long a loading room waits for a
	// clustered bus to say who is on the board on other nodes; past it the
	// room opens without them, and they arrive as joins.
	presenceWatchTimeout = 5 * time.Second
	// inboxSize bounds the requests waiting for a room; a full inbox makes
	// the sending connection wait, never the room. Every live board holds
	// one (16 bytes a slot), so it is no larger than what one turn takes.
	inboxSize = turnSize
	// turnSize bounds the requests a room takes in one turn of its loop,
	// and so the burst one turn can queue for a client.
	turnSize = 256
)

// Config tunes a Hub. Zero fields take the defaults above.
type Config struct {
	QueueSize    int
	QueueBytes   int
	RetainOps    int
	CompactEvery int
	CursorTick   time.Duration
	Logger       *slog.Logger
}

func (c *Config) fill() {
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.QueueBytes <= 0 {
		c.QueueBytes = DefaultQueueBytes
	}
	if c.RetainOps <= 0 {
		c.RetainOps = DefaultRetainOps
	}
	if c.CompactEvery <= 0 {
		c.CompactEvery = DefaultCompactEvery
	}
	if c.CursorTick <= 0 {
		c.CursorTick = DefaultCursorTick
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Errors a Join can return.
var (
	ErrClosed = errors.New("hub is closed")
	// ErrRoomGone: the room stopped (store failure or shutdown) before
	// the request reached it.
	ErrRoomGone = errors.New("board is not available")
)

// Hub holds the live rooms of one process. It is safe for concurrent use.
type Hub struct {
	cfg   Config
	store Store
	bus   Bus

	mu    sync.Mutex // guards rooms, closing, closed and every room's joining count
	rooms map[string]*Room
	// closing holds rooms that were released and are still finishing;
	// a join of their board waits for them, so a board is never open
	// twice in one process.
	closing map[string]*Room
	closed  bool
	wg      sync.WaitGroup // one per running room

	nextSession atomic.Uint64
	sessionSalt string

	m       metrics
	started time.Time
}

// New returns a hub that loads and compacts boards in store and orders
// their batches through bus.
func New(store Store, bus Bus, cfg Config) *Hub {
	cfg.fill()
	var salt [4]byte
	_, _ = rand.Read(salt[:])
	return &Hub{m: metrics{latency: newHistogram()}, started: time.Now(), cfg: cfg, store: store, bus: bus, rooms: make(map[string]*Room), closing: make(map[string]*Room), sessionSalt: hex.EncodeToString(salt[:])}
}

// JoinRequest is what a connection says when it joins a board.
type JoinRequest struct {
	Board    string
	ClientID string // stable across the client's reconnects
	Name     string
	Color    string
	ReadOnly bool
	// Facilitator may edit while the board is locked.
	Facilitator bool
	// Locked is whether the board is locked, as the server's records say;
	// each join brings the room up to date.
	Locked bool
	// Resume asks for only what was missed since Epoch/Seq.
	Resume bool
	Epoch  string
	Seq    uint64
	// Wake, if set, is called whenever a message is queued for the client
	// and once when its session ends, so a server can run a writer only
	// while there is something to write instead of waiting on Ready. It
	// must not block: the room calls it while fanning out.
	Wake func()
}

// acquire returns the board's room, starting it if nobody is on the board,
// and counts one request on its way to it. The caller must send exactly one
// request that the room answers with joined, or call unacquire.
func (h *Hub) acquire(id string) (*Room, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		if h.closed {
			return nil, ErrClosed
		}
		old := h.closing[id]
		if old == nil {
			break
		}
		h.mu.Unlock()
		<-old.stopped
		h.mu.Lock()
	}
	r := h.rooms[id]
	if r == nil {
		r = newRoom(h, id)
		h.rooms[id] = r
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			r.run()
			h.mu.Lock()
			if h.closing[id] == r {
				delete(h.closing, id)
			}
			h.mu.Unlock()
		}()
	}
	r.joining++
	return r, nil
}

func (h *Hub) unacquire(r *Room) {
	h.mu.Lock()
	r.joining--
	h.mu.Unlock()
}

// Join adds a client to the board's room, loading the board if nobody is on
// it. The welcome message is already queued on the returned client.
func (h *Hub) Join(ctx context.Context, req JoinRequest) (*Client, error) {
	r, err := h.acquire(req.Board)
	if err != nil {
		return nil, err
	}
	c := &Client{
		session:     "s" + h.sessionSalt + "-" + strconv.FormatUint(h.nextSession.Add(1), 10),
		clientID:    req.ClientID,
		readOnly:    req.ReadOnly,
		facilitator: req.Facilitator,
		room:        r,
		out:         newOutQueue(h.cfg.QueueSize, h.cfg.QueueBytes, req.Wake),
		done:        make(chan struct{}),
		wake:        req.Wake,
	}
	c.user = User{ID: c.session, Name: req.Name, Color: req.Color}
	after := h.head(ctx, req.Board)
	reply := make(chan error, 1)
	if err := r.send(ctx, joinReq{c: c, req: req, reply: reply, after: after}); err != nil {
		h.unacquire(r)
		return nil, err
	}
	select {
	case err := <-reply:
		if err != nil {
			return nil, err
		}
		return c, nil
	case <-r.stopped:
		return nil, r.stoppedErr()
	}
}

// SetLocked locks or unlocks a live board for everyone but facilitators.
// A board nobody is on needs nothing: the next join brings the lock.
func (h *Hub) SetLocked(ctx context.Context, board string, locked bool) error {
	h.mu.Lock()
	r := h.rooms[board]
	if r != nil {
		r.joining++
	}
	h.mu.Unlock()
	if r == nil {
		return nil
	}
	if err := r.send(ctx, lockReq{locked: locked}); err != nil {
		h.unacquire(r)
		return err
	}
	return nil
}

// Notify sends msg to everyone on the given boards that have people on
// them: workshop-wide news such as a broadcast or a timer. Boards nobody is
// on are skipped; pages learn the current state when they join.
func (h *Hub) Notify(ctx context.Context, boards []string, msg []byte) {
	for _, b := range boards {
		h.mu.Lock()
		r := h.rooms[b]
		if r != nil {
			r.joining++
		}
		h.mu.Unlock()
		if r == nil {
			continue
		}
		if err := r.send(ctx, notifyReq{msg: msg}); err != nil {
			h.unacquire(r)
		}
	}
}

// Snapshot is a board's content at a sequence number.
type Snapshot struct {
	Board BoardInfo       `json:"board"`
	Seq   uint64          `json:"seq"`
	State json.RawMessage `json:"state"`
}

// Snapshot returns the board's current content, including edits that are
// durable but not yet compacted.
func (h *Hub) Snapshot(ctx context.Context, board string) (*Snapshot, error) {
	r, err := h.acquire(board)
	if err != nil {
		return nil, err
	}
	after := h.head(ctx, board)
	reply := make(chan *Snapshot, 1)
	if err := r.send(ctx, snapshotReq{reply: reply, after: after}); err != nil {
		h.unacquire(r)
		return nil, err
	}
	select {
	case s, ok := <-reply:
		if !ok {
			return nil, r.stoppedErr()
		}
		return s, nil
	case <-r.stopped:
		return nil, r.stoppedErr()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// head is how far the board's log has got on every node, for a bus that
// knows (see HeadBus); 0 means "whatever this room has".
func (h *Hub) head(ctx context.Context, board string) uint64 {
	hb, ok := h.bus.(HeadBus)
	if !ok {
		return 0
	}
	seq, err := hb.Head(ctx, board)
	if err != nil {
		// Serve what this node has rather than nothing: while the bus is
		// away no edit can be acknowledged anywhere, so little is missed.
		h.cfg.Logger.Warn("ask the bus where a board's log has got", "board", board, "err", err)
		return 0
	}
	return seq
}

// Rooms reports how many boards are live in this process.
func (h *Hub) Rooms() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.rooms)
}

// release removes r from the hub if nobody is joining it; the room then
// finishes. The decision is taken under h.mu so a concurrent Join either
// finds the room still registered (and the room sees its join) or starts a
// new one that loads what this one stored.
func (h *Hub) release(r *Room) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.joining > 0 {
		return false
	}
	if h.rooms[r.id] == r {
		delete(h.rooms, r.id)
		h.closing[r.id] = r
	}
	return true
}

// joined is called by a room when it has taken a request counted by acquire.
func (h *Hub) joined(r *Room) { h.unacquire(r) }

// Close stops every room: pending batches are committed and acked, states
// compacted, and every client ended with ReasonShutdown. It returns when all
// rooms have stopped or ctx ends.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	rooms := make([]*Room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.Unlock()
	for _, r := range rooms {
		r.shutdown()
	}
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
