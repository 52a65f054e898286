package sqlite

import (
	"context"
	"fmt"

	"partnerboard/workshop"
)

var _ workshop.Votes = (*Store)(nil)

// CastVote implements workshop.Votes. The count and the insert share one
// transaction on the single writer connection, so the limit holds however
// many votes arrive at once.
func (s *Store) CastVote(ctx context.Context, round, voter, board, item string, limit int) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("cast vote: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var used int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM votes WHERE round = ? AND voter = ?`, round, voter).Scan(&used); err != nil {
		return 0, fmt.Errorf("cast vote: %w", err)
	}
	if used >= limit {
		return 0, workshop.ErrNoVotesLeft
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO votes (round, voter, board, item) VALUES (?, ?, ?, ?)`, round, voter, board, item); err != nil {
		return 0, fmt.Errorf("cast vote: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("cast vote: %w", err)
	}
	return limit - used - 1, nil
}

// UncastVote implements workshop.Votes.
func (s *Store) UncastVote(ctx context.Context, round, voter, board, item string, limit int) (int, error) {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM votes WHERE rowid = (SELECT rowid FROM votes WHERE round = ? AND voter = ? AND board = ? AND item = ? LIMIT 1)`,
		round, voter, board, item); err != nil {
		return 0, fmt.Errorf("take back vote: %w", err)
	}
	return s.VotesLeft(ctx, round, voter, limit)
}

// VotesLeft implements workshop.Votes.
func (s *Store) VotesLeft(ctx context.Context, round, voter string, limit int) (int, error) {
	var used int
	if err := s.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM votes WHERE round = ? AND voter = ?`, round, voter).Scan(&used); err != nil {
		return 0, fmt.Errorf("count votes: %w", err)
	}
	return max(0, limit-used), nil
}

// VoteTotals implements workshop.Votes.
func (s *Store) VoteTotals(ctx context.Context, round string) ([]workshop.VoteTotal, error) {
	rows, err := s.w.QueryContext(ctx, `SELECT board, item, COUNT(*) AS n FROM votes WHERE round = ? GROUP BY board, item ORDER BY n DESC, board, item`, round)
	if err != nil {
		return nil, fmt.Errorf("count votes: %w", err)
	}
	defer rows.Close()
	out := []workshop.VoteTotal{}
	for rows.Next() {
		var t workshop.VoteTotal
		if err := rows.Scan(&t.Board, &t.Item, &t.Dots); err != nil {
			return nil, fmt.Errorf("count votes: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
