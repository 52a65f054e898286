package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

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

// defaultMaxBatch bounds a group commit when Options.MaxBatch is unset: large
// enough that a busy server amortises its fsyncs, small enough that one
// transaction (and the latency of the first done in it) stays short.
const defaultMaxBatch = 512

// Options configures Open. The zero value of every field but Path is usable.
type Options struct {
	// Path of the database file, e.g. filepath.Join(dataDir, "partnerboard.db").
	Path string
	// MaxBatch caps how many Append calls are committed in one transaction (default 512).
	// A Compact counts as one call.
	MaxBatch int
}

// Store is a hub.Store on one SQLite file. It is safe for concurrent use.
//
// It uses two connection pools on the same file. Writes go through w, which
// has exactly one connection: SQLite allows one writer at a time anyway, and
// owning that connection means the committer never waits on SQLITE_BUSY from
// ourselves and its prepared statements stay warm. Reads go through r, a pool
// of query_only connections: in WAL mode readers see a consistent snapshot
// and neither block the writer nor are blocked by it, so loading a board for
// a joining client never stalls the group commit of everyone else.
type Store struct {
	w, r     *sql.DB
	maxBatch int

	// Prepared on w's single connection and used inside the committer's
	// transactions via tx.StmtContext.
	insertOp    *sql.Stmt
	updateBoard *sql.Stmt
	boardExists *sql.Stmt
	deleteOps   *sql.Stmt

	mu sync.Mutex
	// queue holds Append and Compact requests in call order until the
	// committer takes them. It is a slice rather than a bounded channel so
	// that Append never blocks, not even when called from a done callback
	// running on the committer itself (a full channel would deadlock there).
	queue []*request
	// closing is set by Close; requests queued after it are failed with
	// ErrClosed, in order, by the committer.
	closing bool
	// exited is set by the committer, under mu, once it has delivered its
	// last done; from then on Append reports ErrClosed itself.
	exited bool

	wake    chan struct{} // capacity 1: "the queue may be non-empty"
	stop    context.CancelFunc
	stopped chan struct{} // closed when the committer returns

	closeOnce sync.Once
	closeErr  error

	commits atomic.Uint64
	appends atomic.Uint64
}

// Stats counts the committer's work since Open. It exists to observe group
// commit: Commits much lower than Appends means fsyncs are being shared.
type Stats struct {
	Commits uint64 // transactions committed by the committer
	Appends uint64 // Append calls whose entries were committed
}

// Stats returns the counters since Open.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.commits.Load(), Appends: s.appends.Load()}
}

// Open opens the database at opts.Path, creating the file and the schema if
// missing and migrating an older schema, and starts the committer. The
// context bounds only the opening; the store lives until Close.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s, err := open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %q: %w", opts.Path, err)
	}
	return s, nil
}

func open(ctx context.Context, opts Options) (_ *Store, err error) {
	if opts.Path == "" {
		return nil, errors.New("no path given")
	}
	// An absolute, cleaned path cannot be misread as a URI authority
	// ("file://host/...") by SQLite.
	path, err := filepath.Abs(opts.Path)
	if err != nil {
		return nil, err
	}
	maxBatch := opts.MaxBatch
	if maxBatch <= 0 {
		maxBatch = defaultMaxBatch
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)

	s := &Store{
		maxBatch: maxBatch,
		wake:     make(chan struct{}, 1),
		stopped:  make(chan struct{}),
	}
	defer func() {
		if err != nil {
			s.closeDBs()
		}
	}()

	// synchronous=FULL makes every COMMIT fsync the WAL, which is what lets
	// done promise survival of a machine crash. _txlock=immediate takes the
	// write lock at BEGIN, so a second process fails fast at BEGIN (after
	// busy_timeout) instead of midway through a transaction.
	s.w, err = sql.Open("sqlite", dsn(path,
		"_pragma=busy_timeout(5000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(ON)",
		"_txlock=immediate",
	))
	if err != nil {
		return nil, err
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		return nil, err
	}
	// SQLite silently keeps the old journal mode when WAL is impossible (for
	// example on some network file systems); the durability and concurrency
	// reasoning above depends on WAL, so refuse to run without it.
	var mode string
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return nil, fmt.Errorf("read journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return nil, fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	if err := migrate(ctx, s.w); err != nil {
		return nil, err
	}
	if created {
		// SQLite fsyncs the directory when it creates a journal or WAL, but
		// not for the database file itself; without this a machine crash
		// right after the first boards were acknowledged could lose the
		// file's directory entry.
		if err := syncDir(filepath.Dir(path)); err != nil {
			return nil, err
		}
	}

	s.r, err = sql.Open("sqlite", dsn(path,
		"_pragma=busy_timeout(5000)",
		"_pragma=query_only(1)",
	))
	if err != nil {
		return nil, err
	}
	s.r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	if err := s.r.PingContext(ctx); err != nil {
		return nil, err
	}

	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.insertOp, `INSERT INTO ops (board, seq, client, batch, author, ops) VALUES (?, ?, ?, ?, ?, ?)`},
		// The seq guard makes a late, older compaction a no-op.
		{&s.updateBoard, `UPDATE boards SET seq = ?, state = ? WHERE id = ? AND seq <= ?`},
		{&s.boardExists, `SELECT EXISTS (SELECT 1 FROM boards WHERE id = ?)`},
		{&s.deleteOps, `DELETE FROM ops WHERE board = ? AND seq < ?`},
	} {
		if *p.stmt, err = s.w.PrepareContext(ctx, p.sql); err != nil {
			return nil, fmt.Errorf("prepare %q: %w", p.sql, err)
		}
	}

	// The committer's context is the store's own, not Open's: a request-scoped
	// ctx ending must not stop the store. Close cancels it.
	cctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go s.run(cctx)
	return s, nil
}

// dsn builds a modernc.org/sqlite DSN for path. The file: URI form is used so
// that characters such as '?' in the path are escaped rather than taken as
// the start of the parameters.
func dsn(path string, params ...string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	return "file:" + esc + "?" + strings.Join(params, "&")
}

// syncDir fsyncs a directory so that entries created in it are durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		// Directories cannot be opened for sync there; NTFS journals
		// metadata itself.
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

// Close stops accepting work, lets the committer commit everything appended
// before it (calling every pending done), then closes the database. Calling
// it again waits for the first call and returns its result. It must not be
// called from a done callback, which runs on the committer Close waits for.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.stop()
	<-s.stopped
	s.closeOnce.Do(func() {
		if err := s.closeDBs(); err != nil {
			s.closeErr = fmt.Errorf("close store: %w", err)
		}
	})
	return s.closeErr
}

// closeDBs releases whatever open managed to set up.
func (s *Store) closeDBs() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.insertOp, s.updateBoard, s.boardExists, s.deleteOps} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	return errors.Join(errs...)
}

// isClosing reports whether Close has been called, so that the direct (non
// committer) methods can answer ErrClosed rather than a driver error.
func (s *Store) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// CreateBoard records a new board at seq 0 with the given state. It writes
// directly on the writer connection rather than through the committer: it is
// rare, the caller waits for it anyway, and a duplicate id must fail only this
// call, not a whole group commit. Once it returns, Appends for the board are
// ordered after it because they start after it.
func (s *Store) CreateBoard(ctx context.Context, info hub.BoardInfo, state []byte) error {
	if s.isClosing() {
		return fmt.Errorf("create board %q: %w", info.ID, ErrClosed)
	}
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO boards (id, title, template, epoch, created, seq, state) VALUES (?, ?, ?, ?, ?, 0, ?)`,
		info.ID, info.Title, info.Template, info.Epoch, info.Created, state)
	if err != nil {
		if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
			err = ErrExists
		}
		return fmt.Errorf("create board %q: %w", info.ID, err)
	}
	return nil
}

// isConstraint reports whether err is SQLite's extended result code code.
func isConstraint(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == code
}

// LoadBoard returns the board's description, compacted state and retained
// log in seq order. Both queries run in one read transaction: a compaction
// committed between them could otherwise delete entries the returned state
// does not yet contain.
func (s *Store) LoadBoard(ctx context.Context, id string) (*hub.Loaded, error) {
	l, err := s.loadBoard(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load board %q: %w", id, err)
	}
	return l, nil
}

func (s *Store) loadBoard(ctx context.Context, id string) (*hub.Loaded, error) {
	if s.isClosing() {
		return nil, ErrClosed
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only; nothing to undo

	l := &hub.Loaded{Info: hub.BoardInfo{ID: id}}
	var seq int64
	err = tx.QueryRowContext(ctx,
		`SELECT title, template, epoch, created, seq, state FROM boards WHERE id = ?`, id,
	).Scan(&l.Info.Title, &l.Info.Template, &l.Info.Epoch, &l.Info.Created, &seq, &l.State)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hub.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	l.Seq = uint64(seq)

	rows, err := tx.QueryContext(ctx,
		`SELECT seq, client, batch, author, ops FROM ops WHERE board = ? ORDER BY seq`, id)
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
	rows, err := s.r.QueryContext(ctx,
		`SELECT id, title, template, epoch, created FROM boards ORDER BY created DESC, rowid DESC`)
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

// IntegrityCheck runs PRAGMA integrity_check and fails unless SQLite answers
// "ok", so operators and tests can verify a file after a crash or a restore.
// It reads through a snapshot and does not hold up writers.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if err := s.integrityCheck(ctx); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	return nil
}

func (s *Store) integrityCheck(ctx context.Context) error {
	if s.isClosing() {
		return ErrClosed
	}
	rows, err := s.r.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(msgs) == 1 && msgs[0] == "ok" {
		return nil
	}
	if len(msgs) == 0 {
		return errors.New("no result")
	}
	return errors.New(strings.Join(msgs, "; "))
}
