// Command partnerboard-load puts a realistic load on one or more
// Partnerboard servers and reports what the people on the boards would
// notice: how long an edit takes to reach the others, how long a pointer
// move takes, how long the editor waits for the acknowledgement, what was
// delivered per second, every error and disconnect, and, given the
// server's process id, its CPU and memory from /proc.
//
//	go run ./cmd/partnerboard-load -h
//
// It is built on the partnerboard/client package: one client (one
// WebSocket and one read goroutine) per simulated person, and one goroutine
// per person that sends their edits and pointer moves on timers. Nothing
// is started per message; what a client receives is measured in hooks
// (client.Options.OnOp, OnCursors) that do a byte scan, an atomic load and
// a histogram increment under a sharded lock.
//
// Latency is measured end to end without shared bookkeeping: the sender
// puts its send time into the message (a note's text is "t=<unix nanos>";
// a pointer's x is the send time in milliseconds within a 1,000 s window,
// its y the sender's index) and every receiving peer subtracts it from
// the time it read the frame. Sender and receivers are in this one process,
// so they share a clock. Cursor moves are coalesced by the server on a
// 50 ms tick, so cursor latency includes up to one tick.
//
// A run creates its boards through POST /api/boards (or uses -boards-from),
// connects the clients in batches (ramp-up), lets them work for -warmup,
// then measures for -duration; every loop stops at the end of it. -idle
// only connects and holds, to measure the server's memory per connection.
// The table goes to stdout, the same report as JSON to -json. The program
// contacts only the URLs it is given. docs/benchmarks.md shows how the
// published figures were produced.
package main
