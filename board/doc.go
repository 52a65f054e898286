// Package board is the document model of Partnerboard, a real-time workshop
// whiteboard: what a board holds, the ops that change it, how ops are
// validated, and how concurrent ops are resolved.
//
// The package is pure: it does no I/O, reads no clock, starts no goroutines
// and uses no randomness. Given the same ops in the same order it always
// produces the same state, which is what lets the server, every client and
// log replay during recovery agree without coordination beyond ordering.
//
// # Objects
//
// A board is a set of objects. Each has a client-generated id (1 to
// MaxIDBytes characters from A-Z, a-z, 0-9, _ and -), a Kind fixed at
// creation, and a map of fields. Every kind allows the common fields x, y,
// w, h, z, color and parent, plus its own (see FieldsOf). A field name has
// the same type on every kind, so an update can be validated without knowing
// what it targets. In memory a value is always one of string, float64, bool,
// []string or []float64.
//
// Positions in a list (order) and stacking (z) are fractional index keys
// (see KeyBetween): moving an object is one update of one field, and ties
// between equal keys are broken by id (see Less).
//
// # Ops
//
// An Op is a create, an update or a delete of one object. Clients send ops in
// batches; DecodeOps decodes a batch from JSON and validates it statelessly
// (no State needed), all or nothing, reporting the first problem as an
// *Error with a stable Code. ValidateOps applies the same rules to ops built
// in Go.
//
// # Conflicts
//
// The server puts all batches in one order and every replica applies them in
// that order with State.Apply, which is total and deterministic. Conflicts
// resolve as follows (State.Apply has the details):
//
//   - Fields are last-writer-wins per (object, field): two users editing
//     different fields of one object both keep their change.
//   - Ids are never reused. The first create of an id wins, and a delete
//     leaves a tombstone so a create ordered after it does nothing, even if
//     the object was never created.
//   - Updates to an object that is not live do nothing, so an edit racing a
//     delete cannot resurrect the object.
//   - Connector and referral ends (from, to) only ever point at live
//     objects: deleting an object detaches the ends pointing at it, and
//     attaching an end to a missing object leaves it detached.
//   - Nothing else cascades; a client deleting a frame deletes its children
//     in the same batch.
//
// # Limits
//
// Every input is bounded by the Max* constants (batch size, string, list
// and stroke lengths, coordinates, sizes, key and id lengths, and the number
// of live objects), so neither memory nor replay time can be driven up by one
// message. Tombstones are not bounded by MaxObjects; callers that accept
// deletes of never-created ids should rate-limit them.
//
// # JSON
//
// State.MarshalJSON is canonical: equal states give identical bytes.
// State.UnmarshalJSON treats its input as untrusted and validates it like a
// batch. The conformance vectors in the repository's testdata/vectors
// directory pin this behaviour down for other implementations of the model.
package board
