package board

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// canonicalFixture is a small board that exercises every kind of value the
// canonical encoding writes: escaped and plain strings, numbers, booleans,
// lists of ids and points, empty lists and fields, ends and tombstones.
func canonicalFixture(t *testing.T) *State {
	t.Helper()
	s := NewState()
	ops := []Op{
		create("a", KindNote, f("x", 1.5, "y", -2.0, "w", 100.0, "z", "V", "color", "#ffe066", "text", "plain text")),
		create("b", KindNote, f("text", "<b> & \"quoted\" \\ tab\t line\u2028 caf\u00e9 \U0001F600")),
		create("c", KindConnector, f("from", "a", "to", "b", "arrow", "end", "label", "")),
		create("d", KindItem, f("links", []string{"a", "B_-9"}, "partners", []string{}, "jointly", true, "due", "2024-02-29")),
		create("e", KindStroke, f("points", []float64{0, 1e-7, 123456.789, 1.0 / 3}, "width", 2.0)),
		create("f", KindFrame, nil),
		create("g", KindPartner, f("name", "Citizens Advice", "tier", "core", "order", "a")),
		create("h", KindNote, f("text", "1 < 2")),
		create("i", KindNote, f("text", "line\u2028separator")),
		del("zz"), del("aa"),
	}
	if err := ValidateOps(ops); err != nil {
		t.Fatalf("fixture ops are invalid: %v", err)
	}
	s.Apply(ops)
	return s
}

func TestDecodeStateCanonical(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]*State{
		"empty":   NewState(),
		"fixture": canonicalFixture(t),
		"big":     bigState(t, 500),
	} {
		b, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, canonical, err := DecodeState(b)
		if err != nil {
			t.Fatalf("%s: DecodeState: %v", name, err)
		}
		if !canonical {
			t.Errorf("%s: MarshalJSON's own output is not reported canonical:\n%s", name, b)
		}
		if !got.Equal(s) {
			t.Errorf("%s: DecodeState is not Equal to the encoded state", name)
		}
		checkRefs(t, got)
	}
}

// TestDecodeStateNotCanonical changes a canonical encoding in ways that keep
// it a valid encoding of the same board; each must decode to that board and
// be reported as not canonical, since MarshalJSON would write other bytes.
func TestDecodeStateNotCanonical(t *testing.T) {
	t.Parallel()
	s := canonicalFixture(t)
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	enc := string(b)
	replace := func(old, new string) string {
		t.Helper()
		if !strings.Contains(enc, old) {
			t.Fatalf("%q is not in the encoding %s", old, enc)
		}
		return strings.Replace(enc, old, new, 1)
	}
	objA := `{"id":"a","kind":"note","fields":{"color":"#ffe066","text":"plain text","w":100,"x":1.5,"y":-2,"z":"V"}}`
	objF := `{"id":"f","kind":"frame","fields":{}}`
	tests := map[string]string{
		"leading space":          " " + enc,
		"trailing newline":       enc + "\n",
		"space after a colon":    replace(`"objects":`, `"objects": `),
		"space in an array":      replace(`"deleted":["aa"`, `"deleted":[ "aa"`),
		"space in empty fields":  replace(`"fields":{}`, `"fields":{ }`),
		"space in an empty list": replace(`"partners":[]`, `"partners":[ ]`),
		"space in points":        replace(`"points":[0,`, `"points":[0, `),
		"deleted first": `{"deleted":["aa","zz"],"objects":` +
			enc[len(`{"objects":`):strings.Index(enc, `,"deleted"`)] + `}`,
		"objects out of order":    strings.Replace(replace(objA+",", ""), `{"id":"c"`, objA+`,{"id":"c"`, 1),
		"tombstones out of order": replace(`["aa","zz"]`, `["zz","aa"]`),
		"kind before id":          replace(`{"id":"f","kind":"frame"`, `{"kind":"frame","id":"f"`),
		"fields before kind":      replace(objF, `{"id":"f","fields":{},"kind":"frame"}`),
		"fields out of order":     replace(`"w":100,"x":1.5`, `"x":1.5,"w":100`),
		"trailing zero":           replace(`"x":1.5`, `"x":1.50`),
		"exponent":                replace(`"w":100`, `"w":1e2`),
		"negative zero":           replace(`"points":[0,`, `"points":[-0,`),
		"escaped plain character": replace(`"plain text"`, `"pl\u0061in text"`),
		"tab as \\u0009":          replace(`\t`, `\u0009`),
		"unescaped <":             replace(`\u003cb\u003e`, `<b\u003e`),
		"only < unescaped":        replace(`"1 \u003c 2"`, `"1 < 2"`),
		"only U+2028 unescaped":   replace(`"line\u2028separator"`, "\"line\u2028separator\""),
		"escaped member name":     replace(`"id":"a"`, `"\u0069d":"a"`),
		"escaped field name":      replace(`"z":"V"`, `"\u007a":"V"`),
		"escaped id":              replace(`"id":"a"`, `"id":"\u0061"`),
		"escaped kind":            replace(`"kind":"frame"`, `"kind":"fr\u0061me"`),
		"escaped enum":            replace(`"tier":"core"`, `"tier":"c\u006fre"`),
		"escaped tombstone":       replace(`"zz"]`, `"z\u007a"]`),
		"escaped id in a list":    replace(`"links":["a"`, `"links":["\u0061"`),
	}
	for name, raw := range tests {
		got, canonical, err := DecodeState([]byte(raw))
		if err != nil {
			t.Errorf("%s: DecodeState(%s): %v", name, raw, err)
			continue
		}
		if canonical {
			t.Errorf("%s: reported canonical:\n%s", name, raw)
		}
		if !got.Equal(s) {
			t.Errorf("%s: decodes to another board:\n%s", name, raw)
		}
		again, _ := got.MarshalJSON()
		if bytes.Equal(again, []byte(raw)) {
			t.Errorf("%s: the test input is MarshalJSON's own output", name)
		}
	}
}

// TestDecodeStateRejectsLikeUnmarshal checks that DecodeState finds every
// problem UnmarshalJSON does, with the same typed error, so a corrupted
// stored state is refused whichever a caller uses.
func TestDecodeStateRejectsLikeUnmarshal(t *testing.T) {
	t.Parallel()
	b, err := canonicalFixture(t).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	enc := string(b)
	for _, raw := range []string{
		enc[:len(enc)-1],
		strings.Replace(enc, `"to":"b"`, `"to":"nope"`, 1),
		strings.Replace(enc, `"tier":"core"`, `"tier":"chief"`, 1),
		strings.Replace(enc, `"x":1.5`, `"x":1e9`, 1),
		strings.Replace(enc, `"aa"`, `"a"`, 1),
		strings.Replace(enc, `"id":"g"`, `"id":"a"`, 1),
		strings.Replace(enc, "plain text", "plain \xff", 1),
		strings.Replace(enc, `"kind":"frame"`, `"kind":"blob"`, 1),
	} {
		var u State
		want := u.UnmarshalJSON([]byte(raw))
		var wantE *Error
		if !errors.As(want, &wantE) {
			t.Fatalf("UnmarshalJSON(%s) = %v, want an *Error", raw, want)
		}
		s, canonical, err := DecodeState([]byte(raw))
		var e *Error
		if !errors.As(err, &e) || *e != *wantE {
			t.Errorf("DecodeState(%s) = %v, want %v", raw, err, want)
		}
		if s != nil || canonical {
			t.Errorf("DecodeState(%s) returned a state (canonical %v) with its error", raw, canonical)
		}
	}
}

// TestStateUnmarshalReportsFirstBadEnd checks that of several ends naming
// no live object, the one reported belongs to the smallest id (from before
// to), whatever the order of objects in the input.
func TestStateUnmarshalReportsFirstBadEnd(t *testing.T) {
	t.Parallel()
	objs := []string{
		`{"id":"n","kind":"note","fields":{}}`,
		`{"id":"c2","kind":"connector","fields":{"from":"gone"}}`,
		`{"id":"c1","kind":"connector","fields":{"from":"n","to":"gone"}}`,
		`{"id":"c3","kind":"referral","fields":{"to":"c3"}}`,
	}
	for range 20 {
		slices.Reverse(objs[1:])
		objs[1], objs[2] = objs[2], objs[1]
		raw := `{"objects":[` + strings.Join(objs, ",") + `],"deleted":[]}`
		var s State
		e := wantError(t, s.UnmarshalJSON([]byte(raw)), CodeBadValue)
		if e.Field != "to" || !strings.Contains(e.Msg, `"c1"`) {
			t.Fatalf("UnmarshalJSON(%s) = %v, want the to of c1", raw, e)
		}
	}
}
