package server

import (
	"bufio"
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/coder/websocket"

	"partnerboard/hub"
)

// A goroutine's stack never shrinks below four times what it uses, and
// a reader blocked inside the WebSocket library uses enough to keep
// 4 KiB. Most connections are quiet most of the time, so a quiet one
// waits for its next byte on a new goroutine that only asks the socket
// whether it is readable, with a 2 KiB stack (docs/benchmarks.md, "10,000
// idle connections"). When bytes come, that goroutine reads on as usual.
//
// A reader goes back to the shallow wait when its client says it has
// nothing else to say, with {"t":"ping"}; a busy client keeps one reader
// and costs no extra goroutines. A WebSocket ping from the server would
// undo this: the library reads its pong inside a Read that returns only
// with a message. So the server pings only a client it has not heard
// from for PingInterval (connWriter.pingOnce).

// parkedConn is one connection's reading side and what it holds.
type parkedConn struct {
	s          *Server
	ws         *websocket.Conn
	raw        syscall.RawConn
	buffered   *bufio.Reader // the library's reader: bytes in it need no wait
	w          *connWriter
	client     *hub.Client
	ip, link   string
	stopExpiry func() bool
	rate       bucket

	peekFn  func(fd uintptr) bool // peek as a func value, made once
	peekBuf [1]byte
}

// rawConnOf is the socket under a hijacked connection, for the shallow
// wait; taken before the join, so that a socket without one is refused
// before anyone sees it arrive.
func rawConnOf(c net.Conn) (syscall.RawConn, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, errors.New("the connection has no file descriptor")
	}
	return sc.SyscallConn()
}

func (s *Server) newReader(ws *websocket.Conn, raw syscall.RawConn, sb *smallBuffers, w *connWriter, client *hub.Client, ip, link string, stopExpiry func() bool) *parkedConn {
	p := &parkedConn{
		s: s, ws: ws, raw: raw, buffered: sb.reader, w: w, client: client,
		ip: ip, link: link, stopExpiry: stopExpiry,
		rate: newBucket(s.cfg.MessagesPerSecond, s.cfg.Burst, s.cfg.Now()),
	}
	p.peekFn = p.peek
	return p
}

// park runs at the bottom of a new goroutine and keeps its frames small:
// its stack is the one a quiet connection holds.
func (p *parkedConn) park() {
	if p.buffered.Buffered() == 0 {
		if err := p.raw.Read(p.peekFn); err != nil {
			p.end()
			return
		}
	}
	p.read()
}

// peek reports whether the socket has a byte to read (or an error or the
// end of the stream for Read to find). The netpoller's readiness alone
// cannot say: an earlier read may have taken its edge and left bytes.
func (p *parkedConn) peek(fd uintptr) bool {
	_, _, err := syscall.Recvfrom(int(fd), p.peekBuf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return !errors.Is(err, syscall.EAGAIN)
}

// read handles messages until the socket fails or closes, or until the
// client pings with nothing left unread: then a new goroutine parks.
// Decoding and validation happen here, in parallel across connections,
// never in a room.
func (p *parkedConn) read() {
	s := p.s
	for {
		// No context: one would cost a registration per message, and
		// closing the socket ends the read just the same. Shutdown does
		// not cancel it either: edits on their way still reach the room
		// until the hub ends the session.
		typ, data, err := p.ws.Read(context.Background())
		if err != nil {
			p.end() // closed, too big (the library sent 1009), or closed by the writer
			return
		}
		now := s.cfg.Now()
		p.w.heard.Store(now.UnixNano())
		if !p.rate.allow(now) || !s.addrs.allow(p.ip, now) {
			_ = p.ws.Close(ClosePolicy, "too many messages")
			p.end()
			return
		}
		if typ != websocket.MessageText {
			_ = p.ws.Close(CloseUnsupported, "send text frames")
			p.end()
			return
		}
		if s.handleMessage(context.Background(), p.client, data) && p.buffered.Buffered() == 0 {
			go p.park()
			return
		}
	}
}

// end releases everything the connection held. The writer closes the
// socket when the hub ends the session, which ends the read.
func (p *parkedConn) end() {
	_ = p.ws.CloseNow() // before Leave: a writer woken by it finds the socket closed
	p.w.close()
	if p.stopExpiry != nil {
		p.stopExpiry()
	}
	if p.link != "" {
		p.s.live.remove(p.link, p.client)
	}
	p.client.Leave()
	p.s.addrs.release(p.ip)
	p.s.sockets.Done()
}
