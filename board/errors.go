package board

import "fmt"

// Error codes. They are part of the wire protocol (a client shows or logs the
// code it gets back), so they are stable strings rather than Go values.
const (
	// CodeBadJSON: the input is not well-formed JSON, or not the expected
	// JSON shape at the top level (a batch must be an array).
	CodeBadJSON = "bad_json"
	// CodeBadUTF8: the input holds invalid UTF-8, or a string holds an
	// unpaired UTF-16 surrogate escape (which cannot be turned into UTF-8).
	CodeBadUTF8 = "bad_utf8"
	// CodeBadOp: an op is not an object, has an unknown or repeated member,
	// lacks a required member, has a member it must not have, or has a member
	// of the wrong JSON type.
	CodeBadOp = "bad_op"
	// CodeUnknownOp: the op member names no known op type.
	CodeUnknownOp = "unknown_op"
	// CodeUnknownKind: a create names no known kind.
	CodeUnknownKind = "unknown_kind"
	// CodeUnknownField: a field name is unknown (update) or not allowed for
	// the kind being created.
	CodeUnknownField = "unknown_field"
	// CodeBadValue: a field value has the wrong type or form (wrong JSON type,
	// enum outside its set, malformed colour or key, NUL byte, duplicate list
	// entry, odd number of point coordinates, null in a create).
	CodeBadValue = "bad_value"
	// CodeTooLong: a string, list or points array is longer than its limit.
	CodeTooLong = "too_long"
	// CodeOutOfRange: a number is outside its field's range or not finite.
	CodeOutOfRange = "out_of_range"
	// CodeTooManyOps: a batch holds more than MaxOpsPerBatch ops.
	CodeTooManyOps = "too_many_ops"
	// CodeEmptyBatch: a batch holds no ops.
	CodeEmptyBatch = "empty_batch"
	// CodeBadID: an id (of an op, or inside an id-typed field) is empty where
	// it must not be, longer than MaxIDBytes, or uses characters outside
	// [A-Za-z0-9_-].
	CodeBadID = "bad_id"
)

// Error is the only error type the package returns, so callers can map any
// failure to a protocol reply with errors.As and a switch on Code.
type Error struct {
	Code  string // one of the Code* constants
	Op    int    // index of the offending op in the batch, -1 if not about one op
	Field string // offending field name, "" if none
	Msg   string // plain English for a developer, e.g. `op 3: field "text" is longer than 8192 bytes`
}

// Error returns the message with a package prefix and the code, so a log line
// alone is enough to find both the cause and the protocol code.
func (e *Error) Error() string {
	if e == nil {
		return "board: <nil>"
	}
	return "board: " + e.Msg + " (" + e.Code + ")"
}

// newError builds an Error that is not (yet) tied to an op.
func newError(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Op: -1, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// at ties e to op i, prefixing the message so that it reads on its own.
func (e *Error) at(i int) *Error {
	e.Op = i
	e.Msg = fmt.Sprintf("op %d: %s", i, e.Msg)
	return e
}

// in prefixes the message with a context that is not an op index, such as an
// object of a stored state.
func (e *Error) in(prefix string) *Error {
	e.Msg = prefix + ": " + e.Msg
	return e
}
