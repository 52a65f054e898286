package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"partnerboard/workshop"
)

var (
	_ workshop.Repository = (*Store)(nil)
	_ workshop.Snapshots  = (*Store)(nil)
	_ workshop.Votes      = (*Store)(nil)
)

// CreateWorkshop implements workshop.Repository.
func (s *Store) CreateWorkshop(ctx context.Context, w workshop.Workshop) error {
	data, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("create workshop %q: %w", w.ID, err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO workshops (id, created, data) VALUES ($1, $2, $3)`, w.ID, w.Created, data); err != nil {
			return err
		}
		for _, b := range w.Boards() {
			if _, err := tx.Exec(ctx, `INSERT INTO workshop_boards (board, workshop) VALUES ($1, $2)`, b, w.ID); err != nil {
				return fmt.Errorf("board %q: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create workshop %q: %w", w.ID, err)
	}
	return nil
}

// Workshop implements workshop.Repository.
func (s *Store) Workshop(ctx context.Context, id string) (workshop.Workshop, error) {
	return scanWorkshop(s.pool.QueryRow(ctx, `SELECT data FROM workshops WHERE id = $1`, id), id)
}

// WorkshopOfBoard implements workshop.Repository.
func (s *Store) WorkshopOfBoard(ctx context.Context, board string) (workshop.Workshop, error) {
	return scanWorkshop(s.pool.QueryRow(ctx,
		`SELECT w.data FROM workshop_boards b JOIN workshops w ON w.id = b.workshop WHERE b.board = $1`, board), "of board "+board)
}

func scanWorkshop(row pgx.Row, what string) (workshop.Workshop, error) {
	var data []byte
	var w workshop.Workshop
	if err := row.Scan(&data); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
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
	tag, err := s.pool.Exec(ctx, `UPDATE workshops SET data = $1 WHERE id = $2`, data, w.ID)
	if err != nil {
		return fmt.Errorf("update workshop %q: %w", w.ID, err)
	}
	if tag.RowsAffected() == 0 {
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
	if _, err := s.pool.Exec(ctx, `INSERT INTO links (id, workshop, revoked, data) VALUES ($1, $2, $3, $4)`,
		l.ID, l.Workshop, l.Revoked, data); err != nil {
		return fmt.Errorf("save link %q: %w", l.ID, err)
	}
	return nil
}

// Link implements workshop.Links.
func (s *Store) Link(ctx context.Context, id string) (workshop.Link, error) {
	l, err := scanLink(s.pool.QueryRow(ctx, `SELECT data, revoked FROM links WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		err = workshop.ErrNotFound
	}
	if err != nil {
		return l, fmt.Errorf("load link %q: %w", id, err)
	}
	return l, nil
}

func scanLink(row pgx.Row) (workshop.Link, error) {
	var l workshop.Link
	var data []byte
	var revoked bool
	if err := row.Scan(&data, &revoked); err != nil {
		return l, err
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return l, err
	}
	l.Revoked = revoked
	return l, nil
}

// Links implements workshop.Repository.
func (s *Store) Links(ctx context.Context, ws string) ([]workshop.Link, error) {
	rows, err := s.pool.Query(ctx, `SELECT data, revoked FROM links WHERE workshop = $1 ORDER BY ord DESC`, ws)
	if err != nil {
		return nil, fmt.Errorf("list links of %q: %w", ws, err)
	}
	defer rows.Close()
	var out []workshop.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, fmt.Errorf("list links of %q: %w", ws, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list links of %q: %w", ws, err)
	}
	return out, nil
}

// RevokeLink implements workshop.Repository.
func (s *Store) RevokeLink(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE links SET revoked = true WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("revoke link %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke link %q: %w", id, workshop.ErrNotFound)
	}
	return nil
}

// SaveSnapshot implements workshop.Snapshots.
func (s *Store) SaveSnapshot(ctx context.Context, sn workshop.Snapshot) error {
	if _, err := s.pool.Exec(ctx,
		`INSERT INTO snapshots (id, board, workshop, name, created, seq, state) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		sn.ID, sn.Board, sn.Workshop, sn.Name, sn.Created, int64(sn.Seq), []byte(sn.State)); err != nil {
		return fmt.Errorf("save snapshot %q: %w", sn.ID, err)
	}
	return nil
}

// Snapshot implements workshop.Snapshots.
func (s *Store) Snapshot(ctx context.Context, id string) (workshop.Snapshot, error) {
	var sn workshop.Snapshot
	var state []byte
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT id, board, workshop, name, created, seq, state FROM snapshots WHERE id = $1`, id).
		Scan(&sn.ID, &sn.Board, &sn.Workshop, &sn.Name, &sn.Created, &seq, &state)
	if errors.Is(err, pgx.ErrNoRows) {
		err = workshop.ErrNotFound
	}
	if err != nil {
		return sn, fmt.Errorf("load snapshot %q: %w", id, err)
	}
	sn.Seq, sn.State = uint64(seq), state
	return sn, nil
}

// SnapshotsOf implements workshop.Snapshots.
func (s *Store) SnapshotsOf(ctx context.Context, board string) ([]workshop.Snapshot, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT id, board, workshop, name, created, seq FROM snapshots WHERE board = $1 ORDER BY created DESC, ord DESC`, board)
	if err != nil {
		return nil, fmt.Errorf("list snapshots of %q: %w", board, err)
	}
	defer rows.Close()
	out := []workshop.Snapshot{}
	for rows.Next() {
		var sn workshop.Snapshot
		var seq int64
		if err := rows.Scan(&sn.ID, &sn.Board, &sn.Workshop, &sn.Name, &sn.Created, &seq); err != nil {
			return nil, fmt.Errorf("list snapshots of %q: %w", board, err)
		}
		sn.Seq = uint64(seq)
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list snapshots of %q: %w", board, err)
	}
	return out, nil
}

// voterLock is the key of the transaction-level advisory lock that makes
// one voter's count-then-insert atomic. Nodes vote at once for the same
// person (two tabs behind a load balancer); a row lock has no row to lock
// before the first dot, and SERIALIZABLE would need retries.
func voterLock(round, voter string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("vote\x00" + round + "\x00" + voter))
	return int64(h.Sum64())
}

// CastVote implements workshop.Votes.
func (s *Store) CastVote(ctx context.Context, round, voter, board, item string, limit int) (int, error) {
	left := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, voterLock(round, voter)); err != nil {
			return err
		}
		var used int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM votes WHERE round = $1 AND voter = $2`, round, voter).Scan(&used); err != nil {
			return err
		}
		if used >= limit {
			return workshop.ErrNoVotesLeft
		}
		if _, err := tx.Exec(ctx, `INSERT INTO votes (round, voter, board, item) VALUES ($1, $2, $3, $4)`, round, voter, board, item); err != nil {
			return err
		}
		left = limit - used - 1
		return nil
	})
	if errors.Is(err, workshop.ErrNoVotesLeft) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("cast vote: %w", err)
	}
	return left, nil
}

// UncastVote implements workshop.Votes.
func (s *Store) UncastVote(ctx context.Context, round, voter, board, item string, limit int) (int, error) {
	if _, err := s.pool.Exec(ctx,
		`DELETE FROM votes WHERE id = (SELECT id FROM votes WHERE round = $1 AND voter = $2 AND board = $3 AND item = $4 LIMIT 1)`,
		round, voter, board, item); err != nil {
		return 0, fmt.Errorf("take back vote: %w", err)
	}
	return s.VotesLeft(ctx, round, voter, limit)
}

// VotesLeft implements workshop.Votes.
func (s *Store) VotesLeft(ctx context.Context, round, voter string, limit int) (int, error) {
	var used int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM votes WHERE round = $1 AND voter = $2`, round, voter).Scan(&used); err != nil {
		return 0, fmt.Errorf("count votes: %w", err)
	}
	return max(0, limit-used), nil
}

// VoteTotals implements workshop.Votes.
func (s *Store) VoteTotals(ctx context.Context, round string) ([]workshop.VoteTotal, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT board, item, COUNT(*) AS n FROM votes WHERE round = $1 GROUP BY board, item ORDER BY n DESC, board, item`, round)
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

// SigningSecret returns the secret every node signs join links with,
// creating it on the first call anywhere: nodes starting at once insert
// at most one (the table holds one row) and all read the same.
func (s *Store) SigningSecret(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO signing_secret (secret) VALUES ($1) ON CONFLICT DO NOTHING`, fresh); err != nil {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	var secret []byte
	if err := s.pool.QueryRow(ctx, `SELECT secret FROM signing_secret`).Scan(&secret); err != nil {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	return secret, nil
}

// LockWorkshop holds a lock on one workshop's document across every node
// until unlock is called: changes read, modify and write the document, and
// two at once on different nodes must not lose one. It is a session-level
// advisory lock, so it keeps one pooled connection while held.
func (s *Store) LockWorkshop(ctx context.Context, id string) (unlock func(), err error) {
	h := fnv.New64a()
	_, _ = h.Write([]byte("workshop\x00" + id))
	key := int64(h.Sum64())
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock workshop %q: %w", id, err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		// A cancelled wait may leave the connection mid-query: drop it
		// rather than hand it to the next caller.
		conn.Conn().Close(context.Background())
		conn.Release()
		return nil, fmt.Errorf("lock workshop %q: %w", id, err)
	}
	return func() {
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, key); err != nil {
			// Closing the session releases its locks.
			conn.Conn().Close(context.Background())
		}
		conn.Release()
	}, nil
}
