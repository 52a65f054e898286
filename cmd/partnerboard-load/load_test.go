package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerboard/internal/testenv"
	"partnerboard/server"
)

// loadLimits lifts the server's message rates: every test client shares
// one loopback address.
var loadLimits = server.Config{MessagesPerSecond: 1e4, Burst: 1e4, MessagesPerSecondPerIP: 1e6, ConnsPerIP: 10000}

func readReport(t *testing.T, path string) report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, b)
	}
	return r
}

// A short run against a real server: everything connects, edits and
// pointer moves reach the peers and are measured, churn works, and nothing
// fails.
func TestRunAgainstRealServer(t *testing.T) {
	env := testenv.Start(t, testenv.Options{Server: loadLimits})
	jsonPath := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	args := []string{
		"-urls", env.URL + "/," + env.URL, // two "servers", one process
		"-clients", "12", "-boards", "3",
		"-warmup", "300ms", "-duration", "2s",
		"-edit-every", "100ms", "-cursor-rate", "20",
		"-rejoin-pct", "1500", "-reconnect-pct", "1500",
		"-ramp-batch", "5", "-ramp-pause", "10ms",
		"-pid", strconv.Itoa(os.Getpid()),
		"-json", jsonPath,
	}
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	r := readReport(t, jsonPath)
	if r.Connected != 12 || r.Mode != "load" {
		t.Fatalf("connected %d in mode %q, want 12 in load", r.Connected, r.Mode)
	}
	if r.Errors != 0 {
		t.Fatalf("errors: %v\nstderr:\n%s", r.ByKind, stderr.String())
	}
	if r.EditToPeer.Count == 0 || r.CursorToPeer.Count == 0 || r.EditToAck.Count == 0 || r.Connect.Count != 12 {
		t.Fatalf("missing samples: edit %d cursor %d ack %d connect %d", r.EditToPeer.Count, r.CursorToPeer.Count, r.EditToAck.Count, r.Connect.Count)
	}
	// Latencies on an idle loopback server are well under a second; the
	// cursor tick alone is 50 ms.
	if r.EditToPeer.P50 <= 0 || r.EditToPeer.Max > 5000 || r.CursorToPeer.Max > 5000 {
		t.Fatalf("implausible latencies: edit %+v cursor %+v", r.EditToPeer, r.CursorToPeer)
	}
	if r.Counts.EditsSent == 0 || r.Counts.OpsReceived < r.Counts.EditsSent || r.PerSec.MessagesDelivered <= 0 {
		t.Fatalf("counts %+v per second %+v", r.Counts, r.PerSec)
	}
	if len(r.Servers) != 1 || r.Servers[0].RSSEnd <= 0 || r.Servers[0].CPUPercent <= 0 || r.Servers[0].Connections != 12 { // both URLs are the one server
		t.Fatalf("server figures missing: %+v", r.Servers)
	}
	for _, want := range []string{"edit → peer", "cursor → peer", "errors: 0", "server pid"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, stdout.String())
		}
	}
	// Every connection was closed at the end.
	testenv.WaitFor(t, "the rooms to unload", func() bool { return env.Rooms() == 0 })
}

func TestRunIdle(t *testing.T) {
	env := testenv.Start(t, testenv.Options{Server: loadLimits})
	jsonPath := filepath.Join(t.TempDir(), "idle.json")
	var stdout, stderr bytes.Buffer
	args := []string{"-urls", env.URL, "-clients", "30", "-boards", "3", "-idle", "-duration", "300ms",
		"-pid", strconv.Itoa(os.Getpid()), "-json", jsonPath}
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	r := readReport(t, jsonPath)
	if r.Mode != "idle" || r.Connected != 30 || r.Errors != 0 {
		t.Fatalf("mode %q connected %d errors %v", r.Mode, r.Connected, r.ByKind)
	}
	if len(r.Servers) != 1 || r.Servers[0].BytesPerConn == 0 || r.Servers[0].Connections != 30 || r.Counts.EditsSent != 0 || r.Counts.CursorsSent != 0 {
		t.Fatalf("idle run: servers %+v counts %+v", r.Servers, r.Counts)
	}
	if !strings.Contains(stdout.String(), "memory per connection") {
		t.Errorf("the table lacks memory per connection:\n%s", stdout.String())
	}
}

// An interrupted run stops promptly and still reports.
func TestRunInterrupted(t *testing.T) {
	env := testenv.Start(t, testenv.Options{Server: loadLimits})
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	err := run(ctx, []string{"-urls", env.URL, "-clients", "4", "-boards", "1", "-warmup", "100ms", "-duration", "1m"}, &stdout, &stderr)
	if !errors.Is(err, errInterrupted) {
		t.Fatalf("run = %v, want errInterrupted", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("an interrupted run took %v to stop", d)
	}
	if !strings.Contains(stdout.String(), "(interrupted)") {
		t.Fatalf("no report of the partial run:\n%s", stdout.String())
	}
}

func TestBoardsFromUsesExistingBoards(t *testing.T) {
	env := testenv.Start(t, testenv.Options{Server: loadLimits})
	id := env.CreateBoard(t, "Existing")
	list := filepath.Join(t.TempDir(), "boards.txt")
	if err := os.WriteFile(list, []byte(id+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	args := []string{"-urls", env.URL, "-clients", "3", "-boards-from", "@" + list, "-warmup", "0s", "-duration", "500ms",
		"-edit-every", "50ms", "-json", jsonPath}
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if r := readReport(t, jsonPath); r.Config.Boards != 1 || r.Errors != 0 || r.EditToPeer.Count == 0 {
		t.Fatalf("boards %d errors %v edits %d", r.Config.Boards, r.ByKind, r.EditToPeer.Count)
	}
	st, seq := testenv.BoardState(t, env.URL, id)
	if seq == 0 || st.Len() == 0 {
		t.Fatal("the existing board was not edited")
	}
}

func TestParseConfig(t *testing.T) {
	var stderr bytes.Buffer
	c, err := parseConfig([]string{"-urls", " http://a:1/ ,https://b", "-boards-from", "x, y,,z"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.URLs, " ") != "http://a:1 https://b" || strings.Join(c.BoardIDs, " ") != "x y z" || c.Boards != 3 {
		t.Fatalf("urls %q boards %q (%d)", c.URLs, c.BoardIDs, c.Boards)
	}
	if c.EditEvery != 2*time.Second || c.CursorRate != 10 || c.Clients != 100 {
		t.Fatalf("defaults changed: %+v", c)
	}
	for _, bad := range [][]string{
		{"-urls", "ftp://x"},
		{"-urls", ","},
		{"-clients", "0"},
		{"-clients", "2000000"},
		{"-duration", "0s"},
		{"-create-pct", "101"},
		{"-boards-from", ","},
		{"-pid", "x"},
		{"-pid", "1,2"}, // more than -urls
		{"-boards-from", "@/does/not/exist"},
		{"stray"},
	} {
		if _, err := parseConfig(bad, &stderr); err == nil {
			t.Errorf("parseConfig(%q) accepted", bad)
		}
	}
	stderr.Reset()
	if _, err := parseConfig([]string{"-h"}, &stderr); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "-edit-every") {
		t.Fatalf("-h: %v\n%s", err, stderr.String())
	}
}

func TestReportJSONAndTable(t *testing.T) {
	var h hist
	for v := uint64(1000); v <= 100000; v += 1000 {
		h.recordMicros(v)
	}
	r := &report{
		Mode:            "load",
		Config:          config{URLs: []string{"http://127.0.0.1:1"}, Clients: 10, Boards: 2, EditEvery: time.Second, CursorRate: 10, Warmup: time.Second},
		Connected:       10,
		MeasuredSeconds: 10,
		EditToPeer:      summarise(&h),
		Counts:          counts{EditsSent: 100, OpsReceived: 900, CursorMessages: 2000, AcksReceived: 100},
		Errors:          3,
		ByKind:          errCounts{"disconnect:1006": 2, "dial": 1},
		Servers:         []procInfo{{PID: 42, CPUPercent: 55, RSSBefore: 10 << 20, RSSEnd: 20 << 20, Connections: 10, BytesPerConn: 1 << 20}},
	}
	r.PerSec = rates(r.Counts, 10*time.Second)
	near := func(got, want float64) bool { return got >= want && got <= want*(1+1.0/subBuckets) }
	if !near(r.EditToPeer.P50, 50) || !near(r.EditToPeer.P99, 99) || r.EditToPeer.Max != 100 || r.EditToPeer.Mean != 50.5 {
		t.Fatalf("summary %+v", r.EditToPeer)
	}
	if r.PerSec.MessagesDelivered != 300 || r.PerSec.EditsSent != 10 {
		t.Fatalf("rates %+v", r.PerSec)
	}
	var out bytes.Buffer
	r.printTable(&out)
	for _, want := range []string{"edit → peer", " 50.1", " 99.3", "errors: 3 (dial 1, disconnect:1006 2)", "1024.0 KiB", "300 messages"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	path := filepath.Join(t.TempDir(), "r.json")
	if err := r.writeJSON(path); err != nil {
		t.Fatal(err)
	}
	back := readReport(t, path)
	if back.EditToPeer != r.EditToPeer || back.Servers[0].BytesPerConn != 1<<20 || back.ByKind["dial"] != 1 || back.Config.EditEvery != time.Second {
		t.Fatalf("JSON round trip lost data: %+v", back)
	}
}
