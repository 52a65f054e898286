package board

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// wantError asserts that err is an *Error with the given code and returns it.
func wantError(t *testing.T, err error, code string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error with code %q", err, err, code)
	}
	if got, want := e.Code, code; got != want {
		t.Fatalf("code = %q, want %q (%v)", got, want, err)
	}
	return e
}

// batchOf wraps op JSON objects into a batch.
func batchOf(ops ...string) string { return "[" + strings.Join(ops, ",") + "]" }

// note creates a note with id n1 and the given fields JSON.
func note(fields string) string {
	return `{"op":"create","id":"n1","kind":"note","fields":` + fields + `}`
}

// upd updates n1 with the given fields JSON.
func upd(fields string) string {
	return `{"op":"update","id":"n1","fields":` + fields + `}`
}

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func numbers(n int, v string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(v+",", n), ",") + "]"
}

func idList(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf(`"c%d"`, i)
	}
	return "[" + strings.Join(ids, ",") + "]"
}

// manyMembers returns `{"m0":1,"m1":1,...` without the closing brace.
func manyMembers(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"m%d":1`, i)
	}
	return b.String()
}

// everyField returns a fields object, without the closing brace, that sets
// every known field name once to a valid value.
func everyField() string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		sp := fields[name]
		v := map[fieldType]string{
			typeNumber: fmt.Sprint(sp.min), typeString: `"a"`, typeBool: "true", typeID: `"a"`,
			typeIDs: `["a"]`, typeKey: `"V"`, typeColor: `""`, typePoints: `[]`, typeDate: `""`,
		}[sp.typ]
		if sp.typ == typeEnum {
			v = jsonString(sp.enum[0])
		}
		parts = append(parts, jsonString(name)+":"+v)
	}
	return "{" + strings.Join(parts, ",")
}

func deletes(n int) string {
	ops := make([]string, n)
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"op":"delete","id":"d%d"}`, i)
	}
	return batchOf(ops...)
}

func TestDecodeOpsRejects(t *testing.T) {
	t.Parallel()
	id65 := strings.Repeat("a", MaxIDBytes+1)
	tests := []struct {
		name  string
		raw   string
		code  string
		op    int
		field string
	}{
		// Batch level.
		{"empty input", ``, CodeBadJSON, -1, ""},
		{"truncated", `[{"op":"delete","id":"a"}`, CodeBadJSON, -1, ""},
		{"trailing garbage", `[{"op":"delete","id":"a"}] x`, CodeBadJSON, -1, ""},
		{"two values", `[{"op":"delete","id":"a"}][]`, CodeBadJSON, -1, ""},
		{"object not array", `{"op":"delete","id":"a"}`, CodeBadJSON, -1, ""},
		{"null", `null`, CodeBadJSON, -1, ""},
		{"empty", `[]`, CodeEmptyBatch, -1, ""},
		{"one over max ops", deletes(MaxOpsPerBatch + 1), CodeTooManyOps, -1, ""},

		// Op structure.
		{"op is a number", `[1]`, CodeBadOp, 0, ""},
		{"op is an array", `[{"op":"delete","id":"a"},[]]`, CodeBadOp, 1, ""},
		{"op is null", `[null]`, CodeBadOp, 0, ""},
		{"unknown member", `[{"op":"delete","id":"a","x":1}]`, CodeBadOp, 0, ""},
		{"member case matters", `[{"Op":"delete","id":"a"}]`, CodeBadOp, 0, ""},
		{"repeated member", `[{"op":"delete","id":"a","id":"b"}]`, CodeBadOp, 0, ""},
		{"missing op", `[{"id":"a"}]`, CodeBadOp, 0, ""},
		{"op not a string", `[{"op":1,"id":"a"}]`, CodeBadOp, 0, ""},
		{"missing id", `[{"op":"delete"}]`, CodeBadOp, 0, ""},
		{"id not a string", `[{"op":"delete","id":7}]`, CodeBadOp, 0, ""},
		{"create without kind", `[{"op":"create","id":"a"}]`, CodeBadOp, 0, ""},
		{"create with empty kind", `[{"op":"create","id":"a","kind":""}]`, CodeBadOp, 0, ""},
		{"kind not a string", `[{"op":"create","id":"a","kind":3}]`, CodeBadOp, 0, ""},
		{"kind on update", `[{"op":"update","id":"a","kind":"note","fields":{"x":1}}]`, CodeBadOp, 0, ""},
		{"kind on delete", `[{"op":"delete","id":"a","kind":"note"}]`, CodeBadOp, 0, ""},
		{"fields on delete", `[{"op":"delete","id":"a","fields":{}}]`, CodeBadOp, 0, ""},
		{"update without fields", `[{"op":"update","id":"a"}]`, CodeBadOp, 0, ""},
		{"update with empty fields", `[{"op":"update","id":"a","fields":{}}]`, CodeBadOp, 0, ""},
		{"fields not an object", batchOf(upd(`[1]`)), CodeBadOp, 0, ""},
		{"fields null on create", batchOf(note(`null`)), CodeBadOp, 0, ""},
		{"repeated field", batchOf(upd(`{"x":1,"x":2}`)), CodeBadOp, 0, "x"},
		{"repeated field after many", batchOf(upd(`{"x":1,"y":1,"w":1,"h":1,"z":"V","color":"","parent":"","text":"","label":"","x":2}`)), CodeBadOp, 0, "x"},
		{"repeated field after every field", batchOf(upd(everyField() + `,"x":2}`)), CodeBadOp, 0, "x"},
		{"many unknown fields", batchOf(upd(manyMembers(100000) + "}")), CodeUnknownField, 0, "m0"},

		// Op type, kind, id.
		{"unknown op", `[{"op":"move","id":"a"}]`, CodeUnknownOp, 0, ""},
		{"empty op", `[{"op":"","id":"a"}]`, CodeUnknownOp, 0, ""},
		{"op case matters", `[{"op":"Delete","id":"a"}]`, CodeUnknownOp, 0, ""},
		{"unknown kind", `[{"op":"create","id":"a","kind":"sticky"}]`, CodeUnknownKind, 0, ""},
		{"empty id", `[{"op":"delete","id":""}]`, CodeBadID, 0, ""},
		{"id one over max", `[{"op":"delete","id":"` + id65 + `"}]`, CodeBadID, 0, ""},
		{"id with space", `[{"op":"delete","id":"a b"}]`, CodeBadID, 0, ""},
		{"id with dot", `[{"op":"delete","id":"a.b"}]`, CodeBadID, 0, ""},
		{"parent bad id", batchOf(note(`{"parent":"a/b"}`)), CodeBadID, 0, "parent"},
		{"from id too long", batchOf(upd(`{"from":"` + id65 + `"}`)), CodeBadID, 0, "from"},
		{"empty id in list", batchOf(upd(`{"links":["a",""]}`)), CodeBadID, 0, "links"},

		// Fields.
		{"unknown field on update", batchOf(upd(`{"bogus":1}`)), CodeUnknownField, 0, "bogus"},
		{"field not allowed for kind", batchOf(note(`{"points":[]}`)), CodeUnknownField, 0, "points"},
		{"field case matters", batchOf(upd(`{"X":1}`)), CodeUnknownField, 0, "X"},

		// Values.
		{"number as string", batchOf(upd(`{"x":"1"}`)), CodeBadValue, 0, "x"},
		{"number as bool", batchOf(upd(`{"w":true}`)), CodeBadValue, 0, "w"},
		{"string as number", batchOf(upd(`{"text":1}`)), CodeBadValue, 0, "text"},
		{"string as object", batchOf(upd(`{"text":{}}`)), CodeBadValue, 0, "text"},
		{"enum outside set", batchOf(upd(`{"role":"grid"}`)), CodeBadValue, 0, "role"},
		{"enum case matters", batchOf(upd(`{"tier":"Lead"}`)), CodeBadValue, 0, "tier"},
		{"bool as string", batchOf(upd(`{"jointly":"yes"}`)), CodeBadValue, 0, "jointly"},
		{"color name", batchOf(upd(`{"color":"red"}`)), CodeBadValue, 0, "color"},
		{"color bad digit", batchOf(upd(`{"color":"#12345g"}`)), CodeBadValue, 0, "color"},
		{"color short", batchOf(upd(`{"color":"#fff"}`)), CodeBadValue, 0, "color"},
		{"key ends in zero", batchOf(upd(`{"z":"a0"}`)), CodeBadValue, 0, "z"},
		{"key empty", batchOf(upd(`{"order":""}`)), CodeBadValue, 0, "order"},
		{"key bad digit", batchOf(upd(`{"order":"a-b"}`)), CodeBadValue, 0, "order"},
		{"id as number", batchOf(upd(`{"parent":5}`)), CodeBadValue, 0, "parent"},
		{"ids not a list", batchOf(upd(`{"partners":"p1"}`)), CodeBadValue, 0, "partners"},
		{"ids entry a number", batchOf(upd(`{"partners":["p1",2]}`)), CodeBadValue, 0, "partners"},
		{"ids duplicate", batchOf(upd(`{"partners":["p1","p2","p1"]}`)), CodeBadValue, 0, "partners"},
		{"points odd", batchOf(upd(`{"points":[1,2,3]}`)), CodeBadValue, 0, "points"},
		{"points entry a string", batchOf(upd(`{"points":[1,"2"]}`)), CodeBadValue, 0, "points"},
		{"points entry null", batchOf(upd(`{"points":[1,null]}`)), CodeBadValue, 0, "points"},
		{"points nested", batchOf(upd(`{"points":[[1,2]]}`)), CodeBadValue, 0, "points"},
		{"null in create", batchOf(note(`{"text":null}`)), CodeBadValue, 0, "text"},
		{"NUL in text", batchOf(upd(`{"text":"a\u0000b"}`)), CodeBadValue, 0, "text"},

		// Lengths, one over each limit.
		{"text one over", batchOf(upd(`{"text":"` + strings.Repeat("a", MaxTextBytes+1) + `"}`)), CodeTooLong, 0, "text"},
		{"text one over in bytes", batchOf(upd(`{"text":"` + strings.Repeat("é", MaxTextBytes/2) + `a"}`)), CodeTooLong, 0, "text"},
		{"reason one over", batchOf(upd(`{"reason":"` + strings.Repeat("a", MaxTextBytes+1) + `"}`)), CodeTooLong, 0, "reason"},
		{"label one over", batchOf(upd(`{"label":"` + strings.Repeat("a", MaxLabelBytes+1) + `"}`)), CodeTooLong, 0, "label"},
		{"name one over", batchOf(upd(`{"name":"` + strings.Repeat("a", MaxLabelBytes+1) + `"}`)), CodeTooLong, 0, "name"},
		{"links one over", batchOf(upd(`{"links":` + idList(MaxListLen+1) + `}`)), CodeTooLong, 0, "links"},
		{"points one over", batchOf(upd(`{"points":` + numbers(2*MaxPoints+2, "1") + `}`)), CodeTooLong, 0, "points"},
		{"key one over", batchOf(upd(`{"z":"` + strings.Repeat("z", MaxKeyBytes+1) + `"}`)), CodeTooLong, 0, "z"},

		// Ranges, just outside each.
		{"x over", batchOf(upd(`{"x":1000000.5}`)), CodeOutOfRange, 0, "x"},
		{"y under", batchOf(upd(`{"y":-1000001}`)), CodeOutOfRange, 0, "y"},
		{"x2 over", batchOf(upd(`{"x2":1e7}`)), CodeOutOfRange, 0, "x2"},
		{"w negative", batchOf(upd(`{"w":-1}`)), CodeOutOfRange, 0, "w"},
		{"h over", batchOf(upd(`{"h":100001}`)), CodeOutOfRange, 0, "h"},
		{"fontSize under", batchOf(upd(`{"fontSize":3.99}`)), CodeOutOfRange, 0, "fontSize"},
		{"fontSize over", batchOf(upd(`{"fontSize":401}`)), CodeOutOfRange, 0, "fontSize"},
		{"width under", batchOf(upd(`{"width":0.49}`)), CodeOutOfRange, 0, "width"},
		{"width over", batchOf(upd(`{"width":100.5}`)), CodeOutOfRange, 0, "width"},
		{"point over", batchOf(upd(`{"points":[0,1000001]}`)), CodeOutOfRange, 0, "points"},
		{"huge number", batchOf(upd(`{"x":1e400}`)), CodeOutOfRange, 0, "x"},

		// UTF-8 that survives JSON syntax but not conversion.
		{"lone high surrogate", batchOf(upd(`{"text":"a\ud800b"}`)), CodeBadUTF8, 0, "text"},
		{"lone low surrogate", batchOf(upd(`{"label":"\udc00"}`)), CodeBadUTF8, 0, "label"},
		{"reversed surrogates", batchOf(upd(`{"text":"\udc00\ud800"}`)), CodeBadUTF8, 0, "text"},
		{"high surrogate at end", batchOf(upd(`{"text":"\ud83d"}`)), CodeBadUTF8, 0, "text"},

		// The first bad op is reported.
		{"second op bad", batchOf(`{"op":"delete","id":"a"}`, `{"op":"delete","id":"b c"}`, `{"op":"move","id":"x"}`), CodeBadID, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ops, err := DecodeOps([]byte(tt.raw))
			if ops != nil {
				t.Errorf("DecodeOps returned ops along with an error")
			}
			e := wantError(t, err, tt.code)
			if got, want := e.Op, tt.op; got != want {
				t.Errorf("Op = %d, want %d (%v)", got, want, err)
			}
			if got, want := e.Field, tt.field; got != want {
				t.Errorf("Field = %q, want %q (%v)", got, want, err)
			}
			if e.Op >= 0 && !strings.HasPrefix(e.Msg, fmt.Sprintf("op %d: ", e.Op)) {
				t.Errorf("Msg %q does not name op %d", e.Msg, e.Op)
			}
		})
	}
}

func TestDecodeOpsAccepts(t *testing.T) {
	t.Parallel()
	id64 := strings.Repeat("a", MaxIDBytes)
	tests := []struct {
		name string
		raw  string
	}{
		{"max ops", deletes(MaxOpsPerBatch)},
		{"whitespace around", " \n[ " + note(`{}`) + " ]\t"},
		{"whitespace everywhere", "[ { \"op\" : \"update\" ,\n\"id\":\"b\", \"fields\" : { \"links\" : [ \"a\" , \"b\" ] , \"points\" : [ 1 , 2.5e0 ] , \"text\" : \"a\\\"]}b\" } } , {\"op\":\"delete\",\"id\":\"a\"} ]"},
		{"escaped member names", `[{"\u006fp":"update","id":"b","fields":{"\u0078":1}}]`},
		{"create without fields", `[{"op":"create","id":"a","kind":"frame"}]`},
		{"id at max", `[{"op":"delete","id":"` + id64 + `"}]`},
		{"id charset", `[{"op":"delete","id":"AZaz09_-"}]`},
		{"text at max", batchOf(upd(`{"text":"` + strings.Repeat("a", MaxTextBytes) + `"}`))},
		{"text at max in bytes", batchOf(upd(`{"text":"` + strings.Repeat("é", MaxTextBytes/2) + `"}`))},
		{"prompt at max", batchOf(upd(`{"prompt":"` + strings.Repeat("a", MaxTextBytes) + `"}`))},
		{"title at max", batchOf(upd(`{"title":"` + strings.Repeat("a", MaxLabelBytes) + `"}`))},
		{"template at max", batchOf(upd(`{"template":"` + strings.Repeat("a", MaxLabelBytes) + `"}`))},
		{"links at max", batchOf(upd(`{"links":` + idList(MaxListLen) + `}`))},
		{"links empty", batchOf(upd(`{"links":[]}`))},
		{"points at max", batchOf(upd(`{"points":` + numbers(2*MaxPoints, "-1000000") + `}`))},
		{"points empty", batchOf(upd(`{"points":[]}`))},
		{"key at max", batchOf(upd(`{"z":"` + strings.Repeat("z", MaxKeyBytes) + `"}`))},
		{"from id at max", batchOf(upd(`{"from":"` + id64 + `"}`))},
		{"coords at max", batchOf(upd(`{"x":1000000,"y":-1000000,"x2":1e6,"y2":-1e6}`))},
		{"sizes at bounds", batchOf(upd(`{"w":0,"h":100000}`))},
		{"fontSize bounds", batchOf(upd(`{"fontSize":4}`), upd(`{"fontSize":400}`))},
		{"width bounds", batchOf(upd(`{"width":0.5}`), upd(`{"width":100}`))},
		{"null removes", batchOf(upd(`{"text":null,"x":null}`))},
		{"every field once", batchOf(upd(everyField() + "}"))},
		{"none ids", batchOf(upd(`{"parent":"","from":"","to":""}`))},
		{"empty color", batchOf(upd(`{"color":""}`))},
		{"surrogate pair", batchOf(upd(`{"text":"\ud83d\ude00"}`))},
		{"escaped backslash before u", batchOf(upd(`{"text":"\\ud800"}`))},
		{"tiny number", batchOf(upd(`{"x":1e-400}`))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ops, err := DecodeOps([]byte(tt.raw))
			if err != nil {
				t.Fatalf("DecodeOps: %v", err)
			}
			if len(ops) == 0 {
				t.Fatal("DecodeOps returned no ops")
			}
			if err := ValidateOps(ops); err != nil {
				t.Errorf("ValidateOps rejects what DecodeOps accepted: %v", err)
			}
		})
	}
}

func TestDecodeOpsValues(t *testing.T) {
	t.Parallel()
	raw := `[
		{"op":"create","id":"i1","kind":"item","fields":{"x":-0,"y":2.5,"text":"hi \u00e9 \ud83d\ude00","links":["c1","c2"],"partners":[],"jointly":true,"order":"V"}},
		{"op":"create","id":"s1","kind":"stroke","fields":{"points":[1,2,-3.5,4e2],"width":2}},
		{"op":"create","id":"f1","kind":"frame","fields":{}},
		{"op":"update","id":"i1","fields":{"text":null,"jointly":false}},
		{"op":"delete","id":"s1"}
	]`
	ops, err := DecodeOps([]byte(raw))
	if err != nil {
		t.Fatalf("DecodeOps: %v", err)
	}
	want := []Op{
		{Type: OpCreate, ID: "i1", Kind: KindItem, Fields: map[string]any{
			"x": 0.0, "y": 2.5, "text": "hi é 😀", "links": []string{"c1", "c2"}, "partners": []string{}, "jointly": true, "order": "V",
		}},
		{Type: OpCreate, ID: "s1", Kind: KindStroke, Fields: map[string]any{"points": []float64{1, 2, -3.5, 400}, "width": 2.0}},
		{Type: OpCreate, ID: "f1", Kind: KindFrame},
		{Type: OpUpdate, ID: "i1", Fields: map[string]any{"text": nil, "jointly": false}},
		{Type: OpDelete, ID: "s1"},
	}
	if got := ops; !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeOps =\n%#v\nwant\n%#v", got, want)
	}
	if x := ops[0].Fields["x"].(float64); math.Signbit(x) {
		t.Error("-0 was not normalised to 0")
	}
}

func TestDecodeOpsInvalidUTF8(t *testing.T) {
	t.Parallel()
	// JSON files cannot hold invalid UTF-8, so these cases live here rather
	// than in the conformance vectors.
	tests := []string{
		"[{\"op\":\"update\",\"id\":\"n1\",\"fields\":{\"text\":\"a\xffb\"}}]",
		"[{\"op\":\"delete\",\"id\":\"\xc3\"}]",
		"[\xed\xa0\x80]", // an encoded surrogate is not UTF-8 either
		"\xef\xbb\xbf[]", // a BOM is valid UTF-8 but not JSON
	}
	codes := []string{CodeBadUTF8, CodeBadUTF8, CodeBadUTF8, CodeBadJSON}
	for i, raw := range tests {
		_, err := DecodeOps([]byte(raw))
		e := wantError(t, err, codes[i])
		if got, want := e.Op, -1; got != want {
			t.Errorf("case %d: Op = %d, want %d", i, got, want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	ops := []string{`{"op":"delete","id":"a"}`, `{"op":"delete","id":"b"}`, `{"op":"delete","id":"c"}`,
		upd(`{"text":"` + strings.Repeat("a", MaxTextBytes+1) + `"}`)}
	_, err := DecodeOps([]byte(batchOf(ops...)))
	e := wantError(t, err, CodeTooLong)
	if got, want := e.Msg, `op 3: field "text" is longer than 8192 bytes`; got != want {
		t.Errorf("Msg = %q, want %q", got, want)
	}
	if got, want := e.Error(), `board: op 3: field "text" is longer than 8192 bytes (too_long)`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var nilErr *Error
	if got := nilErr.Error(); got == "" {
		t.Error("nil *Error has an empty message")
	}
}

func TestValidateOps(t *testing.T) {
	t.Parallel()
	f := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	many := make([]Op, MaxOpsPerBatch+1)
	for i := range many {
		many[i] = Op{Type: OpDelete, ID: fmt.Sprintf("d%d", i)}
	}
	tests := []struct {
		name  string
		ops   []Op
		code  string // "" means valid
		op    int
		field string
	}{
		{"valid mix", []Op{
			{Type: OpCreate, ID: "a", Kind: KindNote, Fields: f("x", 1.0, "text", "hi")},
			{Type: OpCreate, ID: "b", Kind: KindFrame},
			{Type: OpUpdate, ID: "a", Fields: f("text", nil, "links", []string{"x"})},
			{Type: OpDelete, ID: "a"},
		}, "", 0, ""},
		{"max ops", many[:MaxOpsPerBatch], "", 0, ""},
		{"nil batch", nil, CodeEmptyBatch, -1, ""},
		{"too many", many, CodeTooManyOps, -1, ""},
		{"unknown type", []Op{{Type: "move", ID: "a"}}, CodeUnknownOp, 0, ""},
		{"zero op", []Op{{}}, CodeUnknownOp, 0, ""},
		{"empty id", []Op{{Type: OpDelete}}, CodeBadID, 0, ""},
		{"missing kind", []Op{{Type: OpCreate, ID: "a"}}, CodeBadOp, 0, ""},
		{"unknown kind", []Op{{Type: OpCreate, ID: "a", Kind: "blob"}}, CodeUnknownKind, 0, ""},
		{"kind on update", []Op{{Type: OpUpdate, ID: "a", Kind: KindNote, Fields: f("x", 1.0)}}, CodeBadOp, 0, ""},
		{"kind on delete", []Op{{Type: OpDelete, ID: "a", Kind: KindNote}}, CodeBadOp, 0, ""},
		{"empty update", []Op{{Type: OpUpdate, ID: "a", Fields: f()}}, CodeBadOp, 0, ""},
		{"fields on delete", []Op{{Type: OpDelete, ID: "a", Fields: f("x", 1.0)}}, CodeBadOp, 0, ""},
		{"int is not normalised", []Op{{Type: OpUpdate, ID: "a", Fields: f("x", 1)}}, CodeBadValue, 0, "x"},
		{"[]any is not normalised", []Op{{Type: OpUpdate, ID: "a", Fields: f("links", []any{"a"})}}, CodeBadValue, 0, "links"},
		{"NaN", []Op{{Type: OpUpdate, ID: "a", Fields: f("x", math.NaN())}}, CodeOutOfRange, 0, "x"},
		{"Inf", []Op{{Type: OpUpdate, ID: "a", Fields: f("y", math.Inf(-1))}}, CodeOutOfRange, 0, "y"},
		{"NaN point", []Op{{Type: OpUpdate, ID: "a", Fields: f("points", []float64{0, math.NaN()})}}, CodeOutOfRange, 0, "points"},
		{"invalid UTF-8", []Op{{Type: OpUpdate, ID: "a", Fields: f("text", "a\xff")}}, CodeBadUTF8, 0, "text"},
		{"null in create", []Op{{Type: OpCreate, ID: "a", Kind: KindNote, Fields: f("text", nil)}}, CodeBadValue, 0, "text"},
		{"field not of kind", []Op{{Type: OpCreate, ID: "a", Kind: KindNote, Fields: f("tier", "lead")}}, CodeUnknownField, 0, "tier"},
		{"first field in sorted order", []Op{{Type: OpUpdate, ID: "a", Fields: f("y", "bad", "x", "bad")}}, CodeBadValue, 0, "x"},
		{"later op", []Op{{Type: OpDelete, ID: "a"}, {Type: OpDelete, ID: "b"}, {Type: OpUpdate, ID: "c", Fields: f("nope", 1.0)}}, CodeUnknownField, 2, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateOps(tt.ops)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("ValidateOps: %v", err)
				}
				return
			}
			e := wantError(t, err, tt.code)
			if got, want := e.Op, tt.op; got != want {
				t.Errorf("Op = %d, want %d", got, want)
			}
			if got, want := e.Field, tt.field; got != want {
				t.Errorf("Field = %q, want %q", got, want)
			}
		})
	}
}

func TestOpsJSONRoundTrip(t *testing.T) {
	t.Parallel()
	ops := []Op{
		{Type: OpCreate, ID: "c1", Kind: KindConnector, Fields: map[string]any{
			"from": "a", "to": "b", "x2": 1.25, "y2": -7.0, "label": "<&> \"q\"", "arrow": "both",
		}},
		{Type: OpCreate, ID: "s1", Kind: KindStroke, Fields: map[string]any{"points": []float64{0.1, 0.2, 1e-7, 999999.999}}},
		{Type: OpCreate, ID: "e1", Kind: KindCard},
		{Type: OpUpdate, ID: "i1", Fields: map[string]any{"links": []string{}, "partners": []string{"p1"}, "jointly": true, "parent": nil}},
		{Type: OpDelete, ID: "x"},
	}
	if err := ValidateOps(ops); err != nil {
		t.Fatalf("ValidateOps: %v", err)
	}
	raw, err := json.Marshal(ops)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	got, err := DecodeOps(raw)
	if err != nil {
		t.Fatalf("DecodeOps(%s): %v", raw, err)
	}
	if want := ops; !reflect.DeepEqual(got, want) {
		t.Errorf("round trip =\n%#v\nwant\n%#v", got, want)
	}
}

func TestDecodeOpsSyntaxVariants(t *testing.T) {
	t.Parallel()
	// The same batch spelled differently must decode identically.
	want := []Op{
		{Type: OpUpdate, ID: "b", Fields: map[string]any{"links": []string{"a", "b"}, "points": []float64{1, 2.5}, "text": `a"]}b`}},
		{Type: OpDelete, ID: "a"},
	}
	tests := []string{
		`[{"op":"update","id":"b","fields":{"links":["a","b"],"points":[1,2.5],"text":"a\"]}b"}},{"op":"delete","id":"a"}]`,
		"[ { \"op\" : \"update\" ,\n\"id\":\"b\", \"fields\" : { \"links\" : [ \"a\" , \"b\" ] , \"points\" : [ 1 , 2.5e0 ] , \"text\" : \"a\\\"]}b\" } } ,\r\n\t{\"op\":\"delete\",\"id\":\"a\"} ]",
		`[{"\u006fp":"upd\u0061te","i\u0064":"\u0062","fields":{"\u006cinks":["\u0061","b"],"points":[10e-1,0.25E1],"text":"a\u0022]}b"}},{"id":"a","op":"delete"}]`,
	}
	for i, raw := range tests {
		got, err := DecodeOps([]byte(raw))
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("case %d: DecodeOps = %#v, want %#v", i, got, want)
		}
	}
}
