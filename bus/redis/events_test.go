package redis_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"partnerboard/bus/redis"
	"partnerboard/internal/redistest"
)

// listener is one node's subscription to the events channel.
type listener struct {
	mu      sync.Mutex
	got     []string
	resyncs atomic.Int32
}

func (l *listener) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

func subscribe(t *testing.T, addr string) (*redis.Events, *listener) {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	ev := redis.NewEvents(rdb, "", nil)
	l := &listener{}
	ctx, cancel := context.WithCancel(context.Background())
	ev.Subscribe(ctx, func(msg []byte) {
		l.mu.Lock()
		l.got = append(l.got, string(msg))
		l.mu.Unlock()
	}, func() { l.resyncs.Add(1) })
	t.Cleanup(func() {
		cancel()
		_ = rdb.Close()
	})
	return ev, l
}

// News published by one node reaches every node; after Redis restarts,
// each node subscribes again and is told to resync, because what was
// published meanwhile is gone.
func TestEventsReachEveryNodeAndResyncAfterRestart(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, false)
	a, la := subscribe(t, srv.Addr)
	_, lb := subscribe(t, srv.Addr)
	waitFor(t, "both subscriptions", func() bool { return la.resyncs.Load() == 1 && lb.resyncs.Load() == 1 })

	ctx := context.Background()
	if n, err := a.Publish(ctx, []byte(`{"k":"lock"}`)); err != nil || n != 2 {
		t.Fatalf("publish reached %d nodes (%v), want 2", n, err)
	}
	waitFor(t, "the news on both nodes", func() bool {
		return len(la.messages()) == 1 && len(lb.messages()) == 1
	})
	if got := lb.messages()[0]; got != `{"k":"lock"}` {
		t.Fatalf("node b got %q", got)
	}

	srv.Kill(t)
	if _, err := a.Publish(ctx, []byte(`{"k":"lost"}`)); err == nil {
		t.Fatal("publishing with Redis down reported success")
	}
	srv.Restart(t)
	waitFor(t, "both nodes to resubscribe and resync", func() bool { return la.resyncs.Load() >= 2 && lb.resyncs.Load() >= 2 })
	if _, err := a.Publish(ctx, []byte(`{"k":"again"}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "news after the restart", func() bool {
		m := lb.messages()
		return len(m) == 2 && m[1] == `{"k":"again"}`
	})
}
