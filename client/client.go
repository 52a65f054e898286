package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"partnerboard/board"
)

// Options say where and as whom to connect.
type Options struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:8080".
	URL   string
	Board string
	Name  string
	Color string
	// ClientID identifies this client across reconnects; random if empty.
	ClientID string
	// Header is sent with the WebSocket upgrade (Origin, cookies).
	Header http.Header
	// OnOp, if set, is called for every op message from others, after it
	// is applied, with the time it was read. It must not block.
	OnOp func(e Entry, at time.Time)
	// OnCursors, if set, is called for every cursors message. It must not block.
	OnCursors func(c []Cursor, at time.Time)
	// OnError, if set, is called for every protocol error message.
	OnError func(e ErrorMsg)
	// OnNotice, if set, is called with the type and the raw JSON of every
	// workshop-wide message (broadcast, timer, goto, votes). It must not block.
	OnNotice func(t string, raw []byte)
	// ReadLimit bounds one incoming frame (default 64 MiB: a welcome
	// carries a whole board).
	ReadLimit int64
	// NoState makes the client keep no board state, for load generators
	// that run thousands of clients in one process: the state in a welcome
	// and the ops of entries and acks are neither decoded nor applied, so
	// State stays an empty board. Everything else is unchanged: sequence
	// order is still checked, acks and recovery work, OnOp is still called.
	NoState bool
}

// Entry is one sequenced batch.
type Entry struct {
	Seq    uint64          `json:"seq"`
	Client string          `json:"client"`
	Batch  string          `json:"batch"`
	Author string          `json:"author"`
	Ops    json.RawMessage `json:"ops"`
}

// User is someone on the board.
type User struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Color   string `json:"color"`
	Editing string `json:"editing,omitempty"`
}

// Cursor is one person's pointer.
type Cursor struct {
	Session string
	X, Y    float64
}

// ErrorMsg is a protocol error sent by the server.
type ErrorMsg struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Batch   string `json:"batch,omitempty"`
	Op      *int   `json:"op,omitempty"`
	Field   string `json:"field,omitempty"`
}

func (e *ErrorMsg) Error() string { return e.Code + ": " + e.Message }

// ErrDisconnected is returned while waiting for an ack when the connection
// drops; the batch stays pending and is re-sent by Reconnect.
var ErrDisconnected = errors.New("disconnected")

// Stats counts what the client received.
type Stats struct {
	Ops, Acks, Errors, Cursors, Presence, Welcomes int
	// LastWelcomeSnapshot says whether the last welcome carried a full
	// snapshot; LastWelcomeOps how many missed entries it carried.
	LastWelcomeSnapshot bool
	LastWelcomeOps      int
}

type pendingBatch struct {
	id   string
	ops  []board.Op
	raw  json.RawMessage
	done chan Result // buffered 1; receives once
}

// Result is the outcome of one batch: its seq, or why it failed.
type Result struct {
	Seq uint64
	Err error
}

// Client is a connection to one board. Its methods are safe for concurrent use.
type Client struct {
	opts Options

	mu        sync.Mutex
	conn      *websocket.Conn
	connDone  chan struct{} // closed when the current connection's reader stops
	closeErr  error         // why it stopped
	state     *board.State  // confirmed
	epoch     string
	seq       uint64
	session   string
	users     map[string]User
	pending   []*pendingBatch
	stats     Stats
	welcomeCh chan error
	nextBatch uint64
}

// Dial connects and waits for the welcome.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	if opts.ClientID == "" {
		opts.ClientID = NewID()
	}
	if opts.ReadLimit == 0 {
		opts.ReadLimit = 64 << 20
	}
	c := &Client{opts: opts, state: board.NewState(), users: map[string]User{}}
	if err := c.connect(ctx, false); err != nil {
		return nil, err
	}
	return c, nil
}

// NewID returns a random id valid for objects, batches and clients.
func NewID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]&63]
	}
	return string(b)
}

func (c *Client) wsURL() string {
	u := strings.TrimRight(c.opts.URL, "/")
	u = strings.Replace(u, "http://", "ws://", 1)
	u = strings.Replace(u, "https://", "wss://", 1)
	return u + "/ws/boards/" + c.opts.Board
}

func (c *Client) connect(ctx context.Context, resume bool) error {
	conn, _, err := websocket.Dial(ctx, c.wsURL(), &websocket.DialOptions{HTTPHeader: c.opts.Header})
	if err != nil {
		return fmt.Errorf("dial board %s: %w", c.opts.Board, err)
	}
	conn.SetReadLimit(c.opts.ReadLimit)
	hello := map[string]any{"t": "hello", "client": c.opts.ClientID, "name": c.opts.Name}
	if c.opts.Color != "" {
		hello["color"] = c.opts.Color
	}
	c.mu.Lock()
	if resume && c.epoch != "" {
		hello["epoch"], hello["seq"] = c.epoch, c.seq
	}
	c.conn = conn
	done := make(chan struct{})
	c.connDone = done
	c.closeErr = nil
	welcome := make(chan error, 1)
	c.welcomeCh = welcome
	c.mu.Unlock()
	if err := c.writeJSON(ctx, conn, hello); err != nil {
		conn.CloseNow()
		return fmt.Errorf("send hello: %w", err)
	}
	go c.readLoop(conn, done)
	select {
	case err := <-welcome:
		if err != nil {
			return err
		}
	case <-done:
		return fmt.Errorf("join board %s: %w", c.opts.Board, c.Err())
	case <-ctx.Done():
		conn.CloseNow()
		return ctx.Err()
	}
	// Re-send what the server has not confirmed, in the original order
	// and under the original ids: the server applies each batch once.
	c.mu.Lock()
	resend := append([]*pendingBatch(nil), c.pending...)
	c.mu.Unlock()
	for _, p := range resend {
		if err := c.writeBatch(ctx, conn, p); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) writeJSON(ctx context.Context, conn *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return conn.Write(ctx, websocket.MessageText, b)
}

func (c *Client) writeBatch(ctx context.Context, conn *websocket.Conn, p *pendingBatch) error {
	var b bytes.Buffer
	b.WriteString(`{"t":"ops","batch":`)
	id, _ := json.Marshal(p.id)
	b.Write(id)
	b.WriteString(`,"ops":`)
	b.Write(p.raw)
	b.WriteByte('}')
	return conn.Write(ctx, websocket.MessageText, b.Bytes())
}

// WriteRaw sends bytes as one text frame, exactly as given. Tests use it to
// send what a well-behaved client never would.
func (c *Client) WriteRaw(ctx context.Context, msg []byte) error {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	return conn.Write(ctx, websocket.MessageText, msg)
}

func (c *Client) readLoop(conn *websocket.Conn, done chan struct{}) {
	var err error
	defer func() {
		c.mu.Lock()
		c.closeErr = err
		c.mu.Unlock()
		close(done) // wakes Send; pending batches stay for Reconnect
	}()
	for {
		var data []byte
		_, data, err = conn.Read(context.Background())
		if err != nil {
			return
		}
		at := time.Now()
		for line := range bytes.SplitSeq(data, []byte{'\n'}) {
			if err = c.handle(line, at); err != nil {
				conn.Close(websocket.StatusProtocolError, "bad message")
				return
			}
		}
	}
}

type message struct {
	T       string          `json:"t"`
	Session string          `json:"session"`
	Epoch   string          `json:"epoch"`
	Seq     uint64          `json:"seq"`
	State   json.RawMessage `json:"state"`
	Ops     json.RawMessage `json:"ops"`
	Users   []User          `json:"users"`
	Client  string          `json:"client"`
	Batch   string          `json:"batch"`
	Author  string          `json:"author"`
	Dup     bool            `json:"dup"`
	User    User            `json:"user"`
	ID      string          `json:"id"`
	Object  string          `json:"object"`
	C       [][3]any        `json:"c"`
	ErrorMsg
}

func (c *Client) handle(line []byte, at time.Time) error {
	if cs, ok := parseCursors(line); ok {
		c.gotCursors(cs, at)
		return nil
	}
	var m message
	if err := json.Unmarshal(line, &m); err != nil {
		return fmt.Errorf("decode message: %w", err)
	}
	switch m.T {
	case "welcome":
		return c.onWelcome(&m)
	case "op":
		e := Entry{Seq: m.Seq, Client: m.Client, Batch: m.Batch, Author: m.Author, Ops: m.Ops}
		c.mu.Lock()
		err := c.applyEntry(e)
		c.stats.Ops++
		c.mu.Unlock()
		if err == nil && c.opts.OnOp != nil {
			c.opts.OnOp(e, at)
		}
		return err
	case "ack":
		c.mu.Lock()
		defer c.mu.Unlock()
		c.stats.Acks++
		return c.confirm(m.Batch, m.Seq, nil)
	case "error":
		c.mu.Lock()
		c.stats.Errors++
		if m.Batch != "" {
			e := m.ErrorMsg
			_ = c.confirmErr(m.Batch, &e)
		}
		c.mu.Unlock()
		if c.opts.OnError != nil {
			c.opts.OnError(m.ErrorMsg)
		}
	case "join":
		c.mu.Lock()
		c.users[m.User.ID] = m.User
		c.stats.Presence++
		c.mu.Unlock()
	case "leave":
		c.mu.Lock()
		delete(c.users, m.ID)
		c.stats.Presence++
		c.mu.Unlock()
	case "editing":
		c.mu.Lock()
		if u, ok := c.users[m.ID]; ok {
			u.Editing = m.Object
			c.users[m.ID] = u
		}
		c.stats.Presence++
		c.mu.Unlock()
	case "cursors":
		cs := make([]Cursor, 0, len(m.C))
		for _, t := range m.C {
			s, _ := t[0].(string)
			x, _ := t[1].(float64)
			y, _ := t[2].(float64)
			cs = append(cs, Cursor{Session: s, X: x, Y: y})
		}
		c.gotCursors(cs, at)
	case "broadcast", "timer", "goto", "votes":
		if c.opts.OnNotice != nil {
			c.opts.OnNotice(m.T, line)
		}
	case "pong", "lock":
	default:
		return fmt.Errorf("unknown message %q", m.T)
	}
	return nil
}

func (c *Client) gotCursors(cs []Cursor, at time.Time) {
	c.mu.Lock()
	c.stats.Cursors++
	c.mu.Unlock()
	if c.opts.OnCursors != nil {
		c.opts.OnCursors(cs, at)
	}
}

var cursorsPrefix = []byte(`{"t":"cursors","c":[`)

// parseCursors decodes a cursors message in exactly the form the server
// writes ({"t":"cursors","c":[["id",x,y],...]}, ids without escapes)
// without reflection: it is the message a client receives most often, and
// a load generator runs thousands of clients. ok is false for anything
// else, which then takes the general path.
func parseCursors(line []byte) (cs []Cursor, ok bool) {
	b, ok := bytes.CutPrefix(line, cursorsPrefix)
	if !ok {
		return nil, false
	}
	if string(b) == "]}" {
		return []Cursor{}, true
	}
	for {
		if len(b) < 2 || b[0] != '[' || b[1] != '"' {
			return nil, false
		}
		b = b[2:]
		end := bytes.IndexByte(b, '"')
		if end < 0 || bytes.IndexByte(b[:end], '\\') >= 0 {
			return nil, false
		}
		cur := Cursor{Session: string(b[:end])}
		b = b[end+1:]
		if len(b) == 0 || b[0] != ',' {
			return nil, false
		}
		b = b[1:]
		if cur.X, b, ok = cursorNumber(b, ','); !ok {
			return nil, false
		}
		if cur.Y, b, ok = cursorNumber(b, ']'); !ok {
			return nil, false
		}
		cs = append(cs, cur)
		switch {
		case string(b) == "]}":
			return cs, true
		case len(b) > 0 && b[0] == ',':
			b = b[1:]
		default:
			return nil, false
		}
	}
}

// cursorNumber reads "<number><stop>" from b and returns the number and
// what follows stop.
func cursorNumber(b []byte, stop byte) (float64, []byte, bool) {
	end := bytes.IndexByte(b, stop)
	if end <= 0 {
		return 0, nil, false
	}
	num := b[:end]
	// The characters of a JSON number only, so that ParseFloat's Go
	// extensions (Inf, hex, underscores) are never accepted.
	for i, ch := range num {
		if !(ch >= '0' && ch <= '9' || ch == '.' || ch == 'e' || ch == 'E' || ch == '+' || ch == '-') || (i == 0 && ch != '-' && (ch < '0' || ch > '9')) {
			return 0, nil, false
		}
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil {
		return 0, nil, false
	}
	return f, b[end+1:], true
}

func (c *Client) onWelcome(m *message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Welcomes++
	if len(m.State) > 0 {
		s := board.NewState()
		if !c.opts.NoState {
			if err := s.UnmarshalJSON(m.State); err != nil {
				return fmt.Errorf("decode welcome state: %w", err)
			}
		}
		c.state = s
		c.seq = m.Seq
		c.stats.LastWelcomeSnapshot, c.stats.LastWelcomeOps = true, 0
	} else {
		var entries []Entry
		if err := json.Unmarshal(m.Ops, &entries); err != nil {
			return fmt.Errorf("decode welcome ops: %w", err)
		}
		for _, e := range entries {
			if err := c.applyEntry(e); err != nil {
				return err
			}
		}
		if c.seq != m.Seq {
			return fmt.Errorf("recovery ended at seq %d, server is at %d", c.seq, m.Seq)
		}
		c.stats.LastWelcomeSnapshot, c.stats.LastWelcomeOps = false, len(entries)
	}
	c.epoch = m.Epoch
	c.session = m.Session
	c.users = make(map[string]User, len(m.Users))
	for _, u := range m.Users {
		c.users[u.ID] = u
	}
	c.welcomeCh <- nil
	return nil
}

// applyEntry applies an entry from the server in sequence order; one of our
// own batches coming back this way (after a reconnect) confirms it. c.mu held.
func (c *Client) applyEntry(e Entry) error {
	if e.Seq != c.seq+1 {
		return fmt.Errorf("entry %d arrived after %d: a gap in the log", e.Seq, c.seq)
	}
	if e.Client == c.opts.ClientID {
		for _, p := range c.pending {
			if p.id == e.Batch {
				return c.confirm(e.Batch, e.Seq, nil)
			}
		}
	}
	if !c.opts.NoState {
		ops, err := board.DecodeOps(e.Ops)
		if err != nil {
			return fmt.Errorf("decode entry %d: %w", e.Seq, err)
		}
		c.state.Apply(ops)
	}
	c.seq = e.Seq
	return nil
}

// confirm settles a pending batch the server sequenced at seq. An ack for
// a seq we already hold (a retry whose first send we saw confirmed by a
// snapshot) applies nothing. c.mu held.
func (c *Client) confirm(batch string, seq uint64, _ error) error {
	for i, p := range c.pending {
		if p.id != batch {
			continue
		}
		if seq > c.seq {
			if seq != c.seq+1 {
				return fmt.Errorf("ack %d arrived after %d: a gap in the log", seq, c.seq)
			}
			if !c.opts.NoState {
				c.state.Apply(p.ops)
			}
			c.seq = seq
		}
		c.pending = append(c.pending[:i], c.pending[i+1:]...)
		p.done <- Result{Seq: seq}
		return nil
	}
	// An ack for a batch we no longer hold: already confirmed by an entry.
	if seq > c.seq {
		return fmt.Errorf("ack %d for unknown batch %q", seq, batch)
	}
	return nil
}

func (c *Client) confirmErr(batch string, e *ErrorMsg) error {
	for i, p := range c.pending {
		if p.id == batch {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			p.done <- Result{Err: e}
			return nil
		}
	}
	return nil
}

// Send sends ops as one batch and waits for the server to confirm it. It
// returns the batch's seq, the server's *ErrorMsg, or ErrDisconnected if
// the connection dropped first (the batch then stays pending, and the
// channel of SendAsync would still receive its final result).
func (c *Client) Send(ctx context.Context, ops []board.Op) (uint64, error) {
	conn := c.Done()
	ch, err := c.SendAsync(ctx, ops)
	if err != nil {
		return 0, err
	}
	select {
	case r := <-ch:
		return r.Seq, r.Err
	case <-conn:
		select {
		case r := <-ch: // confirmed just before the drop
			return r.Seq, r.Err
		default:
			return 0, ErrDisconnected
		}
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Wait waits for the final result of SendAsync: it survives reconnects.
func Wait(ctx context.Context, ch <-chan Result) (uint64, error) {
	select {
	case r := <-ch:
		return r.Seq, r.Err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// SendAsync sends ops as one batch and returns at once; the channel
// receives its final result once, however many reconnects that takes.
func (c *Client) SendAsync(ctx context.Context, ops []board.Op) (<-chan Result, error) {
	raw, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("encode ops: %w", err)
	}
	return c.sendRaw(ctx, ops, raw)
}

func (c *Client) sendRaw(ctx context.Context, ops []board.Op, raw json.RawMessage) (<-chan Result, error) {
	c.mu.Lock()
	c.nextBatch++
	p := &pendingBatch{id: fmt.Sprintf("b%d-%s", c.nextBatch, c.opts.ClientID[:min(8, len(c.opts.ClientID))]), ops: ops, raw: raw, done: make(chan Result, 1)}
	c.pending = append(c.pending, p)
	conn := c.conn
	c.mu.Unlock()
	// A failed write leaves the batch pending: Reconnect sends it again.
	_ = c.writeBatch(ctx, conn, p)
	return p.done, nil
}

// Cursor sends the pointer position.
func (c *Client) Cursor(ctx context.Context, x, y float64) error {
	// Built by hand rather than with encoding/json: pages send up to 20
	// moves a second, and a load generator thousands of clients' worth.
	b := make([]byte, 0, 64)
	b = append(b, `{"t":"cursor","x":`...)
	b, err := appendNumber(b, x)
	if err != nil {
		return err
	}
	b = append(b, `,"y":`...)
	if b, err = appendNumber(b, y); err != nil {
		return err
	}
	b = append(b, '}')
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	return conn.Write(ctx, websocket.MessageText, b)
}

// appendNumber appends f as encoding/json would write it.
func appendNumber(b []byte, f float64) ([]byte, error) {
	if a := math.Abs(f); math.IsNaN(f) || math.IsInf(f, 0) || (a != 0 && (a < 1e-6 || a >= 1e21)) {
		// Not a JSON number (the same error as before), or one that
		// encoding/json writes with an exponent.
		n, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		return append(b, n...), nil
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64), nil
}

// Ping says {"t":"ping"}, as a page does when it has sent nothing for a
// while: the server answers with a pong and knows the client is there.
func (c *Client) Ping(ctx context.Context) error {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	return conn.Write(ctx, websocket.MessageText, []byte(`{"t":"ping"}`))
}

// Editing says which object this client is editing ("" when done).
func (c *Client) Editing(ctx context.Context, object string) error {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	return c.writeJSON(ctx, conn, map[string]any{"t": "editing", "object": object})
}

// Reconnect drops the current connection, if any, and joins again asking
// for what was missed; unconfirmed batches are re-sent.
func (c *Client) Reconnect(ctx context.Context) error {
	c.Drop()
	c.mu.Lock()
	done := c.connDone
	c.mu.Unlock()
	<-done
	return c.connect(ctx, true)
}

// ReconnectTo is Reconnect to another server of the same cluster, as a
// load balancer would send a client whose node went away.
func (c *Client) ReconnectTo(ctx context.Context, url string) error {
	c.mu.Lock()
	c.opts.URL = url
	c.mu.Unlock()
	return c.Reconnect(ctx)
}

// Drop closes the connection abruptly, as a network failure would, keeping
// the client's state for Reconnect.
func (c *Client) Drop() {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	conn.CloseNow()
}

// Close closes the connection normally.
func (c *Client) Close() error {
	c.mu.Lock()
	conn, done := c.conn, c.connDone
	c.mu.Unlock()
	err := conn.Close(websocket.StatusNormalClosure, "")
	<-done
	return err
}

// Done is closed when the current connection ends; Err says why.
func (c *Client) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connDone
}

// Err is why the current connection ended (nil while it is open).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// CloseStatus is the close code the server sent, or -1.
func (c *Client) CloseStatus() websocket.StatusCode { return websocket.CloseStatus(c.Err()) }

// State returns a copy of the confirmed state.
func (c *Client) State() *board.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.Clone()
}

// Seq is the last sequence number applied to the confirmed state.
func (c *Client) Seq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

// Epoch is the board's epoch as of the last welcome.
func (c *Client) Epoch() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// Session is the server's id for the current connection.
func (c *Client) Session() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// ID is the client id sent in hello.
func (c *Client) ID() string { return c.opts.ClientID }

// Pending is how many batches await confirmation.
func (c *Client) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// Users returns who is on the board, including this client.
func (c *Client) Users() []User {
	c.mu.Lock()
	defer c.mu.Unlock()
	us := make([]User, 0, len(c.users))
	for _, u := range c.users {
		us = append(us, u)
	}
	return us
}

// Stats returns counts of what was received.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}
