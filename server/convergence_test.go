package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
	"partnerboard/server"
)

// fastClients lifts the per-connection rate limits: these tests send as
// fast as they can on purpose.
var fastClients = server.Config{MessagesPerSecond: 1e6, Burst: 1e6, MessagesPerSecondPerIP: 1e7}

// randomBatch builds a batch of 1–5 ops against what the client currently
// sees: creates, updates of the shared hot objects' fields (so clients
// really collide on the same fields), moves, list reordering and deletes.
func randomBatch(rng *rand.Rand, st *board.State, me string, n *int, hot []string) []board.Op {
	var ops []board.Op
	for range 1 + rng.IntN(5) {
		objs := st.Objects()
		switch p := rng.IntN(100); {
		case p < 25 || len(objs) == 0:
			*n++
			id := fmt.Sprintf("%s-%d", me, *n)
			if rng.IntN(2) == 0 {
				ops = append(ops, testenv.Note(id, "note "+id, float64(rng.IntN(2000)), float64(rng.IntN(2000))))
			} else {
				key, _ := board.KeyBetween("", "")
				if len(objs) > 0 {
					if k, ok := objs[rng.IntN(len(objs))].Fields["order"].(string); ok {
						if next, err := board.KeyBetween(k, ""); err == nil {
							key = next
						}
					}
				}
				ops = append(ops, board.Op{Type: board.OpCreate, ID: id, Kind: board.KindItem,
					Fields: map[string]any{"text": "challenge " + id, "order": key, "parent": hot[0]}})
			}
		case p < 60:
			// Concurrent updates of the same fields of the same objects.
			id := hot[rng.IntN(len(hot))]
			ops = append(ops, board.Op{Type: board.OpUpdate, ID: id, Fields: map[string]any{
				"text": fmt.Sprintf("%s says %d", me, rng.IntN(1000)), "x": float64(rng.IntN(1000))}})
		case p < 75:
			o := objs[rng.IntN(len(objs))]
			ops = append(ops, board.Op{Type: board.OpUpdate, ID: o.ID, Fields: map[string]any{
				"x": float64(rng.IntN(4000) - 2000), "y": float64(rng.IntN(4000) - 2000)}})
		case p < 90:
			// Reorder: move an object between two others in list order.
			a, b := objs[rng.IntN(len(objs))], objs[rng.IntN(len(objs))]
			ka, _ := a.Fields["order"].(string)
			kb, _ := b.Fields["order"].(string)
			if ka > kb {
				ka, kb = kb, ka
			}
			key, err := board.KeyBetween(ka, kb)
			if err != nil || ka == kb {
				key, _ = board.KeyBetween(kb, "")
			}
			if key != "" {
				ops = append(ops, board.Op{Type: board.OpUpdate, ID: objs[rng.IntN(len(objs))].ID, Fields: map[string]any{"order": key}})
			}
		default:
			o := objs[rng.IntN(len(objs))]
			if !contains(hot, o.ID) {
				ops = append(ops, board.Op{Type: board.OpDelete, ID: o.ID})
			}
		}
	}
	if len(ops) == 0 {
		*n++
		ops = append(ops, testenv.Note(fmt.Sprintf("%s-%d", me, *n), "filler", 0, 0))
	}
	return ops
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// Acceptance: 20 concurrent clients each send 200 random batches; at the
// end every client, the server and a fresh joiner hold identical state.
func TestConvergence(t *testing.T) {
	const clients, batches = 20, 200
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	id := env.CreateBoard(t, "Convergence")

	seed := testenv.Dial(t, client.Options{URL: env.URL, Board: id, Name: "Seeder"})
	hot := []string{"hot-1", "hot-2", "hot-3"}
	var seedOps []board.Op
	for i, h := range hot {
		seedOps = append(seedOps, testenv.Note(h, "start", float64(i*200), 0))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := seed.Send(ctx, seedOps); err != nil {
		t.Fatalf("seed: %v", err)
	}

	cs := make([]*client.Client, clients)
	for i := range cs {
		cs[i] = testenv.Dial(t, client.Options{URL: env.URL, Board: id, Name: fmt.Sprintf("Person %d", i)})
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			me := fmt.Sprintf("c%d", i)
			n := 0
			// Up to four batches in flight, so batches interleave with
			// other clients' on the server.
			inflight := make(chan (<-chan client.Result), 4)
			wait := func() error {
				ch := <-inflight
				if _, err := client.Wait(ctx, ch); err != nil {
					return fmt.Errorf("%s: batch: %w", me, err)
				}
				return nil
			}
			// A slightly stale view is what a real client works from too,
			// and cloning the state for every batch would dominate the test.
			var view *board.State
			for b := range batches {
				if b%10 == 0 {
					view = c.State()
				}
				if len(inflight) == cap(inflight) {
					if err := wait(); err != nil {
						errs <- err
						return
					}
				}
				ch, err := c.SendAsync(ctx, randomBatch(rng, view, me, &n, hot))
				if err != nil {
					errs <- err
					return
				}
				inflight <- ch
			}
			for len(inflight) > 0 {
				if err := wait(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	server, seq := testenv.BoardState(t, env.URL, id)
	if got, want := seq, uint64(1+clients*batches); got != want {
		t.Fatalf("server seq = %d, want %d (one per batch)", got, want)
	}
	want := testenv.StateJSON(t, server)
	all := append([]*client.Client{seed}, cs...)
	for i, c := range all {
		testenv.WaitFor(t, "client to catch up", func() bool { return c.Seq() == seq })
		if got := testenv.StateJSON(t, c.State()); got != want {
			t.Errorf("client %d state differs from the server's:\n got %.300s\nwant %.300s", i, got, want)
		}
	}
	fresh := env.Dial(t, id, "Late joiner")
	if got := testenv.StateJSON(t, fresh.State()); got != want {
		t.Errorf("fresh joiner's state differs from the server's")
	}
	if server.Len() < 10 {
		t.Errorf("only %d live objects at the end: the random mix did not exercise much", server.Len())
	}
}
