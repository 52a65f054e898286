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

// Presence across nodes with real processes: two people on one board
// through different nodes see each other, what the other edits and the
// other's cursor; when one node is killed with SIGKILL, nobody tells
// anyone, and its user disappears from the other node once the presence
// TTL (shortened by -presence-ttl) has passed.
func TestClusterSharesPresenceAndForgetsAKilledNode(t *testing.T) {
	rs := redistest.Start(t, false)
	pg := pgtest.URL(t)
	flags := []string{"-redis-url", "redis://" + rs.Addr, "-postgres-url", pg, "-presence-ttl", "1s"}
	n1 := startBinary(t, t.TempDir(), flags...)
	n2 := startBinary(t, t.TempDir(), flags...)
	id := testenv.CreateBoard(t, n1.url, "Presence")

	var mu sync.Mutex
	cursors := map[string]client.Cursor{}
	a := testenv.Dial(t, client.Options{URL: n1.url, Board: id, Name: "Amira", Color: "#2f5d8a"})
	b := testenv.Dial(t, client.Options{URL: n2.url, Board: id, Name: "Ben", OnCursors: func(cs []client.Cursor, _ time.Time) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range cs {
			cursors[c.Session] = c
		}
	}})
	user := func(c *client.Client, session string) (client.User, bool) {
		for _, u := range c.Users() {
			if u.ID == session {
				return u, true
			}
		}
		return client.User{}, false
	}
	// Each learns of the other from its welcome or from a join.
	testenv.WaitFor(t, "Ben to see Amira", func() bool { _, ok := user(b, a.Session()); return ok })
	testenv.WaitFor(t, "Amira to see Ben", func() bool { _, ok := user(a, b.Session()); return ok })
	if u, _ := user(b, a.Session()); u.Name != "Amira" || u.Color != "#2f5d8a" {
		t.Fatalf("Ben sees Amira as %+v", u)
	}
	if len(a.Users()) != 2 || len(b.Users()) != 2 {
		t.Fatalf("Amira sees %d people and Ben %d, want 2 each", len(a.Users()), len(b.Users()))
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.Editing(ctx, "cell-name"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "Ben to see Amira editing", func() bool { u, _ := user(b, a.Session()); return u.Editing == "cell-name" })
	if err := a.Cursor(ctx, 412.5, -30); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "Amira's cursor to reach Ben", func() bool {
		mu.Lock()
		defer mu.Unlock()
		c := cursors[a.Session()]
		return c.X == 412.5 && c.Y == -30
	})

	// Someone leaving normally is gone from the other node at once, and a
	// late joiner there finds the people of both nodes in its welcome.
	c := testenv.Dial(t, client.Options{URL: n1.url, Board: id, Name: "Chidi"})
	testenv.WaitFor(t, "Ben to see Chidi", func() bool { _, ok := user(b, c.Session()); return ok })
	late := testenv.Dial(t, client.Options{URL: n2.url, Board: id, Name: "Dana"})
	if len(late.Users()) != 4 {
		t.Fatalf("the late joiner's welcome lists %+v, want 4 people", late.Users())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "Ben to see Chidi leave", func() bool { _, ok := user(b, c.Session()); return !ok })

	if err := n1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-n1.exited
	testenv.WaitFor(t, "Amira to disappear from Ben's board", func() bool { _, ok := user(b, a.Session()); return !ok })
	if _, ok := user(b, b.Session()); !ok || len(b.Users()) != 2 {
		t.Fatalf("after the kill Ben sees %+v, want himself and Dana", b.Users())
	}
}
