package board

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
)

// allCodes is every code an *Error may carry.
var allCodes = []string{
	CodeBadJSON, CodeBadUTF8, CodeBadOp, CodeUnknownOp, CodeUnknownKind, CodeUnknownField,
	CodeBadValue, CodeTooLong, CodeOutOfRange, CodeTooManyOps, CodeEmptyBatch, CodeBadID,
}

// fuzzPrefill is a fixed batch applied before the fuzzed one, so fuzzed
// updates and deletes meet live objects, connectors and tombstones.
const fuzzPrefill = `[
	{"op":"create","id":"a","kind":"note","fields":{"x":1,"y":2,"text":"hello"}},
	{"op":"create","id":"b","kind":"partner","fields":{"name":"Org","tier":"lead","order":"V"}},
	{"op":"create","id":"c","kind":"connector","fields":{"from":"a","to":"b","arrow":"end"}},
	{"op":"create","id":"d","kind":"referral","fields":{"from":"b","to":"a","reason":"housing"}},
	{"op":"create","id":"e","kind":"item","fields":{"links":["a"],"partners":["b"],"jointly":true}},
	{"op":"create","id":"g","kind":"stroke","fields":{"points":[0,0,1,1],"width":2}},
	{"op":"delete","id":"z"}
]`

func FuzzDecodeApply(f *testing.F) {
	seeds := []string{
		fuzzPrefill,
		`[{"op":"delete","id":"a"}]`,
		`[{"op":"update","id":"c","fields":{"from":"g","to":null,"label":"x"}}]`,
		`[{"op":"create","id":"a","kind":"note"},{"op":"delete","id":"a"},{"op":"create","id":"a","kind":"note"}]`,
		`[{"op":"create","id":"h","kind":"cell","fields":{"role":"list","order":"a","parent":"f"}}]`,
		`[{"op":"update","id":"e","fields":{"links":[],"partners":["b","c"],"jointly":false,"order":"Vz"}}]`,
		`[{"op":"create","id":"k","kind":"connector","fields":{"from":"k","to":"zz","x2":-5e5}}]`,
		`[{"op":"update","id":"a","fields":{"text":"\ud83d\ude00 \u00e9"}}]`,
		`[{"op":"update","id":"a","fields":{"text":"\ud800"}}]`,
		`[{"op":"update","id":"a","fields":{"x":1e400}}]`,
		`[{"op":"update","id":"a","fields":{"x":"1","x":2}}]`,
		`[{"op":"move","id":"a"}]`,
		`[{"op":"delete","id":"a","kind":"note"}]`,
		`[]`,
		`{}`,
		`[1, null, "x"]`,
		"[\"\xff\"]",
		`[{"op":"update","id":"e","fields":{"owner":"Sam","due":"2024-02-29"}}]`,
		`[{"op":"update","id":"e","fields":{"owner":null,"due":"2023-02-29"}}]`,
		`[{"op":"update","id":"b","fields":{"tier":"core","color":"#a0B1c2","w":0,"h":1e5}}]  `,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	prefill, err := DecodeOps([]byte(fuzzPrefill))
	if err != nil {
		f.Fatalf("prefill batch does not decode: %v", err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := DecodeOps(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if !slices.Contains(allCodes, e.Code) {
				t.Fatalf("unknown code %q", e.Code)
			}
			if ops != nil {
				t.Fatal("ops returned along with an error")
			}
			return
		}
		if len(ops) == 0 || len(ops) > MaxOpsPerBatch {
			t.Fatalf("accepted a batch of %d ops", len(ops))
		}
		if err := ValidateOps(ops); err != nil {
			t.Fatalf("ValidateOps rejects a decoded batch: %v", err)
		}
		raw, err := json.Marshal(ops)
		if err != nil {
			t.Fatalf("Marshal ops: %v", err)
		}
		again, err := DecodeOps(raw)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", raw, err)
		}
		if !reflect.DeepEqual(again, ops) {
			t.Fatalf("ops JSON round trip differs:\n%#v\n%#v", ops, again)
		}

		s1, s2 := NewState(), NewState()
		s1.Apply(ops)
		s2.Apply(ops)
		checkSame(t, s1, s2)

		p1 := NewState()
		p1.Apply(prefill)
		p2 := p1.Clone()
		p1.Apply(ops)
		p2.Apply(ops)
		checkSame(t, p1, p2)
		checkRefs(t, p1)
	})
}

// checkSame asserts that two states are Equal, that their canonical JSON is
// identical, and that it decodes back to an Equal state with the same JSON.
func checkSame(t *testing.T, s1, s2 *State) {
	t.Helper()
	if !s1.Equal(s2) {
		t.Fatal("states are not Equal")
	}
	b1, err := s1.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	b2, err := s2.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("canonical JSON differs:\n%s\n%s", b1, b2)
	}
	ref, err := json.Marshal(stateJSON{Objects: s1.Objects(), Deleted: s1.deletedIDs()})
	if err != nil || !bytes.Equal(b1, ref) {
		t.Fatalf("MarshalJSON differs from encoding/json (%v):\n%s\n%s", err, b1, ref)
	}
	var u State
	if err := u.UnmarshalJSON(b1); err != nil {
		t.Fatalf("UnmarshalJSON(%s): %v", b1, err)
	}
	if !u.Equal(s1) {
		t.Fatal("state JSON round trip is not Equal")
	}
	b3, err := u.MarshalJSON()
	if err != nil || !bytes.Equal(b3, b1) {
		t.Fatalf("re-marshal differs (%v):\n%s\n%s", err, b3, b1)
	}
}

// FuzzDecodeState checks DecodeState against its definition: it accepts
// and rejects exactly what UnmarshalJSON does, with the same error, and it
// reports canonical exactly when the input is MarshalJSON's encoding of the
// decoded state.
func FuzzDecodeState(f *testing.F) {
	prefill, err := DecodeOps([]byte(fuzzPrefill))
	if err != nil {
		f.Fatalf("prefill batch does not decode: %v", err)
	}
	s := NewState()
	s.Apply(prefill)
	s.Apply([]Op{create("t", KindNote, map[string]any{"text": "<\"a\" & \u2028 \U0001F600>", "x": 1e-7, "w": 0.5})})
	enc, err := s.MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(enc),
		` ` + string(enc),
		`{"objects":[],"deleted":[]}`,
		`{"deleted":[],"objects":[]}`,
		`{"objects":[{"id":"a","kind":"note","fields":{"x":1.0,"text":"\u0061"}}],"deleted":["b"]}`,
		`{"objects":[{"id":"b","kind":"note","fields":{}},{"id":"a","kind":"note","fields":{}}],"deleted":[]}`,
		`{"objects":[{"id":"c","kind":"connector","fields":{"from":"c"}}],"deleted":[]}`,
		`{"objects":[],"deleted":["b","a"]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var u State
		uerr := u.UnmarshalJSON(data)
		got, canonical, err := DecodeState(data)
		if err != nil {
			var e, ue *Error
			if !errors.As(err, &e) || !errors.As(uerr, &ue) || *e != *ue {
				t.Fatalf("DecodeState error %v, UnmarshalJSON error %v", err, uerr)
			}
			if got != nil || canonical {
				t.Fatal("DecodeState returned a state along with an error")
			}
			return
		}
		if uerr != nil {
			t.Fatalf("DecodeState accepts what UnmarshalJSON rejects: %v", uerr)
		}
		if !got.Equal(&u) {
			t.Fatal("DecodeState and UnmarshalJSON decode different states")
		}
		checkRefs(t, got)
		b, err := got.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if want := bytes.Equal(data, b); canonical != want {
			t.Fatalf("canonical = %v, want %v for\n%s\nwhich encodes as\n%s", canonical, want, data, b)
		}
		if _, again, err := DecodeState(b); err != nil || !again {
			t.Fatalf("MarshalJSON's output %s decodes with canonical %v, error %v", b, again, err)
		}
	})
}
