// Package client is a Go client of Partnerboard's WebSocket protocol
// (docs/protocol.md). Tests, the load generator and tools use it to join a
// board, send batches and wait for their acks, follow other people's edits
// and presence, and reconnect with recovery.
//
// The client keeps the confirmed board state (everything the server has
// sequenced, in order) and the batches it sent that are not yet confirmed.
// After a reconnect it asks for what it missed and re-sends the unconfirmed
// batches under their original ids, so the server applies each once.
package client
