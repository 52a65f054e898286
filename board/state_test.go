package board

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// f builds a field map from name/value pairs.
func f(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func create(id string, k Kind, fields map[string]any) Op {
	return Op{Type: OpCreate, ID: id, Kind: k, Fields: fields}
}

func update(id string, fields map[string]any) Op { return Op{Type: OpUpdate, ID: id, Fields: fields} }

func del(id string) Op { return Op{Type: OpDelete, ID: id} }

// fieldsOf returns the fields of live object id, failing the test if it is
// not live.
func fieldsOf(t *testing.T, s *State, id string) map[string]any {
	t.Helper()
	o, ok := s.Get(id)
	if !ok {
		t.Fatalf("object %q is not live", id)
	}
	return o.Fields
}

func TestApplyRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ops  []Op
		live map[string]map[string]any // id -> expected fields; ids not listed must not be live
		dead []string
	}{
		{
			name: "create with fields",
			ops:  []Op{create("n1", KindNote, f("x", 1.0, "text", "hi"))},
			live: map[string]map[string]any{"n1": f("x", 1.0, "text", "hi")},
		},
		{
			name: "first create wins",
			ops:  []Op{create("n1", KindNote, f("text", "a")), create("n1", KindShape, f("shape", "rect"))},
			live: map[string]map[string]any{"n1": f("text", "a")},
		},
		{
			name: "create after delete is a no-op",
			ops:  []Op{create("n1", KindNote, nil), del("n1"), create("n1", KindNote, f("text", "again"))},
			dead: []string{"n1"},
		},
		{
			name: "delete of missing id leaves a tombstone",
			ops:  []Op{del("ghost"), create("ghost", KindNote, nil)},
			dead: []string{"ghost"},
		},
		{
			name: "second delete is a no-op",
			ops:  []Op{create("n1", KindNote, nil), del("n1"), del("n1")},
			dead: []string{"n1"},
		},
		{
			name: "create drops fields the kind does not allow and bad values",
			ops:  []Op{create("n1", KindNote, f("text", "a", "tier", "lead", "x", "1", "y", math.NaN(), "w", 3.0, "h", nil))},
			live: map[string]map[string]any{"n1": f("text", "a", "w", 3.0)},
		},
		{
			name: "ops that skipped validation are ignored",
			ops: []Op{
				create("bad id", KindNote, nil), create("n1", "blob", nil), {Type: "move", ID: "n2"},
				create("n3", KindNote, nil), {Type: OpDelete, ID: ""},
			},
			live: map[string]map[string]any{"n3": f()},
		},
		{
			name: "last writer wins per field",
			ops: []Op{
				create("n1", KindNote, f("x", 1.0, "y", 1.0)),
				update("n1", f("x", 2.0)), update("n1", f("y", 3.0)), update("n1", f("x", 4.0)),
			},
			live: map[string]map[string]any{"n1": f("x", 4.0, "y", 3.0)},
		},
		{
			name: "null removes a field",
			ops:  []Op{create("n1", KindNote, f("x", 1.0, "text", "a")), update("n1", f("text", nil, "color", nil))},
			live: map[string]map[string]any{"n1": f("x", 1.0)},
		},
		{
			name: "update ignores fields the kind does not allow and bad values",
			ops:  []Op{create("n1", KindNote, f("text", "a")), update("n1", f("tier", "lead", "text", 5.0, "x", 2.0))},
			live: map[string]map[string]any{"n1": f("text", "a", "x", 2.0)},
		},
		{
			name: "update of missing object is a no-op",
			ops:  []Op{update("n1", f("x", 1.0))},
		},
		{
			name: "update of deleted object is a no-op",
			ops:  []Op{create("n1", KindNote, nil), del("n1"), update("n1", f("x", 1.0))},
			dead: []string{"n1"},
		},
		{
			name: "delete detaches connector ends",
			ops: []Op{
				create("a", KindNote, nil), create("b", KindNote, nil),
				create("c", KindConnector, f("from", "a", "to", "b", "arrow", "end")),
				del("a"),
			},
			live: map[string]map[string]any{"b": f(), "c": f("to", "b", "arrow", "end")},
			dead: []string{"a"},
		},
		{
			name: "connector to a dead or missing id is detached",
			ops: []Op{
				create("a", KindNote, nil), del("a"), create("b", KindNote, nil),
				create("c", KindConnector, f("from", "a", "to", "nope", "x2", 5.0)),
				create("d", KindConnector, f("from", "b", "to", "")),
			},
			live: map[string]map[string]any{"b": f(), "c": f("x2", 5.0), "d": f("from", "b", "to", "")},
			dead: []string{"a"},
		},
		{
			name: "self reference is dropped",
			ops: []Op{
				create("c", KindConnector, f("from", "c")),
				create("r", KindReferral, nil), update("r", f("to", "r")),
			},
			live: map[string]map[string]any{"c": f(), "r": f()},
		},
		{
			name: "update of an end to a dead id detaches it",
			ops: []Op{
				create("a", KindPartner, nil), create("b", KindPartner, nil), create("gone", KindPartner, nil), del("gone"),
				create("r", KindReferral, f("from", "a", "to", "b", "reason", "housing")),
				update("r", f("from", "gone")),
			},
			live: map[string]map[string]any{"a": f(), "b": f(), "r": f("to", "b", "reason", "housing")},
			dead: []string{"gone"},
		},
		{
			name: "moving an end away means deleting the old target leaves it alone",
			ops: []Op{
				create("a", KindNote, nil), create("b", KindNote, nil), create("x", KindNote, nil),
				create("c", KindConnector, f("from", "a", "to", "x")),
				update("c", f("from", "b")),
				del("a"),
			},
			live: map[string]map[string]any{"b": f(), "x": f(), "c": f("from", "b", "to", "x")},
			dead: []string{"a"},
		},
		{
			name: "both ends on one object both detach",
			ops: []Op{
				create("a", KindNote, nil),
				create("c", KindConnector, f("from", "a", "to", "a")),
				update("c", f("from", nil)),
				update("c", f("from", "a")),
				del("a"),
			},
			live: map[string]map[string]any{"c": f()},
			dead: []string{"a"},
		},
		{
			name: "deleting a connector keeps its targets",
			ops: []Op{
				create("a", KindNote, nil), create("b", KindNote, nil),
				create("c", KindConnector, f("from", "a", "to", "b")),
				del("c"), del("b"),
				create("c2", KindConnector, f("from", "a")),
			},
			live: map[string]map[string]any{"a": f(), "c2": f("from", "a")},
			dead: []string{"b", "c"},
		},
		{
			name: "nothing else cascades",
			ops: []Op{
				create("fr", KindFrame, f("title", "Persona")),
				create("cell", KindCell, f("parent", "fr", "role", "list")),
				create("it", KindItem, f("parent", "cell", "links", []string{"fr"}, "partners", []string{"p"})),
				del("fr"), del("p"),
			},
			live: map[string]map[string]any{
				"cell": f("parent", "fr", "role", "list"),
				"it":   f("parent", "cell", "links", []string{"fr"}, "partners", []string{"p"}),
			},
			dead: []string{"fr", "p"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewState()
			s.Apply(tt.ops)
			if got, want := s.Len(), len(tt.live); got != want {
				t.Errorf("Len = %d, want %d", got, want)
			}
			for id, want := range tt.live {
				if got := fieldsOf(t, s, id); !reflect.DeepEqual(got, want) {
					t.Errorf("fields of %q = %v, want %v", id, got, want)
				}
			}
			for _, o := range s.Objects() {
				if _, ok := tt.live[o.ID]; !ok {
					t.Errorf("object %q is live, want not", o.ID)
				}
			}
			var dead []string
			for _, id := range []string{"n1", "n2", "ghost", "a", "b", "c", "gone", "fr", "p"} {
				if s.Deleted(id) {
					dead = append(dead, id)
				}
			}
			slices.Sort(tt.dead)
			if got, want := dead, tt.dead; !slices.Equal(got, want) {
				t.Errorf("tombstones = %v, want %v", got, want)
			}
			checkRefs(t, s)
		})
	}
}

// checkRefs asserts that the reverse index of from/to agrees with the
// objects, which is what lets delete skip a full scan.
func checkRefs(t *testing.T, s *State) {
	t.Helper()
	c := s.Clone() // Clone rebuilds refs from scratch
	if !reflect.DeepEqual(s.refs, c.refs) {
		t.Fatalf("refs index drifted:\n got %v\nwant %v", s.refs, c.refs)
	}
}

func TestMaxObjects(t *testing.T) {
	t.Parallel()
	ops := make([]Op, 0, MaxObjects+1)
	for i := range MaxObjects + 1 {
		ops = append(ops, create(fmt.Sprintf("o%d", i), KindNote, nil))
	}
	s := NewState()
	s.Apply(ops)
	if got, want := s.Len(), MaxObjects; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	last := fmt.Sprintf("o%d", MaxObjects)
	if _, ok := s.Get(last); ok {
		t.Fatalf("object %s beyond the limit was created", last)
	}
	if s.Deleted(last) {
		t.Fatalf("a create dropped for the limit left a tombstone")
	}
	// Freeing a slot lets the dropped create through on retry.
	s.Apply([]Op{del("o0"), create(last, KindNote, nil)})
	if _, ok := s.Get(last); !ok {
		t.Fatalf("create after freeing a slot failed")
	}
	if got, want := s.Len(), MaxObjects; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
}

func TestApplyCopiesValues(t *testing.T) {
	t.Parallel()
	links := []string{"a", "b"}
	points := []float64{1, 2}
	fields := f("links", links)
	s := NewState()
	s.Apply([]Op{
		create("i", KindItem, fields),
		create("s", KindStroke, f("points", points)),
	})
	links[0] = "changed"
	points[0] = 99
	fields["text"] = "sneaked in"
	if got, want := fieldsOf(t, s, "i"), f("links", []string{"a", "b"}); !reflect.DeepEqual(got, want) {
		t.Errorf("item fields = %v, want %v", got, want)
	}
	if got, want := fieldsOf(t, s, "s"), f("points", []float64{1, 2}); !reflect.DeepEqual(got, want) {
		t.Errorf("stroke fields = %v, want %v", got, want)
	}
}

func TestApplyNormalisesNegativeZero(t *testing.T) {
	t.Parallel()
	s := NewState()
	s.Apply([]Op{create("s", KindStroke, f("x", math.Copysign(0, -1), "points", []float64{math.Copysign(0, -1), 1}))})
	got, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"objects":[{"id":"s","kind":"stroke","fields":{"points":[0,1],"x":0}}],"deleted":[]}`; string(got) != want {
		t.Errorf("MarshalJSON = %s, want %s", got, want)
	}
}

func TestCloneIsIndependent(t *testing.T) {
	t.Parallel()
	s := NewState()
	s.Apply([]Op{
		create("a", KindNote, f("text", "a")),
		create("b", KindNote, nil),
		create("c", KindConnector, f("from", "a", "to", "b")),
	})
	before, _ := s.MarshalJSON()
	c := s.Clone()
	if !c.Equal(s) {
		t.Fatal("clone is not Equal to the original")
	}
	c.Apply([]Op{update("a", f("text", "changed")), del("b"), create("d", KindNote, nil)})
	after, _ := s.MarshalJSON()
	if !bytes.Equal(before, after) {
		t.Errorf("Apply on the clone changed the original:\nbefore %s\nafter  %s", before, after)
	}
	if c.Equal(s) {
		t.Error("clone still Equal after changes")
	}
	checkRefs(t, s)
	checkRefs(t, c)
}

func TestNilAndZeroState(t *testing.T) {
	t.Parallel()
	var nilState *State
	nilState.Apply([]Op{create("a", KindNote, nil)})
	if nilState.Len() != 0 || nilState.Deleted("a") || len(nilState.Objects()) != 0 {
		t.Error("nil State is not empty")
	}
	if _, ok := nilState.Get("a"); ok {
		t.Error("nil State has an object")
	}
	if !nilState.Equal(NewState()) || !NewState().Equal(nilState) {
		t.Error("nil State is not Equal to an empty one")
	}
	if b, err := nilState.MarshalJSON(); err != nil || string(b) != `{"objects":[],"deleted":[]}` {
		t.Errorf("nil MarshalJSON = %s, %v", b, err)
	}
	if err := nilState.UnmarshalJSON([]byte(`{"objects":[],"deleted":[]}`)); err == nil {
		t.Error("UnmarshalJSON into nil *State succeeded")
	}
	if nilState.Clone().Len() != 0 {
		t.Error("clone of nil State is not empty")
	}

	var zero State
	zero.Apply([]Op{create("a", KindNote, nil), del("b")})
	if zero.Len() != 1 || !zero.Deleted("b") {
		t.Error("zero State did not apply ops")
	}
	if zero.Equal(nilState) {
		t.Error("non-empty State Equal to nil")
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	base := []Op{create("a", KindItem, f("links", []string{"x"}, "text", "t")), del("z")}
	tests := []struct {
		name  string
		extra []Op
		equal bool
	}{
		{"same", nil, true},
		{"same after no-op update", []Op{update("missing", f("x", 1.0))}, true},
		{"value differs", []Op{update("a", f("text", "u"))}, false},
		{"list differs", []Op{update("a", f("links", []string{"y"}))}, false},
		{"field missing", []Op{update("a", f("text", nil))}, false},
		{"extra field", []Op{update("a", f("x", 1.0))}, false},
		{"extra tombstone", []Op{del("q")}, false},
		{"extra object", []Op{create("b", KindNote, nil)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, u := NewState(), NewState()
			s.Apply(base)
			u.Apply(base)
			u.Apply(tt.extra)
			if got, want := s.Equal(u), tt.equal; got != want {
				t.Errorf("s.Equal(u) = %v, want %v", got, want)
			}
			if got, want := u.Equal(s), tt.equal; got != want {
				t.Errorf("u.Equal(s) = %v, want %v", got, want)
			}
		})
	}
	// Same field set but a different kind.
	s, u := NewState(), NewState()
	s.Apply([]Op{create("a", KindNote, nil)})
	u.Apply([]Op{create("a", KindShape, nil)})
	if s.Equal(u) {
		t.Error("objects of different kinds are Equal")
	}
	// Same lengths, different tombstones.
	s, u = NewState(), NewState()
	s.Apply([]Op{del("a")})
	u.Apply([]Op{del("b")})
	if s.Equal(u) {
		t.Error("states with different tombstones are Equal")
	}
}

func TestStateJSON(t *testing.T) {
	t.Parallel()
	s := NewState()
	s.Apply([]Op{
		create("b", KindConnector, f("label", "<a & b>", "x2", 1.5)),
		create("a", KindStroke, f("points", []float64{}, "width", 2.0)),
		create("c", KindItem, f("links", []string{}, "jointly", false)),
		del("zz"), del("aa"),
	})
	got, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"objects":[` +
		`{"id":"a","kind":"stroke","fields":{"points":[],"width":2}},` +
		`{"id":"b","kind":"connector","fields":{"label":"\u003ca \u0026 b\u003e","x2":1.5}},` +
		`{"id":"c","kind":"item","fields":{"jointly":false,"links":[]}}` +
		`],"deleted":["aa","zz"]}`
	if string(got) != want {
		t.Fatalf("MarshalJSON =\n%s\nwant\n%s", got, want)
	}
	viaPackage, err := json.Marshal(s)
	if err != nil || !bytes.Equal(viaPackage, got) {
		t.Errorf("json.Marshal(s) = %s, %v; want the same bytes as MarshalJSON", viaPackage, err)
	}
	var u State
	if err := json.Unmarshal(got, &u); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if !u.Equal(s) {
		t.Error("round trip is not Equal")
	}
	again, _ := u.MarshalJSON()
	if !bytes.Equal(again, got) {
		t.Errorf("re-marshal =\n%s\nwant\n%s", again, got)
	}
	checkRefs(t, &u)
}

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	texts := []string{
		"", "plain", `quote " and backslash \\`, "<b>&amp;</b>", "tab\tnew\nline\r", "\x01\x1f\x7f",
		"caf\u00e9 \U0001F600", "line\u2028para\u2029", "\u2027\u202a", "\ufffd", "\b\f",
	}
	numbers := []float64{0, 1, -1, 0.1, 1.5e-6, 1e-6, 9.99e-7, 1e-7, -3e-9, 123456.789, 999999.999999, 1e6, -1e6, 5e-324, 1.0 / 3}
	var ops []Op
	for i, text := range texts {
		ops = append(ops, create(fmt.Sprintf("t%02d", i), KindNote, f("text", text)))
	}
	for i, n := range numbers {
		ops = append(ops, create(fmt.Sprintf("n%02d", i), KindStroke, f("x", n, "points", []float64{n, -n})))
	}
	ops = append(ops, create("i", KindItem, f("links", []string{"a", "B_-9"}, "partners", []string{}, "jointly", true)))
	ops = append(ops, del("gone1"), del("Gone2"))
	if err := ValidateOps(ops); err != nil {
		t.Fatalf("test ops are invalid: %v", err)
	}
	s := NewState()
	s.Apply(ops)
	if got, want := s.Len(), len(texts)+len(numbers)+1; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	got, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(stateJSON{Objects: s.Objects(), Deleted: s.deletedIDs()})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalJSON differs from encoding/json:\n got %s\nwant %s", got, want)
	}
	var u State
	if err := u.UnmarshalJSON(got); err != nil {
		t.Fatalf("UnmarshalJSON: %v", err)
	}
	if !u.Equal(s) {
		t.Error("round trip is not Equal")
	}
}

func TestStateUnmarshalRejects(t *testing.T) {
	t.Parallel()
	obj := func(id, kind, fields string) string {
		return `{"id":"` + id + `","kind":"` + kind + `","fields":` + fields + `}`
	}
	st := func(objects, deleted string) string {
		return `{"objects":[` + objects + `],"deleted":[` + deleted + `]}`
	}
	var many strings.Builder
	for i := range MaxObjects + 1 {
		if i > 0 {
			many.WriteByte(',')
		}
		many.WriteString(obj(fmt.Sprintf("o%d", i), "note", "{}"))
	}
	tests := []struct {
		name string
		raw  string
		code string
	}{
		{"not JSON", `{`, CodeBadJSON},
		{"invalid UTF-8", "{\"objects\":[],\"deleted\":[\"\xff\"]}", CodeBadUTF8},
		{"array", `[]`, CodeBadJSON},
		{"null", `null`, CodeBadJSON},
		{"unknown member", `{"objects":[],"deleted":[],"x":1}`, CodeBadJSON},
		{"missing deleted", `{"objects":[]}`, CodeBadJSON},
		{"repeated member", `{"objects":[],"deleted":[],"deleted":[]}`, CodeBadJSON},
		{"objects null", `{"objects":null,"deleted":[]}`, CodeBadJSON},
		{"object not an object", st(`1`, ``), CodeBadJSON},
		{"object unknown member", st(`{"id":"a","kind":"note","fields":{},"x":1}`, ``), CodeBadJSON},
		{"object without fields", st(`{"id":"a","kind":"note"}`, ``), CodeBadJSON},
		{"object fields null", st(obj("a", "note", "null"), ``), CodeBadJSON},
		{"object bad id", st(obj("a b", "note", "{}"), ``), CodeBadID},
		{"object id missing", st(`{"kind":"note","fields":{}}`, ``), CodeBadJSON},
		{"object unknown kind", st(obj("a", "blob", "{}"), ``), CodeUnknownKind},
		{"field not of kind", st(obj("a", "note", `{"tier":"lead"}`), ``), CodeUnknownField},
		{"bad value", st(obj("a", "note", `{"x":"1"}`), ``), CodeBadValue},
		{"null value", st(obj("a", "note", `{"x":null}`), ``), CodeBadValue},
		{"value out of range", st(obj("a", "note", `{"x":1e9}`), ``), CodeOutOfRange},
		{"text too long", st(obj("a", "note", `{"text":"`+strings.Repeat("a", MaxTextBytes+1)+`"}`), ``), CodeTooLong},
		{"duplicate object", st(obj("a", "note", "{}")+","+obj("a", "note", "{}"), ``), CodeBadID},
		{"dangling end", st(obj("c", "connector", `{"from":"x"}`), ``), CodeBadValue},
		{"end on a tombstone", st(obj("c", "connector", `{"to":"x"}`), `"x"`), CodeBadValue},
		{"self end", st(obj("c", "connector", `{"to":"c"}`), ``), CodeBadValue},
		{"tombstone not a string", st(``, `1`), CodeBadID},
		{"tombstone bad id", st(``, `""`), CodeBadID},
		{"tombstone twice", st(``, `"a","a"`), CodeBadID},
		{"live and dead", st(obj("a", "note", "{}"), `"a"`), CodeBadID},
		{"too many objects", st(many.String(), ``), CodeOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewState()
			s.Apply([]Op{create("keep", KindNote, nil)})
			before, _ := s.MarshalJSON()
			e := wantError(t, s.UnmarshalJSON([]byte(tt.raw)), tt.code)
			if got, want := e.Op, -1; got != want {
				t.Errorf("Op = %d, want %d", got, want)
			}
			after, _ := s.MarshalJSON()
			if !bytes.Equal(before, after) {
				t.Errorf("failed UnmarshalJSON changed the state to %s", after)
			}
		})
	}
}

func TestSchema(t *testing.T) {
	t.Parallel()
	kinds := Kinds()
	want := []Kind{KindCard, KindCell, KindConnector, KindFrame, KindItem, KindNote, KindPartner, KindReferral, KindShape, KindStroke, KindText}
	if !slices.Equal(kinds, want) {
		t.Errorf("Kinds() = %v, want %v", kinds, want)
	}
	for _, k := range kinds {
		names := FieldsOf(k)
		if !slices.IsSorted(names) {
			t.Errorf("FieldsOf(%s) is not sorted: %v", k, names)
		}
		for _, c := range commonFields {
			if !slices.Contains(names, c) {
				t.Errorf("FieldsOf(%s) lacks common field %s", k, c)
			}
		}
		for _, n := range names {
			if _, ok := fields[n]; !ok {
				t.Errorf("FieldsOf(%s) has %q, which has no type", k, n)
			}
		}
	}
	if got, want := FieldsOf(KindItem), []string{"color", "due", "h", "jointly", "links", "order", "owner", "parent", "partners", "text", "w", "x", "y", "z"}; !slices.Equal(got, want) {
		t.Errorf("FieldsOf(item) = %v, want %v", got, want)
	}
	if got := FieldsOf("blob"); got != nil {
		t.Errorf("FieldsOf(unknown) = %v, want nil", got)
	}
}

// stateJSON is the canonical JSON shape of a State, for encoding with
// encoding/json as an independent check of MarshalJSON.
type stateJSON struct {
	Objects []*Object `json:"objects"`
	Deleted []string  `json:"deleted"`
}

// refModel is a deliberately naive second implementation of the Apply rules,
// written straight from the spec (full scans, no index), used to cross-check
// State on random op sequences.
type refModel struct {
	objs map[string]*Object
	dead map[string]bool
}

func (r *refModel) apply(op Op) {
	if !validID(op.ID) {
		return
	}
	okEnd := func(self, name string, v any) bool {
		if name != "from" && name != "to" {
			return true
		}
		t := v.(string)
		_, live := r.objs[t]
		return t == "" || (live && t != self)
	}
	switch op.Type {
	case OpCreate:
		if _, ok := allowed[op.Kind]; !ok || r.objs[op.ID] != nil || r.dead[op.ID] || len(r.objs) >= MaxObjects {
			return
		}
		o := &Object{ID: op.ID, Kind: op.Kind, Fields: map[string]any{}}
		for name, v := range op.Fields {
			if allowed[op.Kind][name] && v != nil && checkValue(name, fields[name], v) == nil && okEnd(op.ID, name, v) {
				o.Fields[name] = normalize(v)
			}
		}
		r.objs[op.ID] = o
	case OpUpdate:
		o := r.objs[op.ID]
		if o == nil {
			return
		}
		for name, v := range op.Fields {
			switch {
			case !allowed[o.Kind][name]:
			case v == nil:
				delete(o.Fields, name)
			case checkValue(name, fields[name], v) != nil:
			case !okEnd(op.ID, name, v):
				delete(o.Fields, name)
			default:
				o.Fields[name] = normalize(v)
			}
		}
	case OpDelete:
		if r.dead[op.ID] {
			return
		}
		r.dead[op.ID] = true
		if r.objs[op.ID] == nil {
			return
		}
		delete(r.objs, op.ID)
		for _, o := range r.objs {
			for _, end := range []string{"from", "to"} {
				if o.Fields[end] == op.ID {
					delete(o.Fields, end)
				}
			}
		}
	}
}

func (r *refModel) json() []byte {
	objs := []*Object{}
	for _, o := range r.objs {
		objs = append(objs, o)
	}
	slices.SortFunc(objs, func(a, b *Object) int { return strings.Compare(a.ID, b.ID) })
	dead := []string{}
	for id := range r.dead {
		dead = append(dead, id)
	}
	slices.Sort(dead)
	b, err := json.Marshal(stateJSON{Objects: objs, Deleted: dead})
	if err != nil {
		panic(err)
	}
	return b
}

// randomOps makes n ops over a small id space so that creates, updates and
// deletes collide often. Values are a mix of valid, invalid and nil, and
// fields are often not allowed for the target's kind, to exercise every
// branch of Apply.
func randomOps(rng *rand.Rand, n int) []Op {
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h", "bad id", ""}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	kinds := append(Kinds(), "blob", KindConnector, KindReferral, KindConnector)
	pick := func(vs ...any) any { return vs[rng.Intn(len(vs))] }
	value := func(name string) any {
		if rng.Intn(8) == 0 {
			return nil
		}
		switch fields[name].typ {
		case typeNumber:
			return pick(0.0, 1.5, -3.0, 5.0, 50.0, 2e6, math.NaN(), "1", 7)
		case typeString:
			return pick("", "hello", "a\x00b", "\xff", strings.Repeat("x", MaxLabelBytes+1), 3.0)
		case typeEnum:
			return pick("rect", "list", "end", "lead", "impact", "nope")
		case typeBool:
			return pick(true, false, "true")
		case typeID:
			return pick(ids[rng.Intn(len(ids))], "", "x y", 1.0)
		case typeIDs:
			return pick([]string{}, []string{"a", "b"}, []string{"a", "a"}, []string(nil), []any{"a"})
		case typeKey:
			return pick("V", "a1", "a0", "", 1.0)
		case typeColor:
			return pick("", "#aabbcc", "#AABBCC", "red")
		case typePoints:
			return pick([]float64{}, []float64{1, 2}, []float64{1}, []float64{0, 3e6})
		case typeDate:
			return pick("", "2026-02-28", "2026-02-29", "tomorrow", 1.0)
		}
		return nil
	}
	ops := make([]Op, n)
	for i := range ops {
		op := Op{ID: ids[rng.Intn(len(ids))]}
		switch rng.Intn(10) {
		case 0, 1, 2:
			op.Type = OpCreate
			op.Kind = kinds[rng.Intn(len(kinds))]
		case 3, 4, 5, 6, 7:
			op.Type = OpUpdate
		case 8:
			op.Type = OpDelete
		default:
			op.Type = "bogus"
		}
		if op.Type != OpDelete && rng.Intn(10) > 0 {
			op.Fields = map[string]any{}
			for range 1 + rng.Intn(4) {
				name := names[rng.Intn(len(names))]
				if rng.Intn(3) == 0 {
					// Ends are where the interesting rules are; favour them.
					name = pick("from", "to").(string)
				}
				op.Fields[name] = value(name)
			}
		}
		ops[i] = op
	}
	return ops
}

func TestApplyMatchesReferenceModel(t *testing.T) {
	t.Parallel()
	for seed := range int64(200) {
		rng := rand.New(rand.NewSource(seed))
		s := NewState()
		r := &refModel{objs: map[string]*Object{}, dead: map[string]bool{}}
		for batch := range 20 {
			ops := randomOps(rng, 1+rng.Intn(10))
			s.Apply(ops)
			for _, op := range ops {
				r.apply(op)
			}
			got, err := s.MarshalJSON()
			if err != nil {
				t.Fatalf("seed %d batch %d: MarshalJSON: %v", seed, batch, err)
			}
			if want := r.json(); !bytes.Equal(got, want) {
				t.Fatalf("seed %d batch %d: ops %+v\nstate %s\nwant  %s", seed, batch, ops, got, want)
			}
		}
		checkRefs(t, s)
	}
}

func TestApplyDeterministic(t *testing.T) {
	t.Parallel()
	for seed := range int64(100) {
		rng := rand.New(rand.NewSource(seed))
		ops := randomOps(rng, 200)
		s1, s2 := NewState(), NewState()
		s1.Apply(ops)
		// The second state gets the same ops in differently sized batches.
		for i := 0; i < len(ops); i += 7 {
			s2.Apply(ops[i:min(i+7, len(ops))])
		}
		if !s1.Equal(s2) {
			t.Fatalf("seed %d: two states applying the same ops differ", seed)
		}
		b1, err1 := s1.MarshalJSON()
		b2, err2 := s2.MarshalJSON()
		if err1 != nil || err2 != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("seed %d: canonical JSON differs (%v, %v):\n%s\n%s", seed, err1, err2, b1, b2)
		}
		var u State
		if err := u.UnmarshalJSON(b1); err != nil {
			t.Fatalf("seed %d: UnmarshalJSON(%s): %v", seed, b1, err)
		}
		if !u.Equal(s1) {
			t.Fatalf("seed %d: JSON round trip is not Equal", seed)
		}
		// Applying more ops to both keeps them in step: the decoded state
		// carries everything (tombstones, index) that matters.
		more := randomOps(rng, 100)
		u.Apply(more)
		s1.Apply(more)
		if !u.Equal(s1) {
			t.Fatalf("seed %d: round-tripped state diverged after more ops", seed)
		}
	}
}

func TestObjectsSorted(t *testing.T) {
	t.Parallel()
	s := NewState()
	s.Apply([]Op{create("b", KindNote, nil), create("a", KindNote, nil), create("C", KindNote, nil), create("a1", KindNote, nil)})
	var ids []string
	for _, o := range s.Objects() {
		ids = append(ids, o.ID)
	}
	if got, want := ids, []string{"C", "a", "a1", "b"}; !slices.Equal(got, want) {
		t.Errorf("Objects ids = %v, want %v", got, want)
	}
}
