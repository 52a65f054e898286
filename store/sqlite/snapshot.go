package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"partnerboard/workshop"
)

var _ workshop.Snapshots = (*Store)(nil)

// SaveSnapshot implements workshop.Snapshots.
func (s *Store) SaveSnapshot(ctx context.Context, sn workshop.Snapshot) error {
	if _, err := s.w.ExecContext(ctx,
		`INSERT INTO snapshots (id, board, workshop, name, created, seq, state) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sn.ID, sn.Board, sn.Workshop, sn.Name, sn.Created, sn.Seq, []byte(sn.State)); err != nil {
		return fmt.Errorf("save snapshot %q: %w", sn.ID, err)
	}
	return nil
}

// Snapshot implements workshop.Snapshots.
func (s *Store) Snapshot(ctx context.Context, id string) (workshop.Snapshot, error) {
	var sn workshop.Snapshot
	var state []byte
	err := s.r.QueryRowContext(ctx, `SELECT id, board, workshop, name, created, seq, state FROM snapshots WHERE id = ?`, id).
		Scan(&sn.ID, &sn.Board, &sn.Workshop, &sn.Name, &sn.Created, &sn.Seq, &state)
	if errors.Is(err, sql.ErrNoRows) {
		err = workshop.ErrNotFound
	}
	if err != nil {
		return sn, fmt.Errorf("load snapshot %q: %w", id, err)
	}
	sn.State = state
	return sn, nil
}

// SnapshotsOf implements workshop.Snapshots.
func (s *Store) SnapshotsOf(ctx context.Context, board string) ([]workshop.Snapshot, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT id, board, workshop, name, created, seq FROM snapshots WHERE board = ? ORDER BY created DESC, rowid DESC`, board)
	if err != nil {
		return nil, fmt.Errorf("list snapshots of %q: %w", board, err)
	}
	defer rows.Close()
	out := []workshop.Snapshot{}
	for rows.Next() {
		var sn workshop.Snapshot
		if err := rows.Scan(&sn.ID, &sn.Board, &sn.Workshop, &sn.Name, &sn.Created, &sn.Seq); err != nil {
			return nil, fmt.Errorf("list snapshots of %q: %w", board, err)
		}
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list snapshots of %q: %w", board, err)
	}
	return out, nil
}
