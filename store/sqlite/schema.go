package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations upgrade the schema one version at a time: migrations[i] takes a
// database from user_version i to i+1. Entries are only ever appended, never
// edited, because files in the field are at every version that ever shipped.
var migrations = [][]string{
	// 1: initial schema.
	{
		// boards keeps rowid (no WITHOUT ROWID) so ListBoards can break ties
		// between boards created in the same millisecond by insertion order.
		`CREATE TABLE boards (
			id       TEXT    NOT NULL PRIMARY KEY,
			title    TEXT    NOT NULL,
			template TEXT    NOT NULL,
			epoch    TEXT    NOT NULL,
			created  INTEGER NOT NULL,
			seq      INTEGER NOT NULL,
			state    BLOB
		) STRICT`,
		`CREATE INDEX boards_by_created ON boards (created)`,
		// ops is clustered on (board, seq): loading a board and dropping its
		// compacted prefix are both range scans of one board's rows.
		`CREATE TABLE ops (
			board  TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
			seq    INTEGER NOT NULL,
			client TEXT    NOT NULL,
			batch  TEXT    NOT NULL,
			author TEXT    NOT NULL,
			ops    BLOB,
			PRIMARY KEY (board, seq)
		) STRICT, WITHOUT ROWID`,
	},
	// 2: workshops and their join links. A workshop is stored as one JSON
	// document: it is small, read whole and changed rarely.
	{
		`CREATE TABLE workshops (
			id      TEXT    NOT NULL PRIMARY KEY,
			created INTEGER NOT NULL,
			data    BLOB    NOT NULL
		) STRICT`,
		`CREATE TABLE workshop_boards (
			board    TEXT NOT NULL PRIMARY KEY,
			workshop TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE
		) STRICT, WITHOUT ROWID`,
		`CREATE TABLE links (
			id       TEXT    NOT NULL PRIMARY KEY,
			workshop TEXT    NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
			revoked  INTEGER NOT NULL DEFAULT 0,
			data     BLOB    NOT NULL
		) STRICT`,
		`CREATE INDEX links_by_workshop ON links (workshop)`,
	},
	// 3: snapshots of boards.
	{
		`CREATE TABLE snapshots (
			id       TEXT    NOT NULL PRIMARY KEY,
			board    TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
			workshop TEXT    NOT NULL,
			name     TEXT    NOT NULL,
			created  INTEGER NOT NULL,
			seq      INTEGER NOT NULL,
			state    BLOB    NOT NULL
		) STRICT`,
		`CREATE INDEX snapshots_by_board ON snapshots (board, created)`,
	},
	// 4: dot votes; a voter may put several dots on one item.
	{
		`CREATE TABLE votes (
			round TEXT NOT NULL,
			voter TEXT NOT NULL,
			board TEXT NOT NULL,
			item  TEXT NOT NULL
		) STRICT`,
		`CREATE INDEX votes_by_voter ON votes (round, voter)`,
	},
}

// migrate brings the database behind db up to len(migrations). It runs in one
// transaction (BEGIN IMMEDIATE through the writer DSN) so two processes
// opening a fresh file cannot both apply the same migration, and a failed
// upgrade leaves the file at its old version.
func migrate(ctx context.Context, db *sql.DB) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()

	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("read user_version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this build supports (%d)", version, len(migrations))
	}
	if version == len(migrations) {
		return tx.Commit()
	}
	for v := version; v < len(migrations); v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migration to version %d: %w", v+1, err)
			}
		}
	}
	// PRAGMA takes no bound parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return fmt.Errorf("set user_version: %w", err)
	}
	return tx.Commit()
}
