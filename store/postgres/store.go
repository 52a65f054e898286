package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"partnerboard/hub"
)

// The hub codes against hub.Store; this keeps the two from drifting apart.
var _ hub.Store = (*Store)(nil)

// ErrClosed is what Append's done, Compact and the read methods report once
// Close has been called, so callers can tell shutdown from a storage failure.
var ErrClosed = errors.New("store closed")

// ErrExists is returned by CreateBoard for an id that is already taken, so the
// caller can pick another id instead of treating it as a storage failure.
var ErrExists = errors.New("board exists")

const (
	// defaultMaxBatch bounds a group commit when Options.MaxBatch is unset:
	// enough that a busy cluster shares its commits (and the round trip to
	// the database) widely, few enough that one transaction stays short.
	defaultMaxBatch = 512
	// defaultCommitTimeout bounds one group commit when
	// Options.CommitTimeout is unset. Every board's acks wait behind the
	// committer, so a database that stops answering must turn into errors
	// (and rooms that recover) rather than a silent stall.
	defaultCommitTimeout = 30 * time.Second
)

// Options configures Open. The zero value of every field but URL is usable.
type Options struct {
	// URL is a PostgreSQL connection string, URL or key=value form, with
	// any pgx or pgxpool parameters (pool_max_conns, sslmode, ...).
	URL string
	// MaxBatch caps how many Append calls are committed in one transaction
	// (default 512). A Compact counts as one call.
	MaxBatch int
	// CommitTimeout bounds each group commit (default 30s).
	CommitTimeout time.Duration
}

// Store is a hub.Store on a PostgreSQL database. It is safe for concurrent
// use, and several Stores (one per node of a cluster) may share a database:
// each node appends only the boards whose rooms it runs.
type Store struct {
	pool          *pgxpool.Pool
	maxBatch      int
	commitTimeout time.Duration

	mu sync.Mutex
	// queue holds Append and Compact requests in call order until the
	// committer takes them. It is a slice rather than a bounded channel so
	// that Append never blocks, not even when called from a done callback
	// running on the committer itself (a full channel would deadlock there).
	queue []*request
	// closing is set by Close; requests queued after it are answered with
	// ErrClosed, in order, by the committer.
	closing bool
	// exited is set by the committer, under mu, once it has delivered its
	// last done; from then on Append answers ErrClosed itself.
	exited bool

	wake    chan struct{} // capacity 1: "the queue may be non-empty"
	stop    context.CancelFunc
	stopped chan struct{} // closed when the committer returns

	closeOnce sync.Once

	commits atomic.Uint64
	appends atomic.Uint64
}

// Stats counts the committer's work since Open. It exists to observe group
// commit: Commits much lower than Appends means commits are being shared.
type Stats struct {
	Commits uint64 // transactions committed by the committer
	Appends uint64 // Append calls whose entries were committed
}

// Stats returns the counters since Open.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.commits.Load(), Appends: s.appends.Load()}
}

// Open connects to the database at opts.URL, creates or migrates the schema,
// and starts the committer. The context bounds only the opening; the store
// lives until Close.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s, err := open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return s, nil
}

func open(ctx context.Context, opts Options) (_ *Store, err error) {
	if opts.URL == "" {
		return nil, errors.New("no URL given")
	}
	cfg, err := pgxpool.ParseConfig(opts.URL)
	if err != nil {
		// pgx's parse errors quote the connection string, password and
		// all; say what is wrong without it.
		return nil, errors.New("cannot parse the database URL")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			pool.Close()
		}
	}()
	if err := pool.Ping(ctx); err != nil {
		return nil, err
	}
	// An ack promises the entries survive a crash of the database server.
	// With synchronous_commit=off a COMMIT returns before its WAL is
	// flushed, and that promise would silently not hold.
	var syncCommit string
	if err := pool.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&syncCommit); err != nil {
		return nil, fmt.Errorf("read synchronous_commit: %w", err)
	}
	if strings.EqualFold(syncCommit, "off") {
		return nil, errors.New("synchronous_commit is off: acknowledged edits could be lost in a crash; set it to on")
	}
	if err := migrate(ctx, pool); err != nil {
		return nil, err
	}

	s := &Store{
		pool:          pool,
		maxBatch:      opts.MaxBatch,
		commitTimeout: opts.CommitTimeout,
		wake:          make(chan struct{}, 1),
		stopped:       make(chan struct{}),
	}
	if s.maxBatch <= 0 {
		s.maxBatch = defaultMaxBatch
	}
	if s.commitTimeout <= 0 {
		s.commitTimeout = defaultCommitTimeout
	}
	// The committer's context is the store's own, not Open's: a
	// request-scoped ctx ending must not stop the store. Close cancels it.
	cctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go s.run(cctx)
	return s, nil
}

// Close stops accepting work, lets the committer commit everything appended
// before it (calling every pending done), then closes the connection pool.
// Calling it again waits for the first call. It must not be called from a
// done callback, which runs on the committer Close waits for.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.stop()
	<-s.stopped
	// pgxpool.Close reports no error. It waits for borrowed connections to
	// come back, which once the committer has stopped means reads that
	// were already running when Close was called.
	s.closeOnce.Do(s.pool.Close)
	return nil
}

// isClosing reports whether Close has been called, so that the direct (non
// committer) methods answer ErrClosed rather than a pool error.
func (s *Store) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// CreateBoard records a new board at seq 0 with the given state. It runs
// directly rather than through the committer: it is rare, the caller waits
// for it anyway, and a duplicate id must fail only this call, not a whole
// group commit. Once it returns, Appends for the board come after it.
func (s *Store) CreateBoard(ctx context.Context, info hub.BoardInfo, state []byte) error {
	if s.isClosing() {
		return fmt.Errorf("create board %q: %w", info.ID, ErrClosed)
	}
	_, err := s.pool.Exec(ctx,
		`INSERT INTO boards (id, title, template, epoch, created, seq, state) VALUES ($1, $2, $3, $4, $5, 0, $6)`,
		info.ID, info.Title, info.Template, info.Epoch, info.Created, state)
	if err != nil {
		if isUniqueViolation(err) {
			err = ErrExists
		}
		return fmt.Errorf("create board %q: %w", info.ID, err)
	}
	return nil
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// LoadBoard returns the board's description, compacted state and retained
// log in seq order. Both queries run in one REPEATABLE READ transaction, so
// they see one snapshot: under READ COMMITTED a compaction committed between
// them could delete entries the returned state does not yet contain.
func (s *Store) LoadBoard(ctx context.Context, id string) (*hub.Loaded, error) {
	l, err := s.loadBoard(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load board %q: %w", id, err)
	}
	return l, nil
}

func (s *Store) loadBoard(ctx context.Context, id string) (_ *hub.Loaded, err error) {
	if s.isClosing() {
		return nil, ErrClosed
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only; nothing to undo

	l := &hub.Loaded{Info: hub.BoardInfo{ID: id}}
	var seq int64
	err = tx.QueryRow(ctx,
		`SELECT title, template, epoch, created, seq, state FROM boards WHERE id = $1`, id,
	).Scan(&l.Info.Title, &l.Info.Template, &l.Info.Epoch, &l.Info.Created, &seq, &l.State)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, hub.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	l.Seq = uint64(seq)

	rows, err := tx.Query(ctx,
		`SELECT seq, client, batch, author, ops FROM ops WHERE board = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e   hub.Entry
			seq int64
			raw []byte
		)
		if err := rows.Scan(&seq, &e.Client, &e.Batch, &e.Author, &raw); err != nil {
			return nil, err
		}
		e.Seq = uint64(seq)
		e.Raw = raw
		l.Entries = append(l.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

// ListBoards describes every board, newest first, for the start page. Boards
// created in the same millisecond come in reverse creation order.
func (s *Store) ListBoards(ctx context.Context) ([]hub.BoardInfo, error) {
	infos, err := s.listBoards(ctx)
	if err != nil {
		return nil, fmt.Errorf("list boards: %w", err)
	}
	return infos, nil
}

func (s *Store) listBoards(ctx context.Context) ([]hub.BoardInfo, error) {
	if s.isClosing() {
		return nil, ErrClosed
	}
	rows, err := s.pool.Query(ctx,
		`SELECT id, title, template, epoch, created FROM boards ORDER BY created DESC, ord DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var infos []hub.BoardInfo
	for rows.Next() {
		var b hub.BoardInfo
		if err := rows.Scan(&b.ID, &b.Title, &b.Template, &b.Epoch, &b.Created); err != nil {
			return nil, err
		}
		infos = append(infos, b)
	}
	return infos, rows.Err()
}

// Ping checks that the database answers a trivial query, for health checks.
// There is no counterpart of SQLite's integrity check: the server guards its
// own files, and amcheck is an operator's tool, not a request-time one.
func (s *Store) Ping(ctx context.Context) error {
	if s.isClosing() {
		return fmt.Errorf("ping database: %w", ErrClosed)
	}
	var one int
	if err := s.pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}
