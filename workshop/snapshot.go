package workshop

import (
	"context"
	"encoding/json"
)

// MaxSnapshotNameBytes bounds a snapshot's name.
const MaxSnapshotNameBytes = 256

// Snapshot is a named copy of a board's content at one moment.
type Snapshot struct {
	ID       string          `json:"id"`
	Board    string          `json:"board"`
	Workshop string          `json:"workshop,omitempty"`
	Name     string          `json:"name"`
	Created  int64           `json:"created"` // unix milliseconds
	Seq      uint64          `json:"seq"`
	State    json.RawMessage `json:"state,omitempty"`
}

// Snapshots is where snapshots are kept.
type Snapshots interface {
	SaveSnapshot(ctx context.Context, s Snapshot) error
	// Snapshot returns one snapshot with its state, or ErrNotFound.
	Snapshot(ctx context.Context, id string) (Snapshot, error)
	// SnapshotsOf lists a board's snapshots, newest first, without states.
	SnapshotsOf(ctx context.Context, board string) ([]Snapshot, error)
}
