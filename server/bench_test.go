package server_test

// End-to-end benchmarks over real WebSockets on loopback, against a real
// server (testenv: SQLite file, hub, HTTP server), measured from the
// client's side of the socket:
//
//	go test -run '^$' -bench . -benchmem ./server/
//
// docs/benchmarks.md has the figures and the machine they came from; the
// load generator (cmd/partnerboard-load) measures the same paths under load.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/hub"
	"partnerboard/internal/testenv"
	"partnerboard/server"
)

// benchLimits lifts the per-connection and per-address message rates,
// which a benchmark would otherwise hit within a second.
var benchLimits = server.Config{MessagesPerSecond: 1e6, Burst: 1e6, MessagesPerSecondPerIP: 1e7, ConnsPerIP: 100000}

// benchState builds a board of n objects of mixed kinds, like a busy
// workshop board: notes, list items with links, partners and connectors.
func benchState(b *testing.B, n int) []byte {
	b.Helper()
	ops := make([]board.Op, 0, n)
	for i := range n {
		id := fmt.Sprintf("o%05d", i)
		x, y := float64(i%100)*120, float64(i/100)*90
		var op board.Op
		switch i % 5 {
		case 0, 1:
			op = board.Op{Type: board.OpCreate, ID: id, Kind: board.KindNote, Fields: map[string]any{
				"x": x, "y": y, "w": 100.0, "h": 80.0, "z": "V", "color": "#ffe066", "text": "An idea about partnership working"}}
		case 2:
			op = board.Op{Type: board.OpCreate, ID: id, Kind: board.KindItem, Fields: map[string]any{
				"x": x, "y": y, "parent": "o00000", "order": "V", "text": "Shared referral form",
				"links": []string{"o00001"}, "partners": []string{"o00003"}, "jointly": true}}
		case 3:
			op = board.Op{Type: board.OpCreate, ID: id, Kind: board.KindPartner, Fields: map[string]any{
				"x": x, "y": y, "name": "Citizens Advice", "tier": "core", "order": "a"}}
		case 4:
			op = board.Op{Type: board.OpCreate, ID: id, Kind: board.KindConnector, Fields: map[string]any{
				"from": fmt.Sprintf("o%05d", i-4), "to": fmt.Sprintf("o%05d", i-1), "arrow": "end"}}
		}
		ops = append(ops, op)
	}
	s := board.NewState()
	s.Apply(ops)
	if s.Len() != n {
		b.Fatalf("built %d objects, want %d", s.Len(), n)
	}
	raw, err := s.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// benchBoard creates a board holding n objects straight in the store, as
// if a workshop had filled it, and returns its id.
func benchBoard(b *testing.B, env *testenv.Env, n int) string {
	b.Helper()
	id := fmt.Sprintf("bench-%d", n)
	info := hub.BoardInfo{ID: id, Title: "Benchmark", Template: "blank", Epoch: "e-" + id, Created: time.Now().UnixMilli()}
	if err := env.Store.CreateBoard(context.Background(), info, benchState(b, n)); err != nil {
		b.Fatal(err)
	}
	return id
}

// percentileMetric reports the p-th percentile (nearest rank) of ds.
func percentileMetric(b *testing.B, ds []time.Duration, p float64, unit string) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	i := max(0, int(float64(len(ds))*p/100+0.999999)-1)
	b.ReportMetric(float64(ds[min(i, len(ds)-1)].Microseconds()), unit)
}

// BenchmarkEditToPeer measures one small edit (a note's text and position)
// from the sender's SendAsync until every peer's client has read and
// applied it: ns/op is the time to the last peer. peer-p50-µs and
// peer-p99-µs are over every (edit, peer) pair. One edit at a time, so
// this is latency without load; cmd/partnerboard-load measures it under
// load. Every acknowledgement waits for an fsync'd SQLite commit.
func BenchmarkEditToPeer(b *testing.B) {
	for _, room := range []int{2, 25, 200} {
		b.Run(fmt.Sprintf("room=%d", room), func(b *testing.B) {
			env := testenv.Start(b, testenv.Options{Server: benchLimits})
			id := env.CreateBoard(b, "Edit to peer")
			var (
				sent    atomic.Int64 // unix nanos of the edit in flight
				got     atomic.Int64
				want    atomic.Int64
				reached = make(chan struct{}, 1)
				lat     = make(chan time.Duration, 1<<16)
			)
			onOp := func(_ client.Entry, at time.Time) {
				select {
				case lat <- at.Sub(time.Unix(0, sent.Load())):
				default: // the benchmark keeps what it can; ns/op is exact
				}
				if got.Add(1) == want.Load() {
					reached <- struct{}{}
				}
			}
			sender := env.Dial(b, id, "Sender")
			for i := range room - 1 {
				testenv.Dial(b, client.Options{URL: env.URL, Board: id, Name: fmt.Sprintf("Peer %d", i), OnOp: onOp})
			}
			ctx := context.Background()
			// The first note reaches everyone before the clock starts.
			want.Store(int64(room - 1))
			if _, err := sender.Send(ctx, []board.Op{testenv.Note("n1", "first", 0, 0)}); err != nil {
				b.Fatal(err)
			}
			<-reached
			for len(lat) > 0 {
				<-lat
			}
			var lats []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				want.Add(int64(room - 1))
				ops := []board.Op{{Type: board.OpUpdate, ID: "n1", Fields: map[string]any{"text": fmt.Sprintf("edit %d", i), "x": float64(i % 1000), "y": 5.0}}}
				sent.Store(time.Now().UnixNano())
				ch, err := sender.SendAsync(ctx, ops)
				if err != nil {
					b.Fatal(err)
				}
				select {
				case <-reached:
				case <-time.After(30 * time.Second):
					b.Fatalf("edit %d reached %d of %d peers", i, got.Load(), want.Load())
				}
				if _, err := client.Wait(ctx, ch); err != nil {
					b.Fatal(err)
				}
				for len(lat) > 0 {
					lats = append(lats, <-lat)
				}
			}
			b.StopTimer()
			percentileMetric(b, lats, 50, "peer-p50-µs")
			percentileMetric(b, lats, 99, "peer-p99-µs")
		})
	}
}

// BenchmarkJoinLargeBoard measures a client joining a board of 10,000
// objects over a real WebSocket, from dialling until the welcome holding
// the whole state (about 1.3 MB) has been read off the socket, not yet
// decoded: the server's side of a join plus loopback transfer.
//
//   - cold: nobody is on the board; it is loaded from SQLite first.
//   - stale: someone is on the board and an edit was applied since the
//     last join, so the state is encoded afresh (the usual case).
//   - cached: the board is unchanged since the last join.
//   - client: like stale, but with client.Dial, which also decodes and
//     validates the state: what a joining program waits for.
func BenchmarkJoinLargeBoard(b *testing.B) {
	for _, mode := range []string{"cold", "stale", "cached", "client"} {
		b.Run("objects=10000/"+mode, func(b *testing.B) {
			env := testenv.Start(b, testenv.Options{Server: benchLimits})
			id := benchBoard(b, env, 10000)
			var holder *client.Client
			if mode != "cold" {
				holder = env.Dial(b, id, "Holder")
			}
			ctx := context.Background()
			wsURL := "ws" + strings.TrimPrefix(env.URL, "http") + "/ws/boards/" + id
			hello, _ := json.Marshal(map[string]any{"t": "hello", "client": "joiner", "name": "Joiner"})
			var size int
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if mode == "stale" || mode == "client" {
					b.StopTimer()
					if _, err := holder.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "o00000", Fields: map[string]any{"x": float64(i % 1000)}}}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if mode == "client" {
					c, err := client.Dial(ctx, client.Options{URL: env.URL, Board: id, Name: "Joiner"})
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if n := c.State().Len(); n != 10000 {
						b.Fatalf("joined a board of %d objects", n)
					}
					_ = c.Close()
					b.StartTimer()
					continue
				}
				conn, _, err := websocket.Dial(ctx, wsURL, nil)
				if err != nil {
					b.Fatal(err)
				}
				conn.SetReadLimit(64 << 20)
				if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
					b.Fatal(err)
				}
				_, data, err := conn.Read(ctx)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if !strings.HasPrefix(string(data), `{"t":"welcome"`) {
					b.Fatalf("first frame is not a welcome: %.60s", data)
				}
				size = len(data)
				_ = conn.Close(websocket.StatusNormalClosure, "")
				if mode == "cold" {
					// The next join must load the board again.
					deadline := time.Now().Add(10 * time.Second)
					for env.Rooms() != 0 {
						if time.Now().After(deadline) {
							b.Fatal("the board did not unload")
						}
						time.Sleep(100 * time.Microsecond)
					}
				}
				b.StartTimer()
			}
			b.StopTimer()
			if size > 0 {
				b.ReportMetric(float64(size), "welcome-bytes")
			}
		})
	}
}

// BenchmarkRecovery measures a client reconnecting after it missed some
// edits: from Reconnect until its welcome is applied (client.Reconnect
// returns), on a board of 1,000 objects. ops/missed=N resumes with exactly
// the N entries missed; snapshot/missed=100 misses the same 100 entries on
// a server that retains only 50, so it gets the whole state instead.
func BenchmarkRecovery(b *testing.B) {
	cases := []struct {
		name     string
		missed   int
		retain   int
		snapshot bool
	}{
		{"ops/missed=10", 10, 0, false},
		{"ops/missed=100", 100, 0, false},
		{"ops/missed=900", 900, 0, false},
		{"snapshot/missed=100", 100, 50, true},
	}
	for _, tc := range cases {
		b.Run("objects=1000/"+tc.name, func(b *testing.B) {
			env := testenv.Start(b, testenv.Options{Server: benchLimits, Hub: hub.Config{RetainOps: tc.retain, CompactEvery: tc.retain}})
			id := benchBoard(b, env, 1000)
			editor := env.Dial(b, id, "Editor")
			away := env.Dial(b, id, "Away")
			ctx := context.Background()
			var n int
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				away.Drop()
				<-away.Done()
				var last <-chan client.Result
				for range tc.missed {
					n++
					ch, err := editor.SendAsync(ctx, []board.Op{{Type: board.OpUpdate, ID: fmt.Sprintf("o%05d", n%1000), Fields: map[string]any{"x": float64(n % 997), "y": 1.0}}})
					if err != nil {
						b.Fatal(err)
					}
					last = ch
				}
				if _, err := client.Wait(ctx, last); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := away.Reconnect(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				st := away.Stats()
				if st.LastWelcomeSnapshot != tc.snapshot || (!tc.snapshot && st.LastWelcomeOps != tc.missed) {
					b.Fatalf("welcome: snapshot=%v ops=%d, want snapshot=%v", st.LastWelcomeSnapshot, st.LastWelcomeOps, tc.snapshot)
				}
				b.StartTimer()
			}
		})
	}
}
