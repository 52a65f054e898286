package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/pgtest"
	"partnerboard/internal/redistest"
	"partnerboard/internal/testenv"
	"partnerboard/store/postgres"
)

// Cluster mode with real parts: three partnerboard processes sharing one
// redis-server (append-only file, fsync always) and one PostgreSQL
// database. Clients spread over the nodes converge; one node is killed
// with SIGKILL mid-run, its clients reconnect to the others and resend
// what was not confirmed, and every batch ends up applied exactly once.
func TestClusterConvergesThroughANodeKill(t *testing.T) {
	rs := redistest.Start(t, true)
	pg := pgtest.URL(t)
	flags := []string{"-redis-url", "redis://" + rs.Addr, "-postgres-url", pg, "-max-msgs-per-conn", "100000", "-msg-burst", "100000"}
	nodes := []*proc{startBinary(t, t.TempDir(), flags...), startBinary(t, t.TempDir(), flags...), startBinary(t, t.TempDir(), flags...)}
	id := testenv.CreateBoard(t, nodes[0].url, "Cluster")

	const writers, batches = 6, 60
	hot := []string{"hot-1", "hot-2"}
	seed := testenv.Dial(t, client.Options{URL: nodes[1].url, Board: id, Name: "Seeder"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := seed.Send(ctx, []board.Op{testenv.Note(hot[0], "start", 0, 0), testenv.Note(hot[1], "start", 100, 0)}); err != nil {
		t.Fatal(err)
	}

	var acked atomic.Int64
	var killed atomic.Bool
	alive := func(i int) string {
		if killed.Load() {
			return nodes[i%2].url // nodes 0 and 1 survive
		}
		return nodes[i%3].url
	}
	cs := make([]*client.Client, writers)
	for i := range cs {
		cs[i] = testenv.Dial(t, client.Options{URL: alive(i), Board: id, Name: fmt.Sprintf("Writer %d", i)})
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range batches {
				ops := []board.Op{
					testenv.Note(fmt.Sprintf("w%d-%d", i, k), "kept", float64(k), float64(i)),
					{Type: board.OpUpdate, ID: hot[k%2], Fields: map[string]any{"text": fmt.Sprintf("writer %d, batch %d", i, k)}},
				}
				ch, err := c.SendAsync(ctx, ops)
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
						// Its node went away: go to another, as a load
						// balancer would send it, and resend.
						for attempt := 0; ; attempt++ {
							if err := c.ReconnectTo(ctx, alive(i+attempt)); err == nil {
								break
							}
							if ctx.Err() != nil {
								errs <- ctx.Err()
								return
							}
							time.Sleep(50 * time.Millisecond)
						}
					case <-ctx.Done():
						errs <- ctx.Err()
						return
					}
				}
			}
		}()
	}
	for acked.Load() < writers*batches/3 {
		time.Sleep(time.Millisecond)
	}
	killed.Store(true)
	if err := nodes[2].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	want := uint64(1 + writers*batches) // one entry per batch, each once
	fresh := testenv.Dial(t, client.Options{URL: nodes[0].url, Board: id, Name: "Late joiner"})
	testenv.WaitFor(t, "the late joiner to be current", func() bool { return fresh.Seq() == want })
	wantState := testenv.StateJSON(t, fresh.State())
	for i, c := range append(cs, seed) {
		testenv.WaitFor(t, "every writer to catch up", func() bool { return c.Seq() == want })
		if testenv.StateJSON(t, c.State()) != wantState {
			t.Errorf("client %d differs from the late joiner", i)
		}
	}
	st := fresh.State()
	for i := range writers {
		for k := range batches {
			if _, ok := st.Get(fmt.Sprintf("w%d-%d", i, k)); !ok {
				t.Fatalf("acknowledged note w%d-%d is missing", i, k)
			}
		}
	}
	other := testenv.Dial(t, client.Options{URL: nodes[1].url, Board: id, Name: "Second look"})
	if testenv.StateJSON(t, other.State()) != wantState || other.Seq() != want {
		t.Fatal("the two surviving nodes disagree")
	}
}

// A board whose room has unloaded is compacted into PostgreSQL; with
// everything dropped from Redis it reloads identically on another node,
// and editing goes on from where it was.
func TestClusterBoardReloadsFromPostgresAfterRedisForgetsIt(t *testing.T) {
	rs := redistest.Start(t, false)
	pg := pgtest.URL(t)
	flags := []string{"-redis-url", "redis://" + rs.Addr, "-postgres-url", pg}
	a := startBinary(t, t.TempDir(), flags...)
	b := startBinary(t, t.TempDir(), flags...)
	id := testenv.CreateBoard(t, a.url, "Compacted")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := testenv.Dial(t, client.Options{URL: a.url, Board: id, Name: "Amira"})
	for k := range 25 {
		if _, err := c.Send(ctx, []board.Op{testenv.Note(fmt.Sprintf("n%d", k), fmt.Sprintf("idea %d", k), float64(k), 0)}); err != nil {
			t.Fatal(err)
		}
	}
	want := testenv.StateJSON(t, c.State())
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// The room unloads and compacts once its last client has gone; the
	// board's state in PostgreSQL is then at seq 25.
	store, err := postgres.Open(ctx, postgres.Options{URL: pg})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	testenv.WaitFor(t, "the board to be compacted into PostgreSQL", func() bool {
		l, err := store.LoadBoard(ctx, id)
		return err == nil && l.Seq == 25
	})
	// Redis forgets everything, as if its keys had expired.
	flush := redistest.Client(t, rs)
	if err := flush.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	d := testenv.Dial(t, client.Options{URL: b.url, Board: id, Name: "Ben"})
	if got := testenv.StateJSON(t, d.State()); got != want || d.Seq() != 25 {
		t.Fatalf("reloaded at seq %d:\n got %s\nwant %s", d.Seq(), got, want)
	}
	seq, err := d.Send(ctx, []board.Op{testenv.Note("after", "still going", 0, 50)})
	if err != nil || seq != 26 {
		t.Fatalf("the next edit got seq %d (%v), want 26", seq, err)
	}
}
