package postgres

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"partnerboard/hub"
)

// BenchmarkAppend measures committed appends per second when many boards
// append one-op entries in parallel, i.e. how well group commit shares the
// round trip and WAL flush behind every acknowledgement.
func BenchmarkAppend(b *testing.B) {
	s, _ := tempStore(b, Options{})
	raw := []byte(`[{"op":"move","id":"n1","x":10,"y":20}]`)
	var (
		boardN atomic.Int64
		wg     sync.WaitGroup
		failed atomic.Int64
	)
	done := func(err error) {
		if err != nil {
			failed.Add(1)
		}
		wg.Done()
	}
	// 8 × GOMAXPROCS appenders, like many busy boards, each on its own
	// board created before the clock starts.
	const parallelism = 8
	b.SetParallelism(parallelism)
	for i := range parallelism * runtime.GOMAXPROCS(0) {
		if err := s.CreateBoard(b.Context(), hub.BoardInfo{ID: fmt.Sprintf("bench-%d", i)}, nil); err != nil {
			b.Fatal(err)
		}
	}
	before := s.Stats()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		board := fmt.Sprintf("bench-%d", boardN.Add(1)-1)
		var seq uint64
		for pb.Next() {
			seq++
			wg.Add(1)
			s.Append(board, []hub.Entry{{Seq: seq, Client: "c", Batch: fmt.Sprint(seq), Author: "a", Raw: raw}}, done)
		}
	})
	wg.Wait() // an append counts once it is durable
	b.StopTimer()
	if n := failed.Load(); n != 0 {
		b.Fatalf("%d appends failed", n)
	}
	st := s.Stats()
	commits := max(st.Commits-before.Commits, 1)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	b.ReportMetric(float64(st.Appends-before.Appends)/float64(commits), "appends/commit")
}
