package board

import (
	"fmt"
	"testing"
)

// bigState builds a board of n objects of mixed kinds, connectors included,
// roughly what a busy workshop board looks like.
func bigState(tb testing.TB, n int) *State {
	tb.Helper()
	s := NewState()
	ops := make([]Op, 0, n)
	for i := range n {
		id := fmt.Sprintf("o%05d", i)
		x, y := float64(i%100)*120, float64(i/100)*90
		switch i % 5 {
		case 0, 1:
			ops = append(ops, create(id, KindNote, f("x", x, "y", y, "w", 100.0, "h", 80.0, "z", "V", "color", "#ffe066", "text", "An idea about partnership working")))
		case 2:
			ops = append(ops, create(id, KindItem, f("x", x, "y", y, "parent", "o00000", "order", "V", "text", "Shared referral form", "links", []string{"o00001"}, "partners", []string{"o00003"}, "jointly", true)))
		case 3:
			ops = append(ops, create(id, KindPartner, f("x", x, "y", y, "name", "Citizens Advice", "tier", "core", "order", "a")))
		case 4:
			ops = append(ops, create(id, KindConnector, f("from", fmt.Sprintf("o%05d", i-4), "to", fmt.Sprintf("o%05d", i-1), "arrow", "end")))
		}
	}
	s.Apply(ops)
	if s.Len() != n {
		tb.Fatalf("built %d objects, want %d", s.Len(), n)
	}
	return s
}

func BenchmarkApply(b *testing.B) {
	s := bigState(b, 10000)
	batch := make([]Op, 10)
	for i := range batch {
		batch[i] = update(fmt.Sprintf("o%05d", i*997), f("x", float64(i), "y", float64(2*i)))
	}
	if err := ValidateOps(batch); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Apply(batch)
	}
}

// typicalBatch is what a client sends in one go: a new note, a few moves, a
// short stroke, a connector, and a delete.
var typicalBatch = []byte(`[
	{"op":"create","id":"n-7f3a9c","kind":"note","fields":{"x":120.5,"y":-40,"w":160,"h":120,"z":"Vk","color":"#ffe066","text":"Joint training for front-line staff","parent":"frame-1"}},
	{"op":"update","id":"n-11","fields":{"x":300,"y":210}},
	{"op":"update","id":"n-12","fields":{"x":300,"y":340}},
	{"op":"update","id":"i-4","fields":{"order":"aV","links":["ch-1","ch-3"],"partners":["p-2"],"jointly":true}},
	{"op":"create","id":"s-91","kind":"stroke","fields":{"points":[0,0,1.5,2,3,4.25,5,6,7.5,8,9,10,11,12,13.5,14,15,16,17,18],"width":2,"color":"#222222"}},
	{"op":"create","id":"c-5","kind":"connector","fields":{"from":"n-11","to":"n-12","arrow":"end","label":"feeds"}},
	{"op":"delete","id":"n-3"}
]`)

func BenchmarkDecodeOps(b *testing.B) {
	b.SetBytes(int64(len(typicalBatch)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeOps(typicalBatch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStateMarshal(b *testing.B) {
	s := bigState(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStateUnmarshal decodes and validates the same board, as a room
// does when it loads a board nobody is on.
func BenchmarkStateUnmarshal(b *testing.B) {
	raw, err := bigState(b, 10000).MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var s State
		if err := s.UnmarshalJSON(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeState is BenchmarkStateUnmarshal with the check that the
// input is canonical, which is what a loading room runs.
func BenchmarkDecodeState(b *testing.B) {
	raw, err := bigState(b, 10000).MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, canonical, err := DecodeState(raw); err != nil || !canonical {
			b.Fatal(canonical, err)
		}
	}
}
