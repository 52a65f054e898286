package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"partnerboard/workshop"
)

var _ workshop.Repository = (*Store)(nil)

// CreateWorkshop implements workshop.Repository.
func (s *Store) CreateWorkshop(ctx context.Context, w workshop.Workshop) error {
	data, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("create workshop %q: %w", w.ID, err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create workshop %q: %w", w.ID, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO workshops (id, created, data) VALUES (?, ?, ?)`, w.ID, w.Created, data); err != nil {
		return fmt.Errorf("create workshop %q: %w", w.ID, err)
	}
	for _, b := range w.Boards() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO workshop_boards (board, workshop) VALUES (?, ?)`, b, w.ID); err != nil {
			return fmt.Errorf("create workshop %q: board %q: %w", w.ID, b, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create workshop %q: %w", w.ID, err)
	}
	return nil
}

// Workshop implements workshop.Repository.
func (s *Store) Workshop(ctx context.Context, id string) (workshop.Workshop, error) {
	return s.scanWorkshop(s.r.QueryRowContext(ctx, `SELECT data FROM workshops WHERE id = ?`, id), id)
}

// WorkshopOfBoard implements workshop.Repository.
func (s *Store) WorkshopOfBoard(ctx context.Context, board string) (workshop.Workshop, error) {
	return s.scanWorkshop(s.r.QueryRowContext(ctx,
		`SELECT w.data FROM workshop_boards b JOIN workshops w ON w.id = b.workshop WHERE b.board = ?`, board), "of board "+board)
}

func (s *Store) scanWorkshop(row *sql.Row, what string) (workshop.Workshop, error) {
	var data []byte
	var w workshop.Workshop
	if err := row.Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			err = workshop.ErrNotFound
		}
		return w, fmt.Errorf("load workshop %s: %w", what, err)
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return w, fmt.Errorf("load workshop %s: %w", what, err)
	}
	return w, nil
}

// UpdateWorkshop implements workshop.Repository.
func (s *Store) UpdateWorkshop(ctx context.Context, w workshop.Workshop) error {
	data, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("update workshop %q: %w", w.ID, err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE workshops SET data = ? WHERE id = ?`, data, w.ID)
	if err != nil {
		return fmt.Errorf("update workshop %q: %w", w.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update workshop %q: %w", w.ID, workshop.ErrNotFound)
	}
	return nil
}

// SaveLink implements workshop.Repository.
func (s *Store) SaveLink(ctx context.Context, l workshop.Link) error {
	data, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("save link %q: %w", l.ID, err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO links (id, workshop, revoked, data) VALUES (?, ?, ?, ?)`,
		l.ID, l.Workshop, l.Revoked, data); err != nil {
		return fmt.Errorf("save link %q: %w", l.ID, err)
	}
	return nil
}

// Link implements workshop.Links.
func (s *Store) Link(ctx context.Context, id string) (workshop.Link, error) {
	var l workshop.Link
	var data []byte
	var revoked bool
	err := s.r.QueryRowContext(ctx, `SELECT data, revoked FROM links WHERE id = ?`, id).Scan(&data, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		err = workshop.ErrNotFound
	}
	if err != nil {
		return l, fmt.Errorf("load link %q: %w", id, err)
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return l, fmt.Errorf("load link %q: %w", id, err)
	}
	l.Revoked = revoked
	return l, nil
}

// Links implements workshop.Repository.
func (s *Store) Links(ctx context.Context, ws string) ([]workshop.Link, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT data, revoked FROM links WHERE workshop = ? ORDER BY rowid DESC`, ws)
	if err != nil {
		return nil, fmt.Errorf("list links of %q: %w", ws, err)
	}
	defer rows.Close()
	var out []workshop.Link
	for rows.Next() {
		var data []byte
		var l workshop.Link
		var revoked bool
		if err := rows.Scan(&data, &revoked); err != nil {
			return nil, fmt.Errorf("list links of %q: %w", ws, err)
		}
		if err := json.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("list links of %q: %w", ws, err)
		}
		l.Revoked = revoked
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list links of %q: %w", ws, err)
	}
	return out, nil
}

// RevokeLink implements workshop.Repository.
func (s *Store) RevokeLink(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE links SET revoked = 1 WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("revoke link %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke link %q: %w", id, workshop.ErrNotFound)
	}
	return nil
}
