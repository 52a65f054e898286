package hub

import (
	"encoding/json"
)

// The messages a room sends. Field names are the wire protocol documented in
// docs/protocol.md; keep the two in step.

// User is one person present on a board.
type User struct {
	ID      string `json:"id"` // session id, unique per connection
	Name    string `json:"name"`
	Color   string `json:"color"`
	Editing string `json:"editing,omitempty"` // id of the object being edited
}

type welcomeMsg struct {
	T       string          `json:"t"`
	Session string          `json:"session"`
	Board   BoardInfo       `json:"board"`
	Epoch   string          `json:"epoch"`
	Seq     uint64          `json:"seq"`
	State   json.RawMessage `json:"state,omitempty"` // full snapshot, or
	Ops     []Entry         `json:"ops"`             // exactly the missed entries
	Users   []User          `json:"users"`
	// ReadOnly tells the page to offer no editing tools.
	ReadOnly bool `json:"readOnly,omitempty"`
	// Locked: only facilitators may edit the board at the moment.
	Locked bool `json:"locked,omitempty"`
}

type lockMsg struct {
	T      string `json:"t"`
	Locked bool   `json:"locked"`
}

type opMsg struct {
	T string `json:"t"`
	Entry
}

type ackMsg struct {
	T     string `json:"t"`
	Batch string `json:"batch"`
	Seq   uint64 `json:"seq"`
	Dup   bool   `json:"dup,omitempty"`
}

// ErrorMsg is the protocol's error message. Code is stable and documented;
// Message is plain English for people.
type ErrorMsg struct {
	T       string `json:"t"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Batch   string `json:"batch,omitempty"`
	Op      *int   `json:"op,omitempty"`
	Field   string `json:"field,omitempty"`
}

type joinMsg struct {
	T    string `json:"t"`
	User User   `json:"user"`
}

type leaveMsg struct {
	T  string `json:"t"`
	ID string `json:"id"`
}

type editingMsg struct {
	T      string `json:"t"`
	ID     string `json:"id"`
	Object string `json:"object"`
}

// encode marshals a message the hub built itself; such values always
// marshal, so a failure is a programming error.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("hub: encode message: " + err.Error())
	}
	return b
}

// encodeWelcome encodes w like encode but splices the state in as it is:
// encoding/json re-validates and compacts a RawMessage, which for a board
// of 10,000 objects (1.3 MB) costs as much as encoding the state did. The
// state is board.State.MarshalJSON's output, so it is already valid and
// compact. The state member comes last; members of a JSON object have no
// order.
func encodeWelcome(w welcomeMsg) []byte {
	state := w.State
	w.State = nil
	b := encode(w)
	if len(state) == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+len(`,"state":`)+len(state))
	out = append(out, b[:len(b)-1]...) // all but the closing brace
	out = append(out, `,"state":`...)
	out = append(out, state...)
	return append(out, '}')
}

// EncodeError builds a protocol error message.
func EncodeError(e ErrorMsg) []byte {
	e.T = "error"
	return encode(e)
}
