package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations upgrade the schema one version at a time: migrations[i] takes a
// database from version i to i+1. Entries are only ever appended, never
// edited: databases in the field are at every version that ever shipped.
var migrations = [][]string{
	// 1: initial schema.
	{
		// ord breaks ties in ListBoards between boards created in the same
		// millisecond, by insertion order (what SQLite's rowid gives the
		// embedded store).
		`CREATE TABLE boards (
			id       text   NOT NULL PRIMARY KEY,
			ord      bigint GENERATED ALWAYS AS IDENTITY,
			title    text   NOT NULL,
			template text   NOT NULL,
			epoch    text   NOT NULL,
			created  bigint NOT NULL,
			seq      bigint NOT NULL,
			state    bytea
		)`,
		`CREATE INDEX boards_newest_first ON boards (created DESC, ord DESC)`,
		// ops is keyed (board, seq): loading a board and dropping its
		// compacted prefix are both range scans of that index. The batch is
		// bytea, not jsonb, so it comes back byte for byte as it was fanned
		// out.
		`CREATE TABLE ops (
			board  text   NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
			seq    bigint NOT NULL,
			client text   NOT NULL,
			batch  text   NOT NULL,
			author text   NOT NULL,
			ops    bytea,
			PRIMARY KEY (board, seq)
		)`,
	},
	// 2: workshops, join links, snapshots, dot votes and the cluster's
	// signing secret. A workshop is one JSON document, as in the embedded
	// store: small, read whole, changed rarely. ord keeps "newest first"
	// stable for rows made in the same millisecond.
	{
		`CREATE TABLE workshops (
			id      text   NOT NULL PRIMARY KEY,
			created bigint NOT NULL,
			data    bytea  NOT NULL
		)`,
		`CREATE TABLE workshop_boards (
			board    text NOT NULL PRIMARY KEY,
			workshop text NOT NULL REFERENCES workshops (id) ON DELETE CASCADE
		)`,
		`CREATE TABLE links (
			id       text    NOT NULL PRIMARY KEY,
			ord      bigint  GENERATED ALWAYS AS IDENTITY,
			workshop text    NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
			revoked  boolean NOT NULL DEFAULT false,
			data     bytea   NOT NULL
		)`,
		`CREATE INDEX links_by_workshop ON links (workshop, ord DESC)`,
		`CREATE TABLE snapshots (
			id       text   NOT NULL PRIMARY KEY,
			ord      bigint GENERATED ALWAYS AS IDENTITY,
			board    text   NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
			workshop text   NOT NULL,
			name     text   NOT NULL,
			created  bigint NOT NULL,
			seq      bigint NOT NULL,
			state    bytea  NOT NULL
		)`,
		`CREATE INDEX snapshots_by_board ON snapshots (board, created DESC, ord DESC)`,
		`CREATE TABLE votes (
			id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			round text   NOT NULL,
			voter text   NOT NULL,
			board text   NOT NULL,
			item  text   NOT NULL
		)`,
		`CREATE INDEX votes_by_voter ON votes (round, voter)`,
		`CREATE TABLE signing_secret (
			one    boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (one),
			secret bytea   NOT NULL
		)`,
	},
}

// migrationLock is the key of the transaction-level advisory lock that
// serialises migrations: in cluster mode several nodes may start against a
// fresh database at once, and only one of them may create the tables.
const migrationLock = 0x7062_7363_6865_6d61 // "pbschema"

// migrate brings the database up to len(migrations) in one transaction, so
// a failed upgrade leaves it at its old version. The version lives in a
// one-row table, the counterpart of SQLite's user_version.
func migrate(ctx context.Context, pool *pgxpool.Pool) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()

	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	// Both statements are no-ops once the table exists; under the lock no
	// other node can be halfway through them.
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		one     boolean PRIMARY KEY DEFAULT true CHECK (one),
		version integer NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_version: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES (0) ON CONFLICT DO NOTHING`); err != nil {
		return fmt.Errorf("migrate: seed schema_version: %w", err)
	}

	var version int
	if err := tx.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&version); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this build supports (%d)", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migration to version %d: %w", v+1, err)
			}
		}
	}
	if version < len(migrations) {
		if _, err := tx.Exec(ctx, `UPDATE schema_version SET version = $1`, len(migrations)); err != nil {
			return fmt.Errorf("migrate: set version: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// schemaVersion reads the stored schema version, for tests.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var v int
	err := q.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&v)
	return v, err
}
