package redis

import (
	"context"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// EventsChannel is the pub/sub channel that carries workshop news between
// nodes (see server.Events). News is rare (a facilitator's click), so one
// channel for the whole cluster is plenty.
const EventsChannel = "pb:events"

// Events is server.Events over Redis pub/sub: fire and forget, as the
// server expects; a node that was cut off resyncs from the store.
type Events struct {
	rdb     goredis.UniversalClient
	channel string
	log     *slog.Logger
}

// NewEvents uses rdb and EventsChannel (or channel, if not empty).
func NewEvents(rdb goredis.UniversalClient, channel string, log *slog.Logger) *Events {
	if channel == "" {
		channel = EventsChannel
	}
	if log == nil {
		log = slog.Default()
	}
	return &Events{rdb: rdb, channel: channel, log: log}
}

// Publish implements server.Events.
// Redis counts the subscribers that received msg: one per node.
func (e *Events) Publish(ctx context.Context, msg []byte) (int, error) {
	n, err := e.rdb.Publish(ctx, e.channel, msg).Result()
	return int(n), err
}

// Subscribe implements server.Events. Its goroutine ends with ctx.
func (e *Events) Subscribe(ctx context.Context, handle func(msg []byte), resync func()) {
	ps := e.rdb.Subscribe(ctx, e.channel)
	go func() {
		defer ps.Close()
		retry := newBackoff(2 * time.Second)
		for {
			msg, err := ps.Receive(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				// The next Receive reconnects and subscribes again; its
				// confirmation brings a resync.
				e.log.Warn("redis events subscription interrupted", "err", err)
				if !retry.wait(ctx) {
					return
				}
				continue
			}
			retry.reset()
			switch m := msg.(type) {
			case *goredis.Subscription:
				if m.Kind == "subscribe" {
					resync()
				}
			case *goredis.Message:
				handle([]byte(m.Payload))
			}
		}
	}()
}
