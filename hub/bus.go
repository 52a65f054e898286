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
