package main

import (
	"bytes"
	"math"
	"strconv"
	"time"
)

// Send times travel inside the messages themselves, so a receiving peer
// can compute now − sent without any bookkeeping shared with the sender.
// Sender and receivers run in this one process, so they share a clock.

// stampPrefix starts the text of every note the load generator writes.
const stampPrefix = "t="

// editText is a note text carrying the send time.
func editText(sent time.Time) string {
	return stampPrefix + strconv.FormatInt(sent.UnixNano(), 10)
}

var stampNeedle = []byte(`"` + stampPrefix)

// parseEditStamp finds the send time in an entry's encoded ops: the first
// string value that starts with "t=" followed by digits. It only scans
// bytes, so it is cheap enough to run for every op every peer receives.
func parseEditStamp(ops []byte) (sent int64, ok bool) {
	i := bytes.Index(ops, stampNeedle)
	if i < 0 {
		return 0, false
	}
	i += len(stampNeedle)
	var n int64
	digits := 0
	for ; i < len(ops) && ops[i] >= '0' && ops[i] <= '9'; i++ {
		if digits == 19 {
			return 0, false // would overflow int64
		}
		n = n*10 + int64(ops[i]-'0')
		digits++
	}
	if digits == 0 || i >= len(ops) || ops[i] != '"' {
		return 0, false
	}
	return n, true
}

// Cursor coordinates carry the send time as milliseconds within a window
// of cursorWindow ms (1,000 s), with one decimal: the server re-encodes
// coordinates with one decimal place, so 0.1 ms is the resolution, and the
// protocol allows coordinates up to ±1,000,000. y carries the sender's
// index, so a receiver can skip its own cursor.
const (
	cursorWindow = 1_000_000              // ms
	cursorTenths = cursorWindow * 10      // 0.1 ms steps in the window
	tenthMs      = 100 * time.Microsecond // one step
	maxCursorLag = cursorWindow * time.Millisecond / 2
)

// cursorX encodes t as a cursor x coordinate.
func cursorX(t time.Time) float64 {
	tenths := t.UnixMicro() / 100 % cursorTenths
	return float64(tenths) / 10
}

// cursorLatency is at − the time encoded in x. The window wraps every
// 1,000 s; a difference is taken modulo the window, so a latency up to
// half the window is recovered exactly. ok is false for a coordinate the
// load generator cannot have sent.
func cursorLatency(x float64, at time.Time) (d time.Duration, ok bool) {
	if x < 0 || x >= cursorWindow || math.IsNaN(x) {
		return 0, false
	}
	sent := int64(math.Round(x * 10))
	now := at.UnixMicro() / 100 % cursorTenths
	diff := (now - sent + cursorTenths) % cursorTenths
	d = time.Duration(diff) * tenthMs
	if d > maxCursorLag {
		// Sent "after" it arrived: the two clocks are one clock, so this
		// is rounding at a window edge or a clock step.
		return 0, true
	}
	return d, true
}
