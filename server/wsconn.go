package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"partnerboard/hub"
)

// An idle WebSocket should cost little more than its kernel socket: a
// provider may hold tens of thousands of them. Three things here make
// that so (docs/benchmarks.md, "10,000 idle connections"):
//
//   - smallBuffers hands the WebSocket library small buffers instead of
//     net/http's 4 KiB reader and writer, which it would otherwise keep
//     for the connection's life;
//   - corkedConn gathers the frames of one burst and writes them with one
//     system call, so the library's writer buffer can stay tiny;
//   - connWriter runs a goroutine only while there is something to write,
//     and pings from a timer, so an idle connection has one goroutine (its
//     reader) instead of two;
//   - parkedConn keeps that reader on a fresh, shallow stack while the
//     client is quiet (reader.go).

const (
	// readBufferBytes is the buffer the WebSocket reads frames through.
	// A cursor move or an editing message fits with room to spare; a
	// larger frame costs one more read, and what passes the buffer's size
	// is read straight into the message.
	readBufferBytes = 256
	// writeBufferBytes holds a frame header and most control frames;
	// data frames pass through it into the cork.
	writeBufferBytes = 128
	// corkFlushBytes is how much a burst may gather before it is written
	// out, so a burst of large messages is not copied whole.
	corkFlushBytes = 64 << 10
	// deadlineSlack is how much of WriteTimeout a write may lose so that
	// the socket's deadline need not move on every write.
	deadlineSlack = time.Second
	// corkPoolMaxBytes is the largest cork buffer worth keeping for the
	// next burst; a huge welcome's buffer is left to the collector.
	corkPoolMaxBytes = 256 << 10
)

// smallBuffers wraps the ResponseWriter given to websocket.Accept so that
// its Hijack returns the connection with our small buffers and the cork.
type smallBuffers struct {
	http.ResponseWriter
	writeTimeout time.Duration
	cork         *corkedConn   // set by Hijack
	reader       *bufio.Reader // set by Hijack: what the library reads through
}

func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if brw.Writer.Buffered() > 0 {
		if err := brw.Writer.Flush(); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	// Bytes the client sent right behind its upgrade request may already
	// sit in net/http's reader. They must end up buffered in ours: the
	// library re-wraps whatever its reader holds and forgets the rest.
	size := readBufferBytes
	pending := brw.Reader.Buffered()
	src := io.Reader(conn)
	if pending > 0 {
		b, _ := brw.Reader.Peek(pending)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn)
		size = max(size, pending)
	}
	br := bufio.NewReaderSize(src, size)
	if pending > 0 {
		if _, err := br.Peek(pending); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	w.cork = &corkedConn{conn: conn, timeout: w.writeTimeout}
	w.reader = br
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(w.cork, writeBufferBytes)), nil
}

// corkedConn is where the WebSocket library writes. Between cork and
// uncork, writes gather in memory and uncork sends them at once; outside,
// they go straight to the socket. Either way each system call has a
// deadline, which drops a client that stopped reading: its socket's
// buffers fill long before its queue in the hub does.
type corkedConn struct {
	conn    net.Conn
	timeout time.Duration // Config.WriteTimeout

	mu       sync.Mutex
	corked   bool
	buf      *[]byte
	deadline int64 // the socket's write deadline, in Unix nanoseconds
}

var corkPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

func (c *corkedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		if len(p) < corkFlushBytes {
			*c.buf = append(*c.buf, p...)
			if len(*c.buf) >= corkFlushBytes {
				return len(p), c.flushLocked()
			}
			return len(p), nil
		}
		// A large payload (a welcome) goes out as it is, not copied.
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return c.write(p)
}

// write sends p under a deadline. Moving the deadline costs a timer
// update, so it moves only once it is less than the timeout minus
// deadlineSlack away: every write still gets at least that long.
func (c *corkedConn) write(p []byte) (int, error) {
	now := time.Now()
	slack := min(deadlineSlack, c.timeout/10)
	if c.deadline-now.UnixNano() < int64(c.timeout-slack) {
		at := now.Add(c.timeout)
		if err := c.conn.SetWriteDeadline(at); err != nil {
			return 0, err
		}
		c.deadline = at.UnixNano()
	}
	return c.conn.Write(p)
}

func (c *corkedConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.buf = corkPool.Get().(*[]byte)
	c.mu.Unlock()
}

func (c *corkedConn) flushLocked() error {
	b := *c.buf
	*c.buf = b[:0]
	if len(b) == 0 {
		return nil
	}
	_, err := c.write(b)
	return err
}

// uncork writes what the cork holds and lets later writes through.
func (c *corkedConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.flushLocked()
	c.corked = false
	if cap(*c.buf) <= corkPoolMaxBytes {
		corkPool.Put(c.buf)
	}
	c.buf = nil
	return err
}

// Writer states. The writer goroutine exists only while the state is not
// idle; wake moves idle to running (starting one) and running to again
// (telling the one that runs to look once more before it stops).
const (
	writerIdle int32 = iota
	writerRunning
	writerAgain
)

// connWriter writes a client's queued messages to its socket, pings it,
// and closes it when the hub ends the session.
type connWriter struct {
	conn                *websocket.Conn
	pingEvery, pongWait time.Duration
	cork                *corkedConn
	client              *hub.Client // set before the first run

	state atomic.Int32
	ping  atomic.Pointer[time.Timer]
	now   func() time.Time
	heard atomic.Int64 // when the client last said anything, Unix nanoseconds
	ended atomic.Bool  // the socket is closed or closing; stop pinging

	msgs [][]byte
}

// newConnWriter returns a writer that counts as running, so that the
// wakes of the join (its welcome) wait for start.
func newConnWriter(conn *websocket.Conn, cork *corkedConn, pingInterval, pongTimeout time.Duration, now func() time.Time) *connWriter {
	w := &connWriter{conn: conn, cork: cork, pingEvery: pingInterval, pongWait: pongTimeout, now: now}
	w.heard.Store(now().UnixNano())
	w.state.Store(writerRunning)
	return w
}

// start begins writing for client, whose queue may already hold the
// welcome, and starts the pings.
func (w *connWriter) start(client *hub.Client) {
	w.client = client
	w.ping.Store(time.AfterFunc(w.pingEvery, w.pingOnce))
	go w.run()
}

// wake is the hub's JoinRequest.Wake: called whenever a message is queued
// and when the session ends. It never blocks.
func (w *connWriter) wake() {
	for {
		switch w.state.Load() {
		case writerIdle:
			if w.state.CompareAndSwap(writerIdle, writerRunning) {
				go w.run()
				return
			}
		case writerRunning:
			if w.state.CompareAndSwap(writerRunning, writerAgain) {
				return
			}
		default:
			return
		}
	}
}

func (w *connWriter) run() {
	for {
		select {
		case <-w.client.Done():
			w.finish()
			return
		default:
		}
		if !w.flush() {
			w.stop()
			return
		}
		if w.state.CompareAndSwap(writerRunning, writerIdle) {
			return
		}
		w.state.Store(writerRunning) // woken meanwhile: look again
	}
}

// finish delivers what the hub queued before it ended the session (unless
// the client is too slow to take it) and closes the socket with the
// reason's code. The state stays running: no writer starts again.
func (w *connWriter) finish() {
	w.ended.Store(true)
	reason := w.client.Reason()
	if reason != hub.ReasonSlow && !w.flush() {
		w.stop()
		return
	}
	code, text := closeFor(reason)
	_ = w.conn.Close(code, text)
}

// stop drops the socket after a failed write or ping; the reader then
// ends and the server cleans up.
func (w *connWriter) stop() {
	w.ended.Store(true)
	_ = w.conn.CloseNow()
}

// flush writes everything queued, several messages to a frame separated
// by newlines and the frames of a burst in one system call; false means
// the socket failed.
func (w *connWriter) flush() bool {
	w.msgs = w.client.Take(w.msgs)
	if len(w.msgs) == 0 {
		return true
	}
	w.cork.cork()
	ok := w.writeFrames()
	if err := w.cork.uncork(); err != nil {
		ok = false
	}
	return ok
}

func (w *connWriter) writeFrames() bool {
	msgs := w.msgs
	for len(msgs) > 0 {
		n := 1
		size := len(msgs[0])
		for n < len(msgs) && n < MaxMessagesPerFrame && size+1+len(msgs[n]) < MaxFrameWriteBytes {
			size += 1 + len(msgs[n])
			n++
		}
		if !w.writeFrame(msgs[:n]) {
			return false
		}
		msgs = msgs[n:]
	}
	clear(w.msgs)
	w.msgs = w.msgs[:0]
	return true
}

// framePool holds the buffers that join several messages into one frame;
// a connection keeps none between bursts.
var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// writeFrame writes msgs as one frame, separated by newlines. One message
// is written as it is, without a copy.
func (w *connWriter) writeFrame(msgs [][]byte) bool {
	// No context deadline: the cork's system calls have one, and a
	// context here would cost a timer per frame.
	if len(msgs) == 1 {
		return w.conn.Write(context.Background(), websocket.MessageText, msgs[0]) == nil
	}
	bp := framePool.Get().(*[]byte)
	frame := (*bp)[:0]
	for i, m := range msgs {
		if i > 0 {
			frame = append(frame, '\n')
		}
		frame = append(frame, m...)
	}
	err := w.conn.Write(context.Background(), websocket.MessageText, frame)
	if cap(frame) <= corkPoolMaxBytes {
		*bp = frame
		framePool.Put(bp)
	}
	return err == nil
}

// pingOnce runs on its own timer, due when the client may have been
// silent for pingEvery. A client heard from since is not pinged: the
// timer waits for the rest of its silence. A silent peer that does not
// answer within the pong timeout is dropped.
func (w *connWriter) pingOnce() {
	if w.ended.Load() {
		return
	}
	t := w.ping.Load()
	if quiet := time.Duration(w.now().UnixNano() - w.heard.Load()); quiet < w.pingEvery {
		if t != nil && !w.ended.Load() {
			t.Reset(w.pingEvery - quiet)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), w.pongWait)
	err := w.conn.Ping(ctx)
	cancel()
	if err != nil {
		w.stop()
		return
	}
	w.heard.Store(w.now().UnixNano()) // the pong
	if t != nil && !w.ended.Load() {
		t.Reset(w.pingEvery)
	}
}

// close stops the pings once the connection is over.
func (w *connWriter) close() {
	w.ended.Store(true)
	if t := w.ping.Load(); t != nil {
		t.Stop()
	}
}
