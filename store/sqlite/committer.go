package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"partnerboard/hub"
)

// request is one Append or Compact waiting for the committer. Both kinds
// share a queue so that a Compact is ordered after every Append before it.
type request struct {
	board   string
	entries []hub.Entry // for an Append
	compact *compaction // non-nil for a Compact
	done    func(error)
	// rejected marks a request queued after Close was called: the committer
	// does not write it but still answers it in queue order.
	rejected bool
}

// compaction is the payload of a Compact request.
type compaction struct {
	seq      uint64
	state    []byte
	keepFrom uint64
}

// Append queues entries for the committer and returns at once. done is called
// on the committer goroutine after the transaction holding the entries has
// committed (nil) or failed (every Append in that transaction gets the same
// error). The entries and their Raw bytes must not be modified until done is
// called, because they are written from the committer goroutine.
//
// Once Close has been called, done receives ErrClosed: in queue order on the
// committer while Close is still draining, and directly on the calling
// goroutine once the committer has finished.
func (s *Store) Append(board string, entries []hub.Entry, done func(error)) {
	if done == nil {
		done = func(error) {}
	}
	if !s.enqueue(&request{board: board, entries: entries, done: done}) {
		done(fmt.Errorf("append ops to board %q: %w", board, ErrClosed))
	}
}

// Compact replaces the board's compacted state with state at seq and deletes
// its log entries below keepFrom. It travels through the committer queue, so
// it is applied after every Append made before it, and it returns once its
// transaction has committed. A compaction older than the stored one is
// ignored, never moving the board backwards. If ctx ends first Compact returns
// ctx's error, but the compaction may still be applied later.
//
// Compact must not be called from a done callback: it waits for the committer,
// which is busy running that callback.
func (s *Store) Compact(ctx context.Context, board string, seq uint64, state []byte, keepFrom uint64) error {
	// Entries after seq are not in state; dropping any of them would lose
	// them for good.
	if keepFrom > seq+1 {
		return fmt.Errorf("compact board %q: keepFrom %d is past seq %d + 1", board, keepFrom, seq)
	}
	res := make(chan error, 1)
	r := &request{
		board:   board,
		compact: &compaction{seq: seq, state: state, keepFrom: keepFrom},
		done:    func(err error) { res <- err },
	}
	if !s.enqueue(r) {
		return fmt.Errorf("compact board %q: %w", board, ErrClosed)
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return fmt.Errorf("compact board %q: %w", board, ctx.Err())
	}
}

// enqueue adds r to the queue and wakes the committer. It reports false if
// the committer has already exited, in which case the caller must answer r.
func (s *Store) enqueue(r *request) bool {
	s.mu.Lock()
	if s.exited {
		s.mu.Unlock()
		return false
	}
	r.rejected = s.closing
	s.queue = append(s.queue, r)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	return true
}

// run is the committer: the only goroutine that writes the log. It commits
// groups until Close has been called and the queue is empty.
func (s *Store) run(ctx context.Context) {
	defer close(s.stopped)
	// ctx only signals shutdown; the final groups must still be written
	// after it is cancelled.
	dbctx := context.WithoutCancel(ctx)
	for {
		group := s.next(ctx)
		if group == nil {
			return
		}
		s.commit(dbctx, group)
	}
}

// next waits for requests and takes up to maxBatch of them, or returns nil
// once the store is closing and nothing is left. Setting exited under the
// same lock that found the queue empty guarantees no request is stranded.
func (s *Store) next(ctx context.Context) []*request {
	for {
		s.mu.Lock()
		if n := min(len(s.queue), s.maxBatch); n > 0 {
			group := s.queue[:n:n]
			if n == len(s.queue) {
				s.queue = nil
			} else {
				s.queue = s.queue[n:]
			}
			s.mu.Unlock()
			return group
		}
		if s.closing {
			s.exited = true
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-ctx.Done():
		}
	}
}

// commit writes the group's live requests in one transaction and then calls
// every done in queue order.
func (s *Store) commit(ctx context.Context, group []*request) {
	results := make([]error, len(group))
	live := 0
	for i, r := range group {
		if r.rejected {
			results[i] = s.closedErr(r)
		} else {
			live++
		}
	}
	if live > 0 {
		if err := s.writeGroup(ctx, group, results); err != nil {
			for i, r := range group {
				if !r.rejected {
					results[i] = err
				}
			}
		} else {
			s.commits.Add(1)
			for _, r := range group {
				if !r.rejected && r.compact == nil {
					s.appends.Add(1)
				}
			}
		}
	}
	for i, r := range group {
		r.done(results[i])
	}
}

// closedErr is the answer to a request that arrived after Close.
func (s *Store) closedErr(r *request) error {
	if r.compact != nil {
		return fmt.Errorf("compact board %q: %w", r.board, ErrClosed)
	}
	return fmt.Errorf("append ops to board %q: %w", r.board, ErrClosed)
}

// writeGroup runs one transaction for the non-rejected requests of group. A
// returned error fails the whole group. A compaction of an unknown board is
// that request's own failure (it wrote nothing), recorded in results.
func (s *Store) writeGroup(ctx context.Context, group []*request, results []error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit ops: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	insert := tx.StmtContext(ctx, s.insertOp)
	for i, r := range group {
		switch {
		case r.rejected:
		case r.compact != nil:
			if results[i], err = s.applyCompaction(ctx, tx, r.board, r.compact); err != nil {
				return err
			}
		default:
			for _, e := range r.entries {
				if _, err := insert.ExecContext(ctx, r.board, e.Seq, e.Client, e.Batch, e.Author, []byte(e.Raw)); err != nil {
					return fmt.Errorf("append ops to board %q at seq %d: %w", r.board, e.Seq, err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit ops: %w", err)
	}
	return nil
}

// applyCompaction does one Compact inside the group's transaction. It
// returns the request's own result and, separately, an error that must fail
// the transaction.
func (s *Store) applyCompaction(ctx context.Context, tx *sql.Tx, board string, c *compaction) (result, fatal error) {
	res, err := tx.StmtContext(ctx, s.updateBoard).ExecContext(ctx, c.seq, c.state, board, c.seq)
	if err != nil {
		return nil, fmt.Errorf("compact board %q: %w", board, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("compact board %q: %w", board, err)
	}
	if n == 0 {
		// Either the board is unknown or it is already compacted past seq.
		var exists bool
		if err := tx.StmtContext(ctx, s.boardExists).QueryRowContext(ctx, board).Scan(&exists); err != nil {
			return nil, fmt.Errorf("compact board %q: %w", board, err)
		}
		if !exists {
			return fmt.Errorf("compact board %q: %w", board, hub.ErrNotFound), nil
		}
		return nil, nil // older than what is stored: ignored
	}
	if _, err := tx.StmtContext(ctx, s.deleteOps).ExecContext(ctx, board, c.keepFrom); err != nil {
		return nil, fmt.Errorf("compact board %q: %w", board, err)
	}
	return nil, nil
}
