package workshop

import (
	"context"
	"errors"
)

// MaxVotesPerPerson bounds the dots each person has in one round.
const MaxVotesPerPerson = 20

// VoteRound is a dot-voting round on challenges and responses.
type VoteRound struct {
	ID        string `json:"id"`
	PerPerson int    `json:"perPerson"`
	Open      bool   `json:"open"`
	Started   int64  `json:"started"` // unix ms
}

// VoteTotal is how many dots one item received.
type VoteTotal struct {
	Board string `json:"board"`
	Item  string `json:"item"`
	Dots  int    `json:"dots"`
}

// ErrNoVotesLeft: the voter has used all their dots in this round.
var ErrNoVotesLeft = errors.New("no votes left")

// Votes is where dots are kept. Cast and Uncast must be atomic per voter,
// so a voter never spends more than limit dots however fast they click.
type Votes interface {
	// CastVote records one dot and returns how many the voter has left.
	CastVote(ctx context.Context, round, voter, board, item string, limit int) (left int, err error)
	// UncastVote takes back one of the voter's dots on item, if any.
	UncastVote(ctx context.Context, round, voter, board, item string, limit int) (left int, err error)
	VoteTotals(ctx context.Context, round string) ([]VoteTotal, error)
	// VotesLeft is how many dots the voter has not used.
	VotesLeft(ctx context.Context, round, voter string, limit int) (int, error)
}
