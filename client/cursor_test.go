package client

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
)

// generalCursors decodes a cursors message the way handle's general path
// does, for comparison with parseCursors.
func generalCursors(t *testing.T, line string) []Cursor {
	t.Helper()
	var m message
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("general path rejects %s: %v", line, err)
	}
	cs := make([]Cursor, 0, len(m.C))
	for _, c := range m.C {
		s, _ := c[0].(string)
		x, _ := c[1].(float64)
		y, _ := c[2].(float64)
		cs = append(cs, Cursor{Session: s, X: x, Y: y})
	}
	return cs
}

func TestParseCursorsMatchesGeneralPath(t *testing.T) {
	for _, line := range []string{
		`{"t":"cursors","c":[]}`,
		`{"t":"cursors","c":[["s3fa1-9",412.5,-30.0]]}`,
		`{"t":"cursors","c":[["s3fa1-9",412.5,-30.0],["s3fa1-12",10.0,20.0],["x",-1000000.0,1000000.0]]}`,
		`{"t":"cursors","c":[["a",1e3,-2.5E-1]]}`,
	} {
		got, ok := parseCursors([]byte(line))
		if !ok {
			t.Errorf("parseCursors(%s) fell back", line)
			continue
		}
		if want := generalCursors(t, line); !reflect.DeepEqual(got, want) {
			t.Errorf("parseCursors(%s) = %v, want %v", line, got, want)
		}
	}
}

func TestParseCursorsFallsBack(t *testing.T) {
	for _, line := range []string{
		`{"t":"op","seq":1}`,
		`{"t":"cursors","c":[["a\"b",1.0,2.0]]}`, // an escape: the general path decodes it
		`{"t":"cursors","c":[["a",1.0]]}`,
		`{"t":"cursors","c":[["a",1.0,2.0]`,
		`{"t":"cursors","c":[["a",1.0,2.0]],"x":1}`,
		`{"t":"cursors","c":[["a",Inf,2.0]]}`,
		`{"t":"cursors","c":[["a",0x10,2.0]]}`,
		`{"t":"cursors","c":[["a",1_0,2.0]]}`,
		`{"t":"cursors","c":[["a",+1,2.0]]}`,
		`{"t":"cursors","c":[["a",,2.0]]}`,
		`{"t":"cursors","c":[["a",1.0,2.0],]}`,
		`{"t":"cursors","c":[["a",1.0,2.0]] }`,
	} {
		if cs, ok := parseCursors([]byte(line)); ok {
			t.Errorf("parseCursors(%s) = %v, want the general path", line, cs)
		}
	}
}

func TestAppendNumberMatchesEncodingJSON(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 412.5, -30, 1e6, -1e6, 1e-6, 9.99e-7, 1e20, 1e21, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		vals = append(vals, (rng.Float64()-0.5)*2e6, math.Round(rng.Float64()*1e7)/10)
	}
	for _, f := range vals {
		got, err := appendNumber(nil, f)
		if err != nil {
			t.Fatalf("appendNumber(%v): %v", f, err)
		}
		want, _ := json.Marshal(f)
		if string(got) != string(want) {
			t.Errorf("appendNumber(%v) = %s, encoding/json writes %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if b, err := appendNumber(nil, f); err == nil {
			t.Errorf("appendNumber(%v) = %s, want an error", f, b)
		}
	}
}

func BenchmarkParseCursors(b *testing.B) {
	line := []byte(`{"t":"cursors","c":[`)
	for i := range 25 {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, `["s3fa1e9c-`...)
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, `",123456.7,`...)
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, ".0]"...)
	}
	line = append(line, "]}"...)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := parseCursors(line); !ok {
				b.Fatal("fell back")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m message
			if err := json.Unmarshal(line, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
