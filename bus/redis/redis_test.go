package redis_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"partnerboard/bus/redis"
	"partnerboard/hub"
	"partnerboard/internal/redistest"
)

// node is one Partnerboard node's bus with one room's worth of deliveries.
type node struct {
	bus *redis.Bus
	log hub.BoardLog
	mu  sync.Mutex
	got []hub.Entry
}

func newNode(t *testing.T, addr, board string, head hub.Head) *node {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	b := redis.New(redis.Options{Client: rdb, RetryFor: time.Minute})
	n := &node{bus: b}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := b.Open(ctx, board, head, n.deliver)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	n.log = l
	t.Cleanup(func() {
		_ = l.Close()
		_ = b.Close()
		_ = rdb.Close()
	})
	return n
}

func (n *node) deliver(es []hub.Entry) {
	n.mu.Lock()
	n.got = append(n.got, es...)
	n.mu.Unlock()
}

func (n *node) seqs() []uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]uint64, len(n.got))
	for i, e := range n.got {
		out[i] = e.Seq
	}
	return out
}

func publish(n *node, client, batch string) ([]hub.Published, error) {
	ch := make(chan struct {
		res []hub.Published
		err error
	}, 1)
	n.log.Publish([]hub.Entry{{Client: client, Batch: batch, Author: "Amira \"A\" Ö", Raw: []byte(`[{"op":"delete","id":"x"}]`)}},
		func(res []hub.Published, err error) {
			ch <- struct {
				res []hub.Published
				err error
			}{res, err}
		})
	r := <-ch
	return r.res, r.err
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func upTo(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// Two nodes publishing to one board concurrently: one gap-free order, the
// same on both, and a retry is recognised across nodes.
func TestTwoNodesShareOneOrder(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, false)
	a := newNode(t, srv.Addr, "board1", hub.Head{})
	b := newNode(t, srv.Addr, "board1", hub.Head{})
	var wg sync.WaitGroup
	for i, n := range []*node{a, b} {
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range 50 {
					if _, err := publish(n, fmt.Sprintf("n%d-w%d", i, w), fmt.Sprint(k)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	want := upTo(300)
	waitFor(t, "both nodes to receive all 300", func() bool { return len(a.seqs()) >= 300 && len(b.seqs()) >= 300 })
	if !slices.Equal(a.seqs(), want) || !slices.Equal(b.seqs(), want) {
		t.Fatalf("deliveries out of order or duplicated:\na %v\nb %v", a.seqs(), b.seqs())
	}
	a.mu.Lock()
	if a.got[0].Author != "Amira \"A\" Ö" || string(a.got[0].Raw) != `[{"op":"delete","id":"x"}]` {
		t.Errorf("entry did not travel intact: %+v", a.got[0])
	}
	a.mu.Unlock()

	res, err := publish(b, "n0-w0", "7")
	if err != nil || !res[0].Dup || res[0].Seq == 0 {
		t.Fatalf("retry on the other node: %+v, %v", res, err)
	}
	res2, _ := publish(a, "fresh", "1")
	waitFor(t, "the next entry", func() bool { return len(b.seqs()) == 301 })
	if res2[0].Seq != 301 {
		t.Fatalf("next seq after a retry = %d, want 301 (the retry took none)", res2[0].Seq)
	}
}

// Redis killed with SIGKILL and restarted (AOF on, fsync always): every
// acknowledged publish survives, publishes made during the outage go
// through once it is back, and both nodes resync to one gap-free order.
func TestRedisRestartLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, true)
	a := newNode(t, srv.Addr, "board2", hub.Head{})
	b := newNode(t, srv.Addr, "board2", hub.Head{})
	for k := range 20 {
		if _, err := publish(a, "a", fmt.Sprint(k)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "b to see 20", func() bool { return len(b.seqs()) == 20 })

	srv.Kill(t)
	errs := make(chan error, 20)
	for k := range 20 {
		go func() {
			_, err := publish(b, "b", fmt.Sprint(k))
			errs <- err
		}()
	}
	time.Sleep(200 * time.Millisecond) // let the publishes meet a dead Redis
	srv.Restart(t)
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatalf("publish across the restart: %v", err)
		}
	}
	want := upTo(40)
	waitFor(t, "both nodes to resync", func() bool { return len(a.seqs()) >= 40 && len(b.seqs()) >= 40 })
	if !slices.Equal(a.seqs(), want) || !slices.Equal(b.seqs(), want) {
		t.Fatalf("after the restart:\na %v\nb %v", a.seqs(), b.seqs())
	}
}

// A node opening a board that Redis already holds further than its store
// catches up from the stream; a board Redis does not know starts at the
// store's head.
func TestOpenCatchesUpAndSeeds(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, false)
	a := newNode(t, srv.Addr, "board3", hub.Head{Seq: 5, Entries: []hub.Entry{{Seq: 5, Client: "old", Batch: "b5"}}})
	res, err := publish(a, "new", "1")
	if err != nil || res[0].Seq != 6 {
		t.Fatalf("first publish on a seeded board: %+v %v, want seq 6", res, err)
	}
	res, _ = publish(a, "old", "b5")
	if !res[0].Dup || res[0].Seq != 5 {
		t.Fatalf("a batch from the store's retained log was not recognised: %+v", res)
	}
	for k := range 3 {
		publish(a, "new", fmt.Sprint(k+2))
	}
	// A second node whose store is at 6 gets 7, 8, 9 from the stream.
	late := newNode(t, srv.Addr, "board3", hub.Head{Seq: 6})
	waitFor(t, "the late node to catch up", func() bool { return len(late.seqs()) == 3 })
	if got := late.seqs(); !slices.Equal(got, []uint64{7, 8, 9}) {
		t.Fatalf("late node got %v, want [7 8 9]", got)
	}
	// Trimming drops what the store holds.
	ctx := context.Background()
	if err := a.log.Trim(ctx, 8); err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	defer rdb.Close()
	msgs, err := rdb.XRange(ctx, "pb:{board3}:log", "-", "+").Result()
	if err != nil || len(msgs) != 2 || msgs[0].ID != "8-1" {
		t.Fatalf("after trim: %v %v, want entries 8 and 9", msgs, err)
	}
}
