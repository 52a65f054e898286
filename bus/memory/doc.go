// Package memory is the single-process hub.Bus: it orders each board's
// batches, hands them to the store for a group-committed write, and delivers
// them to the board's room once they are durable.
//
// Sequence numbers and the record of recent (client, batch) pairs live in
// memory while a board is open; they are rebuilt from the store (through the
// room's hub.Head) when a board is opened again, so they survive restarts.
package memory
