package main

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"partnerboard/board"
)

func TestEditStampRoundTrip(t *testing.T) {
	sent := time.Unix(1795000000, 123456789)
	ops := []board.Op{{Type: board.OpUpdate, ID: "n-1-0", Fields: map[string]any{"text": editText(sent), "x": 10.0, "y": 20.0}}}
	// What peers receive is the server's re-encoding of the validated ops.
	raw, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := board.DecodeOps(raw)
	if err != nil {
		t.Fatalf("the edit must be valid: %v", err)
	}
	raw, _ = json.Marshal(decoded)
	got, ok := parseEditStamp(raw)
	if !ok || got != sent.UnixNano() {
		t.Fatalf("parseEditStamp(%s) = %d, %v; want %d", raw, got, ok, sent.UnixNano())
	}
}

func TestEditStampRejects(t *testing.T) {
	for _, in := range []string{
		``,
		`[{"op":"update","id":"a","fields":{"text":"hello"}}]`,
		`[{"op":"update","id":"a","fields":{"text":"t="}}]`,
		`[{"op":"update","id":"a","fields":{"text":"t=12x"}}]`,
		`[{"op":"update","id":"a","fields":{"text":"t=12`,
		`[{"op":"update","id":"a","fields":{"text":"t=99999999999999999999"}}]`,
	} {
		if v, ok := parseEditStamp([]byte(in)); ok {
			t.Errorf("parseEditStamp(%q) = %d, want no stamp", in, v)
		}
	}
}

func TestCursorStamp(t *testing.T) {
	sent := time.Unix(1795000123, 456_700_000)
	x := cursorX(sent)
	if x < 0 || x >= cursorWindow || x > board.MaxCoord {
		t.Fatalf("cursorX = %v, outside the window and the board", x)
	}
	// The server sends coordinates with one decimal place.
	x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'f', 1, 64), 64)
	for _, lag := range []time.Duration{0, 100 * time.Microsecond, 37 * time.Millisecond, 2500 * time.Millisecond, 400 * time.Second} {
		d, ok := cursorLatency(x, sent.Add(lag))
		if !ok || d != lag.Truncate(tenthMs) {
			t.Errorf("lag %v: got %v, %v", lag, d, ok)
		}
	}
	if _, ok := cursorLatency(-1, sent); ok {
		t.Error("a negative x is no stamp")
	}
}

func TestCursorStampAcrossTheWindowEdge(t *testing.T) {
	// Sent 5 ms before the window wraps, received 10 ms later.
	edge := time.UnixMilli(cursorWindow * 1795)
	sent := edge.Add(-5 * time.Millisecond)
	x := cursorX(sent)
	if x < cursorWindow-10 {
		t.Fatalf("x = %v, want just below the window's end", x)
	}
	d, ok := cursorLatency(x, sent.Add(10*time.Millisecond))
	if !ok || d != 10*time.Millisecond {
		t.Fatalf("got %v, %v; want 10ms", d, ok)
	}
	// Rounding can put the receive stamp a step before the send stamp.
	if d, ok := cursorLatency(x+0.1, sent); !ok || d != 0 {
		t.Fatalf("a send stamp after the receive time gives %v, %v; want 0", d, ok)
	}
}
