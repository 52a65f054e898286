// Package postgres is the durable home of partnerboard's boards in cluster
// mode: it implements hub.Store on a PostgreSQL database through pgx, so
// that every node of a cluster reads and writes the same boards.
//
// Next to the boards it keeps what workshops need (workshop.Repository,
// Snapshots and Votes, with the same contract as the embedded store):
// workshops as one JSON document each, the boards that belong to them, join
// links, snapshots and dot votes. Two more things exist because there are
// several nodes: SigningSecret, the one secret every node signs join links
// with, and LockWorkshop, an advisory lock that serialises changes to one
// workshop's document across nodes.
//
// Its first three tables: boards holds each board's description and its
// latest compacted state together with the seq that state is at; ops holds
// the retained log of sequenced entries, one row per entry, keyed by
// (board, seq), with each batch's ops as bytea so they come back byte for
// byte; schema_version holds the version of the schema, which Open creates
// or upgrades by an ordered list of migrations under an advisory lock, so
// nodes starting together against an empty database do not collide. The
// role in the URL needs to create tables in its search_path schema on the
// first start (PostgreSQL 15 no longer lets every role create in public).
//
// What an ack means: Append's done (and Compact's return) happen strictly
// after PostgreSQL has answered the COMMIT of the transaction holding the
// entries. With synchronous_commit on (the default; Open refuses a session
// where it is off) that answer comes only once the commit record is flushed
// to the server's WAL, and with synchronous standbys configured only once
// they have it too, so an acknowledged entry survives a crash of this
// process, of the database server and of its machine.
//
// Like the embedded store, all writes of the log go through one committer
// goroutine per Store that does group commit: every Append and Compact
// waiting when it wakes (up to Options.MaxBatch), from all boards, is sent
// as one pipelined batch that runs as one transaction, so many boards'
// entries share one round trip and one WAL flush. Consecutive appends
// become a single INSERT of arrays, whatever their number.
//
// Statements are prepared and cached per connection (pgx's default). Behind
// a pooler in transaction mode, add default_query_exec_mode=exec to the URL.
package postgres
