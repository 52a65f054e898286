package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/pgtest"
	"partnerboard/internal/redistest"
	"partnerboard/internal/testenv"
)

// Redis is killed and started again while people on two nodes keep
// editing one board. The nodes resubscribe and resync; a page sees a pause
// (its batches wait for Redis) or, if the pause is long, a closed socket it
// reconnects after, resending what was not confirmed; never divergence.
// With the append-only file on, every acknowledged batch is there after,
// once.
func TestClusterRidesOutARedisRestart(t *testing.T) {
	rs := redistest.Start(t, true)
	pg := pgtest.URL(t)
	flags := []string{"-redis-url", "redis://" + rs.Addr, "-postgres-url", pg, "-max-msgs-per-conn", "100000", "-msg-burst", "100000"}
	nodes := []*proc{startBinary(t, t.TempDir(), flags...), startBinary(t, t.TempDir(), flags...)}
	id := testenv.CreateBoard(t, nodes[0].url, "Redis restart")

	const writers, batches = 4, 50
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var acked, reconnects atomic.Int64
	cs := make([]*client.Client, writers)
	for i := range cs {
		cs[i] = testenv.Dial(t, client.Options{URL: nodes[i%2].url, Board: id, Name: fmt.Sprintf("Writer %d", i)})
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range batches {
				ch, err := c.SendAsync(ctx, []board.Op{testenv.Note(fmt.Sprintf("w%d-%d", i, k), "kept", float64(k), float64(i))})
				if err != nil {
					errs <- err
					return
				}
				for done := false; !done; {
					select {
					case r := <-ch:
						if r.Err != nil {
							errs <- fmt.Errorf("writer %d batch %d: %w", i, k, r.Err)
							return
						}
						acked.Add(1)
						done = true
					case <-c.Done():
						// The node gave up waiting for Redis and closed the
						// socket: come back, and the client resends.
						reconnects.Add(1)
						for c.ReconnectTo(ctx, nodes[i%2].url) != nil {
							if ctx.Err() != nil {
								errs <- ctx.Err()
								return
							}
							time.Sleep(100 * time.Millisecond)
						}
					case <-ctx.Done():
						errs <- ctx.Err()
						return
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	for acked.Load() < writers*batches/3 {
		time.Sleep(time.Millisecond)
	}
	rs.Kill(t)
	atKill := acked.Load()
	time.Sleep(500 * time.Millisecond) // batches meet a Redis that is gone
	rs.Restart(t)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if atKill >= writers*batches {
		t.Fatal("every batch was acknowledged before Redis went away: nothing crossed the restart")
	}
	t.Logf("%d batches acknowledged before the kill, %d in all; %d reconnects", atKill, acked.Load(), reconnects.Load())

	want := uint64(writers * batches)
	for n, nd := range nodes {
		look := testenv.Dial(t, client.Options{URL: nd.url, Board: id, Name: fmt.Sprintf("Look %d", n)})
		testenv.WaitFor(t, "a late joiner to be current", func() bool { return look.Seq() == want })
		st := look.State()
		for i := range writers {
			for k := range batches {
				if _, ok := st.Get(fmt.Sprintf("w%d-%d", i, k)); !ok {
					t.Fatalf("node %d: acknowledged note w%d-%d is missing", n, i, k)
				}
			}
		}
		for i, c := range cs {
			testenv.WaitFor(t, "every writer to catch up", func() bool { return c.Seq() == want })
			if testenv.StateJSON(t, c.State()) != testenv.StateJSON(t, st) {
				t.Fatalf("writer %d differs from a late joiner on node %d", i, n)
			}
		}
	}
}
