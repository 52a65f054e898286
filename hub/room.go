package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"partnerboard/board"
)

// Requests a room takes through its inbox.
type (
	joinReq struct {
		c     *Client
		req   JoinRequest
		reply chan error
		after uint64 // answer once the room has applied this seq (see HeadBus)
	}
	leaveReq  struct{ c *Client }
	submitReq struct {
		c     *Client
		batch string
		ops   []board.Op
		raw   []byte
	}
	editingReq struct {
		c      *Client
		object string
	}
	snapshotReq struct {
		reply chan *Snapshot
		after uint64
	}
	lockReq   struct{ locked bool }
	notifyReq struct{ msg []byte }
)

// batchKey identifies a batch across retries and reconnects.
type batchKey struct{ client, batch string }

// pending is a batch of a client of this room, published and waiting to
// come back from the bus with its seq.
type pending struct {
	sender *Client
	// also are clients that re-sent the same batch while it was pending;
	// they get an ack too.
	also    []*Client
	creates int
	dup     bool      // the bus already had it: ack as a repeat
	since   time.Time // when the room took it, for the latency histogram
}

// busEvent is something the bus reported: delivered entries, or the
// outcome of one Publish call.
type busEvent struct {
	entries []Entry
	keys    []batchKey // with res: the published batches, in order
	res     []Published
	err     error
	// presence: what other nodes reported about their users
	presence *PresenceUpdate
}

// Room is one live board. Everything below the "owned by run" line is
// touched only by the room's own goroutine; other goroutines talk to it
// through the inbox, or, for the store's commit callbacks, through commits.
type Room struct {
	id      string
	hub     *Hub
	inbox   chan any
	stopped chan struct{} // closed when run returns
	quit    chan struct{} // closed by shutdown
	quitMu  sync.Once
	failErr error // why the room stopped early; written before stopped closes

	joining int // joins on their way to the inbox; guarded by hub.mu

	// The bus reports from its own goroutines into events and wakes the
	// room; it never waits for the room.
	eventMu sync.Mutex
	events  []busEvent
	wake    chan struct{}
	// cursorKick: a client's pointer moved (see Client.SetCursor).
	cursorKick chan struct{}

	// owned by run
	info         BoardInfo
	blog         BoardLog
	state        *board.State
	seq          uint64 // last applied seq: durable, acked, fanned out
	pending      map[batchKey]*pending
	toPublish    []Entry // taken in this turn, not yet handed to the bus
	log          []Entry // the retained tail of the log, ascending
	seen         map[batchKey]uint64
	clients      map[*Client]struct{}
	sinceCompact int
	snapshot     []byte // state encoded at seq; nil when stale
	newCreates   int    // creates of pending batches, to keep boards under MaxObjects
	locked       bool   // only facilitators may edit
	fenced       []any  // joins and reads waiting for the room to reach their seq (see HeadBus)

	// Presence on other nodes, when the bus shares it; presence is nil
	// for a bus of one process, and the rest then stays empty.
	presence      PresenceLog
	remote        map[string]User       // users on other nodes, by session
	remoteCursors map[string][2]float64 // their cursors that moved since the last tick
	moved         []Cursor              // this tick's local moves for the bus, reused
}

func newRoom(h *Hub, id string) *Room {
	return &Room{
		id:         id,
		hub:        h,
		inbox:      make(chan any, inboxSize),
		stopped:    make(chan struct{}),
		quit:       make(chan struct{}),
		wake:       make(chan struct{}, 1),
		cursorKick: make(chan struct{}, 1),
		pending:    make(map[batchKey]*pending),
		seen:       make(map[batchKey]uint64),
		clients:    make(map[*Client]struct{}),
	}
}

// send delivers a request to the room unless it has stopped.
func (r *Room) send(ctx context.Context, m any) error {
	select {
	case r.inbox <- m:
		return nil
	case <-r.stopped:
		return r.stoppedErr()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stoppedErr says why a stopped room could not take a request.
func (r *Room) stoppedErr() error {
	if r.failErr != nil {
		return r.failErr
	}
	return ErrRoomGone
}

func (r *Room) shutdown() { r.quitMu.Do(func() { close(r.quit) }) }

func (r *Room) run() {
	defer close(r.stopped)
	if err := r.load(); err != nil {
		r.stop(err)
		return
	}
	// The cursor tick runs only while pointers move: an idle board's room
	// sleeps until something happens (see armCursors).
	tick := time.NewTimer(time.Hour)
	tick.Stop()
	defer tick.Stop()
	var tickC <-chan time.Time
	arm := func() {
		if tickC == nil {
			tick.Reset(untilTick(time.Now(), r.hub.cfg.CursorTick))
			tickC = tick.C
		}
	}
	for {
		select {
		case m := <-r.inbox:
			r.handle(m)
			// Take whatever else is waiting, so one store append and one
			// turn of the loop serve many batches.
		drain:
			for range turnSize {
				select {
				case m := <-r.inbox:
					r.handle(m)
				default:
					break drain
				}
			}
			r.flushPublish()
		case <-r.wake:
			seq := r.seq
			if err := r.applyEvents(); err != nil {
				r.stop(err)
				return
			}
			r.releaseFenced()
			if r.seq != seq && tickC != nil {
				// Edits were just queued for everyone: pointers that moved
				// since the last tick go with them, in the same write to
				// each socket, and the next tick is a whole tick away.
				// Every write a client is spared is one system call less
				// on both ends of its socket.
				tick.Stop()
				tickC = nil
				r.hub.m.cursorTick.Add(1)
				if r.sendCursors() {
					tick.Reset(r.hub.cfg.CursorTick)
					tickC = tick.C
				}
			}
			if len(r.remoteCursors) > 0 {
				arm()
			}
		case <-r.cursorKick:
			arm()
		case <-tickC:
			tickC = nil
			r.hub.m.cursorTick.Add(1)
			if r.sendCursors() {
				arm() // keep the cadence while people move
			}
		case <-r.quit:
			r.finish(ReasonShutdown)
			return
		}
		if len(r.clients) == 0 && len(r.pending) == 0 && r.hub.release(r) {
			r.finish(ReasonNone)
			return
		}
	}
}

// load reads the board from the store and replays the log past its
// compacted state.
func (r *Room) load() error {
	ctx := context.Background()
	l, err := r.hub.store.LoadBoard(ctx, r.id)
	if err != nil {
		return fmt.Errorf("load board %s: %w", r.id, err)
	}
	r.info = l.Info
	r.state = board.NewState()
	if len(l.State) > 0 {
		st, canonical, err := board.DecodeState(l.State)
		if err != nil {
			return fmt.Errorf("load board %s: decode state: %w", r.id, err)
		}
		r.state = st
		if canonical {
			// The stored bytes are exactly what encodedState would make,
			// so the first welcome need not encode the board again. Any
			// entry replayed below makes them stale, as for every apply.
			r.snapshot = l.State
		}
	}
	r.seq = l.Seq
	for _, e := range l.Entries {
		if e.Seq > r.seq {
			ops, err := board.DecodeOps(e.Raw)
			if err != nil {
				return fmt.Errorf("load board %s: decode entry %d: %w", r.id, e.Seq, err)
			}
			e.Ops = ops
			r.state.Apply(ops)
			r.seq = e.Seq
			r.snapshot = nil
		}
		e.Ops = nil // the retained log is for resending, not applying
		r.retain(e)
	}
	blog, err := r.hub.bus.Open(ctx, r.id, Head{Seq: r.seq, Entries: r.log}, r.deliver)
	if err != nil {
		return fmt.Errorf("open log of board %s: %w", r.id, err)
	}
	r.blog = blog
	if pl, ok := blog.(PresenceLog); ok {
		r.watchPresence(pl)
	}
	return nil
}

// watchPresence learns who is on the board on other nodes, so that the
// first welcome lists them too. Presence is not worth failing a board
// for: if the bus cannot say now, the users arrive later as joins.
func (r *Room) watchPresence(pl PresenceLog) {
	r.presence = pl
	r.remote = make(map[string]User)
	r.remoteCursors = make(map[string][2]float64)
	ctx, cancel := context.WithTimeout(context.Background(), presenceWatchTimeout)
	defer cancel()
	users, err := pl.WatchPresence(ctx, r.deliverPresence)
	if err != nil {
		r.hub.cfg.Logger.Warn("read presence of other nodes", "board", r.id, "err", err)
	}
	for _, u := range users {
		r.remote[u.ID] = u
	}
}

// deliverPresence is the bus's presence callback: like deliver, it only
// queues and wakes the room.
func (r *Room) deliverPresence(u PresenceUpdate) { r.post(busEvent{presence: &u}) }

// announce tells the other nodes about this room's users, if the bus
// shares presence.
func (r *Room) announce(joined []User, left []string) {
	if r.presence != nil {
		r.presence.Announce(joined, left)
	}
}

// applyPresence brings this room's clients up to date with what another
// node reported: in the same join, leave and editing messages as for local
// users, so the wire does not change in cluster mode.
func (r *Room) applyPresence(u PresenceUpdate) {
	for _, usr := range u.Users {
		old, known := r.remote[usr.ID]
		r.remote[usr.ID] = usr
		switch {
		case !known:
			r.broadcast(encode(joinMsg{T: "join", User: usr}), nil)
		case old.Editing != usr.Editing:
			r.broadcast(encode(editingMsg{T: "editing", ID: usr.ID, Object: usr.Editing}), nil)
		}
	}
	for _, id := range u.Left {
		if _, known := r.remote[id]; !known {
			continue
		}
		delete(r.remote, id)
		delete(r.remoteCursors, id)
		r.broadcast(encode(leaveMsg{T: "leave", ID: id}), nil)
	}
	for _, c := range u.Cursors {
		// Only of people the room knows of: a cursor never shows up
		// for someone who is not listed as here.
		if _, known := r.remote[c.ID]; known {
			r.remoteCursors[c.ID] = [2]float64{c.X, c.Y}
		}
	}
}

// deliver is the bus's callback: it only queues and wakes the room.
func (r *Room) deliver(entries []Entry) { r.post(busEvent{entries: entries}) }

func (r *Room) post(ev busEvent) {
	r.eventMu.Lock()
	r.events = append(r.events, ev)
	r.eventMu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// stop ends a room that can no longer keep its board: every client is
// ended, nothing pending is acked, and the next join starts afresh from
// the store.
func (r *Room) stop(err error) {
	r.failErr = err
	if !errors.Is(err, ErrNotFound) {
		r.hub.cfg.Logger.Error("board stopped", "board", r.id, "err", err)
	}
	r.hub.mu.Lock()
	if r.hub.rooms[r.id] == r {
		delete(r.hub.rooms, r.id)
		r.hub.closing[r.id] = r // joins wait until run returns
	}
	r.hub.mu.Unlock()
	for c := range r.clients {
		c.end(ReasonFailure)
	}
	r.hub.m.clients.Add(-int64(len(r.clients)))
	r.clients = nil
	if r.blog != nil {
		_ = r.blog.Close()
	}
	r.drainJoins(err)
}

// releaseFenced handles the joins and reads the room has now caught up with.
func (r *Room) releaseFenced() {
	if len(r.fenced) == 0 {
		return
	}
	waiting := r.fenced
	r.fenced = nil
	for _, m := range waiting {
		r.handle(m) // parks it again if still ahead
	}
}

// drainJoins answers joins that reached the inbox after the room decided to
// stop, and those still waiting for the room to catch up.
func (r *Room) drainJoins(err error) {
	for _, m := range r.fenced {
		r.hub.joined(r)
		switch m := m.(type) {
		case joinReq:
			m.reply <- err
		case snapshotReq:
			close(m.reply)
		}
	}
	r.fenced = nil
	for {
		select {
		case m := <-r.inbox:
			switch m := m.(type) {
			case joinReq:
				r.hub.joined(r)
				m.reply <- err
			case snapshotReq:
				r.hub.joined(r)
				close(m.reply)
			case lockReq, notifyReq:
				r.hub.joined(r)
			}
		default:
			return
		}
	}
}

// finish stops a healthy room: it waits for what the store still has in
// hand, so every batch that was sequenced is acked, compacts, and ends
// the clients.
func (r *Room) finish(reason CloseReason) {
	r.flushPublish()
	for len(r.pending) > 0 {
		<-r.wake
		if err := r.applyEvents(); err != nil {
			r.stop(err)
			return
		}
	}
	if r.sinceCompact > 0 {
		if err := r.compact(); err != nil {
			r.hub.cfg.Logger.Error("compact board", "board", r.id, "err", err)
		}
	}
	for c := range r.clients {
		c.end(reason)
	}
	r.hub.m.clients.Add(-int64(len(r.clients)))
	r.clients = nil
	_ = r.blog.Close()
	r.hub.mu.Lock()
	if r.hub.rooms[r.id] == r {
		delete(r.hub.rooms, r.id)
		r.hub.closing[r.id] = r // joins wait until run returns
	}
	r.hub.mu.Unlock()
	r.drainJoins(ErrRoomGone)
}

func (r *Room) handle(m any) {
	switch m := m.(type) {
	case joinReq:
		if m.after > r.seq {
			r.fenced = append(r.fenced, m)
			return
		}
		r.join(m)
	case leaveReq:
		r.leave(m.c)
	case submitReq:
		r.submit(m)
	case lockReq:
		r.hub.joined(r)
		r.setLocked(m.locked)
	case notifyReq:
		r.hub.joined(r)
		r.broadcast(m.msg, nil)
	case snapshotReq:
		if m.after > r.seq {
			r.fenced = append(r.fenced, m)
			return
		}
		r.hub.joined(r)
		m.reply <- &Snapshot{Board: r.info, Seq: r.seq, State: r.encodedState()}
	case editingReq:
		if _, ok := r.clients[m.c]; !ok || m.c.user.Editing == m.object {
			return
		}
		m.c.user.Editing = m.object
		r.broadcast(encode(editingMsg{T: "editing", ID: m.c.session, Object: m.object}), m.c)
		r.announce([]User{m.c.user}, nil)
	}
}

// setLocked records the lock and tells everyone, so pages can say so.
func (r *Room) setLocked(locked bool) {
	if r.locked == locked {
		return
	}
	r.locked = locked
	r.broadcast(encode(lockMsg{T: "lock", Locked: locked}), nil)
}

func (r *Room) join(j joinReq) {
	r.hub.joined(r)
	r.setLocked(j.req.Locked)
	c := j.c
	w := welcomeMsg{
		T:        "welcome",
		Session:  c.session,
		Board:    r.info,
		Epoch:    r.info.Epoch,
		Seq:      r.seq,
		Ops:      []Entry{},
		ReadOnly: c.readOnly,
		Locked:   r.locked,
	}
	if missed, ok := r.missedSince(j.req); ok {
		w.Ops = missed
	} else {
		w.State = r.encodedState()
	}
	r.clients[c] = struct{}{}
	r.hub.m.clients.Add(1)
	w.Users = make([]User, 0, len(r.clients)+len(r.remote))
	for o := range r.clients {
		w.Users = append(w.Users, o.user)
	}
	for _, u := range r.remote {
		w.Users = append(w.Users, u)
	}
	c.enqueue(encodeWelcome(w))
	j.reply <- nil
	r.broadcast(encode(joinMsg{T: "join", User: c.user}), c)
	r.announce([]User{c.user}, nil)
}

// missedSince returns exactly the entries after the client's seq, if the
// retained log reaches back that far in the same epoch.
func (r *Room) missedSince(req JoinRequest) ([]Entry, bool) {
	if !req.Resume || req.Epoch != r.info.Epoch || req.Seq > r.seq {
		return nil, false
	}
	first := r.seq + 1
	if len(r.log) > 0 {
		first = r.log[0].Seq
	}
	if req.Seq+1 < first {
		return nil, false
	}
	i := len(r.log)
	for i > 0 && r.log[i-1].Seq > req.Seq {
		i--
	}
	missed := r.log[i:]
	// Exactly the missed entries or nothing: a log with a hole in it (a
	// store failure can leave one) is answered with a snapshot.
	for k, e := range missed {
		if e.Seq != req.Seq+1+uint64(k) {
			return nil, false
		}
	}
	return append([]Entry{}, missed...), true
}

func (r *Room) encodedState() []byte {
	if r.snapshot == nil {
		b, err := r.state.MarshalJSON()
		if err != nil {
			panic("hub: encode board state: " + err.Error())
		}
		r.snapshot = b
	}
	return r.snapshot
}

func (r *Room) leave(c *Client) {
	if _, ok := r.clients[c]; !ok {
		return
	}
	delete(r.clients, c)
	r.hub.m.clients.Add(-1)
	r.broadcast(encode(leaveMsg{T: "leave", ID: c.session}), nil)
	r.announce(nil, []string{c.session})
}

func (r *Room) submit(s submitReq) {
	c := s.c
	if _, ok := r.clients[c]; !ok {
		return // it left, or was ended, while the batch was on its way
	}
	if c.readOnly {
		c.enqueue(EncodeError(ErrorMsg{Code: CodeReadOnly, Batch: s.batch, Message: "This board is view-only for you, so the change was not saved."}))
		return
	}
	if r.locked && !c.facilitator {
		c.enqueue(EncodeError(ErrorMsg{Code: CodeLocked, Batch: s.batch, Message: "The facilitator has paused editing on this board for now, so your change was not saved. You can still look around."}))
		return
	}
	key := batchKey{c.clientID, s.batch}
	if p, ok := r.pending[key]; ok {
		p.also = append(p.also, c) // re-sent from a new connection while in flight
		return
	}
	if seq, ok := r.seen[key]; ok {
		c.enqueue(encode(ackMsg{T: "ack", Batch: s.batch, Seq: seq, Dup: true}))
		return
	}
	creates := 0
	for _, op := range s.ops {
		if op.Type == board.OpCreate {
			creates++
		}
	}
	if creates > 0 && r.state.Len()+r.newCreates+creates > board.MaxObjects {
		c.enqueue(EncodeError(ErrorMsg{Code: CodeBoardFull, Batch: s.batch,
			Message: "This board has reached its limit of " + strconv.Itoa(board.MaxObjects) + " items, so nothing new was added. Try a new board for the next part."}))
		return
	}
	r.newCreates += creates
	r.pending[key] = &pending{sender: c, creates: creates, since: time.Now()}
	r.toPublish = append(r.toPublish, Entry{Client: c.clientID, Batch: s.batch, Author: c.user.Name, Raw: s.raw, Ops: s.ops})
}

// flushPublish hands this turn's batches to the bus in one call.
func (r *Room) flushPublish() {
	if len(r.toPublish) == 0 {
		return
	}
	entries := r.toPublish
	r.toPublish = nil
	keys := make([]batchKey, len(entries))
	for i, e := range entries {
		keys[i] = batchKey{e.Client, e.Batch}
	}
	r.blog.Publish(entries, func(res []Published, err error) {
		r.post(busEvent{keys: keys, res: res, err: err})
	})
}

// applyEvents handles what the bus reported, in the order it reported it:
// delivered entries are applied, acked and fanned out in sequence order.
func (r *Room) applyEvents() error {
	r.eventMu.Lock()
	events := r.events
	r.events = nil
	r.eventMu.Unlock()
	for _, ev := range events {
		if ev.err != nil {
			return ev.err
		}
		if ev.presence != nil {
			r.applyPresence(*ev.presence)
			continue
		}
		for _, e := range ev.entries {
			if e.Seq <= r.seq {
				continue // delivered twice; already applied
			}
			if e.Seq != r.seq+1 {
				return fmt.Errorf("board %s: entry %d delivered after %d", r.id, e.Seq, r.seq)
			}
			r.applyEntry(e)
		}
		for i, res := range ev.res {
			p := r.pending[ev.keys[i]]
			if p == nil || !res.Dup {
				continue
			}
			if res.Seq > r.seq {
				p.dup = true // acked when its entry arrives
				continue
			}
			// Already in the log before this room published it: a retry
			// after a lost ack.
			ack := encode(ackMsg{T: "ack", Batch: ev.keys[i].batch, Seq: res.Seq, Dup: true})
			var ended []*Client
			for _, c := range append([]*Client{p.sender}, p.also...) {
				if _, ok := r.clients[c]; ok && !c.enqueue(ack) {
					ended = append(ended, c)
				}
			}
			r.newCreates -= p.creates
			delete(r.pending, ev.keys[i])
			r.drop(ended)
		}
	}
	if r.sinceCompact >= r.hub.cfg.CompactEvery {
		if err := r.compact(); err != nil {
			return err
		}
	}
	return nil
}

// applyEntry applies the board's next entry, acks it to whoever sent it
// from this room and sends it to everyone else.
func (r *Room) applyEntry(e Entry) {
	key := batchKey{e.Client, e.Batch}
	p := r.pending[key]
	if p != nil {
		delete(r.pending, key)
		r.newCreates -= p.creates
		r.hub.m.latency.observe(time.Since(p.since))
	}

	ops := e.Ops
	if ops == nil {
		// From another process: only the encoded form travelled.
		var err error
		if ops, err = board.DecodeOps(e.Raw); err != nil {
			r.hub.cfg.Logger.Error("undecodable entry", "board", r.id, "seq", e.Seq, "err", err)
		}
	}
	r.state.Apply(ops)
	r.hub.m.batches.Add(1)
	r.hub.m.opsApplied.Add(uint64(len(ops)))
	r.seq = e.Seq
	r.snapshot = nil
	r.sinceCompact++
	e.Ops = nil
	r.retain(e)

	msg := encode(opMsg{T: "op", Entry: e})
	var ack, dupAck []byte
	var ended []*Client
	for c := range r.clients {
		var ok bool
		switch {
		case p != nil && c == p.sender && !p.dup:
			if ack == nil {
				ack = encode(ackMsg{T: "ack", Batch: e.Batch, Seq: e.Seq})
			}
			ok = c.enqueue(ack)
		case p != nil && (c == p.sender || contains(p.also, c)):
			if dupAck == nil {
				dupAck = encode(ackMsg{T: "ack", Batch: e.Batch, Seq: e.Seq, Dup: true})
			}
			ok = c.enqueue(dupAck)
		default:
			ok = c.enqueue(msg)
		}
		if !ok {
			ended = append(ended, c)
		}
	}
	r.drop(ended)
}

func contains(cs []*Client, c *Client) bool {
	for _, o := range cs {
		if o == c {
			return true
		}
	}
	return false
}

// retain keeps e in the recovery log, forgetting the oldest entry beyond
// the retention limit.
func (r *Room) retain(e Entry) {
	r.log = append(r.log, e)
	r.seen[batchKey{e.Client, e.Batch}] = e.Seq
	if over := len(r.log) - r.hub.cfg.RetainOps; over > 0 {
		for _, old := range r.log[:over] {
			k := batchKey{old.Client, old.Batch}
			if r.seen[k] == old.Seq {
				delete(r.seen, k)
			}
		}
		clear(r.log[:over])
		r.log = r.log[over:]
	}
}

func (r *Room) compact() error {
	state := r.encodedState()
	var keepFrom uint64
	if r.seq >= uint64(r.hub.cfg.RetainOps) {
		keepFrom = r.seq - uint64(r.hub.cfg.RetainOps) + 1
	}
	if err := r.hub.store.Compact(context.Background(), r.id, r.seq, state, keepFrom); err != nil {
		return fmt.Errorf("compact board %s: %w", r.id, err)
	}
	r.sinceCompact = 0
	if err := r.blog.Trim(context.Background(), keepFrom); err != nil {
		// The bus keeps more than it needs until the next compaction.
		r.hub.cfg.Logger.Warn("trim board log", "board", r.id, "err", err)
	}
	return nil
}

// broadcast queues msg for every client but except.
func (r *Room) broadcast(msg []byte, except *Client) {
	var ended []*Client
	for c := range r.clients {
		if c != except && !c.enqueue(msg) {
			ended = append(ended, c)
		}
	}
	r.drop(ended)
}

// drop removes clients whose queue overflowed and tells the others they left.
func (r *Room) drop(ended []*Client) {
	for _, c := range ended {
		delete(r.clients, c)
		r.hub.m.clients.Add(-1)
		r.hub.m.slowDrops.Add(1)
		r.hub.cfg.Logger.Warn("client too slow: its queue is full", "board", r.id, "session", c.session)
	}
	for _, c := range ended {
		r.broadcast(encode(leaveMsg{T: "leave", ID: c.session}), nil)
		r.announce(nil, []string{c.session})
	}
}

// sendCursors sends every cursor that moved since the last tick, local
// and remote, in one message shared by all clients of the room, and hands
// the local moves to the bus for the other nodes.
// It reports whether any pointer moved, here or on another node.
func (r *Room) sendCursors() bool {
	if len(r.clients) == 0 {
		clear(r.remoteCursors)
		return false
	}
	var b []byte
	r.moved = r.moved[:0]
	for c := range r.clients {
		x, y, moved := c.takeCursor()
		if !moved {
			continue
		}
		b = appendCursor(b, c.session, x, y)
		if r.presence != nil {
			r.moved = append(r.moved, Cursor{ID: c.session, X: x, Y: y})
		}
	}
	if len(r.moved) > 0 {
		r.presence.AnnounceCursors(r.moved)
	}
	remote := len(r.remoteCursors)
	for id, p := range r.remoteCursors {
		b = appendCursor(b, id, p[0], p[1])
	}
	clear(r.remoteCursors)
	// A lone local client with nobody moving elsewhere would only get
	// its own cursor back.
	if b == nil || (remote == 0 && len(r.clients) < 2) {
		return b != nil
	}
	b = append(b, "]}"...)
	r.broadcast(b, nil)
	return true
}

// untilTick is how long from now to the next multiple of tick: rooms send
// pointers on a common beat, so a pointer that starts moving waits half a
// tick on average, as it would with a ticker that never stopped.
func untilTick(now time.Time, tick time.Duration) time.Duration {
	return tick - time.Duration(now.UnixNano()%int64(tick))
}

// cursorMoved wakes the room's cursor tick if it sleeps. It never blocks:
// one pending wake-up is as good as many.
func (r *Room) cursorMoved() {
	select {
	case r.cursorKick <- struct{}{}:
	default:
	}
}

// appendCursor adds one ["session",x,y] to a cursors message, opening it
// if b is empty.
func appendCursor(b []byte, session string, x, y float64) []byte {
	if b == nil {
		b = append(b, `{"t":"cursors","c":[`...)
	} else {
		b = append(b, ',')
	}
	b = append(b, '[')
	b, _ = appendJSONString(b, session)
	b = append(b, ',')
	b = strconv.AppendFloat(b, x, 'f', 1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, y, 'f', 1, 64)
	return append(b, ']')
}

func appendJSONString(b []byte, s string) ([]byte, error) {
	q, err := json.Marshal(s)
	return append(b, q...), err
}
