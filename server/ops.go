package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"partnerboard/hub"
)

// readyz answers 200 only when the store (and, in cluster mode, Redis)
// answer: a load balancer then sends no one to a node that cannot save.
func (s *Server) readyz(c echo.Context) error {
	select {
	case <-s.closing:
		return c.String(http.StatusServiceUnavailable, "shutting down\n")
	default:
	}
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.cfg.Logger.Warn("not ready", "err", err)
			return c.String(http.StatusServiceUnavailable, "not ready\n")
		}
	}
	return c.String(http.StatusOK, "ready\n")
}

// metrics writes the Prometheus text format by hand: a handful of
// counters and one histogram do not justify a client library.
func (s *Server) metrics(c echo.Context) error {
	st := s.hub.Stats()
	var b strings.Builder
	metric := func(name, kind, help string, v any) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, kind, name, v)
	}
	metric("partnerboard_connections", "gauge", "Clients connected to a board.", st.Clients)
	metric("partnerboard_rooms", "gauge", "Boards live in this process.", st.Rooms)
	metric("partnerboard_batches_total", "counter", "Batches applied.", st.Batches)
	metric("partnerboard_ops_total", "counter", "Ops applied.", st.Ops)
	metric("partnerboard_slow_client_drops_total", "counter", "Clients disconnected because their outbound queue was full.", st.SlowDrops)
	cum, sum, n := st.Latency.Snapshot()
	name := "partnerboard_commit_latency_seconds"
	fmt.Fprintf(&b, "# HELP %s From a batch reaching its board to its ack: ordering and durable storage.\n# TYPE %s histogram\n", name, name)
	for i, le := range hub.LatencyBuckets {
		fmt.Fprintf(&b, "%s_bucket{le=\"%s\"} %d\n", name, strconv.FormatFloat(le, 'g', -1, 64), cum[i])
	}
	fmt.Fprintf(&b, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, cum[len(cum)-1], name, sum, name, n)
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}
