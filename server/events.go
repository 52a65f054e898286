package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"partnerboard/hub"
)

// Events carries workshop news between the nodes of a cluster. A
// facilitator's request reaches one node, but the pages it concerns may be
// on any: a lock, a broadcast, a withdrawn link or a move must reach them
// all. Without Events (one node) the news stays in this process.
//
// Delivery is at most once and unordered across publishers: a message a
// node misses while it is cut off from the others is made good by resync,
// which re-reads what the news is about (locks and links) from the store.
type Events interface {
	// Publish sends msg to every node subscribed, this one included, and
	// says how many nodes that is.
	Publish(ctx context.Context, msg []byte) (nodes int, err error)
	// Subscribe calls handle with every message published, from one
	// goroutine, until ctx ends. It calls resync each time the
	// subscription is made, the first time included: messages published
	// while it was down are lost.
	Subscribe(ctx context.Context, handle func(msg []byte), resync func())
}

// Kinds of cluster events.
const (
	evNotify = "notify" // Msg to every page on Boards
	evLock   = "lock"   // Board's lock is now Locked; answer with evDone
	evDone   = "done"   // the question has been dealt with
	evKick   = "kick"   // close every socket opened with Link; answer with evKicked
	evKicked = "kicked" // Count sockets closed
	evWhere  = "where"  // who holds Session? Answer with evHere
	evHere   = "here"   // Session is on Board (if Found), joined with Link as Client
	evSend   = "send"   // Msg to the page of Session
	evRights = "rights" // participants on Board: reconnect to learn what they may do now
)

// LookupTimeout is how long a node waits for the others to say which of
// them holds a page, before telling the facilitator that person is not
// connected.
const LookupTimeout = 2 * time.Second

// event is one message between nodes.
type event struct {
	Kind    string          `json:"k"`
	From    string          `json:"from"`
	Boards  []string        `json:"boards,omitempty"`
	Board   string          `json:"board,omitempty"`
	Locked  bool            `json:"locked,omitempty"`
	Link    string          `json:"link,omitempty"`
	Session string          `json:"session,omitempty"`
	Client  string          `json:"client,omitempty"`
	Reply   string          `json:"reply,omitempty"`
	Found   bool            `json:"found,omitempty"`
	Count   int             `json:"count,omitempty"`
	Msg     json.RawMessage `json:"msg,omitempty"`
}

// cluster is the server's side of Events.
type cluster struct {
	node    string
	mu      sync.Mutex
	waiting map[string]chan event
}

func newNodeID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// spread does ev here and sends it to the other nodes.
func (s *Server) spread(ctx context.Context, ev event) {
	s.apply(ctx, ev)
	s.publish(ctx, ev)
}

// publish sends ev to the other nodes and returns how many there are.
func (s *Server) publish(ctx context.Context, ev event) int {
	if s.cfg.Events == nil {
		return 0
	}
	ev.From = s.cl.node
	b, _ := json.Marshal(ev)
	n, err := s.cfg.Events.Publish(ctx, b)
	if err != nil {
		// The others learn the state when their pages next join, and
		// after their own resync; this node has done its part.
		s.cfg.Logger.Warn("tell the other nodes", "kind", ev.Kind, "err", err)
		return 0
	}
	return max(n-1, 0)
}

// ask sends ev to the other nodes and collects their answers: one from
// each, or what came within LookupTimeout from a node that went quiet.
func (s *Server) ask(ctx context.Context, ev event) []event {
	if s.cfg.Events == nil {
		return nil
	}
	ev.Reply = newNodeID()
	ch := make(chan event, 64)
	s.cl.mu.Lock()
	if s.cl.waiting == nil {
		s.cl.waiting = make(map[string]chan event)
	}
	s.cl.waiting[ev.Reply] = ch
	s.cl.mu.Unlock()
	defer func() {
		s.cl.mu.Lock()
		delete(s.cl.waiting, ev.Reply)
		s.cl.mu.Unlock()
	}()
	others := s.publish(ctx, ev)
	t := time.NewTimer(LookupTimeout)
	defer t.Stop()
	var got []event
	for len(got) < others {
		select {
		case a := <-ch:
			got = append(got, a)
		case <-t.C:
			return got
		case <-ctx.Done():
			return got
		}
	}
	return got
}

// answer replies to a question from another node.
func (s *Server) answer(ctx context.Context, q event, a event) {
	a.Reply = q.Reply
	s.publish(ctx, a)
}

// receive handles a message from another node.
func (s *Server) receive(msg []byte) {
	var ev event
	if err := json.Unmarshal(msg, &ev); err != nil || ev.From == s.cl.node {
		return
	}
	s.apply(s.base, ev)
}

// apply does what ev says to this node's pages.
func (s *Server) apply(ctx context.Context, ev event) {
	switch ev.Kind {
	case evNotify:
		s.hub.Notify(ctx, ev.Boards, ev.Msg)
	case evLock:
		if err := s.hub.SetLocked(ctx, ev.Board, ev.Locked); err != nil {
			s.cfg.Logger.Warn("lock a board", "board", ev.Board, "err", err)
		}
		if ev.Reply != "" {
			// Edits that reach this node's room after the answer queue
			// behind the lock.
			s.answer(ctx, ev, event{Kind: evDone})
		}
	case evKick:
		n := s.live.kick(ev.Link)
		if ev.Reply != "" {
			s.answer(ctx, ev, event{Kind: evKicked, Count: n})
		}
	case evRights:
		s.live.refreshRights(ev.Board)
	case evSend:
		if lc, ok := s.live.find(ev.Session); ok {
			lc.c.Send(ev.Msg)
		}
	case evWhere:
		a := event{Kind: evHere, Session: ev.Session}
		if lc, ok := s.live.find(ev.Session); ok {
			a.Found, a.Board, a.Link, a.Client = true, lc.c.Board(), lc.link, lc.c.ClientID()
		}
		s.answer(ctx, ev, a)
	case evHere, evKicked, evDone:
		s.cl.mu.Lock()
		ch := s.cl.waiting[ev.Reply]
		s.cl.mu.Unlock()
		if ch != nil {
			select {
			case ch <- ev:
			default:
			}
		}
	}
}

// located is a page found on this node or another.
type located struct {
	board, link, client string
	local               *hub.Client // nil when another node holds it
}

// locate finds the page of session, here or, in a cluster, on another node.
func (s *Server) locate(ctx context.Context, session string) (located, bool) {
	if lc, ok := s.live.find(session); ok {
		return located{board: lc.c.Board(), link: lc.link, client: lc.c.ClientID(), local: lc.c}, true
	}
	for _, a := range s.ask(ctx, event{Kind: evWhere, Session: session}) {
		if a.Found {
			return located{board: a.Board, link: a.Link, client: a.Client}, true
		}
	}
	return located{}, false
}

// kick closes every socket opened with link, on every node, and says how
// many it closed.
func (s *Server) kick(ctx context.Context, link string) int {
	n := s.live.kick(link)
	for _, a := range s.ask(ctx, event{Kind: evKick, Link: link}) {
		n += a.Count
	}
	return n
}

// send gives msg to one page, wherever it is.
func (s *Server) send(ctx context.Context, session string, at located, msg []byte) {
	if at.local != nil {
		at.local.Send(msg)
		return
	}
	s.publish(ctx, event{Kind: evSend, Session: session, Msg: msg})
}

// resync makes this node's pages agree with the store again after it may
// have missed news: the lock of every workshop board it has people on, and
// links withdrawn meanwhile.
func (s *Server) resync() {
	ctx, cancel := context.WithTimeout(s.base, 30*time.Second)
	defer cancel()
	boards, links := s.live.snapshot()
	for _, b := range boards {
		w, err := s.cfg.Workshops.WorkshopOfBoard(ctx, b)
		if err != nil {
			continue
		}
		if err := s.hub.SetLocked(ctx, b, w.IsLocked(b)); err != nil {
			s.cfg.Logger.Warn("resync a board's lock", "board", b, "err", err)
		}
	}
	for _, id := range links {
		if l, err := s.cfg.Workshops.Link(ctx, id); err == nil && l.Revoked {
			s.live.kick(id)
		}
	}
}
