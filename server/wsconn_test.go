package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
	"partnerboard/server"
)

// A client may send its hello in the same packet as its upgrade request;
// the bytes then already sit in net/http's buffer when the connection is
// handed over, and must not be lost with that buffer.
func TestHelloRightBehindTheUpgrade(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{})
	id := env.CreateBoard(t, "Eager")
	u, _ := url.Parse(env.Nodes[0].URL) // past the load balancer, which would split the bytes
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))

	var out bytes.Buffer
	out.WriteString("GET /ws/boards/" + id + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	out.Write(maskedText([]byte(`{"t":"hello","client":"eager","name":"Eager"}`)))
	if _, err := conn.Write(out.Bytes()); err != nil { // one write: one packet on loopback
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %s", res.Status)
	}
	// The server's first frame must be the welcome; without the hello it
	// would wait for HelloTimeout and close the socket instead.
	op, payload := readFrame(t, br)
	if op != 1 || !bytes.HasPrefix(payload, []byte(`{"t":"welcome"`)) {
		t.Fatalf("first frame: opcode %d, %.80q; want a text frame with the welcome", op, payload)
	}
}

// maskedText is one client-to-server text frame (clients must mask).
func maskedText(p []byte) []byte {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	f := []byte{0x81}
	switch {
	case len(p) < 126:
		f = append(f, 0x80|byte(len(p)))
	default:
		f = append(f, 0x80|126, byte(len(p)>>8), byte(len(p)))
	}
	f = append(f, key[:]...)
	for i, b := range p {
		f = append(f, b^key[i%4])
	}
	return f
}

// readFrame reads one unmasked server frame.
func readFrame(t *testing.T, r io.Reader) (opcode byte, payload []byte) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatalf("read frame header: %v", err)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			t.Fatal(err)
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			t.Fatal(err)
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		t.Fatalf("read frame payload: %v", err)
	}
	return h[0] & 0x0f, payload
}

// An idle connection keeps one goroutine, its reader, parked outside the
// WebSocket library: the writer runs only while something waits to be
// sent, and the handler that upgraded the connection has returned. Not parallel: it counts goroutines.
func TestIdleConnectionsHoldOneGoroutineEach(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	id := env.CreateBoard(t, "Quiet")
	base := serverGoroutines()
	const n = 12
	clients := make([]*client.Client, n)
	for i := range clients {
		clients[i] = env.Dial(t, id, "Person")
	}
	testenv.WaitFor(t, "everyone to see everyone", func() bool {
		for _, c := range clients {
			if len(c.Users()) != n {
				return false
			}
		}
		return true
	})
	var got map[string]int
	testenv.WaitFor(t, "the writers to stop once the joins are sent", func() bool {
		got = serverGoroutines()
		return got["parked"]-base["parked"] == n && got["writer"] == base["writer"]
	})
	if got["reading"] != base["reading"] {
		t.Errorf("%d readers wait inside the library, want %d: a quiet connection parks", got["reading"], base["reading"])
	}
	if got["serveWS"] != base["serveWS"] {
		t.Errorf("%d upgrade handlers still running, want %d", got["serveWS"], base["serveWS"])
	}

	// An edit wakes every writer, which stops again once it is written.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := clients[0].Send(ctx, []board.Op{testenv.Note("n1", "Drop-in on Tuesdays", 10, 20)}); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the note to reach the last person", func() bool {
		_, ok := clients[n-1].State().Get("n1")
		return ok
	})
	testenv.WaitFor(t, "the writers to stop again", func() bool {
		got = serverGoroutines()
		return got["writer"] == base["writer"] && got["parked"]-base["parked"] == n-1 && got["reading"]-base["reading"] == 1
	})

	// The one who spoke reads on until it says it has nothing more to
	// say; then its reader parks again, on a fresh stack.
	if err := clients[0].Ping(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the last reader to park again", func() bool {
		got = serverGoroutines()
		return got["writer"] == base["writer"] && got["parked"]-base["parked"] == n && got["reading"] == base["reading"]
	})
}

// serverGoroutines counts the goroutines of this process by the server
// function they run: connection readers (parked in the shallow wait, or
// reading), writers and upgrade handlers.
func serverGoroutines() map[string]int {
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	counts := map[string]int{}
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		switch {
		case strings.Contains(g, "partnerboard/server.(*connWriter).run"):
			counts["writer"]++
		case strings.Contains(g, "partnerboard/server.(*parkedConn).read("):
			counts["reading"]++
		case strings.Contains(g, "partnerboard/server.(*parkedConn).park("):
			counts["parked"]++
		case strings.Contains(g, "partnerboard/server.(*Server).serveWS"):
			counts["serveWS"]++
		}
	}
	return counts
}

// A peer that stops answering pings is dropped, and the others see it
// leave.
func TestSilentPeerIsDropped(t *testing.T) {
	t.Parallel()
	// The silent peer says hello, reads its welcome and then never reads
	// again, so it never answers a ping.
	watcher, _ := peerThatNeverReads(t, 200*time.Millisecond)

	// The watcher keeps reading, so its pongs go back and it stays.
	testenv.WaitFor(t, "the silent peer to be dropped", func() bool { return len(watcher.Users()) == 1 })
	if err := watcher.Err(); err != nil {
		t.Fatalf("the watcher, which answers pings, lost its connection: %v", err)
	}
}

// The server pings only a client it has not heard from: one that says
// {"t":"ping"} often enough is never asked, so it stays even though it
// would not answer. Once it falls silent it is pinged and, not answering,
// dropped.
func TestClientThatPingsIsNotPinged(t *testing.T) {
	t.Parallel()
	const every = 400 * time.Millisecond
	// Never reading after the welcome, the chatty peer cannot answer a
	// WebSocket ping: only its own pings keep it.
	watcher, chatty := peerThatNeverReads(t, every)
	for end := time.Now().Add(5 * every); time.Now().Before(end); time.Sleep(every / 8) {
		writeJSON(t, chatty, map[string]any{"t": "ping"})
	}
	if n := len(watcher.Users()); n != 2 {
		t.Fatalf("the watcher sees %d people while the chatty peer pings, want 2", n)
	}
	testenv.WaitFor(t, "the chatty peer to be dropped once silent", func() bool { return len(watcher.Users()) == 1 })
}

// peerThatNeverReads starts a server that pings after pingAfter of
// silence, with a watcher and a raw peer on one board; the peer has read
// its welcome and reads nothing more.
func peerThatNeverReads(t *testing.T, pingAfter time.Duration) (*client.Client, *websocket.Conn) {
	t.Helper()
	env := testenv.Start(t, testenv.Options{Server: server.Config{PingInterval: pingAfter, PongTimeout: 300 * time.Millisecond}})
	id := env.CreateBoard(t, "Pings")
	watcher := env.Dial(t, id, "Watcher")
	peer := rawDial(t, env.URL, id)
	writeJSON(t, peer, map[string]any{"t": "hello", "client": "peer", "name": "Peer"})
	readUntil(t, peer, "welcome")
	testenv.WaitFor(t, "the watcher to see the peer", func() bool { return len(watcher.Users()) == 2 })
	return watcher, peer
}

// A client that stops reading is dropped by the write deadline once its
// socket's buffers are full, long before its queue in the hub would be,
// and the others keep getting every edit.
func TestStuckReaderIsDroppedByTheWriteDeadline(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: server.Config{WriteTimeout: 300 * time.Millisecond,
		MessagesPerSecond: 1e6, Burst: 1e6, MessagesPerSecondPerIP: 1e6}})
	id := env.CreateBoard(t, "Deadline")
	writer := env.Dial(t, id, "Writer")

	// Straight to a node: a proxy in between would buffer more.
	stuck := rawDial(t, env.Nodes[0].URL, id)
	writeJSON(t, stuck, map[string]any{"t": "hello", "client": "stuck", "name": "Stuck"})
	readUntil(t, stuck, "welcome")
	testenv.WaitFor(t, "the writer to see the stuck client", func() bool { return len(writer.Users()) == 2 })

	// 8 KiB edits until the stuck client is gone: loopback buffers hold a
	// few MiB, the hub's queue 4,096 messages or 32 MiB, so 3,000 edits
	// (24 MiB) can fill the sockets but never the queue.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := writer.Send(ctx, []board.Op{testenv.Note("big", "", 0, 0)}); err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("x", board.MaxTextBytes-16)
	sent := 0
	for len(writer.Users()) == 2 {
		if sent == 3000 {
			t.Fatalf("the stuck client is still on the board after %d edits of 8 KiB", sent)
		}
		if _, err := writer.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "big", Fields: map[string]any{"text": fmt.Sprintf("%06d%s", sent, text)}}}); err != nil {
			t.Fatal(err)
		}
		sent++
	}
	if strings.Contains(env.Logs(), "client too slow") {
		t.Fatal("the stuck client was dropped for its queue, not by the write deadline")
	}
	t.Logf("dropped after %d edits of 8 KiB", sent)
}
