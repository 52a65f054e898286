package hub

import (
	"sync/atomic"
	"time"
)

// LatencyBuckets are the upper bounds, in seconds, of the commit latency
// histogram: from a batch reaching its room to its ack being queued.
var LatencyBuckets = []float64{0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// Histogram counts observations into fixed buckets. Safe for concurrent use.
type Histogram struct {
	counts []atomic.Uint64 // one per bucket, plus +Inf
	sumNs  atomic.Uint64
	n      atomic.Uint64
}

func newHistogram() *Histogram {
	return &Histogram{counts: make([]atomic.Uint64, len(LatencyBuckets)+1)}
}

func (h *Histogram) observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(LatencyBuckets) && s > LatencyBuckets[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNs.Add(uint64(d.Nanoseconds()))
	h.n.Add(1)
}

// Snapshot returns the cumulative count for each bucket of LatencyBuckets
// and +Inf, the sum in seconds and the number of observations.
func (h *Histogram) Snapshot() (cumulative []uint64, sum float64, count uint64) {
	cumulative = make([]uint64, len(h.counts))
	var c uint64
	for i := range h.counts {
		c += h.counts[i].Load()
		cumulative[i] = c
	}
	return cumulative, float64(h.sumNs.Load()) / 1e9, h.n.Load()
}

// metrics are the hub's counters; every field is updated atomically.
type metrics struct {
	clients    atomic.Int64
	opsApplied atomic.Uint64
	batches    atomic.Uint64
	slowDrops  atomic.Uint64
	cursorTick atomic.Uint64
	latency    *Histogram
}

// Stats is a reading of the hub's counters.
type Stats struct {
	Rooms     int    // live boards
	Clients   int64  // connected clients
	Batches   uint64 // batches applied since start
	Ops       uint64 // ops applied since start
	SlowDrops uint64 // clients dropped because their queue was full
	// CursorTicks counts rooms' cursor ticks: they run only while
	// pointers move, so an idle hub's count stands still.
	CursorTicks uint64
	Latency     *Histogram
	StartedAgo  time.Duration
}

// Stats reads the hub's counters.
func (h *Hub) Stats() Stats {
	return Stats{
		Rooms:       h.Rooms(),
		Clients:     h.m.clients.Load(),
		Batches:     h.m.batches.Load(),
		Ops:         h.m.opsApplied.Load(),
		SlowDrops:   h.m.slowDrops.Load(),
		CursorTicks: h.m.cursorTick.Load(),
		Latency:     h.m.latency,
		StartedAgo:  time.Since(h.started),
	}
}
