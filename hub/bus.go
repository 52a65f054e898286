package hub

import "context"

// Bus puts each board's batches in one order, makes them durable, and
// delivers them in that order to every room of the board, in this process
// and, for a clustered bus, in every other. bus/memory implements it for one
// process on top of a Store; a Redis bus does it across nodes.
type Bus interface {
	// Open attaches a room to the board's log. head is what the room loaded
	// from the store, so a bus holding nothing for the board starts from
	// there. deliver receives every entry after head.Seq, in sequence
	// order, from one goroutine at a time; it must not block.
	Open(ctx context.Context, board string, head Head, deliver func([]Entry)) (BoardLog, error)
}

// Head is a board's position as loaded from the store.
type Head struct {
	Seq uint64
	// Entries is the retained tail of the log, oldest first: a bus uses it
	// to recognise batches re-sent after a lost ack.
	Entries []Entry
}

// BoardLog is one room's handle on a board's log. Its methods are safe for
// concurrent use.
type BoardLog interface {
	// Publish submits batches (Seq unset) for ordering and returns at once.
	// done is called once, with one result per entry in the same order, or
	// with an error if the batches could not be made durable (none of them
	// is then delivered). done may come before or after the delivery of the
	// new entries; it must not block.
	Publish(entries []Entry, done func([]Published, error))
	// Trim tells the bus that the store holds the board's state up to
	// keepFrom-1, so it may forget older entries.
	Trim(ctx context.Context, keepFrom uint64) error
	// Close detaches the room. A delivery already under way may still
	// arrive after it returns; the room ignores it.
	Close() error
}

// Published is the outcome of one published batch.
type Published struct {
	Seq uint64
	// Dup: the batch (same client and batch id) was already in the log at
	// Seq, and was not added again.
	Dup bool
}

// PresenceLog is what a clustered bus's BoardLog may also do: share who is
// on the board, and where their cursors are, with the rooms of the same
// board on other nodes. A room checks for it with a type assertion; a bus
// for one process (bus/memory) leaves it out, and presence stays what the
// room itself holds. Its methods are safe for concurrent use and never
// block on the network: the bus does its I/O on its own goroutines.
//
// Presence is ephemeral. Each node's users are kept under a TTL that the
// node refreshes, so the users of a node that dies disappear without anyone
// telling; a lost announcement is repaired by the next refresh.
type PresenceLog interface {
	// WatchPresence returns the users the other nodes have on the board now
	// and from then on reports their changes to deliver: from one goroutine
	// at a time, never for this node's own users; it must not block. A room
	// calls it once, right after Open, before announcing anything. If it
	// fails, deliver is registered all the same and the other nodes' users
	// arrive as updates once the bus reaches them.
	WatchPresence(ctx context.Context, deliver func(PresenceUpdate)) ([]User, error)
	// Announce reports this room's users that joined or changed (what they
	// edit) and the sessions that left. Announcements are never dropped;
	// the bus may coalesce them. Close announces that all of them left.
	Announce(joined []User, left []string)
	// AnnounceCursors reports this room's cursors that moved in one tick.
	// The bus may coalesce them, or drop them under pressure; it does not
	// keep the slice.
	AnnounceCursors(moved []Cursor)
}

// PresenceUpdate is what other nodes reported about a board's users.
type PresenceUpdate struct {
	// Users joined, or changed what they are editing.
	Users []User
	// Left are the sessions that left, or whose node stopped refreshing
	// its presence within the TTL.
	Left []string
	// Cursors moved.
	Cursors []Cursor
}

// Cursor is one session's pointer in board coordinates.
type Cursor struct {
	ID   string // session id
	X, Y float64
}

// HeadBus is a Bus that can say how far a board's log has got on every
// node together. The hub waits for its room to reach that point before it
// answers a read or welcomes a client, so that what one node acknowledged
// is seen through any other at once: a person whose next request lands on
// another node never sees their own edit missing.
type HeadBus interface {
	Bus
	// Head is the last sequence number given out for board, 0 if none.
	Head(ctx context.Context, board string) (uint64, error)
}
