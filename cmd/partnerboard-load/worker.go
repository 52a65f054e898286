package main

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/server"
)

// worker is one simulated person: one client, one goroutine (loop) that
// sends their edits and pointer moves and handles their connection, plus
// the hooks the client's read goroutine calls for what arrives. No
// goroutine is started per message.
type worker struct {
	r     *runner
	idx   int
	board string
	url   string
	shard *shard
	rng   *rand.Rand // loop only

	cl       *client.Client // set by dial; then loop only
	notes    []string       // ids of the notes this person created
	nextNote int
	acks     []pendingAck // sent edits awaiting their ack, oldest first

	// Counters read by the runner at the window's edges.
	editsSent, cursorsSent         atomic.Int64
	opsRecv, cursorMsgs, cursorPos atomic.Int64
	acksRecv                       atomic.Int64
}

type pendingAck struct {
	ch   <-chan client.Result
	sent time.Time
	// away: the connection dropped while the ack was due, so its wait
	// includes time offline and is not an ack latency.
	away bool
}

func newWorker(r *runner, idx int, boardID, url string) *worker {
	return &worker{
		r:     r,
		idx:   idx,
		board: boardID,
		url:   url,
		shard: &r.shards[idx%numShards],
		rng:   rand.New(rand.NewPCG(r.cfg.Seed, uint64(idx))),
	}
}

func (w *worker) options() client.Options {
	return client.Options{
		URL:       w.url,
		Board:     w.board,
		Name:      "Load " + strconv.Itoa(w.idx),
		OnOp:      w.onOp,
		OnCursors: w.onCursors,
		OnError:   w.onError,
		// Nobody here looks at the board, and decoding and applying every
		// op in thousands of clients would make this process, not the
		// server, the bottleneck.
		NoState: true,
	}
}

// dial connects as a new person (a fresh client id, so a full snapshot).
func (w *worker) dial(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, w.r.cfg.DialLimit)
	defer cancel()
	cl, err := client.Dial(dctx, w.options())
	if err != nil {
		return err
	}
	w.cl = cl
	return nil
}

// onOp runs on the client's read goroutine for every edit of someone else.
func (w *worker) onOp(e client.Entry, at time.Time) {
	w.opsRecv.Add(1)
	if !w.r.measuring.Load() {
		return
	}
	sent, ok := parseEditStamp(e.Ops)
	if !ok {
		return // not one of ours (someone else is on the board)
	}
	w.shard.mu.Lock()
	w.shard.edit.record(at.Sub(time.Unix(0, sent)))
	w.shard.mu.Unlock()
}

// onCursors runs on the client's read goroutine for every cursors message.
func (w *worker) onCursors(cs []client.Cursor, at time.Time) {
	w.cursorMsgs.Add(1)
	w.cursorPos.Add(int64(len(cs)))
	if !w.r.measuring.Load() {
		return
	}
	me := float64(w.idx)
	w.shard.mu.Lock()
	for _, c := range cs {
		if c.Y == me {
			continue // our own pointer coming back
		}
		if d, ok := cursorLatency(c.X, at); ok {
			w.shard.cursor.record(d)
		}
	}
	w.shard.mu.Unlock()
}

func (w *worker) onError(e client.ErrorMsg) { w.r.fail("protocol:" + e.Code) }

// loop drives the person until ctx ends: pointer moves at a steady rate,
// edits at jittered intervals, occasional leaving and rejoining or dropping
// and reconnecting, and recovery from unexpected disconnects.
func (w *worker) loop(ctx context.Context) {
	cfg := &w.r.cfg
	now := time.Now()
	var cursorEvery time.Duration
	var nextCursor, nextEdit, nextRejoin, nextReconn, nextPing time.Time
	if cfg.Idle {
		// A quiet page says {"t":"ping"} when it has sent nothing for a
		// while (static/sync.js); so does an idle person here.
		nextPing = now.Add(w.jitter(server.ClientPingInterval, 0, 1))
	} else {
		if cfg.CursorRate > 0 {
			cursorEvery = time.Duration(float64(time.Second) / cfg.CursorRate)
			nextCursor = now.Add(w.jitter(cursorEvery, 0, 1)) // random phase
		}
		if cfg.EditEvery > 0 {
			nextEdit = now.Add(w.jitter(cfg.EditEvery, 0, 1))
		}
		nextRejoin = w.nextChurn(now, cfg.RejoinPct)
		nextReconn = w.nextChurn(now, cfg.ReconnPct)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil { // a churn cut short by the end leaves a closed client behind: not a disconnect
		// Since Go 1.23 a Reset or Stop timer never delivers a stale fire.
		if wake := earliest(nextCursor, nextEdit, nextRejoin, nextReconn, nextPing); wake.IsZero() {
			timer.Stop()
		} else {
			timer.Reset(time.Until(wake))
		}
		var ackCh <-chan client.Result
		if len(w.acks) > 0 {
			ackCh = w.acks[0].ch
		}
		select {
		case <-ctx.Done():
			return
		case <-w.cl.Done():
			w.r.disconnected(w.idx, w.cl)
			w.recover(ctx)
		case res := <-ackCh:
			w.acked(res)
		case now = <-timer.C:
			if due(nextCursor, now) {
				w.sendCursor(ctx, now)
				nextCursor = nextCursor.Add(cursorEvery)
				if nextCursor.Before(now) {
					nextCursor = now.Add(cursorEvery) // fell behind: don't burst to catch up
				}
			}
			if due(nextEdit, now) {
				w.sendEdit(ctx)
				nextEdit = now.Add(w.jitter(cfg.EditEvery, 0.5, 1.5))
			}
			if due(nextPing, now) {
				_ = w.cl.Ping(ctx) // a failure shows as Done
				nextPing = now.Add(server.ClientPingInterval)
			}
			if due(nextRejoin, now) {
				w.rejoin(ctx)
				nextRejoin = w.nextChurn(time.Now(), cfg.RejoinPct)
			}
			if due(nextReconn, now) {
				w.reconnect(ctx)
				nextReconn = w.nextChurn(time.Now(), cfg.ReconnPct)
			}
		}
	}
}

func due(t, now time.Time) bool { return !t.IsZero() && !t.After(now) }

// earliest is the first non-zero time, or zero if all are.
func earliest(ts ...time.Time) time.Time {
	var e time.Time
	for _, t := range ts {
		if !t.IsZero() && (e.IsZero() || t.Before(e)) {
			e = t
		}
	}
	return e
}

// jitter is d scaled by a uniform factor in [lo, hi).
func (w *worker) jitter(d time.Duration, lo, hi float64) time.Duration {
	return time.Duration(float64(d) * (lo + (hi-lo)*w.rng.Float64()))
}

// nextChurn draws the next time this person leaves, when pct percent of
// people do so a minute: exponential gaps, so it is a Poisson process.
func (w *worker) nextChurn(now time.Time, pct float64) time.Time {
	if pct <= 0 {
		return time.Time{}
	}
	mean := float64(time.Minute) * 100 / pct
	return now.Add(time.Duration(w.rng.ExpFloat64() * mean))
}

func (w *worker) sendCursor(ctx context.Context, now time.Time) {
	// x carries the send time, y who sent it.
	if err := w.cl.Cursor(ctx, cursorX(now), float64(w.idx)); err != nil {
		return // the connection is going; loop sees Done
	}
	w.cursorsSent.Add(1)
}

// sendEdit creates a note or updates one of ours: text (with the send
// time), x and y, one batch of one op, like a person typing or dragging.
func (w *worker) sendEdit(ctx context.Context) {
	x, y := float64(w.rng.IntN(8000)-4000), float64(w.rng.IntN(6000)-3000)
	var op board.Op
	now := time.Now()
	if len(w.notes) == 0 || w.rng.Float64()*100 < w.r.cfg.CreatePct {
		id := "n" + w.r.runID + "-" + strconv.Itoa(w.idx) + "-" + strconv.Itoa(w.nextNote)
		w.nextNote++
		w.notes = append(w.notes, id)
		op = board.Op{Type: board.OpCreate, ID: id, Kind: board.KindNote, Fields: map[string]any{"text": editText(now), "x": x, "y": y}}
	} else {
		id := w.notes[w.rng.IntN(len(w.notes))]
		op = board.Op{Type: board.OpUpdate, ID: id, Fields: map[string]any{"text": editText(now), "x": x, "y": y}}
	}
	ch, err := w.cl.SendAsync(ctx, []board.Op{op})
	if err != nil {
		w.r.fail("send")
		return
	}
	w.editsSent.Add(1)
	w.acks = append(w.acks, pendingAck{ch: ch, sent: now})
}

func (w *worker) acked(res client.Result) {
	p := w.acks[0]
	w.acks[0] = pendingAck{}
	w.acks = w.acks[1:]
	if res.Err != nil {
		code := res.Err.Error()
		if e, ok := res.Err.(*client.ErrorMsg); ok {
			code = e.Code
		}
		w.r.fail("ack:" + code)
		return
	}
	w.acksRecv.Add(1)
	if w.r.measuring.Load() && !p.away {
		w.shard.mu.Lock()
		w.shard.ack.record(time.Since(p.sent))
		w.shard.mu.Unlock()
	}
}

// offline is how long a churning person stays away: long enough to miss
// a few edits.
func (w *worker) offline() time.Duration { return w.jitter(2*time.Second, 0.25, 1.5) }

// rejoin leaves the board and comes back as a new person, who gets the
// whole board in their welcome.
func (w *worker) rejoin(ctx context.Context) {
	_ = w.cl.Close()
	w.acks = nil // the old client's batches are gone with it
	if !sleep(ctx, w.offline()) {
		return
	}
	t0 := time.Now()
	if err := w.dial(ctx); err != nil {
		if ctx.Err() == nil {
			w.r.fail("rejoin")
			w.recover(ctx)
		}
		return
	}
	w.recordChurn(&w.shard.rejoin, time.Since(t0))
}

// reconnect drops the connection as a network failure would and resumes:
// the welcome carries only the edits missed while away.
func (w *worker) reconnect(ctx context.Context) {
	w.markAway()
	w.cl.Drop()
	<-w.cl.Done()
	if !sleep(ctx, w.offline()) {
		return
	}
	t0 := time.Now()
	if err := w.cl.Reconnect(ctx); err != nil {
		if ctx.Err() == nil {
			w.r.fail("reconnect")
			w.recover(ctx)
		}
		return
	}
	w.recordChurn(&w.shard.reconnect, time.Since(t0))
}

// markAway excludes the acks still due from the ack latency.
func (w *worker) markAway() {
	for i := range w.acks {
		w.acks[i].away = true
	}
}

func (w *worker) recordChurn(h *hist, d time.Duration) {
	if w.r.measuring.Load() {
		w.shard.mu.Lock()
		h.record(d)
		w.shard.mu.Unlock()
	}
}

// recover reconnects after a connection was lost unexpectedly, backing off
// from 100 ms to 5 s between attempts, until it works or ctx ends.
func (w *worker) recover(ctx context.Context) {
	w.markAway()
	backoff := 100 * time.Millisecond
	for sleep(ctx, backoff) {
		rctx, cancel := context.WithTimeout(ctx, w.r.cfg.DialLimit)
		err := w.cl.Reconnect(rctx)
		cancel()
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			return
		}
		w.r.fail("reconnect")
		backoff = min(2*backoff, 5*time.Second)
	}
}
