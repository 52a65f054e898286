package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"partnerboard/hub"
)

var _ hub.PresenceLog = (*handle)(nil)

// Presence across nodes.
//
// Each node keeps one record per open board: its users there, with a
// version, named after the node's id and the opening of the board. The records of a board live in one hash (node → record) beside a
// sorted set of their expiry times (node → Redis time in ms), both in the
// board's hash tag. One script writes this node's record, drops the records
// whose time has passed, publishes a change and returns every live record,
// in one step. A hash with a sorted set of deadlines, rather than one key
// with EX per node plus a set of node ids, gives a newcomer everyone in one
// atomic read with nothing to enumerate, and declares all its keys, as
// Redis Cluster wants.
//
// A node rewrites its record every PresenceRefresh with a deadline of
// PresenceTTL, so a node that dies is gone from every read within the TTL;
// each node reads the records at every refresh, and also when the earliest
// deadline of another node passes, and reports the users of a vanished
// record as gone. Changes travel at once on the board's presence channel:
// joins and leaves with the version of the record they were written with,
// so a message and a read that cross each other never undo the newer news;
// cursors coalesced per tick, without versions, and dropped if Redis is
// slow or away. After a resubscribe (Redis or the connection came back) the
// node rewrites its record at once, and for one refresh takes no missing
// record for a dead node, so that a Redis that restarted empty does not make
// everyone leave and come back.

// Defaults for Options.
const (
	// DefaultPresenceTTL is how long a node's presence record lives without
	// a refresh: the users of a node that dies disappear within it.
	DefaultPresenceTTL = 15 * time.Second
	// DefaultPresenceRefresh is how often a node rewrites its records and
	// reads the others'. It must be well inside the TTL, so that a slow
	// round trip does not make a live node look dead; Options cap it at a
	// third of the TTL.
	DefaultPresenceRefresh = 5 * time.Second
	// presenceCallTimeout bounds one presence script call or publish.
	presenceCallTimeout = 5 * time.Second
	// presenceRetry is the first wait after a failed presence write; it
	// doubles up to the refresh interval.
	presenceRetry = 100 * time.Millisecond
	// presenceExpirySlack is added to the wait for another node's deadline,
	// so the read after it finds the record gone rather than just due.
	presenceExpirySlack = 5 * time.Millisecond
	// presenceCursorBatch bounds the cursors in one published message.
	presenceCursorBatch = 256
)

// record is one node's users on one board, as stored in Redis.
type record struct {
	V     uint64     `json:"v"`
	Users []hub.User `json:"u"`
}

// presenceMsg is a message on a board's presence channel: a change of the
// sending node's users (V, J, L), or its cursors (C).
type presenceMsg struct {
	N string     `json:"n"`           // sending node
	V uint64     `json:"v,omitempty"` // version of the record written with it
	J []hub.User `json:"j,omitempty"` // joined or changed
	L []string   `json:"l,omitempty"` // left
	C [][3]any   `json:"c,omitempty"` // ["session",x,y]
}

// remoteNode is what this node knows of another node's users on a board.
type remoteNode struct {
	ver   uint64
	users map[string]hub.User
	// touched is the presence's applied count when a message last changed
	// it, to tell a read that began before that from one that began after.
	touched uint64
	seen    time.Time // last in a read or a message
}

// presence is one open board's presence: this node's users (the local
// side) and the other nodes' (the remote side). The room calls Announce
// and AnnounceCursors; the board's presence goroutine writes and reads
// Redis; the subscriber goroutine applies messages.
type presence struct {
	b  *Bus
	bs *boardSub
	// id names this node's record of the board: the bus's node id and a
	// number for each time the board is opened here. A board reopened
	// while its last incarnation still removes its record thus never has
	// its new record removed; the others see a node leave and one arrive.
	id   string
	wake chan struct{}

	mu      sync.Mutex // guards the local side
	local   map[string]hub.User
	joined  map[string]hub.User // announced, not yet written
	left    map[string]struct{} // announced, not yet written
	dirty   bool                // local changed since the last write
	kick    bool                // write and read now (after a resubscribe)
	cursors map[string][2]float64

	rmu     sync.Mutex // guards the remote side; deliveries happen under it, so in order
	deliver func(hub.PresenceUpdate)
	nodes   map[string]*remoteNode
	applied uint64    // membership messages applied
	grace   time.Time // until then a missing record does not mean a dead node
}

func newPresence(b *Bus, bs *boardSub) *presence {
	return &presence{
		b: b, bs: bs, id: b.node + "." + strconv.FormatUint(b.opened.Add(1), 10), wake: make(chan struct{}, 1),
		local: make(map[string]hub.User), joined: make(map[string]hub.User), left: make(map[string]struct{}),
		cursors: make(map[string][2]float64), nodes: make(map[string]*remoteNode),
	}
}

// ours tells whether a record or message comes from this node, from this
// or an earlier opening of the board.
func (p *presence) ours(node string) bool {
	return strings.HasPrefix(node, p.b.node+".")
}

func (p *presence) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// WatchPresence implements hub.PresenceLog.
func (h *handle) WatchPresence(ctx context.Context, deliver func(hub.PresenceUpdate)) ([]hub.User, error) {
	p := h.bs.pres
	p.rmu.Lock()
	mark := p.applied
	p.rmu.Unlock()
	recs, _, err := p.call(ctx, "", "")
	p.rmu.Lock()
	defer p.rmu.Unlock()
	if err == nil {
		// deliver is not yet set: this only fills in the state.
		p.reconcile(recs, mark, time.Now())
	} else {
		err = fmt.Errorf("read presence of board %s: %w", h.bs.id, err)
	}
	p.deliver = deliver
	var users []hub.User
	for _, rn := range p.nodes {
		for _, u := range rn.users {
			users = append(users, u)
		}
	}
	return users, err
}

// Announce implements hub.PresenceLog.
func (h *handle) Announce(joined []hub.User, left []string) {
	p := h.bs.pres
	p.mu.Lock()
	for _, u := range joined {
		p.local[u.ID] = u
		p.joined[u.ID] = u
		delete(p.left, u.ID)
	}
	for _, id := range left {
		delete(p.local, id)
		delete(p.joined, id)
		delete(p.cursors, id)
		p.left[id] = struct{}{}
	}
	p.dirty = true
	p.mu.Unlock()
	p.poke()
}

// AnnounceCursors implements hub.PresenceLog. Moves wait in a map until
// the presence goroutine publishes them, so however slow Redis is, a board
// holds at most one position per local user.
func (h *handle) AnnounceCursors(moved []hub.Cursor) {
	p := h.bs.pres
	p.mu.Lock()
	for _, c := range moved {
		if _, ok := p.local[c.ID]; ok {
			p.cursors[c.ID] = [2]float64{c.X, c.Y}
		}
	}
	p.mu.Unlock()
	p.poke()
}

// resubscribed is called by the subscriber goroutine when the presence
// channel is subscribed again: Redis may have restarted empty, so the node
// writes its record at once and gives the others a refresh to do the same.
func (p *presence) resubscribed() {
	p.rmu.Lock()
	p.grace = time.Now().Add(p.b.presenceRefresh)
	p.rmu.Unlock()
	p.mu.Lock()
	p.kick = true
	p.mu.Unlock()
	p.poke()
}

// loop is the board's presence goroutine: it writes this node's record
// when it changes and every refresh, reads the others', and publishes
// cursors. It ends when the board closes or the bus stops, removing the
// node's record on the way out.
func (p *presence) loop() {
	b := p.b
	due := time.Now().Add(b.presenceRefresh) // the first announcement writes sooner
	retry := presenceRetry
	timer := time.NewTimer(b.presenceRefresh)
	defer timer.Stop()
	var spare map[string][2]float64
	for {
		select {
		case <-p.wake:
		case <-timer.C:
		case <-p.bs.stop:
			p.leaveAll()
			return
		case <-b.ctx.Done():
			p.leaveAll()
			return
		}
		now := time.Now()
		p.mu.Lock()
		write := p.dirty || p.kick || !now.Before(due)
		var joined map[string]hub.User
		var left map[string]struct{}
		var users []hub.User
		if write {
			joined, left = p.joined, p.left
			p.joined, p.left = make(map[string]hub.User), make(map[string]struct{})
			users = make([]hub.User, 0, len(p.local))
			for _, u := range p.local {
				users = append(users, u)
			}
			p.dirty, p.kick = false, false
		}
		var cursors map[string][2]float64
		if len(p.cursors) > 0 {
			if spare == nil {
				spare = make(map[string][2]float64)
			}
			cursors, p.cursors = p.cursors, spare
		}
		p.mu.Unlock()

		if write {
			wait, err := p.write(b.ctx, users, joined, left)
			if err != nil {
				p.restore(joined, left)
				if b.ctx.Err() != nil {
					continue
				}
				b.log.Warn("redis presence write failed; retrying", "board", p.bs.id, "err", err)
				p.rmu.Lock()
				// The others may re-announce only once Redis is back.
				p.grace = time.Now().Add(retry + b.presenceRefresh)
				p.rmu.Unlock()
				due = time.Now().Add(retry)
				retry = min(2*retry, b.presenceRefresh)
			} else {
				due = time.Now().Add(wait)
				retry = presenceRetry
			}
		}
		if cursors != nil {
			p.publishCursors(cursors)
			clear(cursors)
			spare = cursors
		}
		timer.Reset(max(time.Until(due), 0))
	}
}

// restore puts back changes a failed write did not make, under any that
// were announced since.
func (p *presence) restore(joined map[string]hub.User, left map[string]struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, u := range joined {
		if _, newer := p.joined[id]; !newer {
			if _, gone := p.left[id]; !gone {
				p.joined[id] = u
			}
		}
	}
	for id := range left {
		if _, back := p.joined[id]; !back {
			p.left[id] = struct{}{}
		}
	}
	p.dirty = true
}

// write stores this node's users with a new version, publishes what
// changed and reconciles the others' records. It returns how long to wait
// before the next refresh: the refresh interval, or less if another node's
// deadline comes first.
func (p *presence) write(ctx context.Context, users []hub.User, joined map[string]hub.User, left map[string]struct{}) (time.Duration, error) {
	ver := p.b.ver.Add(1)
	rec := "-" // nobody here: remove the record
	if len(users) > 0 {
		rec = string(mustJSON(record{V: ver, Users: users}))
	}
	var msg string
	if len(joined)+len(left) > 0 {
		m := presenceMsg{N: p.id, V: ver}
		for _, u := range joined {
			m.J = append(m.J, u)
		}
		for id := range left {
			m.L = append(m.L, id)
		}
		msg = string(mustJSON(m))
	}
	p.rmu.Lock()
	mark := p.applied
	p.rmu.Unlock()
	recs, redisNow, err := p.call(ctx, rec, msg)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	p.rmu.Lock()
	p.reconcile(recs, mark, now)
	p.rmu.Unlock()
	wait := p.b.presenceRefresh
	for node, r := range recs {
		if !p.ours(node) {
			wait = min(wait, time.Duration(r.expires-redisNow)*time.Millisecond+presenceExpirySlack)
		}
	}
	return wait, nil
}

// liveRecord is one record as read, with its deadline in Redis time.
type liveRecord struct {
	record
	expires int64
}

// call runs presenceScript and decodes the live records.
func (p *presence) call(ctx context.Context, rec, msg string) (map[string]liveRecord, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, presenceCallTimeout)
	defer cancel()
	k := p.bs.keys
	res, err := presenceScript.Run(ctx, p.b.rdb, []string{k.presence, k.presenceTTL},
		p.id, rec, p.b.presenceTTL.Milliseconds(), k.presenceCh, msg).Slice()
	if err != nil {
		return nil, 0, err
	}
	if len(res) == 0 || (len(res)-1)%3 != 0 {
		return nil, 0, fmt.Errorf("presence script returned %d values", len(res))
	}
	now, ok := res[0].(int64)
	if !ok {
		return nil, 0, fmt.Errorf("presence script returned time %v", res[0])
	}
	recs := make(map[string]liveRecord, (len(res)-1)/3)
	for i := 1; i < len(res); i += 3 {
		node, _ := res[i].(string)
		expText, _ := res[i+1].(string)
		raw, _ := res[i+2].(string)
		exp, err := strconv.ParseFloat(expText, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("presence deadline %q of node %s: %w", expText, node, err)
		}
		lr := liveRecord{expires: int64(exp)}
		if err := json.Unmarshal([]byte(raw), &lr.record); err != nil {
			// One node's bad record must not hide everyone else.
			p.b.log.Error("undecodable presence record", "board", p.bs.id, "node", node, "err", err)
			continue
		}
		recs[node] = lr
	}
	return recs, now, nil
}

// reconcile brings the remote side in line with a read of every live
// record, begun when p.applied was mark. p.rmu held.
func (p *presence) reconcile(recs map[string]liveRecord, mark uint64, now time.Time) {
	var upd hub.PresenceUpdate
	for node, rn := range p.nodes {
		if _, ok := recs[node]; ok {
			continue
		}
		// A message since the read began may be newer than the read; and
		// during a grace period the node may not have re-announced yet.
		if rn.touched > mark || now.Before(p.grace) {
			continue
		}
		// Its record expired (the node died) or was removed.
		for id := range rn.users {
			upd.Left = append(upd.Left, id)
		}
		clear(rn.users)
		if now.Sub(rn.seen) > p.b.presenceTTL {
			delete(p.nodes, node)
		}
	}
	for node, r := range recs {
		if p.ours(node) {
			continue
		}
		rn := p.node(node)
		rn.seen = now
		if r.V < rn.ver {
			continue // a message brought newer news
		}
		rn.ver = r.V
		in := make(map[string]struct{}, len(r.Users))
		for _, u := range r.Users {
			in[u.ID] = struct{}{}
			if old, ok := rn.users[u.ID]; !ok || old != u {
				rn.users[u.ID] = u
				upd.Users = append(upd.Users, u)
			}
		}
		for id := range rn.users {
			if _, ok := in[id]; !ok {
				delete(rn.users, id)
				upd.Left = append(upd.Left, id)
			}
		}
	}
	p.emit(upd)
}

func (p *presence) node(id string) *remoteNode {
	rn := p.nodes[id]
	if rn == nil {
		rn = &remoteNode{users: make(map[string]hub.User)}
		p.nodes[id] = rn
	}
	return rn
}

// emit delivers upd to the room, if it has anything and the room watches.
// p.rmu held.
func (p *presence) emit(upd hub.PresenceUpdate) {
	if p.deliver != nil && len(upd.Users)+len(upd.Left)+len(upd.Cursors) > 0 {
		p.deliver(upd)
	}
}

// receive applies a message from the presence channel; it runs on the
// subscriber goroutine and never waits for Redis or the room.
func (p *presence) receive(payload string) {
	var m presenceMsg
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		p.b.log.Error("undecodable presence message", "board", p.bs.id, "err", err)
		return
	}
	if p.ours(m.N) || m.N == "" {
		return // our own, back from Redis
	}
	p.rmu.Lock()
	defer p.rmu.Unlock()
	rn := p.node(m.N)
	if len(m.C) > 0 {
		var upd hub.PresenceUpdate
		for _, c := range m.C {
			id, _ := c[0].(string)
			x, okX := c[1].(float64)
			y, okY := c[2].(float64)
			if _, ok := rn.users[id]; ok && okX && okY {
				upd.Cursors = append(upd.Cursors, hub.Cursor{ID: id, X: x, Y: y})
			}
		}
		p.emit(upd)
		return
	}
	if m.V <= rn.ver {
		return // a read already brought this or newer
	}
	rn.ver = m.V
	p.applied++
	rn.touched = p.applied
	rn.seen = time.Now()
	var upd hub.PresenceUpdate
	for _, u := range m.J {
		if old, ok := rn.users[u.ID]; !ok || old != u {
			rn.users[u.ID] = u
			upd.Users = append(upd.Users, u)
		}
	}
	for _, id := range m.L {
		if _, ok := rn.users[id]; ok {
			delete(rn.users, id)
			upd.Left = append(upd.Left, id)
		}
	}
	p.emit(upd)
}

// publishCursors sends the moved cursors in as few small messages as the
// batch limit allows. A failure drops them: the next move brings a fresh
// position anyway.
func (p *presence) publishCursors(cs map[string][2]float64) {
	ctx, cancel := context.WithTimeout(p.b.ctx, presenceCallTimeout)
	defer cancel()
	var b []byte
	n := 0
	flush := func() {
		if n == 0 {
			return
		}
		b = append(b, "]}"...)
		if err := p.b.rdb.Publish(ctx, p.bs.keys.presenceCh, b).Err(); err != nil && p.b.ctx.Err() == nil {
			p.b.log.Debug("redis cursor publish failed; dropped", "board", p.bs.id, "err", err)
		}
		b, n = b[:0], 0
	}
	for id, xy := range cs {
		if n == 0 {
			b = append(b, `{"n":`...)
			b = strconv.AppendQuote(b, p.id)
			b = append(b, `,"c":[`...)
		} else {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = append(b, mustJSON(id)...)
		b = append(b, ',')
		b = strconv.AppendFloat(b, xy[0], 'f', 1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, xy[1], 'f', 1, 64)
		b = append(b, ']')
		if n++; n == presenceCursorBatch {
			flush()
		}
	}
	flush()
}

// leaveAll removes this node's record as the board closes, telling the
// others that all its users left. It gets its own deadline, since the
// bus's context may already be cancelled; if Redis is away the record
// expires by itself.
func (p *presence) leaveAll() {
	p.rmu.Lock()
	p.deliver = nil // the room has gone
	p.rmu.Unlock()
	p.mu.Lock()
	left := p.left
	for id := range p.local {
		left[id] = struct{}{}
	}
	p.local, p.joined, p.left = make(map[string]hub.User), make(map[string]hub.User), make(map[string]struct{})
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), presenceCallTimeout)
	defer cancel()
	if _, err := p.write(ctx, nil, nil, left); err != nil {
		p.b.log.Debug("remove presence record", "board", p.bs.id, "err", err)
	}
}

// mustJSON encodes a value that always encodes.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("redis: encode presence: " + err.Error())
	}
	return b
}
