package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"partnerboard/board"
)

// config is one run's parameters, from the command line.
type config struct {
	URLs       []string      `json:"urls"`
	Clients    int           `json:"clients"`
	Boards     int           `json:"boards"`
	BoardIDs   []string      `json:"boardIds,omitempty"` // from -boards-from
	Duration   time.Duration `json:"duration"`
	Warmup     time.Duration `json:"warmup"`
	EditEvery  time.Duration `json:"editEvery"`
	CreatePct  float64       `json:"createPct"`
	CursorRate float64       `json:"cursorRate"`
	RejoinPct  float64       `json:"rejoinPctPerMin"`
	ReconnPct  float64       `json:"reconnectPctPerMin"`
	Idle       bool          `json:"idle"`
	RampBatch  int           `json:"rampBatch"`
	RampPause  time.Duration `json:"rampPause"`
	RampLimit  time.Duration `json:"rampTimeout"`
	DialLimit  time.Duration `json:"dialTimeout"`
	PIDs       []int         `json:"pids,omitempty"` // of the servers, in the order of URLs
	Seed       uint64        `json:"seed"`
	JSONPath   string        `json:"-"`
	CPUProfile string        `json:"-"`
}

const usageHead = `partnerboard-load puts a realistic load on Partnerboard servers and
measures what the people on the boards would notice.

Usage: partnerboard-load [flags]

Clients are spread round-robin over the boards; the clients of one board
are spread round-robin over the URLs. Each client makes an edit every
-edit-every (a create of a note, or an update of the text and position of
one of its notes) and -cursor-rate pointer moves a second. Every peer that
receives an edit or a cursor computes its latency from the send time the
sender put in it (this process's clock). Cursor latency includes the
server's 50 ms cursor tick. Statistics cover -duration after a -warmup that
starts once every client is connected.

Flags:
`

// parseConfig reads the flags. -h prints the usage and returns flag.ErrHelp.
func parseConfig(args []string, stderr io.Writer) (config, error) {
	c := config{}
	var urls, boardsFrom, pids string
	fs := flag.NewFlagSet("partnerboard-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHead)
		fs.PrintDefaults()
	}
	fs.StringVar(&urls, "urls", "http://127.0.0.1:8080", "comma-separated base URLs of the servers (the only addresses contacted)")
	fs.IntVar(&c.Clients, "clients", 100, "number of simulated people, one WebSocket each")
	fs.IntVar(&c.Boards, "boards", 4, "number of boards to create through POST /api/boards")
	fs.StringVar(&boardsFrom, "boards-from", "", "use these existing boards instead of creating any: comma-separated ids, or @file with one id a line")
	fs.DurationVar(&c.Duration, "duration", 60*time.Second, "how long to measure (after ramp-up and warm-up)")
	fs.DurationVar(&c.Warmup, "warmup", 10*time.Second, "load applied after every client is connected, before measuring")
	fs.DurationVar(&c.EditEvery, "edit-every", 2*time.Second, "mean time between one client's edits; 0 for none")
	fs.Float64Var(&c.CreatePct, "create-pct", 10, "percentage of edits that create a note rather than update one")
	fs.Float64Var(&c.CursorRate, "cursor-rate", 10, "pointer moves a second per client; 0 for none")
	fs.Float64Var(&c.RejoinPct, "rejoin-pct", 0, "percentage of clients a minute that leave and join again as a new person (a full snapshot)")
	fs.Float64Var(&c.ReconnPct, "reconnect-pct", 0, "percentage of clients a minute that drop their connection and reconnect (recovery of missed edits)")
	fs.BoolVar(&c.Idle, "idle", false, "only connect and hold the connections for -duration, then report server memory per connection")
	fs.IntVar(&c.RampBatch, "ramp-batch", 50, "connections opened at once during ramp-up")
	fs.DurationVar(&c.RampPause, "ramp-pause", 50*time.Millisecond, "pause between ramp-up batches")
	fs.DurationVar(&c.RampLimit, "ramp-timeout", 2*time.Minute, "give up connecting the rest after this long")
	fs.DurationVar(&c.DialLimit, "dial-timeout", 15*time.Second, "how long one connection may take to be welcomed")
	fs.StringVar(&pids, "pid", "", "process ids of the servers on this machine, comma-separated in the order of -urls: report their CPU and memory from /proc")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the random choices, for repeatable runs")
	fs.StringVar(&c.JSONPath, "json", "", "also write the report as JSON to this file")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the load generator itself to this file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for u := range strings.SplitSeq(urls, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return c, fmt.Errorf("-urls: %q is not an http(s) base URL", u)
		}
		c.URLs = append(c.URLs, u)
	}
	for f := range strings.SplitSeq(pids, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return c, fmt.Errorf("-pid: %q is not a process id", f)
		}
		c.PIDs = append(c.PIDs, pid)
	}
	if boardsFrom != "" {
		ids, err := boardIDs(boardsFrom)
		if err != nil {
			return c, err
		}
		c.BoardIDs, c.Boards = ids, len(ids)
	}
	return c, c.validate()
}

func (c *config) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(len(c.URLs) > 0, "-urls: no URL")
	// A client's index travels as its cursor's y coordinate.
	check(c.Clients > 0 && c.Clients <= board.MaxCoord, "-clients must be between 1 and %d", int(board.MaxCoord))
	check(c.Boards > 0, "-boards must be at least 1")
	check(c.Duration > 0, "-duration must be positive")
	check(c.Warmup >= 0, "-warmup must not be negative")
	check(c.EditEvery >= 0, "-edit-every must not be negative")
	check(c.CreatePct >= 0 && c.CreatePct <= 100, "-create-pct must be between 0 and 100")
	check(c.CursorRate >= 0 && c.CursorRate <= 1000, "-cursor-rate must be between 0 and 1000")
	check(c.RejoinPct >= 0 && c.ReconnPct >= 0, "-rejoin-pct and -reconnect-pct must not be negative")
	check(c.RampBatch > 0, "-ramp-batch must be at least 1")
	check(c.RampPause >= 0 && c.RampLimit > 0 && c.DialLimit > 0, "ramp and dial times must be positive")
	check(len(c.PIDs) <= len(c.URLs), "-pid: more process ids than -urls")
	return errors.Join(errs...)
}

// boardIDs reads -boards-from: "a,b,c" or "@file" with one id a line.
func boardIDs(v string) ([]string, error) {
	text := v
	if name, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("-boards-from: %w", err)
		}
		text = strings.ReplaceAll(string(b), "\n", ",")
	}
	var ids []string
	for id := range strings.SplitSeq(text, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("-boards-from: no board ids")
	}
	return ids, nil
}
