package board

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// OpType says what an op does.
type OpType string

// The op types.
const (
	// OpCreate creates an object with a client-chosen id.
	OpCreate OpType = "create"
	// OpUpdate sets or removes fields of a live object.
	OpUpdate OpType = "update"
	// OpDelete deletes an object and leaves a tombstone for its id.
	OpDelete OpType = "delete"
)

// Op is one change to a board. Its JSON form is the wire form; encoding an Op
// with encoding/json and decoding the result with DecodeOps gives back an
// equal Op.
//
// Field values are always one of string, float64, bool, []string and
// []float64; nil is allowed in an update only and means "remove the field".
// Values are treated as immutable once an Op is built: Apply copies what it
// keeps, but callers must not change an Op while another goroutine uses it.
type Op struct {
	Type   OpType         `json:"op"`
	ID     string         `json:"id"`
	Kind   Kind           `json:"kind,omitempty"`   // create only (required there, forbidden elsewhere)
	Fields map[string]any `json:"fields,omitempty"` // create (optional) and update (required, non-empty); forbidden on delete
}

// DecodeOps decodes and validates a batch: raw must be a JSON array of 1 to
// MaxOpsPerBatch op objects. Any problem is returned as an *Error, and the
// batch is then rejected as a whole.
//
// Decoding is strict so that the Go server and a JavaScript client agree on
// what is valid: the input must be valid UTF-8 with nothing after the array;
// op members are matched case-sensitively; unknown or repeated members (in
// an op or in its fields) are CodeBadOp; a number is never accepted where a
// string is expected or the other way round. The first problem found is
// reported: batch-level problems first, then op by op in order, and within an
// op the members before the fields, the fields in document order. A create
// with an empty fields object decodes with nil Fields, exactly as if the
// member were absent.
func DecodeOps(raw []byte) ([]Op, error) {
	// encoding/json silently turns invalid UTF-8 into U+FFFD, so the raw
	// bytes are checked before anything is decoded.
	if !utf8.Valid(raw) {
		return nil, newError(CodeBadUTF8, "", "batch is not valid UTF-8")
	}
	if !json.Valid(raw) {
		return nil, newError(CodeBadJSON, "", "batch is not well-formed JSON")
	}
	if firstByte(raw) != '[' {
		return nil, newError(CodeBadJSON, "", "batch must be a JSON array of ops")
	}
	elems, ok := elements(raw)
	if !ok {
		return nil, newError(CodeBadJSON, "", "batch is not a JSON array of ops")
	}
	if err := checkBatchLen(len(elems)); err != nil {
		return nil, err
	}
	ops := make([]Op, len(elems))
	for i, elem := range elems {
		op, err := decodeOp(elem)
		if err != nil {
			return nil, err.at(i)
		}
		ops[i] = op
	}
	return ops, nil
}

// ValidateOps validates ops built in Go code (templates, tests) by the same
// rules DecodeOps applies to JSON, returning the first problem as an *Error.
// Fields are checked in sorted name order so the reported problem does not
// depend on map iteration order.
func ValidateOps(ops []Op) error {
	if err := checkBatchLen(len(ops)); err != nil {
		return err
	}
	for i := range ops {
		if err := validateOp(&ops[i]); err != nil {
			return err.at(i)
		}
	}
	return nil
}

// checkBatchLen enforces the batch size limits.
func checkBatchLen(n int) *Error {
	if n == 0 {
		return newError(CodeEmptyBatch, "", "batch holds no ops")
	}
	if n > MaxOpsPerBatch {
		return newError(CodeTooManyOps, "", "batch holds %d ops, more than %d", n, MaxOpsPerBatch)
	}
	return nil
}

// validateOp checks one Go-built op.
func validateOp(op *Op) *Error {
	if err := checkHead(op.Type, op.ID); err != nil {
		return err
	}
	switch op.Type {
	case OpCreate:
		if op.Kind == "" {
			return newError(CodeBadOp, "", "create needs a kind")
		}
		if _, ok := allowed[op.Kind]; !ok {
			return newError(CodeUnknownKind, "", "kind %s is unknown", quote(string(op.Kind)))
		}
	case OpUpdate:
		if op.Kind != "" {
			return newError(CodeBadOp, "", "only a create may have a kind")
		}
		if len(op.Fields) == 0 {
			return newError(CodeBadOp, "", "update needs at least one field")
		}
	case OpDelete:
		if op.Kind != "" {
			return newError(CodeBadOp, "", "only a create may have a kind")
		}
		if len(op.Fields) != 0 {
			return newError(CodeBadOp, "", "delete must not have fields")
		}
	}
	names := make([]string, 0, len(op.Fields))
	for name := range op.Fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		sp, err := fieldFor(op.Type, op.Kind, name)
		if err != nil {
			return err
		}
		if err := checkFieldValue(op.Type, name, sp, op.Fields[name]); err != nil {
			return err
		}
	}
	return nil
}

// checkHead checks the op type and id, which every op has.
func checkHead(t OpType, id string) *Error {
	switch t {
	case OpCreate, OpUpdate, OpDelete:
	default:
		return newError(CodeUnknownOp, "", "op type %s is unknown (want create, update or delete)", quote(string(t)))
	}
	return checkID("", id)
}

// fieldFor returns the spec of field name in an op of type t on kind k. A
// create may only use the fields of its kind; an update may use any known
// field name because it is validated without knowing the target's kind
// (Apply ignores fields the target's kind does not allow).
func fieldFor(t OpType, k Kind, name string) (fieldSpec, *Error) {
	sp, ok := fields[name]
	if !ok {
		return sp, newError(CodeUnknownField, name, "field %s is unknown", quote(name))
	}
	if t == OpCreate && !allowed[k][name] {
		return sp, newError(CodeUnknownField, name, "field %s is not allowed on a %s", quote(name), k)
	}
	return sp, nil
}

// checkFieldValue checks one in-memory value; nil is allowed in updates only.
func checkFieldValue(t OpType, name string, sp fieldSpec, v any) *Error {
	if v == nil {
		if t == OpUpdate {
			return nil
		}
		return newError(CodeBadValue, name, "field %s is null; only an update may remove a field", quote(name))
	}
	return checkValue(name, sp, v)
}

// decodeOp decodes and validates one op object. Errors are not yet tied to
// the op's index.
func decodeOp(raw []byte) (Op, *Error) {
	var op Op
	var buf [4]member // an op has at most four members
	ms, dup, ok := members(raw, buf[:0])
	if !ok {
		return op, newError(CodeBadOp, "", "op must be a JSON object")
	}
	if dup != "" {
		return op, newError(CodeBadOp, "", "member %s appears twice", quote(dup))
	}
	var typeRaw, idRaw, kindRaw, fieldsRaw []byte
	for _, m := range ms {
		switch m.name {
		case "op":
			typeRaw = m.raw
		case "id":
			idRaw = m.raw
		case "kind":
			kindRaw = m.raw
		case "fields":
			fieldsRaw = m.raw
		default:
			return op, newError(CodeBadOp, "", "member %s is unknown (want op, id, kind, fields)", quote(m.name))
		}
	}
	if typeRaw == nil {
		return op, newError(CodeBadOp, "", `member "op" is missing`)
	}
	t, ok := decodeString(typeRaw)
	if !ok {
		return op, newError(CodeBadOp, "", `member "op" must be a string`)
	}
	op.Type = OpType(t)
	if idRaw == nil {
		return op, newError(CodeBadOp, "", `member "id" is missing`)
	}
	if op.ID, ok = decodeString(idRaw); !ok {
		return op, newError(CodeBadOp, "", `member "id" must be a string`)
	}
	if err := checkHead(op.Type, op.ID); err != nil {
		return op, err
	}
	if op.Type == OpCreate {
		if kindRaw == nil {
			return op, newError(CodeBadOp, "", "create needs a kind")
		}
		k, ok := decodeString(kindRaw)
		if !ok {
			return op, newError(CodeBadOp, "", `member "kind" must be a string`)
		}
		op.Kind = Kind(k)
		if op.Kind == "" {
			return op, newError(CodeBadOp, "", "create needs a kind")
		}
		if _, known := allowed[op.Kind]; !known {
			return op, newError(CodeUnknownKind, "", "kind %s is unknown", quote(k))
		}
	} else if kindRaw != nil {
		return op, newError(CodeBadOp, "", "only a create may have a kind")
	}
	switch op.Type {
	case OpDelete:
		if fieldsRaw != nil {
			return op, newError(CodeBadOp, "", "delete must not have fields")
		}
		return op, nil
	case OpUpdate:
		if fieldsRaw == nil {
			return op, newError(CodeBadOp, "", "update needs fields")
		}
	case OpCreate:
		if fieldsRaw == nil {
			return op, nil
		}
	}
	fs, err := decodeFields(op.Type, op.Kind, fieldsRaw, nil)
	if err != nil {
		return op, err
	}
	if op.Type == OpUpdate && len(fs) == 0 {
		return op, newError(CodeBadOp, "", "update needs at least one field")
	}
	if len(fs) > 0 {
		op.Fields = fs
	}
	return op, nil
}

// decodeFields decodes and validates a fields object for an op of type t on
// kind k (k is ignored for updates). Stored objects are decoded as creates,
// since they obey the same rules. If canon is not nil, decodeFields clears
// *canon unless raw is exactly how appendState writes the decoded fields:
// no whitespace, names in sorted order, every value canonical.
func decodeFields(t OpType, k Kind, raw []byte, canon *bool) (map[string]any, *Error) {
	// More members than any kind allows; a larger (invalid) object just
	// makes the buffer grow on the heap.
	var buf [16]member
	ms, dup, ok := members(raw, buf[:0])
	if !ok {
		return nil, newError(CodeBadOp, "", `member "fields" must be a JSON object`)
	}
	if dup != "" {
		return nil, newError(CodeBadOp, dup, "field %s appears twice", quote(dup))
	}
	fs := make(map[string]any, len(ms))
	for _, m := range ms {
		sp, err := fieldFor(t, k, m.name)
		if err != nil {
			return nil, err
		}
		v, err := decodeValue(m.name, sp, m.raw)
		if err != nil {
			return nil, err
		}
		if err := checkFieldValue(t, m.name, sp, v); err != nil {
			return nil, err
		}
		fs[m.name] = v
	}
	if canon != nil && *canon {
		*canon = canonicalFields(raw, ms, fs)
	}
	return fs, nil
}

// canonicalFields reports whether the fields object raw, split into ms and
// decoded into fs, is written as appendState writes it.
func canonicalFields(raw []byte, ms []member, fs map[string]any) bool {
	if !tightObject(raw, ms) {
		return false
	}
	for i, m := range ms {
		if i > 0 && ms[i-1].name >= m.name {
			return false
		}
		if !canonicalValue(m.raw, fs[m.name]) {
			return false
		}
	}
	return true
}

// decodeValue turns the JSON of field name into its in-memory form, checking
// only the JSON type; checkValue checks the rest. null decodes to nil.
func decodeValue(name string, sp fieldSpec, raw []byte) (any, *Error) {
	if loneSurrogate(raw) {
		return nil, newError(CodeBadUTF8, name, "field %s holds an unpaired UTF-16 surrogate escape", quote(name))
	}
	c := firstByte(raw)
	if c == 'n' {
		return nil, nil
	}
	wrongType := func() (any, *Error) {
		// checkValue words the message for the field's type.
		return nil, checkValue(name, sp, struct{}{})
	}
	switch sp.typ {
	case typeNumber:
		if c != '-' && (c < '0' || c > '9') {
			return wrongType()
		}
		f, err := decodeNumber(name, raw)
		if err != nil {
			return nil, err
		}
		return f, nil
	case typeEnum:
		// An enum value is one of a few known strings: handing out a
		// pre-boxed one saves two allocations per value. A string that is
		// not an enum value is decoded as usual and rejected by checkValue.
		if v, ok := enumValue(raw); ok {
			return v, nil
		}
		s, ok := decodeString(raw)
		if !ok {
			return wrongType()
		}
		return s, nil
	case typeString, typeID, typeKey, typeColor, typeDate:
		s, ok := decodeString(raw)
		if !ok {
			return wrongType()
		}
		return s, nil
	case typeBool:
		switch c {
		case 't':
			return true, nil
		case 'f':
			return false, nil
		}
		return wrongType()
	case typeIDs:
		elems, ok := elements(raw)
		if !ok {
			return wrongType()
		}
		ids := make([]string, len(elems))
		for i, e := range elems {
			s, ok := decodeString(e)
			if !ok {
				return nil, newError(CodeBadValue, name, "entry %d of field %s must be a string id", i, quote(name))
			}
			ids[i] = s
		}
		return ids, nil
	case typePoints:
		elems, ok := elements(raw)
		if !ok {
			return wrongType()
		}
		ps := make([]float64, len(elems))
		for i, e := range elems {
			if b := firstByte(e); b != '-' && (b < '0' || b > '9') {
				return nil, newError(CodeBadValue, name, "number %d of field %s must be a number", i, quote(name))
			}
			f, err := decodeNumber(name, e)
			if err != nil {
				err.Msg = "number " + strconv.Itoa(i) + " of " + err.Msg
				return nil, err
			}
			ps[i] = f
		}
		return ps, nil
	}
	return wrongType()
}

// decodeNumber parses a JSON number. Numbers too large for float64 are
// CodeOutOfRange (every field's range is far narrower anyway); numbers too
// small to represent round to zero, as they would in JavaScript. Negative
// zero becomes zero so that equal values have one canonical encoding.
func decodeNumber(name string, raw []byte) (float64, *Error) {
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return 0, newError(CodeBadValue, name, "field %s must be a number", quote(name))
		}
		if math.IsInf(f, 0) {
			return 0, newError(CodeOutOfRange, name, "field %s is too large", quote(name))
		}
	}
	return f + 0, nil
}
