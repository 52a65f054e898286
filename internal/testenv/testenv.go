// Package testenv starts a real Partnerboard server for tests: a real
// SQLite file, the hub, the HTTP server on a free loopback port, and real
// WebSocket clients.
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/bus/memory"
	"partnerboard/client"
	"partnerboard/hub"
	"partnerboard/server"
	"partnerboard/store/sqlite"
	"partnerboard/workshop"
)

// Env is one running server, or in cluster mode (see Mode) two nodes
// behind a round-robin load balancer.
type Env struct {
	URL    string
	Hub    *hub.Hub // the first node's
	Store  hub.Store
	Server *server.Server // the first node's
	HTTP   *httptest.Server
	Dir    string
	Nodes  []*Node // every node; one in embedded mode
	logs   *syncWriter
	close  []func() error // stores, buses and connections, in order
	lb     *httptest.Server
}

// Node is one server process's worth of parts.
type Node struct {
	URL    string // the node itself, past the load balancer
	Hub    *hub.Hub
	Server *server.Server
	HTTP   *httptest.Server
}

// Options tune the server under test.
type Options struct {
	Hub    hub.Config
	Server server.Config
	// Dir reuses a data directory (to test restarts); a fresh one if empty.
	Dir string
}

// Start starts a server; it is stopped when the test ends.
func Start(tb testing.TB, opts Options) *Env {
	tb.Helper()
	dir := opts.Dir
	if dir == "" {
		dir = tb.TempDir()
	}
	logs := &syncWriter{w: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Hub.Logger = log
	opts.Server.Logger = log
	if opts.Server.Signer == nil {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		signer, err := workshop.NewSigner(workshop.Key{ID: "test", Secret: secret})
		if err != nil {
			tb.Fatal(err)
		}
		opts.Server.Signer = signer
	}
	e := &Env{logs: logs, Dir: dir}
	tb.Cleanup(func() {
		e.Stop(tb)
		if tb.Failed() {
			tb.Logf("server log:\n%s", lastLines(e.Logs(), 60))
		}
	})
	if Mode() == Cluster {
		e.startCluster(tb, opts)
	} else {
		e.startEmbedded(tb, opts)
	}
	return e
}

func (e *Env) startEmbedded(tb testing.TB, opts Options) {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(e.Dir, "partnerboard.db")})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	e.close = append(e.close, st.Close)
	opts.Server.Workshops = st
	opts.Server.Snapshots = st
	opts.Server.Votes = st
	opts.Server.Ready = st.Ping
	e.Store = st
	e.addNode(hub.New(st, memory.New(st, opts.Hub.RetainOps), opts.Hub), st, opts.Server)
	e.URL = e.Nodes[0].URL
	e.HTTP = e.Nodes[0].HTTP
}

func (e *Env) addNode(h *hub.Hub, boards server.Boards, cfg server.Config) {
	srv := server.New(h, boards, cfg)
	ts := httptest.NewServer(srv.Handler())
	e.Nodes = append(e.Nodes, &Node{URL: ts.URL, Hub: h, Server: srv, HTTP: ts})
	if e.Hub == nil {
		e.Hub, e.Server = h, srv
	}
}

// Rooms is how many rooms are live on all nodes together.
func (e *Env) Rooms() int {
	n := 0
	for _, nd := range e.Nodes {
		n += nd.Hub.Rooms()
	}
	return n
}

// Stop shuts the server down gracefully; it is safe to call twice.
func (e *Env) Stop(tb testing.TB) {
	tb.Helper()
	if e.Nodes == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, nd := range e.Nodes {
		if err := nd.Server.Shutdown(ctx); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
	}
	for _, nd := range e.Nodes {
		nd.HTTP.Close()
	}
	if e.lb != nil {
		e.lb.Close()
	}
	for _, f := range e.close {
		if err := f(); err != nil {
			tb.Errorf("close: %v", err)
		}
	}
	e.Nodes = nil
}

// Logs is everything the server has logged so far.
func (e *Env) Logs() string { return e.logs.String() }

// CreateBoard creates a board through the API and returns its id.
func (e *Env) CreateBoard(tb testing.TB, title string) string {
	tb.Helper()
	return CreateBoard(tb, e.URL, title)
}

// CreateBoard creates a board on the server at base URL.
func CreateBoard(tb testing.TB, base, title string) string {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"title": title, "template": "blank"})
	res, err := http.Post(base+"/api/boards", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("create board: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		tb.Fatalf("create board: %s: %s", res.Status, b)
	}
	var info hub.BoardInfo
	if err := json.Unmarshal(b, &info); err != nil {
		tb.Fatalf("create board: %v", err)
	}
	return info.ID
}

// Dial joins a board as name.
func (e *Env) Dial(tb testing.TB, boardID, name string) *client.Client {
	tb.Helper()
	return Dial(tb, client.Options{URL: e.URL, Board: boardID, Name: name})
}

// Dial joins a board; the client is closed when the test ends.
func Dial(tb testing.TB, opts client.Options) *client.Client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, opts)
	if err != nil {
		tb.Fatalf("dial %s as %s: %v", opts.Board, opts.Name, err)
	}
	tb.Cleanup(func() { c.Drop() })
	return c
}

// BoardState fetches a board's current state and seq through the API.
func BoardState(tb testing.TB, base, id string) (*board.State, uint64) {
	tb.Helper()
	res, err := http.Get(base + "/api/boards/" + id)
	if err != nil {
		tb.Fatalf("get board: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		tb.Fatalf("get board: %s: %s", res.Status, b)
	}
	var snap struct {
		Seq   uint64          `json:"seq"`
		State json.RawMessage `json:"state"`
	}
	if err := json.Unmarshal(b, &snap); err != nil {
		tb.Fatalf("decode board: %v", err)
	}
	s := board.NewState()
	if err := s.UnmarshalJSON(snap.State); err != nil {
		tb.Fatalf("decode board state: %v", err)
	}
	return s, snap.Seq
}

// WaitFor polls cond until it holds or the deadline passes. It is for
// waiting on events that have no signal of their own, never for asserting
// speed: the deadline is generous and only stops a hung test.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Note returns a create op for a sticky note.
func Note(id, text string, x, y float64) board.Op {
	return board.Op{Type: board.OpCreate, ID: id, Kind: board.KindNote, Fields: map[string]any{"text": text, "x": x, "y": y}}
}

// StateJSON is the canonical encoding of a state, for comparisons with
// readable failure output.
func StateJSON(tb testing.TB, s *board.State) string {
	tb.Helper()
	b, err := s.MarshalJSON()
	if err != nil {
		tb.Fatalf("encode state: %v", err)
	}
	return string(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
