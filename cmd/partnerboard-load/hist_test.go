package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsAreContiguous(t *testing.T) {
	// Every value maps into the bucket whose range holds it, and the
	// ranges tile [0, maxValue] without gaps or overlaps.
	var next uint64
	for i := range numBuckets {
		lo, hi := bucketRange(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, next)
		}
		if hi < lo {
			t.Fatalf("bucket %d is [%d, %d]", i, lo, hi)
		}
		for _, v := range []uint64{lo, hi, lo + (hi-lo)/2} {
			if b := bucketOf(v); b != i {
				t.Fatalf("bucketOf(%d) = %d, want %d", v, b, i)
			}
		}
		next = hi + 1
	}
	if next != maxValue+1 {
		t.Fatalf("buckets end at %d, want %d", next-1, uint64(maxValue))
	}
}

func TestBucketPrecision(t *testing.T) {
	for i := range numBuckets {
		lo, hi := bucketRange(i)
		if float64(hi-lo) > float64(lo)/subBuckets {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d of its values", i, lo, hi, subBuckets)
		}
	}
}

// exact is the nearest-rank percentile of sorted values.
func exact(sorted []uint64, p float64) uint64 {
	rank := int(p / 100 * float64(len(sorted)))
	if float64(rank) < p/100*float64(len(sorted)) {
		rank++
	}
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func TestPercentilesSmallValuesAreExact(t *testing.T) {
	var h hist
	var vals []uint64
	for v := uint64(1); v <= 100; v++ {
		h.recordMicros(v)
		vals = append(vals, v)
	}
	for _, p := range []float64{1, 50, 95, 99, 99.9, 100} {
		if got, want := h.percentile(p), exact(vals, p); got != want {
			t.Errorf("p%v = %d, want %d", p, got, want)
		}
	}
	if h.percentile(50) != 50 || h.percentile(99) != 99 || h.max != 100 || h.min != 1 {
		t.Errorf("p50 %d p99 %d max %d min %d", h.percentile(50), h.percentile(99), h.max, h.min)
	}
	if got := h.mean(); got != 50.5 {
		t.Errorf("mean = %v, want 50.5", got)
	}
}

func TestPercentilesWithinPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h hist
	vals := make([]uint64, 100000)
	for i := range vals {
		// Long-tailed, like latencies: mostly ms, some up to seconds.
		v := uint64(rng.ExpFloat64() * 5000)
		if rng.IntN(100) == 0 {
			v *= 100
		}
		vals[i] = v
		h.recordMicros(v)
	}
	slices.Sort(vals)
	for _, p := range []float64{50, 90, 95, 99, 99.9, 100} {
		got, want := h.percentile(p), exact(vals, p)
		if got < want || float64(got-want) > float64(want)/subBuckets {
			t.Errorf("p%v = %d, want %d within %.1f%%", p, got, want, 100.0/subBuckets)
		}
	}
	if h.percentile(100) != vals[len(vals)-1] {
		t.Errorf("p100 = %d, want the max %d", h.percentile(100), vals[len(vals)-1])
	}
}

func TestPercentileOfOneSample(t *testing.T) {
	var h hist
	h.record(1234567 * time.Microsecond)
	for _, p := range []float64{0.1, 50, 100} {
		if got := h.percentile(p); got != 1234567 {
			t.Errorf("p%v = %d, want the only sample 1234567", p, got)
		}
	}
}

func TestEmptyAndOutOfRange(t *testing.T) {
	var h hist
	if h.percentile(99) != 0 || h.mean() != 0 {
		t.Fatal("empty histogram must report zeros")
	}
	h.record(-time.Second) // a clock step
	h.record(1 << 62)
	if h.min != 0 || h.max != maxValue || h.n != 2 {
		t.Fatalf("min %d max %d n %d", h.min, h.max, h.n)
	}
}

func TestMerge(t *testing.T) {
	var a, b, all hist
	for v := uint64(0); v < 5000; v += 7 {
		if v%2 == 0 {
			a.recordMicros(v)
		} else {
			b.recordMicros(v)
		}
		all.recordMicros(v)
	}
	var m hist
	m.merge(&a)
	m.merge(&b)
	m.merge(&hist{})
	if m != all {
		t.Fatal("merging the halves differs from recording everything")
	}
}
