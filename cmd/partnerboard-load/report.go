package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// report is the outcome of one run, printed as a table and written as JSON.
type report struct {
	Mode        string    `json:"mode"` // "load" or "idle"
	Config      config    `json:"config"`
	Start       time.Time `json:"start"`
	Interrupted bool      `json:"interrupted,omitempty"`

	BoardIDs        []string `json:"boards"`    // the boards used, for -boards-from
	Connected       int      `json:"connected"` // clients connected at the end of ramp-up
	RampSeconds     float64  `json:"rampSeconds"`
	MeasuredSeconds float64  `json:"measuredSeconds"`

	// Latencies in milliseconds. EditToPeer, CursorToPeer, EditToAck,
	// Rejoin and Reconnect cover the measured window; Connect is ramp-up.
	EditToPeer   latency `json:"editToPeer"`
	CursorToPeer latency `json:"cursorToPeer"`
	EditToAck    latency `json:"editToAck"`
	Connect      latency `json:"connect"`
	Rejoin       latency `json:"rejoin"`
	Reconnect    latency `json:"reconnect"`

	// Counts in the measured window, and the same per second.
	Counts  counts     `json:"counts"`
	PerSec  perSecond  `json:"perSecond"`
	Errors  int64      `json:"errors"`            // every kind below, whole run
	ByKind  errCounts  `json:"byKind"`            // "dial", "protocol:<code>", "ack:<code>", "disconnect:<close code>", "reconnect"
	Servers []procInfo `json:"servers,omitempty"` // one per -pid
	LoadGen procInfo   `json:"loadGenerator"`
	// MachineCPUPercent is what the whole machine used over the window,
	// in percent of one core; IRQCPUPercent the part spent in interrupts
	// (loopback TCP delivery runs there); OtherCPUPercent what neither
	// the servers (given with -pid), the load generator nor interrupts
	// used: other processes, which compete for the same cores.
	MachineCPUPercent float64  `json:"machineCpuPercent"`
	IRQCPUPercent     float64  `json:"irqCpuPercent"`
	OtherCPUPercent   float64  `json:"otherCpuPercent"`
	Cores             int      `json:"cores"`
	Notes             []string `json:"notes"`
}

type errCounts map[string]int64

// latency summarises a histogram in milliseconds.
type latency struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
}

func summarise(h *hist) latency {
	ms := func(us uint64) float64 { return float64(us) / 1000 }
	return latency{
		Count: h.n,
		P50:   ms(h.percentile(50)),
		P95:   ms(h.percentile(95)),
		P99:   ms(h.percentile(99)),
		Max:   ms(h.max),
		Mean:  h.mean() / 1000,
	}
}

// counts are totals over the measured window.
type counts struct {
	EditsSent       int64 `json:"editsSent"`
	CursorsSent     int64 `json:"cursorsSent"`
	OpsReceived     int64 `json:"opsReceived"`     // op messages delivered to peers
	CursorMessages  int64 `json:"cursorMessages"`  // cursors messages delivered
	CursorPositions int64 `json:"cursorPositions"` // positions inside them
	AcksReceived    int64 `json:"acksReceived"`
}

func (c counts) sub(o counts) counts {
	return counts{c.EditsSent - o.EditsSent, c.CursorsSent - o.CursorsSent, c.OpsReceived - o.OpsReceived,
		c.CursorMessages - o.CursorMessages, c.CursorPositions - o.CursorPositions, c.AcksReceived - o.AcksReceived}
}

type perSecond struct {
	EditsSent         float64 `json:"editsSent"`
	CursorsSent       float64 `json:"cursorsSent"`
	OpsReceived       float64 `json:"opsReceived"`
	CursorMessages    float64 `json:"cursorMessages"`
	CursorPositions   float64 `json:"cursorPositions"`
	AcksReceived      float64 `json:"acksReceived"`
	MessagesDelivered float64 `json:"messagesDelivered"` // ops + cursors messages + acks
}

func rates(c counts, d time.Duration) perSecond {
	s := d.Seconds()
	if s <= 0 {
		return perSecond{}
	}
	return perSecond{
		EditsSent:         float64(c.EditsSent) / s,
		CursorsSent:       float64(c.CursorsSent) / s,
		OpsReceived:       float64(c.OpsReceived) / s,
		CursorMessages:    float64(c.CursorMessages) / s,
		CursorPositions:   float64(c.CursorPositions) / s,
		AcksReceived:      float64(c.AcksReceived) / s,
		MessagesDelivered: float64(c.OpsReceived+c.CursorMessages+c.AcksReceived) / s,
	}
}

// procInfo is a process's CPU and memory over the run, from /proc.
type procInfo struct {
	PID int    `json:"pid,omitempty"`
	URL string `json:"url,omitempty"`
	// Connections is how many clients were connected to it after ramp-up.
	Connections int `json:"connections,omitempty"`
	// CPUPercent is the average over the measured window (idle: the hold),
	// in percent of one core.
	CPUPercent float64 `json:"cpuPercent"`
	// RSS (bytes) before any client connected, once all were connected,
	// at the end of the window, and the highest sampled once a second.
	RSSBefore    int64 `json:"rssBefore"`
	RSSConnected int64 `json:"rssConnected"`
	RSSEnd       int64 `json:"rssEnd"`
	RSSPeak      int64 `json:"rssPeak"`
	Threads      int   `json:"threads"`
	// BytesPerConn is (RSSEnd − RSSBefore) / Connections.
	BytesPerConn float64 `json:"bytesPerConnection,omitempty"`
}

// writeJSON writes r to path.
func (r *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// printTable writes the human-readable report.
func (r *report) printTable(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "partnerboard-load %s: %d clients on %d boards via %s\n", r.Mode, c.Clients, c.Boards, strings.Join(c.URLs, ","))
	if r.Mode == "load" {
		fmt.Fprintf(w, "  edit every %v (%.0f%% creates), %.4g cursor moves/s, rejoin %.4g%%/min, reconnect %.4g%%/min\n",
			c.EditEvery, c.CreatePct, c.CursorRate, c.RejoinPct, c.ReconnPct)
	}
	if r.Mode == "idle" {
		fmt.Fprintf(w, "  connected %d in %.1fs; held %.1fs", r.Connected, r.RampSeconds, r.MeasuredSeconds)
	} else {
		fmt.Fprintf(w, "  connected %d in %.1fs; measured %.1fs after %v warm-up", r.Connected, r.RampSeconds, r.MeasuredSeconds, c.Warmup)
	}
	if r.Interrupted {
		fmt.Fprint(w, " (interrupted)")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency (ms)\tcount\tp50\tp95\tp99\tmax\tmean\t")
	row := func(name string, l latency) {
		if l.Count == 0 {
			fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t-\t-\t\n", name)
			return
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", name, l.Count, l.P50, l.P95, l.P99, l.Max, l.Mean)
	}
	if r.Mode == "load" {
		row("edit → peer", r.EditToPeer)
		row("cursor → peer*", r.CursorToPeer)
		row("edit → ack", r.EditToAck)
	}
	row("connect (ramp-up)", r.Connect)
	if r.Mode == "load" && (c.RejoinPct > 0 || r.Rejoin.Count > 0) {
		row("rejoin (snapshot)", r.Rejoin)
	}
	if r.Mode == "load" && (c.ReconnPct > 0 || r.Reconnect.Count > 0) {
		row("reconnect (resume)", r.Reconnect)
	}
	tw.Flush()
	if r.Mode == "load" {
		fmt.Fprintln(w, "  * includes the wait for the server's 50 ms cursor tick (up to one tick)")
		p := r.PerSec
		fmt.Fprintf(w, "\nper second: %.0f edits and %.0f cursor moves sent; delivered %.0f messages (%.0f ops, %.0f cursors messages holding %.0f positions, %.0f acks)\n",
			p.EditsSent, p.CursorsSent, p.MessagesDelivered, p.OpsReceived, p.CursorMessages, p.CursorPositions, p.AcksReceived)
	}
	fmt.Fprintf(w, "\nerrors: %d", r.Errors)
	if len(r.ByKind) > 0 {
		keys := slices.Sorted(maps.Keys(r.ByKind))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, r.ByKind[k])
		}
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintln(w)
	for _, s := range r.Servers {
		fmt.Fprintf(w, "server pid %d: CPU %.0f%% of one core; RSS %s before clients, %s connected, %s at end, %s peak; %d threads\n",
			s.PID, s.CPUPercent, mib(s.RSSBefore), mib(s.RSSConnected), mib(s.RSSEnd), mib(s.RSSPeak), s.Threads)
		if s.BytesPerConn != 0 {
			fmt.Fprintf(w, "server memory per connection: %.1f KiB ((RSS at end − RSS before) / %d connections)\n", s.BytesPerConn/1024, s.Connections)
		}
	}
	g := r.LoadGen
	fmt.Fprintf(w, "load generator: CPU %.0f%% of one core; RSS %s at end\n", g.CPUPercent, mib(g.RSSEnd))
	fmt.Fprintf(w, "machine: %d cores, %.0f%% of one core busy: %.0f%% interrupts, %.0f%% other processes\n",
		r.Cores, r.MachineCPUPercent, r.IRQCPUPercent, r.OtherCPUPercent)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
