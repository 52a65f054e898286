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
	snapshotReq struct{ reply chan *Snapshot }
)

// batchKey identifies a batch across retries and reconnects.
type batchKey struct{ client, batch string }

// pending is a sequenced batch waiting for the store.
type pending struct {
	e      Entry
	sender *Client
	// also are clients that re-sent the same batch while it was pending;
	// they get an ack too.
	also []*Client
}

type commitResult struct {
	upTo uint64
	err  error
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

	commitMu   sync.Mutex
	commits    []commitResult
	commitWake chan struct{}

	// owned by run
	info         BoardInfo
	state        *board.State
	seq          uint64     // last applied seq: durable, acked, fanned out
	next         uint64     // last assigned seq
	inflight     []*pending // assigned, not yet durable, ascending
	toAppend     []Entry    // assigned in this turn, not yet handed to the store
	log          []Entry    // the retained tail of the log, ascending
	seen         map[batchKey]uint64
	clients      map[*Client]struct{}
	sinceCompact int
	snapshot     []byte // state encoded at seq; nil when stale
	newCreates   int    // creates in flight, to keep boards under MaxObjects
}

func newRoom(h *Hub, id string) *Room {
	return &Room{
		id:         id,
		hub:        h,
		inbox:      make(chan any, inboxSize),
		stopped:    make(chan struct{}),
		quit:       make(chan struct{}),
		commitWake: make(chan struct{}, 1),
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
	tick := time.NewTicker(r.hub.cfg.CursorTick)
	defer tick.Stop()
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
			r.flushAppends()
		case <-r.commitWake:
			if err := r.applyCommits(); err != nil {
				r.stop(err)
				return
			}
		case <-tick.C:
			r.sendCursors()
		case <-r.quit:
			r.finish(ReasonShutdown)
			return
		}
		if len(r.clients) == 0 && len(r.inflight) == 0 && r.hub.release(r) {
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
		if err := r.state.UnmarshalJSON(l.State); err != nil {
			return fmt.Errorf("load board %s: decode state: %w", r.id, err)
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
		}
		e.Ops = nil // the retained log is for resending, not applying
		r.retain(e)
	}
	r.next = r.seq
	return nil
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
	}
	r.hub.mu.Unlock()
	for c := range r.clients {
		c.end(ReasonFailure)
	}
	r.clients = nil
	r.drainJoins(err)
}

// drainJoins answers joins that reached the inbox after the room decided to stop.
func (r *Room) drainJoins(err error) {
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
	r.flushAppends()
	for len(r.inflight) > 0 {
		<-r.commitWake
		if err := r.applyCommits(); err != nil {
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
	r.clients = nil
	r.hub.mu.Lock()
	if r.hub.rooms[r.id] == r {
		delete(r.hub.rooms, r.id)
	}
	r.hub.mu.Unlock()
	r.drainJoins(ErrRoomGone)
}

func (r *Room) handle(m any) {
	switch m := m.(type) {
	case joinReq:
		r.join(m)
	case leaveReq:
		r.leave(m.c)
	case submitReq:
		r.submit(m)
	case snapshotReq:
		r.hub.joined(r)
		m.reply <- &Snapshot{Board: r.info, Seq: r.seq, State: r.encodedState()}
	case editingReq:
		if _, ok := r.clients[m.c]; !ok || m.c.user.Editing == m.object {
			return
		}
		m.c.user.Editing = m.object
		r.broadcast(encode(editingMsg{T: "editing", ID: m.c.session, Object: m.object}), m.c)
	}
}

func (r *Room) join(j joinReq) {
	r.hub.joined(r)
	c := j.c
	w := welcomeMsg{
		T:        "welcome",
		Session:  c.session,
		Board:    r.info,
		Epoch:    r.info.Epoch,
		Seq:      r.seq,
		Ops:      []Entry{},
		ReadOnly: c.readOnly,
	}
	if missed, ok := r.missedSince(j.req); ok {
		w.Ops = missed
	} else {
		w.State = r.encodedState()
	}
	r.clients[c] = struct{}{}
	w.Users = make([]User, 0, len(r.clients))
	for o := range r.clients {
		w.Users = append(w.Users, o.user)
	}
	c.enqueue(encode(w))
	j.reply <- nil
	r.broadcast(encode(joinMsg{T: "join", User: c.user}), c)
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
	return append([]Entry{}, r.log[i:]...), true
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
	r.broadcast(encode(leaveMsg{T: "leave", ID: c.session}), nil)
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
	key := batchKey{c.clientID, s.batch}
	if seq, ok := r.seen[key]; ok {
		if seq <= r.seq {
			c.enqueue(encode(ackMsg{T: "ack", Batch: s.batch, Seq: seq, Dup: true}))
			return
		}
		for _, p := range r.inflight {
			if p.e.Seq == seq {
				p.also = append(p.also, c)
				return
			}
		}
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
	r.next++
	e := Entry{Seq: r.next, Client: c.clientID, Batch: s.batch, Author: c.user.Name, Raw: s.raw, Ops: s.ops}
	r.seen[key] = e.Seq
	r.inflight = append(r.inflight, &pending{e: e, sender: c})
	r.toAppend = append(r.toAppend, e)
}

// flushAppends hands this turn's batches to the store in one call.
func (r *Room) flushAppends() {
	if len(r.toAppend) == 0 {
		return
	}
	entries := r.toAppend
	r.toAppend = nil
	upTo := entries[len(entries)-1].Seq
	r.hub.store.Append(r.id, entries, func(err error) {
		r.commitMu.Lock()
		r.commits = append(r.commits, commitResult{upTo: upTo, err: err})
		r.commitMu.Unlock()
		select {
		case r.commitWake <- struct{}{}:
		default:
		}
	})
}

// applyCommits applies, acks and fans out every batch the store has made
// durable, in sequence order.
func (r *Room) applyCommits() error {
	r.commitMu.Lock()
	commits := r.commits
	r.commits = nil
	r.commitMu.Unlock()
	for _, cr := range commits {
		if cr.err != nil {
			return fmt.Errorf("store batches up to %d: %w", cr.upTo, cr.err)
		}
		for len(r.inflight) > 0 && r.inflight[0].e.Seq <= cr.upTo {
			p := r.inflight[0]
			r.inflight[0] = nil
			r.inflight = r.inflight[1:]
			r.applyEntry(p)
		}
	}
	if r.sinceCompact >= r.hub.cfg.CompactEvery {
		if err := r.compact(); err != nil {
			return err
		}
	}
	return nil
}

func (r *Room) applyEntry(p *pending) {
	for _, op := range p.e.Ops {
		if op.Type == board.OpCreate {
			r.newCreates--
		}
	}
	r.state.Apply(p.e.Ops)
	r.seq = p.e.Seq
	r.snapshot = nil
	r.sinceCompact++
	e := p.e
	e.Ops = nil
	r.retain(e)

	msg := encode(opMsg{T: "op", Entry: e})
	var ack []byte
	var ended []*Client
	for c := range r.clients {
		var ok bool
		switch {
		case c == p.sender:
			if ack == nil {
				ack = encode(ackMsg{T: "ack", Batch: e.Batch, Seq: e.Seq})
			}
			ok = c.enqueue(ack)
		case contains(p.also, c):
			ok = c.enqueue(encode(ackMsg{T: "ack", Batch: e.Batch, Seq: e.Seq, Dup: true}))
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
		r.hub.cfg.Logger.Warn("client too slow: its queue is full", "board", r.id, "session", c.session)
	}
	for _, c := range ended {
		r.broadcast(encode(leaveMsg{T: "leave", ID: c.session}), nil)
	}
}

// sendCursors sends every cursor that moved since the last tick, in one
// message shared by all clients of the room.
func (r *Room) sendCursors() {
	if len(r.clients) == 0 {
		return
	}
	var b []byte
	for c := range r.clients {
		x, y, moved := c.takeCursor()
		if !moved {
			continue
		}
		if b == nil {
			b = append(b, `{"t":"cursors","c":[`...)
		} else {
			b = append(b, ',')
		}
		b = append(b, '[')
		b, _ = appendJSONString(b, c.session)
		b = append(b, ',')
		b = strconv.AppendFloat(b, x, 'f', 1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, y, 'f', 1, 64)
		b = append(b, ']')
	}
	if b == nil || len(r.clients) < 2 {
		return
	}
	b = append(b, "]}"...)
	r.broadcast(b, nil)
}

func appendJSONString(b []byte, s string) ([]byte, error) {
	q, err := json.Marshal(s)
	return append(b, q...), err
}
