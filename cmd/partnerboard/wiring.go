package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	goredis "github.com/redis/go-redis/v9"

	"partnerboard/bus/memory"
	redisbus "partnerboard/bus/redis"
	"partnerboard/hub"
	"partnerboard/server"
	"partnerboard/store/postgres"
	"partnerboard/store/sqlite"
)

// node is the concrete parts one process runs on: a store, a bus, and
// what the server gets of them. close releases them after the server has
// shut down.
type node struct {
	store hub.Store
	bus   hub.Bus
	srv   server.Config // the parts of the server's config that depend on the mode
	close func() error
	// sharedSecret, in a cluster, is the join links' signing secret that
	// every node reads from PostgreSQL.
	sharedSecret func(context.Context) ([]byte, error)
}

// errClusterNeedsBoth is the message for half a cluster configuration.
var errClusterNeedsBoth = errors.New("cluster mode needs both -redis-url and -postgres-url: Redis orders and shares the edits between nodes, PostgreSQL keeps them (or give neither, to run one node with the embedded database)")

// openNode picks the embedded mode (SQLite and an in-process bus) or
// cluster mode (PostgreSQL and Redis).
func openNode(ctx context.Context, cfg config, log *slog.Logger) (*node, error) {
	if cfg.redisURL == "" && cfg.postgresURL == "" {
		st, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(cfg.dataDir, "partnerboard.db")})
		if err != nil {
			return nil, err
		}
		return &node{
			store: st,
			bus:   memory.New(st, hub.DefaultRetainOps),
			srv:   server.Config{Workshops: st, Snapshots: st, Votes: st, Ready: st.Ping},
			close: st.Close,
		}, nil
	}
	if cfg.redisURL == "" || cfg.postgresURL == "" {
		return nil, errClusterNeedsBoth
	}
	ropts, err := goredis.ParseURL(cfg.redisURL)
	if err != nil {
		return nil, fmt.Errorf("-redis-url: %w", err)
	}
	rdb := goredis.NewClient(ropts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("reach Redis: %w", err)
	}
	// An ack in cluster mode is as durable as Redis: say so when Redis
	// would forget acknowledged edits in a crash.
	if aof, err := rdb.ConfigGet(ctx, "appendonly").Result(); err == nil && aof["appendonly"] != "yes" {
		log.Warn("Redis keeps no append-only file: edits acknowledged since the last compaction can be lost if Redis crashes. Turn on appendonly yes with appendfsync always (or everysec) in production.")
	}
	pg, err := postgres.Open(ctx, postgres.Options{URL: cfg.postgresURL})
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	bus := redisbus.New(redisbus.Options{Client: rdb, Logger: log, PresenceTTL: cfg.presenceTTL})
	return &node{
		store: pg,
		bus:   bus,
		srv: server.Config{
			Workshops: pg, Snapshots: pg, Votes: pg,
			LockWorkshop: pg.LockWorkshop,
			Events:       redisbus.NewEvents(rdb, "", log),
			Ready: func(ctx context.Context) error {
				if err := rdb.Ping(ctx).Err(); err != nil {
					return fmt.Errorf("redis: %w", err)
				}
				return pg.Ping(ctx)
			},
		},
		close: func() error {
			return errors.Join(bus.Close(), pg.Close(), rdb.Close())
		},
		sharedSecret: pg.SigningSecret,
	}, nil
}

// boards is what the server needs of either store.
func (n *node) boards() server.Boards {
	return n.store.(server.Boards)
}
