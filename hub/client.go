package hub

import (
	"context"
	"sync"

	"partnerboard/board"
)

// CloseReason says why the hub ended a client's session; the server maps it
// to a WebSocket close code.
type CloseReason int

const (
	// ReasonNone: the session is still open, or the client left by itself.
	ReasonNone CloseReason = iota
	// ReasonShutdown: the server is stopping; the client should reconnect.
	ReasonShutdown
	// ReasonSlow: the client did not read fast enough and its queue filled.
	ReasonSlow
	// ReasonFailure: the board could not be kept durable (a store error).
	ReasonFailure
	// ReasonRevoked: the link the client joined with was withdrawn or
	// has expired.
	ReasonRevoked
	// ReasonRights: what the client may do on the board has changed (the
	// plenary opened or closed); it should reconnect at once to learn it.
	ReasonRights
)

// Client is one connection's membership of a room. Its methods are safe for
// concurrent use: the server's read loop calls Submit, SetCursor and
// SetEditing, its write loop reads Out and Done, while the room fans out.
type Client struct {
	session     string
	clientID    string
	user        User
	readOnly    bool
	facilitator bool // may edit a locked board
	room        *Room

	out *outQueue

	closeOnce sync.Once
	done      chan struct{}
	reason    CloseReason // written before done is closed
	wake      func()      // JoinRequest.Wake, or nil

	cursorMu    sync.Mutex
	cursorX     float64
	cursorY     float64
	cursorDirty bool
}

// Session is the id the hub gave this connection; others see it in presence.
func (c *Client) Session() string { return c.session }

// ClientID is the id the page gave itself, stable across its reconnects.
func (c *Client) ClientID() string { return c.clientID }

// Board is the id of the board the client is on.
func (c *Client) Board() string { return c.room.id }

// Ready has a value whenever messages wait to be taken with Take, unless
// the client joined with a Wake function, which is then called instead.
func (c *Client) Ready() <-chan struct{} { return c.out.ready }

// Take returns every message waiting for the socket, in order, reusing
// buf's array for the queue (pass back the slice Take returned last time,
// once its messages are written). A message may be shared with other
// clients: never modify it.
func (c *Client) Take(buf [][]byte) [][]byte { return c.out.take(buf) }

// Done is closed when the hub ends the session; Reason then says why. Any
// messages still waiting should be written before closing the socket.
func (c *Client) Done() <-chan struct{} { return c.done }

// Reason is valid once Done is closed.
func (c *Client) Reason() CloseReason {
	<-c.done
	return c.reason
}

// ReadOnly reports whether the client may only watch.
func (c *Client) ReadOnly() bool { return c.readOnly }

// Kick ends the session from outside the room, e.g. when its link is
// withdrawn. The room drops the client once it notices; the server closes
// the socket with the reason's close code.
func (c *Client) Kick(r CloseReason) {
	c.end(r)
	_ = c.room.send(context.Background(), leaveReq{c: c})
}

// end closes the session once, recording why.
func (c *Client) end(r CloseReason) {
	c.closeOnce.Do(func() {
		c.reason = r
		close(c.done)
		if c.wake != nil {
			c.wake()
		}
	})
}

// enqueue queues msg without ever blocking; a full queue ends the session as
// too slow, and enqueue then reports false. A session that has already
// ended (the client left, or was kicked) takes nothing and reports true:
// its Leave is on its way to the room. Only the room and Send call it.
func (c *Client) enqueue(msg []byte) bool {
	select {
	case <-c.done:
		return true
	default:
	}
	if c.out.push(msg) {
		return true
	}
	c.end(ReasonSlow)
	return false
}

// Send queues a message built by the server (an error, a pong) behind what
// the room has queued. Like fan-out, it never blocks.
func (c *Client) Send(msg []byte) { c.enqueue(msg) }

// Submit hands a validated batch to the room. It blocks only while the
// room's inbox is full, which pushes back on this one connection.
func (c *Client) Submit(ctx context.Context, batch string, ops []board.Op, raw []byte) error {
	return c.room.send(ctx, submitReq{c: c, batch: batch, ops: ops, raw: raw})
}

// SetCursor records the client's pointer; the room sends it on its next tick.
// Moves between ticks are coalesced: only the latest position travels.
func (c *Client) SetCursor(x, y float64) {
	c.cursorMu.Lock()
	c.cursorX, c.cursorY, c.cursorDirty = x, y, true
	c.cursorMu.Unlock()
	c.room.cursorMoved()
}

// takeCursor returns the position if it moved since the last call.
func (c *Client) takeCursor() (x, y float64, moved bool) {
	c.cursorMu.Lock()
	x, y, moved = c.cursorX, c.cursorY, c.cursorDirty
	c.cursorDirty = false
	c.cursorMu.Unlock()
	return
}

// SetEditing tells the others which object this client is editing ("" for none).
func (c *Client) SetEditing(ctx context.Context, object string) error {
	return c.room.send(ctx, editingReq{c: c, object: object})
}

// Leave removes the client from its room. It is safe to call more than once
// and after the hub has ended the session.
func (c *Client) Leave() {
	c.end(ReasonNone)
	// The room may already be gone; it then has no use for the news.
	_ = c.room.send(context.Background(), leaveReq{c: c})
}
