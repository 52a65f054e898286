package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"partnerboard/hub"
)

// request is one Append or Compact waiting for the committer. Both kinds
// share a queue so that a Compact is ordered after every Append before it.
type request struct {
	board   string
	entries []hub.Entry // for an Append
	compact *compaction // non-nil for a Compact
	done    func(error)
	// answer, when set, is the request's result without writing anything:
	// ErrClosed for a request queued after Close, or the reason its entries
	// cannot be stored. The committer still delivers it in queue order.
	answer error
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
	r := &request{board: board, entries: entries, done: done}
	if err := storable(board, entries); err != nil {
		// Failing it here keeps one bad request from failing every other
		// board's appends in its group.
		r.answer = fmt.Errorf("append ops to board %q: %w", board, err)
	}
	if !s.enqueue(r) {
		done(fmt.Errorf("append ops to board %q: %w", board, ErrClosed))
	}
}

// storable reports why PostgreSQL's text columns would refuse the append:
// they take only valid UTF-8 without NUL bytes, which the WebSocket edge
// already enforces, but a store must not rely on every caller doing so.
func storable(board string, entries []hub.Entry) error {
	if !textOK(board) {
		return errors.New("board id is not valid UTF-8 text without NUL")
	}
	for _, e := range entries {
		if !textOK(e.Client) || !textOK(e.Batch) || !textOK(e.Author) {
			return fmt.Errorf("entry %d: client, batch or author is not valid UTF-8 text without NUL", e.Seq)
		}
	}
	return nil
}

func textOK(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

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
	if s.closing && r.answer == nil {
		r.answer = closedErr(r)
	}
	s.queue = append(s.queue, r)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	return true
}

// closedErr is the answer to a request that arrived after Close.
func closedErr(r *request) error {
	if r.compact != nil {
		return fmt.Errorf("compact board %q: %w", r.board, ErrClosed)
	}
	return fmt.Errorf("append ops to board %q: %w", r.board, ErrClosed)
}

// run is the committer: the only goroutine of this Store that writes the
// log. It commits groups until Close has been called and the queue is empty.
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
		if r.answer != nil {
			results[i] = r.answer
		} else {
			live++
		}
	}
	if live > 0 {
		err := s.writeGroup(ctx, group, results)
		// A stale pooled connection fails before anything reaches the
		// server; pgx says when that is so, and then one retry on a fresh
		// connection cannot write anything twice.
		if err != nil && pgconn.SafeToRetry(err) {
			err = s.writeGroup(ctx, group, results)
		}
		if err != nil {
			for i, r := range group {
				if r.answer == nil {
					results[i] = err
				}
			}
		} else {
			s.commits.Add(1)
			for _, r := range group {
				if r.answer == nil && r.compact == nil {
					s.appends.Add(1)
				}
			}
		}
	}
	for i, r := range group {
		r.done(results[i])
	}
}

const (
	// insertOps writes a run of appends as one statement: every column is
	// sent as one array, so a run of any length costs one parameter set and
	// one plan, not a statement per row.
	insertOps = `INSERT INTO ops (board, seq, client, batch, author, ops)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bytea[])`

	// compactBoard does a whole Compact in one statement. The seq guard
	// makes an older compaction a no-op (and it then deletes nothing); the
	// result tells an unknown board (exists = false) from an ignored one.
	// The DELETE sees the rows inserted by earlier statements of the same
	// transaction, which is what orders a Compact after earlier Appends.
	compactBoard = `WITH updated AS (
			UPDATE boards SET seq = $2, state = $3 WHERE id = $1 AND seq <= $2 RETURNING id
		), dropped AS (
			DELETE FROM ops WHERE board = $1 AND seq < $4 AND EXISTS (SELECT 1 FROM updated)
		)
		SELECT EXISTS (SELECT 1 FROM boards WHERE id = $1)`
)

// step is one statement of a group's batch and how to read its result.
type step struct {
	what string // for errors: what the statement was doing
	// read consumes the statement's result from the batch; it returns an
	// error that fails the transaction.
	read func(pgx.BatchResults) error
}

// opRows collects a run of consecutive appends as column arrays for
// insertOps.
type opRows struct {
	boards, clients, batches, authors []string
	seqs                              []int64
	raws                              [][]byte
	boardNames                        []string // distinct, for errors
}

func (o *opRows) add(board string, es []hub.Entry) {
	if len(o.boardNames) == 0 || o.boardNames[len(o.boardNames)-1] != board {
		o.boardNames = append(o.boardNames, board)
	}
	for _, e := range es {
		o.boards = append(o.boards, board)
		o.seqs = append(o.seqs, int64(e.Seq))
		o.clients = append(o.clients, e.Client)
		o.batches = append(o.batches, e.Batch)
		o.authors = append(o.authors, e.Author)
		o.raws = append(o.raws, e.Raw)
	}
}

// writeGroup commits the live requests of group as one pipelined batch:
// appends and compactions as statements in queue order, sent in one round
// trip (plus one to prepare them, the first time on each connection) and run
// by PostgreSQL as one implicit transaction that commits at the batch's end,
// so every statement lands or none does. A returned error fails
// the whole group. A compaction of an unknown board is that request's own
// failure (it wrote nothing), recorded in results.
func (s *Store) writeGroup(ctx context.Context, group []*request, results []error) error {
	var (
		batch pgx.Batch
		steps []step
		run   opRows
	)
	flush := func() {
		if len(run.boards) == 0 {
			return
		}
		batch.Queue(insertOps, run.boards, run.seqs, run.clients, run.batches, run.authors, run.raws)
		steps = append(steps, step{
			what: fmt.Sprintf("append %d ops to %s", len(run.boards), describeBoards(run.boardNames)),
			read: func(br pgx.BatchResults) error { _, err := br.Exec(); return err },
		})
		run = opRows{}
	}
	for i, r := range group {
		switch {
		case r.answer != nil:
		case r.compact != nil:
			flush()
			c := r.compact
			batch.Queue(compactBoard, r.board, int64(c.seq), c.state, int64(c.keepFrom))
			steps = append(steps, step{
				what: fmt.Sprintf("compact board %q", r.board),
				read: func(br pgx.BatchResults) error {
					var exists bool
					if err := br.QueryRow().Scan(&exists); err != nil {
						return err
					}
					results[i] = nil
					if !exists {
						results[i] = fmt.Errorf("compact board %q: %w", r.board, hub.ErrNotFound)
					}
					return nil
				},
			})
		default:
			run.add(r.board, r.entries)
		}
	}
	flush()
	if len(steps) == 0 {
		return nil // only empty appends: nothing to write
	}

	ctx, cancel := context.WithTimeout(ctx, s.commitTimeout)
	defer cancel()
	br := s.pool.SendBatch(ctx, &batch)
	for _, st := range steps {
		if err := st.read(br); err != nil {
			_ = br.Close() // the transaction is rolled back; err says why
			return fmt.Errorf("commit ops: %s: %w", st.what, withDetail(err))
		}
	}
	// Close reads up to the end of the batch, where the implicit
	// transaction commits; only then may done report success.
	if err := br.Close(); err != nil {
		return fmt.Errorf("commit ops: %w", withDetail(err))
	}
	return nil
}

// describeBoards names the boards of a run of appends for an error message.
func describeBoards(names []string) string {
	if len(names) == 1 {
		return fmt.Sprintf("board %q", names[0])
	}
	return fmt.Sprintf("boards %q and %d more", names[0], len(names)-1)
}

// withDetail adds PostgreSQL's detail line (for a duplicate key, which key)
// to err's message, which pgconn leaves out.
func withDetail(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Detail != "" {
		return &detailed{err: err, detail: pe.Detail}
	}
	return err
}

type detailed struct {
	err    error
	detail string
}

func (d *detailed) Error() string { return d.err.Error() + ": " + d.detail }
func (d *detailed) Unwrap() error { return d.err }
