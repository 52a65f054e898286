package server

import "time"

// Limits of the WebSocket protocol. docs/protocol.md documents each; tests
// check each at its boundary.
const (
	// MaxFrameBytes is the largest message a client may send. A larger one
	// closes the connection with 1009. It leaves room for a batch of
	// board.MaxOpsPerBatch ops, or one stroke of board.MaxPoints points.
	MaxFrameBytes = 512 << 10
	// MaxNameBytes bounds a display name.
	MaxNameBytes = 64
	// MaxIDBytes bounds client and batch ids (same rule as object ids).
	MaxIDBytes = 64
	// HelloTimeout is how long a new connection has to say hello.
	HelloTimeout = 10 * time.Second
	// PingInterval is how long a socket may stay silent before the server
	// pings it; PongTimeout how long the pong may take before the peer is
	// dropped. Our pages and clients say {"t":"ping"} after
	// ClientPingInterval without sending, well inside PingInterval, so the
	// server seldom has to ask: answering a WebSocket ping would hold the
	// connection's reader deep inside the library (see parkedConn).
	PingInterval = 30 * time.Second
	PongTimeout  = 15 * time.Second
	// ClientPingInterval is how long our pages and the load generator's
	// idle clients wait without sending before they say {"t":"ping"}.
	ClientPingInterval = 15 * time.Second
	// WriteTimeout bounds a write to a client: a client that takes no
	// bytes for this long (less at most a second) is dropped.
	WriteTimeout = 10 * time.Second
	// MaxMessagesPerFrame and MaxFrameWriteBytes bound how many queued
	// messages are written together in one frame.
	MaxMessagesPerFrame = 64
	MaxFrameWriteBytes  = 256 << 10
)

// Defaults for Config's per-connection and per-address limits.
const (
	// DefaultMessagesPerSecond is the steady rate one connection may send
	// (cursor moves are 20 a second at most from our pages); DefaultBurst
	// how far a connection may run ahead of it. Past that the connection
	// is closed with 1008.
	DefaultMessagesPerSecond = 60
	DefaultBurst             = 240
	// DefaultConnsPerIP bounds open WebSockets from one address. A whole
	// office behind one NAT is a normal workshop, so it is generous.
	DefaultConnsPerIP = 500
	// DefaultMessagesPerSecondPerIP bounds what all connections of one
	// address may send together.
	DefaultMessagesPerSecondPerIP = 5000
)
