package testenv

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	redisbus "partnerboard/bus/redis"
	"partnerboard/hub"
	"partnerboard/internal/pgtest"
	"partnerboard/internal/redistest"
	"partnerboard/store/postgres"
)

// ModeEnv names the environment variable that picks the mode the tests
// run the server in: "embedded" (the default: SQLite, one process) or
// "cluster" (two nodes sharing a real redis-server and a real PostgreSQL
// database, behind a round-robin load balancer). `make test` runs the
// server and browser suites in both.
const ModeEnv = "PB_TEST_MODE"

// Modes.
const (
	Embedded = "embedded"
	Cluster  = "cluster"
)

// Mode is the mode of this test run.
func Mode() string {
	if os.Getenv(ModeEnv) == Cluster {
		return Cluster
	}
	return Embedded
}

// Main runs a package's tests and then stops what cluster mode started
// for them (the private PostgreSQL server). Packages that call Start use
// it from TestMain, or call pgtest.Stop themselves.
func Main(m *testing.M) { pgtest.Main(m) }

// ClusterNodes is how many nodes cluster mode starts.
const ClusterNodes = 2

func (e *Env) startCluster(tb testing.TB, opts Options) {
	tb.Helper()
	rs := redistest.Start(tb, false)
	pgURL := pgtest.URL(tb)
	ctx := context.Background()
	var first *postgres.Store
	for range ClusterNodes {
		rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr})
		pg, err := postgres.Open(ctx, postgres.Options{URL: pgURL})
		if err != nil {
			_ = rdb.Close()
			tb.Fatalf("open the cluster store: %v", err)
		}
		bus := redisbus.New(redisbus.Options{Client: rdb, Logger: opts.Hub.Logger})
		e.close = append(e.close, func() error { return errors.Join(bus.Close(), pg.Close(), rdb.Close()) })
		cfg := opts.Server
		cfg.Workshops, cfg.Snapshots, cfg.Votes = pg, pg, pg
		cfg.LockWorkshop = pg.LockWorkshop
		cfg.Events = redisbus.NewEvents(rdb, "", opts.Server.Logger)
		cfg.Ready = func(ctx context.Context) error {
			if err := rdb.Ping(ctx).Err(); err != nil {
				return err
			}
			return pg.Ping(ctx)
		}
		e.addNode(hub.New(pg, bus, opts.Hub), pg, cfg)
		if first == nil {
			first = pg
		}
	}
	e.Store = first

	// The load balancer sends each request, and each WebSocket, to the
	// next node in turn, so one person's requests land on different nodes
	// as they may behind a real one. It keeps the Host header, as proxies
	// configured for WebSockets do, so Origin checks see the public host.
	var next atomic.Uint32
	targets := make([]*url.URL, len(e.Nodes))
	for i, nd := range e.Nodes {
		targets[i], _ = url.Parse(nd.URL)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targets[int(next.Add(1))%len(targets)])
			r.Out.Host = r.In.Host
		},
		ErrorLog: nil,
	}
	e.lb = httptest.NewServer(http.Handler(proxy))
	e.URL = e.lb.URL
	e.HTTP = e.lb
}
