// Package hub runs live boards: one Room per board that has people on it.
//
// A room is the single owner of its board's live state. It gives every batch
// of ops the board's next sequence number, hands it to the Store, and only
// once the store says the batch is durable does it apply the batch, ack the
// sender and fan the batch out to everyone else. So nobody ever sees an edit
// that a crash could take back, and every client sees edits in the same order.
//
// Fan-out never blocks: each client has a bounded outbound queue, a message
// is encoded once per room and the same bytes are queued for every client,
// and a client whose queue is full is disconnected (it can reconnect and
// recover). Cursor moves are not messages to the room at all: the client's
// latest position is stored and the room sends every moved cursor in one
// message per tick, so cursor traffic grows with rooms, not with people
// squared.
//
// Recovery: a reconnecting client says which epoch and sequence number it had;
// the room answers with exactly the entries it missed, or with a full
// snapshot when its retained log does not reach back that far or the epoch
// differs. Batches carry a client id and batch id, so a batch re-sent after a
// lost ack is applied once and acked again with its original sequence number.
//
// The hub knows nothing of WebSockets: the server reads and writes sockets
// and calls Client methods; close reasons are reported as CloseReason values
// that the server maps to close codes.
package hub
