// Command partnerboard runs the Partnerboard server: pages, API and live
// boards, with an embedded SQLite database in its data directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	redisbus "partnerboard/bus/redis"
	"partnerboard/hub"
	"partnerboard/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "partnerboard:", err)
		os.Exit(1)
	}
}

// config is everything run needs, from flags with environment defaults.
type config struct {
	addr       string
	dataDir    string
	origins    string
	logFormat  string
	connsPerIP int
	shutdown   time.Duration
	keys       string
	// Cluster mode: both or neither.
	redisURL    string
	postgresURL string
	// presenceTTL: how long a node's users stay listed on the other nodes
	// after its last refresh.
	presenceTTL time.Duration
	// Limits a load test lifts; the defaults are server's.
	msgsPerIP   float64
	msgsPerConn float64
	msgBurst    float64
	// pprofAddr, if set, serves net/http/pprof there (off by default).
	pprofAddr string
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("partnerboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("PARTNERBOARD_ADDR", "localhost:8080"), "address to listen on (env PARTNERBOARD_ADDR)")
	fs.StringVar(&c.dataDir, "data", env("PARTNERBOARD_DATA", "data"), "directory for the embedded database (env PARTNERBOARD_DATA)")
	fs.StringVar(&c.origins, "allowed-origins", env("PARTNERBOARD_ALLOWED_ORIGINS", ""), "comma-separated extra origin hosts allowed to open WebSockets, e.g. board.example.org (env PARTNERBOARD_ALLOWED_ORIGINS)")
	fs.StringVar(&c.logFormat, "log-format", env("PARTNERBOARD_LOG_FORMAT", "text"), "log format: text or json (env PARTNERBOARD_LOG_FORMAT)")
	fs.IntVar(&c.connsPerIP, "max-conns-per-ip", server.DefaultConnsPerIP, "most WebSockets open from one address")
	fs.DurationVar(&c.shutdown, "shutdown-timeout", 20*time.Second, "how long a graceful shutdown may take")
	fs.StringVar(&c.redisURL, "redis-url", env("PARTNERBOARD_REDIS_URL", ""), "cluster mode: Redis for ordering and fan-out, e.g. redis://10.0.0.5:6379/0 (env PARTNERBOARD_REDIS_URL)")
	fs.StringVar(&c.postgresURL, "postgres-url", env("PARTNERBOARD_POSTGRES_URL", ""), "cluster mode: PostgreSQL for durable storage, e.g. postgres://pb@10.0.0.6/partnerboard (env PARTNERBOARD_POSTGRES_URL)")
	fs.DurationVar(&c.presenceTTL, "presence-ttl", redisbus.DefaultPresenceTTL, "cluster mode: how long the people on a node stay listed on the other nodes after its last refresh, so those of a node that dies disappear within it; refreshed every third of it, at most every 5s. Shorten only for tests")
	fs.StringVar(&c.keys, "signing-keys", env("PARTNERBOARD_SIGNING_KEYS", ""), "keys that sign join links, id:base64secret[,id:base64secret…]; the first signs, the rest are still accepted. Default: a key kept in the data directory, or in cluster mode one kept in PostgreSQL for every node (env PARTNERBOARD_SIGNING_KEYS)")
	fs.Float64Var(&c.msgsPerIP, "max-msgs-per-ip", server.DefaultMessagesPerSecondPerIP, "most WebSocket messages a second from one address, all its connections together")
	fs.Float64Var(&c.msgsPerConn, "max-msgs-per-conn", server.DefaultMessagesPerSecond, "most WebSocket messages a second from one connection")
	fs.Float64Var(&c.msgBurst, "msg-burst", server.DefaultBurst, "how many messages one connection may send ahead of -max-msgs-per-conn")
	fs.StringVar(&c.pprofAddr, "pprof-addr", "", "serve Go profiling (net/http/pprof) on this separate address, e.g. 127.0.0.1:6060; off if empty. Never expose it publicly")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.presenceTTL <= 0 {
		return c, fmt.Errorf("-presence-ttl must be positive, not %s", c.presenceTTL)
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("-log-format must be text or json, not %q", c.logFormat)
	}
	return c, nil
}

// run starts the server and blocks until ctx ends, then shuts down
// gracefully: every live session is closed with 1001 after its
// acknowledged edits are durable.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(handler)

	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	n, err := openNode(ctx, cfg, log)
	if err != nil {
		return err
	}
	// Closing commits what the stores still hold, so its error matters.
	defer func() {
		if cerr := n.close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()

	h := hub.New(n.store, n.bus, hub.Config{Logger: log})
	var origins []string
	if cfg.origins != "" {
		origins = strings.Split(cfg.origins, ",")
	}
	signer, err := signingKeys(ctx, cfg.keys, cfg.dataDir, n.sharedSecret)
	if err != nil {
		return err
	}
	scfg := n.srv
	scfg.Logger, scfg.AllowedOrigins, scfg.ConnsPerIP, scfg.Signer = log, origins, cfg.connsPerIP, signer
	scfg.MessagesPerSecondPerIP, scfg.MessagesPerSecond, scfg.Burst = cfg.msgsPerIP, cfg.msgsPerConn, cfg.msgBurst
	srv := server.New(h, n.boards(), scfg)
	if cfg.pprofAddr != "" {
		stopPprof, err := servePprof(cfg.pprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	fmt.Fprintf(stdout, "Partnerboard is running at http://%s/\n", ln.Addr())

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
	defer cancel()
	// Stop accepting first, then end live sessions and wait for them.
	httpDone := make(chan error, 1)
	go func() { httpDone <- httpSrv.Shutdown(sctx) }()
	err = srv.Shutdown(sctx)
	if herr := <-httpDone; herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		err = errors.Join(err, herr)
	}
	return err
}
