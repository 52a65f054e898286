package main

import (
	"math/bits"
	"time"
)

// hist is a log-linear histogram of durations in microseconds, in the
// manner of HdrHistogram: values below 2·subBuckets are kept exactly, and
// above that every power of two is split into subBuckets equal buckets, so
// a reported percentile is within 1/subBuckets (0.8 %) of the true value
// while recording is an index computation and an increment. Fixed memory
// matters: a run records millions of samples.
//
// A hist is not safe for concurrent use; recorders shard and lock.
type hist struct {
	counts [numBuckets]uint64
	n      uint64
	sum    uint64 // µs
	min    uint64
	max    uint64
}

const (
	subBits    = 7
	subBuckets = 1 << subBits // buckets per power of two
	// maxValue caps a recorded value: 2^40 µs is 12.7 days, far beyond any
	// run; larger values (a clock jump) are recorded as maxValue.
	maxValueBits = 40
	maxValue     = 1<<maxValueBits - 1
	numBuckets   = subBuckets + (maxValueBits-subBits)*subBuckets
)

// bucketOf returns the index of the bucket holding v.
func bucketOf(v uint64) int {
	if v < 2*subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // ≥ 1: the top subBits+1 bits of v select the bucket
	top := v >> shift                    // in [subBuckets, 2·subBuckets)
	return subBuckets + shift*subBuckets + int(top-subBuckets)
}

// bucketRange returns the smallest and largest value bucket i holds.
func bucketRange(i int) (lo, hi uint64) {
	if i < 2*subBuckets {
		return uint64(i), uint64(i)
	}
	shift := i/subBuckets - 1
	top := uint64(i%subBuckets + subBuckets)
	return top << shift, (top+1)<<shift - 1
}

// record adds one duration; negative ones (clock steps) count as zero.
func (h *hist) record(d time.Duration) {
	v := uint64(0)
	if d > 0 {
		v = uint64(d / time.Microsecond)
	}
	h.recordMicros(v)
}

func (h *hist) recordMicros(v uint64) {
	if v > maxValue {
		v = maxValue
	}
	h.counts[bucketOf(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += v
}

// merge adds every sample of o.
func (h *hist) merge(o *hist) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) in
// microseconds: the smallest recorded value such that at least p % of the
// samples are at most it, reported as the top of its bucket (never above
// the largest sample). An empty histogram gives 0.
func (h *hist) percentile(p float64) uint64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(p / 100 * float64(h.n))
	if float64(rank) < p/100*float64(h.n) {
		rank++ // ceil, without float error for whole ranks
	}
	rank = min(max(rank, 1), h.n)
	var cum uint64
	for i, c := range h.counts {
		cum += c
		if cum >= rank {
			_, hi := bucketRange(i)
			return min(hi, h.max)
		}
	}
	return h.max
}

// mean returns the average in microseconds (0 when empty).
func (h *hist) mean() float64 {
	if h.n == 0 {
		return 0
	}
	return float64(h.sum) / float64(h.n)
}
