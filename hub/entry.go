package hub

import (
	"context"
	"encoding/json"
	"errors"

	"partnerboard/board"
)

// Entry is one sequenced batch in a board's log: the unit that is made
// durable, fanned out and replayed during recovery.
type Entry struct {
	Seq    uint64 `json:"seq"`
	Client string `json:"client"` // the sender's client id, stable across reconnects
	Batch  string `json:"batch"`  // the sender's batch id; (Client, Batch) makes retries idempotent
	Author string `json:"author"` // display name of the sender, for history
	// Raw is the batch's ops as validated JSON: stores persist it and rooms
	// fan it out as is, so a batch is encoded once.
	Raw json.RawMessage `json:"ops"`
	// Ops is Raw decoded; stores neither fill nor read it.
	Ops []board.Op `json:"-"`
}

// BoardInfo describes a board apart from its content.
type BoardInfo struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Template string `json:"template"`
	Epoch    string `json:"epoch"`
	Created  int64  `json:"created"` // unix milliseconds
}

// Loaded is what a store holds for one board: a compacted state at Seq and
// the retained log. Entries may reach back before Seq (they are kept for
// recovery and retry detection); entries after Seq must be replayed on top of
// State to reach the board's head.
//
// State is handed over: a room that finds it canonical (byte for byte
// board.State.MarshalJSON's output, as every state the hub compacts is)
// sends it to joining clients as it is, so the store must not change the
// slice afterwards.
type Loaded struct {
	Info    BoardInfo
	Seq     uint64
	State   []byte // board.State JSON at Seq
	Entries []Entry
}

// ErrNotFound is returned by a Store for a board it does not hold.
var ErrNotFound = errors.New("not found")

// Store is the durable home of boards. Implementations must be safe for
// concurrent use.
type Store interface {
	// CreateBoard records a new, empty board. It fails if the id exists.
	CreateBoard(ctx context.Context, info BoardInfo, state []byte) error
	// LoadBoard returns the board's compacted state and retained log, or ErrNotFound.
	LoadBoard(ctx context.Context, id string) (*Loaded, error)
	// Append makes entries durable. It returns at once; done is called once
	// the entries are committed (err == nil) or have failed. Calls to done
	// happen in the order of the Append calls, never concurrently, and the
	// store may commit the appends of many boards in one transaction.
	Append(board string, entries []Entry, done func(error))
	// Compact stores state as the board's state at seq and drops log entries
	// with a seq lower than keepFrom. It is ordered after every Append made
	// before it.
	Compact(ctx context.Context, board string, seq uint64, state []byte, keepFrom uint64) error
	// Close commits what is pending and releases the store.
	Close() error
}
