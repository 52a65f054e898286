package redis_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"partnerboard/bus/redis"
	"partnerboard/hub"
	"partnerboard/internal/redistest"
)

// Short enough for a test to watch a node expire, long enough that a busy
// machine keeps a live node's record fresh.
const (
	testPresenceTTL     = time.Second
	testPresenceRefresh = 300 * time.Millisecond
)

// presenceNode is one node's bus with one room's view of the others.
type presenceNode struct {
	bus *redis.Bus
	rdb *goredis.Client
	log hub.BoardLog
	pl  hub.PresenceLog

	mu      sync.Mutex
	users   map[string]hub.User // the other nodes' users, as reported
	cursors map[string]hub.Cursor
	initial []hub.User
}

func newPresenceNode(t *testing.T, addr, board string) *presenceNode {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	b := redis.New(redis.Options{Client: rdb, RetryFor: time.Minute, PresenceTTL: testPresenceTTL, PresenceRefresh: testPresenceRefresh})
	n := &presenceNode{bus: b, rdb: rdb, users: map[string]hub.User{}, cursors: map[string]hub.Cursor{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := b.Open(ctx, board, hub.Head{}, func([]hub.Entry) {})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	n.log = l
	pl, ok := l.(hub.PresenceLog)
	if !ok {
		t.Fatal("the redis board log does not share presence")
	}
	n.pl = pl
	n.mu.Lock()
	n.initial, err = pl.WatchPresence(ctx, n.apply)
	for _, u := range n.initial {
		n.users[u.ID] = u
	}
	n.mu.Unlock()
	if err != nil {
		t.Fatalf("watch presence: %v", err)
	}
	t.Cleanup(func() {
		_ = l.Close()
		_ = b.Close()
		_ = rdb.Close()
	})
	return n
}

func (n *presenceNode) apply(u hub.PresenceUpdate) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, usr := range u.Users {
		n.users[usr.ID] = usr
	}
	for _, id := range u.Left {
		delete(n.users, id)
	}
	for _, c := range u.Cursors {
		n.cursors[c.ID] = c
	}
}

func (n *presenceNode) user(id string) (hub.User, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	u, ok := n.users[id]
	return u, ok
}

func (n *presenceNode) ids() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ids []string
	for id := range n.users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (n *presenceNode) cursor(id string) hub.Cursor {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cursors[id]
}

var (
	amira = hub.User{ID: "sa-1", Name: "Amira", Color: "#2f5d8a"}
	ben   = hub.User{ID: "sa-2", Name: "Ben \"B\" Ö", Color: ""}
	chidi = hub.User{ID: "sb-1", Name: "Chidi", Color: "#7b3fa0"}
)

// Users announced on one node appear on the others, as updates or in the
// first read of a node that opens the board later; changes, cursors and
// leaves follow; no node hears of its own users.
func TestPresenceIsSharedBetweenNodes(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, false)
	a := newPresenceNode(t, srv.Addr, "p1")
	b := newPresenceNode(t, srv.Addr, "p1")

	a.pl.Announce([]hub.User{amira, ben}, nil)
	b.pl.Announce([]hub.User{chidi}, nil)
	waitFor(t, "b to see a's users", func() bool { return slices.Equal(b.ids(), []string{"sa-1", "sa-2"}) })
	waitFor(t, "a to see b's user", func() bool { return slices.Equal(a.ids(), []string{"sb-1"}) })
	if u, _ := b.user(ben.ID); u != ben {
		t.Fatalf("Ben arrived as %+v, want %+v", u, ben)
	}

	late := newPresenceNode(t, srv.Addr, "p1")
	late.mu.Lock()
	initial := len(late.initial)
	late.mu.Unlock()
	if initial != 3 {
		t.Fatalf("a node opening the board later first read %d users, want all 3", initial)
	}

	editing := amira
	editing.Editing = "cell-name"
	a.pl.Announce([]hub.User{editing}, nil)
	waitFor(t, "b to see Amira editing", func() bool { u, _ := b.user(amira.ID); return u.Editing == "cell-name" })

	a.pl.AnnounceCursors([]hub.Cursor{{ID: amira.ID, X: 12.5, Y: -3}, {ID: "not-here", X: 1, Y: 1}})
	waitFor(t, "b to get Amira's cursor", func() bool { return b.cursor(amira.ID) == hub.Cursor{ID: amira.ID, X: 12.5, Y: -3} })
	if (b.cursor("not-here") != hub.Cursor{}) {
		t.Fatal("a cursor of a session the node had not announced travelled")
	}

	a.pl.Announce(nil, []string{ben.ID})
	waitFor(t, "b and the late node to see Ben leave", func() bool {
		return slices.Equal(b.ids(), []string{"sa-1"}) && slices.Equal(late.ids(), []string{"sa-1", "sb-1"})
	})

	// A board closing on a node takes its users with it at once.
	if err := a.log.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a's users to leave when a closes the board", func() bool { return len(b.ids()) == 0 })
	if _, ok := late.user(chidi.ID); !ok {
		t.Fatal("the late node lost b's user")
	}
}

// A node that stops refreshing (its connection to Redis is gone, as when
// the process is killed) has its users reported gone once its record's
// TTL has passed; nobody told anyone.
func TestPresenceOfADeadNodeExpires(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, false)
	a := newPresenceNode(t, srv.Addr, "p2")
	b := newPresenceNode(t, srv.Addr, "p2")
	a.pl.Announce([]hub.User{amira}, nil)
	b.pl.Announce([]hub.User{chidi}, nil)
	waitFor(t, "b to see Amira", func() bool { _, ok := b.user(amira.ID); return ok })

	// No more writes from a: no refresh, no clean-up.
	if err := a.rdb.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Amira to expire", func() bool { _, ok := b.user(amira.ID); return !ok })

	// The live node keeps its record: Redis holds b's alone.
	rdb := redistest.Client(t, srv)
	nodes, err := rdb.HKeys(context.Background(), "pb:{p2}:presence").Result()
	if err != nil || len(nodes) != 1 || !strings.HasPrefix(nodes[0], b.bus.Node()+".") {
		t.Fatalf("presence records of %v (%v), want only b's (%s)", nodes, err, b.bus.Node())
	}
}

// Redis restarting empty: every node announces its users again, so they
// are listed anew and a node that opens the board afterwards sees them.
func TestPresenceIsReannouncedAfterARedisRestart(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, false)
	a := newPresenceNode(t, srv.Addr, "p3")
	b := newPresenceNode(t, srv.Addr, "p3")
	a.pl.Announce([]hub.User{amira}, nil)
	b.pl.Announce([]hub.User{chidi}, nil)
	waitFor(t, "b to see Amira", func() bool { _, ok := b.user(amira.ID); return ok })

	srv.Restart(t)
	rdb := redistest.Client(t, srv)
	waitFor(t, "both records to be back in Redis", func() bool {
		n, err := rdb.HLen(context.Background(), "pb:{p3}:presence").Result()
		return err == nil && n == 2
	})
	late := newPresenceNode(t, srv.Addr, "p3")
	late.mu.Lock()
	initial := len(late.initial)
	late.mu.Unlock()
	if initial != 2 {
		t.Fatalf("a node opening the board after the restart read %d users, want 2", initial)
	}
	waitFor(t, "each node to list the other's user", func() bool {
		_, okA := a.user(chidi.ID)
		_, okB := b.user(amira.ID)
		return okA && okB
	})
	// Cursors flow again over the new connections.
	a.pl.AnnounceCursors([]hub.Cursor{{ID: amira.ID, X: 7, Y: 8}})
	waitFor(t, "a cursor after the restart", func() bool { return b.cursor(amira.ID) == hub.Cursor{ID: amira.ID, X: 7, Y: 8} })
}
