package server

import (
	"errors"

	"github.com/coder/websocket"

	"partnerboard/board"
	"partnerboard/hub"
)

// Protocol error codes the server sends besides board validation codes
// (board.Code*) and the hub's (hub.Code*). docs/protocol.md lists them all.
const (
	CodeBadMessage     = "bad_message"     // not a JSON object of a known shape
	CodeUnknownMessage = "unknown_message" // a "t" the server does not know
	CodeBadUTF8        = board.CodeBadUTF8 // the frame is not valid UTF-8
)

// Close codes, in one place. 1000–1011 are the standard ones.
const (
	CloseGoingAway     = websocket.StatusGoingAway       // 1001: server shutting down; reconnect
	CloseUnsupported   = websocket.StatusUnsupportedData // 1003: a binary frame
	ClosePolicy        = websocket.StatusPolicyViolation // 1008: rate limit, or no valid hello
	CloseTooBig        = websocket.StatusMessageTooBig   // 1009: frame over MaxFrameBytes
	CloseInternal      = websocket.StatusInternalError   // 1011: the board could not be kept
	CloseBoardNotFound = websocket.StatusCode(4004)      // no such board
	CloseTooSlow       = websocket.StatusCode(4008)      // the client did not keep up with its queue
	CloseRights        = websocket.StatusCode(4409)      // what you may do here changed; reconnect now
)

// closeFor maps why the hub ended a session to the close code and reason sent.
func closeFor(r hub.CloseReason) (websocket.StatusCode, string) {
	switch r {
	case hub.ReasonShutdown:
		return CloseGoingAway, "server restarting"
	case hub.ReasonSlow:
		return CloseTooSlow, "connection too slow"
	case hub.ReasonFailure:
		return CloseInternal, "board unavailable"
	case hub.ReasonRights:
		return CloseRights, "your part on this board changed"
	case hub.ReasonRevoked:
		return CloseRevoked, "link withdrawn or expired"
	default:
		return websocket.StatusNormalClosure, ""
	}
}

// joinClose maps a failed join to a close code and reason.
func joinClose(err error) (websocket.StatusCode, string) {
	switch {
	case errors.Is(err, hub.ErrNotFound):
		return CloseBoardNotFound, "board not found"
	case errors.Is(err, hub.ErrClosed):
		return CloseGoingAway, "server restarting"
	default:
		return CloseInternal, "board unavailable"
	}
}

// protocolError turns a validation error into the protocol's error message.
func protocolError(err error, batch string) []byte {
	var be *board.Error
	if errors.As(err, &be) {
		m := hub.ErrorMsg{Code: be.Code, Message: be.Msg, Batch: batch, Field: be.Field}
		if be.Op >= 0 {
			op := be.Op
			m.Op = &op
		}
		return hub.EncodeError(m)
	}
	return hub.EncodeError(hub.ErrorMsg{Code: CodeBadMessage, Message: err.Error(), Batch: batch})
}
