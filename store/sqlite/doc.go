// Package sqlite is the durable home of partnerboard's boards: it implements
// hub.Store on a single SQLite file through the pure-Go driver
// modernc.org/sqlite, so the server needs no cgo and no database process.
//
// It owns two tables. boards holds each board's description and its latest
// compacted state together with the seq that state is at; ops holds the
// retained log of sequenced entries, one row per entry, keyed by (board, seq).
// The schema is versioned with PRAGMA user_version and upgraded by an
// ordered list of migrations when the file is opened.
//
// Durability: the database runs in WAL mode with synchronous=FULL, so a
// COMMIT returns only after the WAL has been fsynced. Append's done callback
// (and Compact's return) happen strictly after that COMMIT, which means an
// acknowledged entry survives a crash of the process and of the machine.
//
// To make that affordable, all writes of the log go through one committer
// goroutine that does group commit: every Append and Compact waiting when it
// wakes (up to Options.MaxBatch) is written in a single transaction, so many
// boards' entries share one fsync instead of paying one each.
package sqlite
