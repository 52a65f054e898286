package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"partnerboard/client"
)

// numShards spreads latency recording over this many locks, so that the
// read goroutines of thousands of clients rarely wait for each other.
const numShards = 32

// shard holds the histograms of the clients whose index is ≡ its own
// modulo numShards.
type shard struct {
	mu                sync.Mutex
	edit, cursor, ack hist // measured window only
	rejoin, reconnect hist // measured window only
	connect           hist // ramp-up
}

// runner is one run of the load generator.
type runner struct {
	cfg    config
	stderr io.Writer
	runID  string // makes this run's note ids unique on reused boards

	// measuring is true during the measured window: hooks record samples
	// only then. Checking it is one atomic load per message.
	measuring atomic.Bool

	shards  [numShards]shard
	workers []*worker

	errMu sync.Mutex
	errs  errCounts
}

func newRunner(cfg config, stderr io.Writer) *runner {
	return &runner{cfg: cfg, stderr: stderr, runID: client.NewID()[:4], errs: errCounts{}}
}

// fail counts one error of the given kind; errors are rare, so a mutex is fine.
func (r *runner) fail(kind string) {
	r.errMu.Lock()
	r.errs[kind]++
	r.errMu.Unlock()
}

// disconnected counts a connection the server or the network ended, by
// close code (-1: none, the socket just failed), and says why on stderr
// for the first few.
func (r *runner) disconnected(idx int, cl *client.Client) {
	kind := "disconnect:" + strconv.Itoa(int(cl.CloseStatus()))
	r.errMu.Lock()
	r.errs[kind]++
	first := r.errs[kind] <= 5
	r.errMu.Unlock()
	if first {
		fmt.Fprintf(r.stderr, "client %d disconnected: %v\n", idx, cl.Err())
	}
}

func (r *runner) errors() (int64, errCounts) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	out := make(errCounts, len(r.errs))
	var total int64
	for k, v := range r.errs {
		out[k] = v
		total += v
	}
	return total, out
}

// counts sums every worker's counters.
func (r *runner) counts() counts {
	var c counts
	for _, w := range r.workers {
		c.EditsSent += w.editsSent.Load()
		c.CursorsSent += w.cursorsSent.Load()
		c.OpsReceived += w.opsRecv.Load()
		c.CursorMessages += w.cursorMsgs.Load()
		c.CursorPositions += w.cursorPos.Load()
		c.AcksReceived += w.acksRecv.Load()
	}
	return c
}

// createBoards makes the run's boards through the API, round-robin over
// the URLs, unless -boards-from named existing ones.
func (r *runner) createBoards(ctx context.Context) ([]string, error) {
	if len(r.cfg.BoardIDs) > 0 {
		return r.cfg.BoardIDs, nil
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	ids := make([]string, r.cfg.Boards)
	for i := range ids {
		base := r.cfg.URLs[i%len(r.cfg.URLs)]
		body, _ := json.Marshal(map[string]string{"title": fmt.Sprintf("Load test %s board %d", r.runID, i+1), "template": "blank"})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/boards", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("create board: %w", err)
		}
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("create board at %s: %s: %s", base, res.Status, b)
		}
		var info struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &info); err != nil || info.ID == "" {
			return nil, fmt.Errorf("create board at %s: unexpected answer %s", base, b)
		}
		ids[i] = info.ID
	}
	return ids, nil
}

// placeWorkers assigns client i to board i mod B; the clients of one board
// take the URLs in turn, so with several servers every board has people
// on every server.
func (r *runner) placeWorkers(boards []string) {
	r.workers = make([]*worker, r.cfg.Clients)
	for i := range r.workers {
		b := i % len(boards)
		u := r.cfg.URLs[(i/len(boards))%len(r.cfg.URLs)]
		r.workers[i] = newWorker(r, i, boards[b], u)
	}
}

// ramp connects the workers in batches of -ramp-batch, so the servers never
// see thousands of handshakes at once, and starts each worker's loop (under
// loopCtx) as soon as it is welcomed. It returns how many connected.
func (r *runner) ramp(ctx, loopCtx context.Context, loops *sync.WaitGroup) int {
	rctx, cancel := context.WithTimeout(ctx, r.cfg.RampLimit)
	defer cancel()
	var connected atomic.Int64
	for start := 0; start < len(r.workers) && rctx.Err() == nil; start += r.cfg.RampBatch {
		var wg sync.WaitGroup
		for _, w := range r.workers[start:min(start+r.cfg.RampBatch, len(r.workers))] {
			wg.Go(func() {
				t0 := time.Now()
				if err := w.dial(rctx); err != nil {
					if rctx.Err() == nil {
						r.fail("dial")
						fmt.Fprintf(r.stderr, "client %d: %v\n", w.idx, err)
					}
					return
				}
				w.shard.mu.Lock()
				w.shard.connect.record(time.Since(t0))
				w.shard.mu.Unlock()
				connected.Add(1)
				loops.Go(func() { w.loop(loopCtx) })
			})
		}
		wg.Wait()
		if r.cfg.RampPause > 0 && start+r.cfg.RampBatch < len(r.workers) {
			sleep(rctx, r.cfg.RampPause)
		}
	}
	if n := len(r.workers) - int(connected.Load()); n > 0 && ctx.Err() == nil {
		fmt.Fprintf(r.stderr, "partnerboard-load: %d of %d clients did not connect\n", n, len(r.workers))
	}
	return int(connected.Load())
}

// connectionsPerURL counts the clients connected after ramp-up by URL.
func (r *runner) connectionsPerURL() map[string]int {
	n := make(map[string]int)
	for _, w := range r.workers {
		if w.cl != nil {
			n[w.url]++
		}
	}
	return n
}

// closeAll closes every connection normally, a bounded number at a time;
// whatever has not closed after a grace period is dropped.
func (r *runner) closeAll() {
	const parallel = 128
	work := make(chan *worker)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for w := range work {
				if cl := w.cl; cl != nil {
					_ = cl.Close()
				}
			}
		})
	}
	grace := time.AfterFunc(20*time.Second, func() {
		for _, w := range r.workers {
			if cl := w.cl; cl != nil {
				cl.Drop()
			}
		}
	})
	for _, w := range r.workers {
		work <- w
	}
	close(work)
	wg.Wait()
	grace.Stop()
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// procWatch samples a process once a second to find its peak RSS.
type procWatch struct {
	pid  int
	mu   sync.Mutex
	peak int64
	last procSample
	err  error
}

func (p *procWatch) sample() procSample {
	s, err := readProc(p.pid)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if p.err == nil {
			p.err = err
		}
		return p.last
	}
	p.last = s
	p.peak = max(p.peak, s.RSS)
	return s
}

func (p *procWatch) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.sample()
		case <-ctx.Done():
			return
		}
	}
}

// execute runs the whole load test and returns its report.
func (r *runner) execute(ctx context.Context) (*report, error) {
	cfg := r.cfg
	rep := &report{Mode: "load", Config: cfg, Start: time.Now()}
	if cfg.Idle {
		rep.Mode = "idle"
	}
	boards, err := r.createBoards(ctx)
	if err != nil {
		return nil, err
	}
	r.placeWorkers(boards)
	rep.BoardIDs = boards

	self := &procWatch{}
	servers := make([]*procWatch, len(cfg.PIDs))
	for i, pid := range cfg.PIDs {
		if _, err := readProc(pid); err != nil {
			return nil, fmt.Errorf("-pid %d: %w", pid, err)
		}
		servers[i] = &procWatch{pid: pid}
	}
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	go self.run(watchCtx)
	sampleServers := func() []procSample {
		out := make([]procSample, len(servers))
		for i, w := range servers {
			out[i] = w.sample()
		}
		return out
	}
	for _, w := range servers {
		go w.run(watchCtx)
	}
	srvBefore := sampleServers()

	// Worker loops run until the end of the measured window.
	loopCtx, stopLoops := context.WithCancel(ctx)
	defer stopLoops()
	var loops sync.WaitGroup
	rampStart := time.Now()
	rep.Connected = r.ramp(ctx, loopCtx, &loops)
	rep.RampSeconds = time.Since(rampStart).Seconds()
	srvConnected := sampleServers()

	if !cfg.Idle && cfg.Warmup > 0 {
		sleep(ctx, cfg.Warmup)
	}
	c0 := r.counts()
	self0 := self.sample()
	srv0 := sampleServers()
	m0, m0err := machineCPU()
	t0 := time.Now()
	r.measuring.Store(true)
	sleep(ctx, cfg.Duration)
	r.measuring.Store(false)
	elapsed := time.Since(t0)
	c1 := r.counts()
	m1, m1err := machineCPU()
	self1 := self.sample()
	srv1 := sampleServers()
	rep.Interrupted = ctx.Err() != nil
	stopLoops()
	loops.Wait()
	r.closeAll()

	rep.MeasuredSeconds = elapsed.Seconds()
	rep.Counts = c1.sub(c0)
	rep.PerSec = rates(rep.Counts, elapsed)
	var edit, cursor, ack, connect, rejoin, reconnect hist
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		edit.merge(&s.edit)
		cursor.merge(&s.cursor)
		ack.merge(&s.ack)
		connect.merge(&s.connect)
		rejoin.merge(&s.rejoin)
		reconnect.merge(&s.reconnect)
		s.mu.Unlock()
	}
	rep.EditToPeer, rep.CursorToPeer, rep.EditToAck = summarise(&edit), summarise(&cursor), summarise(&ack)
	rep.Connect, rep.Rejoin, rep.Reconnect = summarise(&connect), summarise(&rejoin), summarise(&reconnect)
	rep.Errors, rep.ByKind = r.errors()

	rep.LoadGen = procInfo{CPUPercent: cpuPercent(self0, self1), RSSEnd: self1.RSS, RSSPeak: self.peak, Threads: self1.Threads}
	rep.Cores = numCPU()
	if m0err == nil && m1err == nil {
		rep.MachineCPUPercent, rep.IRQCPUPercent = machinePercent(m0, m1)
		rep.OtherCPUPercent = rep.MachineCPUPercent - rep.IRQCPUPercent - rep.LoadGen.CPUPercent
	}
	conns := r.connectionsPerURL()
	for i, w := range servers {
		si := procInfo{
			PID:          w.pid,
			URL:          cfg.URLs[i],
			Connections:  conns[cfg.URLs[i]],
			CPUPercent:   cpuPercent(srv0[i], srv1[i]),
			RSSBefore:    srvBefore[i].RSS,
			RSSConnected: srvConnected[i].RSS,
			RSSEnd:       srv1[i].RSS,
			RSSPeak:      w.peak,
			Threads:      srv1[i].Threads,
		}
		if si.Connections > 0 {
			si.BytesPerConn = float64(si.RSSEnd-si.RSSBefore) / float64(si.Connections)
		}
		rep.Servers = append(rep.Servers, si)
		rep.OtherCPUPercent -= si.CPUPercent
		if w.err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("reading /proc of server %d failed at some point: %v", w.pid, w.err))
		}
	}
	rep.Notes = append(rep.Notes,
		"latencies are measured by the receiving client against the send time the sender put in the message (one machine, one clock)",
		"cursor latency includes the wait for the server's cursor tick (50 ms): up to one tick",
		"CPU is in percent of one core over the measured window; this machine has "+strconv.Itoa(numCPU())+" cores")
	rep.OtherCPUPercent = max(0, rep.OtherCPUPercent) // the samples are not simultaneous
	return rep, nil
}

// errInterrupted reports a run cut short; the partial report is still written.
var errInterrupted = errors.New("interrupted")
