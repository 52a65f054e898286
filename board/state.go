package board

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Object is one live object of a board.
type Object struct {
	ID     string         `json:"id"`
	Kind   Kind           `json:"kind"`
	Fields map[string]any `json:"fields"` // never nil after creation (may be empty)
}

// State is the document: the live objects and the tombstones of deleted ids.
// It is not safe for concurrent use; the owner serialises access.
//
// Every State reachable through Apply or UnmarshalJSON keeps these
// invariants, which Equal and the canonical JSON rely on: each object only
// has fields its kind allows, every value is valid and normalised, from and
// to name a live object other than the object itself (or are ""), and no id
// is both live and tombstoned. The zero State is an empty board.
type State struct {
	objects map[string]*Object
	deleted map[string]struct{}
	// refs indexes from/to: target id -> ids of the objects that point at
	// it. It lets a delete detach connectors and referrals without scanning
	// the whole board. It is derived data, rebuilt by Clone and
	// UnmarshalJSON and ignored by Equal.
	refs map[string]map[string]struct{}
}

// NewState returns an empty board.
func NewState() *State {
	s := &State{}
	s.init()
	return s
}

// init makes the maps of a zero State usable.
func (s *State) init() {
	if s.objects == nil {
		s.objects = make(map[string]*Object)
	}
	if s.deleted == nil {
		s.deleted = make(map[string]struct{})
	}
	if s.refs == nil {
		s.refs = make(map[string]map[string]struct{})
	}
}

// Apply applies ops in order. It is the conflict model of the board: the
// server orders all batches, every replica applies them in that order, and
// because Apply is total and deterministic every replica ends up with the
// same State. It never fails and never panics, even on ops that skipped
// validation; whatever it cannot make sense of it ignores:
//
//   - An op with an unknown type or an invalid id does nothing.
//   - create: if the id is live or tombstoned, nothing happens (ids are never
//     reused and the first create wins). If the board already holds
//     MaxObjects objects, nothing happens. Otherwise the object is created
//     with the given fields; fields its kind does not allow, nil values and
//     invalid values are dropped. An unknown kind does nothing.
//   - update: if the object is not live (never created, or deleted),
//     nothing happens. Otherwise each field the object's kind allows is set
//     (last writer wins per field) or, for a nil value, removed. Fields the
//     kind does not allow and invalid values are ignored, leaving the
//     current value.
//   - delete: a live object is removed and its id tombstoned, and every
//     connector or referral whose from or to names it loses that field
//     (its end is detached). A missing id is tombstoned too, so that a create
//     ordered after the delete stays a no-op. An already deleted id is a
//     no-op. Nothing else cascades: children of a deleted parent stay, and
//     clients delete them explicitly in the same batch.
//   - from and to are only ever set to a live object other than the object
//     itself. A create or update naming anything else (an unknown or deleted
//     id, or the object's own id) leaves that end detached: the field is
//     not set, and an update removes the current value, because the writer
//     meant to move the end away from where it was. "" (none) is stored
//     as given.
//
// Apply copies every value it keeps, so later changes to the ops cannot reach
// the State. A batch is applied op by op; if a batch must be all-or-nothing,
// the caller validates it first (validation is all-or-nothing).
func (s *State) Apply(ops []Op) {
	if s == nil {
		return
	}
	s.init()
	for i := range ops {
		op := &ops[i]
		if !validID(op.ID) {
			continue
		}
		switch op.Type {
		case OpCreate:
			s.create(op)
		case OpUpdate:
			s.update(op)
		case OpDelete:
			s.remove(op.ID)
		}
	}
}

// create implements the create rule of Apply.
func (s *State) create(op *Op) {
	allow, ok := allowed[op.Kind]
	if !ok {
		return
	}
	if _, live := s.objects[op.ID]; live {
		return
	}
	if _, dead := s.deleted[op.ID]; dead {
		return
	}
	if len(s.objects) >= MaxObjects {
		return
	}
	obj := &Object{ID: op.ID, Kind: op.Kind, Fields: make(map[string]any, len(op.Fields))}
	s.objects[op.ID] = obj
	for name, v := range op.Fields {
		if allow[name] && v != nil {
			s.set(obj, name, v)
		}
	}
}

// update implements the update rule of Apply.
func (s *State) update(op *Op) {
	obj, ok := s.objects[op.ID]
	if !ok {
		return
	}
	allow := allowed[obj.Kind]
	for name, v := range op.Fields {
		if !allow[name] {
			continue
		}
		if v == nil {
			s.unset(obj, name)
			continue
		}
		s.set(obj, name, v)
	}
}

// set stores a copy of v as field name of obj if v is valid, keeping the
// from/to rules and the refs index. The outcome does not depend on the order
// in which the fields of one op are set, so map iteration order is harmless.
func (s *State) set(obj *Object, name string, v any) {
	sp := fields[name]
	if checkValue(name, sp, v) != nil {
		return
	}
	if isEnd(name) {
		target := v.(string) // checkValue guarantees a string
		if target != "" {
			if _, live := s.objects[target]; !live || target == obj.ID {
				s.unset(obj, name)
				return
			}
		}
		s.unset(obj, name)
		obj.Fields[name] = target
		if target != "" {
			s.link(target, obj.ID)
		}
		return
	}
	obj.Fields[name] = normalize(v)
}

// unset removes field name of obj, keeping the refs index.
func (s *State) unset(obj *Object, name string) {
	old, had := obj.Fields[name]
	if !had {
		return
	}
	delete(obj.Fields, name)
	if !isEnd(name) {
		return
	}
	target, _ := old.(string)
	if target == "" {
		return
	}
	if other, _ := obj.Fields[otherEnd(name)].(string); other == target {
		return // the other end still points there
	}
	s.unlink(target, obj.ID)
}

// remove implements the delete rule of Apply.
func (s *State) remove(id string) {
	if _, dead := s.deleted[id]; dead {
		return
	}
	s.deleted[id] = struct{}{}
	obj, live := s.objects[id]
	if !live {
		return
	}
	s.unset(obj, "from")
	s.unset(obj, "to")
	delete(s.objects, id)
	for src := range s.refs[id] {
		o := s.objects[src]
		if o == nil {
			continue
		}
		// unset shrinks refs[id] while it is ranged over; Go defines that
		// entries removed during a range are simply not visited.
		for _, end := range [2]string{"from", "to"} {
			if t, _ := o.Fields[end].(string); t == id {
				s.unset(o, end)
			}
		}
	}
	delete(s.refs, id)
}

// isEnd reports whether name is a connector or referral end.
func isEnd(name string) bool { return name == "from" || name == "to" }

// otherEnd returns the opposite end of an end field.
func otherEnd(name string) string {
	if name == "from" {
		return "to"
	}
	return "from"
}

// link records that object src points at target.
func (s *State) link(target, src string) {
	set := s.refs[target]
	if set == nil {
		set = make(map[string]struct{})
		s.refs[target] = set
	}
	set[src] = struct{}{}
}

// unlink forgets that object src points at target.
func (s *State) unlink(target, src string) {
	set := s.refs[target]
	delete(set, src)
	if len(set) == 0 {
		delete(s.refs, target)
	}
}

// Get returns the live object with the given id. The object belongs to the
// State: callers must not modify it, and it may change on the next Apply.
func (s *State) Get(id string) (*Object, bool) {
	if s == nil {
		return nil, false
	}
	o, ok := s.objects[id]
	return o, ok
}

// Len returns the number of live objects, the number MaxObjects limits.
func (s *State) Len() int {
	if s == nil {
		return 0
	}
	return len(s.objects)
}

// Deleted reports whether id is tombstoned.
func (s *State) Deleted(id string) bool {
	if s == nil {
		return false
	}
	_, ok := s.deleted[id]
	return ok
}

// Objects returns the live objects sorted by id. As with Get, the objects
// belong to the State and must not be modified.
func (s *State) Objects() []*Object {
	if s == nil {
		return []*Object{}
	}
	objs := make([]*Object, 0, len(s.objects))
	for _, o := range s.objects {
		objs = append(objs, o)
	}
	slices.SortFunc(objs, func(a, b *Object) int { return strings.Compare(a.ID, b.ID) })
	return objs
}

// deletedIDs returns the tombstoned ids, sorted.
func (s *State) deletedIDs() []string {
	ids := make([]string, 0, len(s.deleted))
	for id := range s.deleted {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Clone returns a copy that can be changed by Apply without affecting s.
// Objects and their field maps are copied; slice values are shared because
// nothing ever modifies a stored slice in place.
func (s *State) Clone() *State {
	c := NewState()
	if s == nil {
		return c
	}
	for id, o := range s.objects {
		fs := make(map[string]any, len(o.Fields))
		for k, v := range o.Fields {
			fs[k] = v
		}
		c.objects[id] = &Object{ID: o.ID, Kind: o.Kind, Fields: fs}
	}
	for id := range s.deleted {
		c.deleted[id] = struct{}{}
	}
	c.reindex()
	return c
}

// reindex rebuilds refs from the objects.
func (s *State) reindex() {
	s.refs = make(map[string]map[string]struct{})
	for id, o := range s.objects {
		for _, end := range [2]string{"from", "to"} {
			if t, _ := o.Fields[end].(string); t != "" {
				s.link(t, id)
			}
		}
	}
}

// Equal reports whether s and t hold the same objects, with the same kinds
// and field values, and the same tombstones. A nil State equals an empty one.
func (s *State) Equal(t *State) bool {
	if s.Len() != t.Len() || s.deletedLen() != t.deletedLen() {
		return false
	}
	if s == nil || t == nil {
		return true // both empty, by the lengths above
	}
	for id := range s.deleted {
		if _, ok := t.deleted[id]; !ok {
			return false
		}
	}
	for id, a := range s.objects {
		b, ok := t.objects[id]
		if !ok || a.Kind != b.Kind || len(a.Fields) != len(b.Fields) {
			return false
		}
		for k, va := range a.Fields {
			vb, ok := b.Fields[k]
			if !ok || !valueEqual(va, vb) {
				return false
			}
		}
	}
	return true
}

// deletedLen returns the number of tombstones.
func (s *State) deletedLen() int {
	if s == nil {
		return 0
	}
	return len(s.deleted)
}

// valueEqual compares two normalised values. It is written out rather than
// using reflect.DeepEqual so that nil and empty slices compare equal, which
// is how they compare after a JSON round trip.
func valueEqual(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []string:
		y, ok := b.([]string)
		return ok && slices.Equal(x, y)
	case []float64:
		y, ok := b.([]float64)
		return ok && slices.Equal(x, y)
	}
	return false
}

// MarshalJSON encodes s canonically as
// {"objects":[...sorted by id],"deleted":[...sorted ids]}, each object as
// {"id","kind","fields"} with the field names sorted. Equal states encode
// to identical bytes, so the encoding can be hashed or compared directly.
// Strings are escaped as encoding/json does (including <, > and &), so the
// bytes equal those of json.Marshal(s).
func (s *State) MarshalJSON() ([]byte, error) {
	if s == nil {
		return appendState(nil, nil, nil), nil
	}
	// Objects typically encode to 100-200 bytes; guessing high avoids
	// copying a large buffer as it grows.
	b := make([]byte, 0, 64+160*len(s.objects)+16*len(s.deleted))
	return appendState(b, s.Objects(), s.deletedIDs()), nil
}

// UnmarshalJSON decodes a State encoded by MarshalJSON. The input is treated
// as untrusted (it may come from storage or a peer): it must have exactly the
// members objects and deleted (arrays, in any order of elements), every
// object must pass the same checks as a create op and have a unique id, from
// and to must name another live object, tombstones must be valid ids that are
// neither repeated nor live, and there may be at most MaxObjects objects. On
// error s is left unchanged and the error is an *Error with Op == -1. For
// canonical input, MarshalJSON gives back exactly the same bytes.
func (s *State) UnmarshalJSON(b []byte) error {
	if s == nil {
		return newError(CodeBadJSON, "", "cannot decode into a nil *State")
	}
	t, err := decodeState(b, nil)
	if err != nil {
		return err
	}
	*s = *t
	return nil
}

// DecodeState decodes and validates b exactly as UnmarshalJSON does, into a
// new State, and also reports whether b is canonical: byte for byte what
// MarshalJSON returns for that State. A caller that needs the encoding (to
// send the state or store it) can then keep b rather than encode the state
// again. Telling costs less than half of what encoding would, and nothing
// about validation changes: b is just as untrusted. On error the State is
// nil, canonical is false and the error is an *Error.
func DecodeState(b []byte) (s *State, canonical bool, err error) {
	canonical = true
	s, e := decodeState(b, &canonical)
	if e != nil {
		return nil, false, e
	}
	return s, canonical, nil
}

// decodeState does the work of UnmarshalJSON into a fresh State. If canon
// is not nil, it clears *canon unless b is MarshalJSON's encoding of the
// result.
func decodeState(b []byte, canon *bool) (*State, *Error) {
	if !utf8.Valid(b) {
		return nil, newError(CodeBadUTF8, "", "state is not valid UTF-8")
	}
	if !json.Valid(b) {
		return nil, newError(CodeBadJSON, "", "state is not well-formed JSON")
	}
	var buf [2]member
	ms, dup, ok := members(b, buf[:0])
	if !ok {
		return nil, newError(CodeBadJSON, "", "state must be a JSON object")
	}
	if dup != "" {
		return nil, newError(CodeBadJSON, "", "state member %s appears twice", quote(dup))
	}
	var objsRaw, delRaw [][]byte
	var haveObjs, haveDel bool
	for _, m := range ms {
		var dst *[][]byte
		switch m.name {
		case "objects":
			dst, haveObjs = &objsRaw, true
		case "deleted":
			dst, haveDel = &delRaw, true
		default:
			return nil, newError(CodeBadJSON, "", "state member %s is unknown (want objects, deleted)", quote(m.name))
		}
		var isArray bool
		if *dst, isArray = elements(m.raw); !isArray {
			return nil, newError(CodeBadJSON, "", "state member %s must be an array", quote(m.name))
		}
		if canon != nil && !tightArray(m.raw, *dst) {
			*canon = false
		}
	}
	if !haveObjs || !haveDel {
		return nil, newError(CodeBadJSON, "", `state needs members "objects" and "deleted"`)
	}
	if canon != nil && (!tightObject(b, ms) || ms[0].name != "objects") {
		*canon = false // whitespace around or inside, or deleted first
	}
	if len(objsRaw) > MaxObjects {
		return nil, newError(CodeOutOfRange, "", "state has %d objects, more than %d", len(objsRaw), MaxObjects)
	}
	s := &State{
		objects: make(map[string]*Object, len(objsRaw)),
		deleted: make(map[string]struct{}, len(delRaw)),
	}
	var ended []*Object // objects whose kind has from or to
	var prev string     // the id of the previous object or tombstone
	for i, raw := range objsRaw {
		o, err := decodeObject(raw, canon)
		if err != nil {
			if o != nil {
				return nil, err.in("object " + quote(o.ID))
			}
			return nil, err.in("object " + strconv.Itoa(i))
		}
		if _, dup := s.objects[o.ID]; dup {
			return nil, newError(CodeBadID, "", "object %s appears twice", quote(o.ID))
		}
		if canon != nil && i > 0 && prev >= o.ID {
			*canon = false // MarshalJSON sorts objects by id
		}
		prev = o.ID
		s.objects[o.ID] = o
		if hasEnds[o.Kind] {
			ended = append(ended, o)
		}
	}
	for i, raw := range delRaw {
		id, ok := decodeString(raw)
		if !ok {
			return nil, newError(CodeBadID, "", "tombstone %d must be a string id", i)
		}
		if err := checkID("", id); err != nil {
			return nil, err.in("tombstone " + strconv.Itoa(i))
		}
		if _, dup := s.deleted[id]; dup {
			return nil, newError(CodeBadID, "", "tombstone %s appears twice", quote(id))
		}
		if _, live := s.objects[id]; live {
			return nil, newError(CodeBadID, "", "id %s is both live and deleted", quote(id))
		}
		if canon != nil && (i > 0 && prev >= id || !plainText(raw, id)) {
			*canon = false // MarshalJSON sorts tombstones too
		}
		prev = id
		s.deleted[id] = struct{}{}
	}
	if err := s.linkEnds(ended); err != nil {
		return nil, err
	}
	return s, nil
}

// linkEnds checks that every end (from or to) of the objects ended names
// another live object and builds the refs index from them, which is all
// reindex would do: objects of other kinds have no ends. Of several bad
// ends it reports the one of the object with the smallest id, from before
// to, so the error does not depend on the order of objects in the input.
func (s *State) linkEnds(ended []*Object) *Error {
	s.refs = make(map[string]map[string]struct{}, len(ended))
	var bad *Object
	var badEnd string
	for _, o := range ended {
		for _, end := range [2]string{"from", "to"} {
			t, _ := o.Fields[end].(string)
			if t == "" {
				continue
			}
			if _, live := s.objects[t]; !live || t == o.ID {
				if bad == nil || o.ID < bad.ID {
					bad, badEnd = o, end
				}
				break
			}
			s.link(t, o.ID)
		}
	}
	if bad == nil {
		return nil
	}
	t := bad.Fields[badEnd].(string)
	return newError(CodeBadValue, badEnd, "object %s: field %s names %s, which is not another live object", quote(bad.ID), quote(badEnd), quote(t))
}

// decodeObject decodes one stored object. It returns the object (possibly
// partial) alongside an error once the id is known, so the error can name it.
func decodeObject(raw []byte, canon *bool) (*Object, *Error) {
	var buf [3]member
	ms, dup, ok := members(raw, buf[:0])
	if !ok {
		return nil, newError(CodeBadJSON, "", "must be a JSON object")
	}
	if dup != "" {
		return nil, newError(CodeBadJSON, "", "member %s appears twice", quote(dup))
	}
	var idRaw, kindRaw, fieldsRaw []byte
	for _, m := range ms {
		switch m.name {
		case "id":
			idRaw = m.raw
		case "kind":
			kindRaw = m.raw
		case "fields":
			fieldsRaw = m.raw
		default:
			return nil, newError(CodeBadJSON, "", "member %s is unknown (want id, kind, fields)", quote(m.name))
		}
	}
	id, ok := decodeString(idRaw)
	if !ok {
		return nil, newError(CodeBadJSON, "", `member "id" must be a string`)
	}
	if err := checkID("", id); err != nil {
		return nil, err
	}
	o := &Object{ID: id}
	k, ok := decodeName(kindRaw) // kind names are interned with field names
	if !ok {
		return o, newError(CodeBadJSON, "", `member "kind" must be a string`)
	}
	o.Kind = Kind(k)
	if _, known := allowed[o.Kind]; !known {
		return o, newError(CodeUnknownKind, "", "kind %s is unknown", quote(k))
	}
	if fieldsRaw == nil {
		return o, newError(CodeBadJSON, "", `member "fields" is missing`)
	}
	if canon != nil && *canon {
		// Members in MarshalJSON's order, with id and kind as plain text.
		*canon = tightObject(raw, ms) && ms[0].name == "id" && ms[1].name == "kind" &&
			plainText(idRaw, id) && plainText(kindRaw, k)
	}
	fs, err := decodeFields(OpCreate, o.Kind, fieldsRaw, canon)
	if err != nil {
		if err.Code == CodeBadOp {
			err.Code = CodeBadJSON // there is no op here, only a malformed object
		}
		return o, err
	}
	o.Fields = fs
	return o, nil
}
