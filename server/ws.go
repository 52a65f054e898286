package server

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"partnerboard/board"
	"partnerboard/hub"
)

// inbound is every message a client may send; T says which fields apply.
type inbound struct {
	T string `json:"t"`
	// hello
	Client string  `json:"client"`
	Name   string  `json:"name"`
	Color  string  `json:"color"`
	Epoch  string  `json:"epoch"`
	Seq    *uint64 `json:"seq"`
	// ops
	Batch string          `json:"batch"`
	Ops   json.RawMessage `json:"ops"`
	// cursor
	X *float64 `json:"x"`
	Y *float64 `json:"y"`
	// editing
	Object *string `json:"object"`
}

var pongMsg = []byte(`{"t":"pong"}`)

func (s *Server) serveWS(c echo.Context) error {
	id := c.Param("id")
	if !validID(id) {
		return echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "There is no board at this address."})
	}
	select {
	case <-s.closing:
		return echo.NewHTTPError(http.StatusServiceUnavailable, apiError{Code: "shutting_down", Message: "The server is restarting. Please try again in a moment."})
	default:
	}
	// Authorisation happens before the upgrade, so a refusal is a plain
	// 401 or 403 that a page can read.
	acc, err := s.boardAccess(c, id)
	if err != nil {
		return err
	}
	ip := remoteIP(c.Request())
	if !s.addrs.acquire(ip, s.cfg.Now()) {
		return echo.NewHTTPError(http.StatusTooManyRequests, apiError{Code: "too_many_connections", Message: "Too many connections from your network. Please close some tabs and try again."})
	}

	sb := &smallBuffers{ResponseWriter: c.Response(), writeTimeout: s.cfg.WriteTimeout}
	conn, err := websocket.Accept(sb, c.Request(), &websocket.AcceptOptions{OriginPatterns: s.cfg.AllowedOrigins})
	if err != nil {
		// Accept has already written the refusal (403 for a foreign Origin).
		s.addrs.release(ip)
		return nil
	}
	conn.SetReadLimit(MaxFrameBytes)
	s.sockets.Add(1)
	// Until the connection is handed to its own goroutine, a failure here
	// releases what it holds.
	handed := false
	defer func() {
		if !handed {
			_ = conn.CloseNow()
			s.sockets.Done()
			s.addrs.release(ip)
		}
	}()

	raw, err := rawConnOf(sb.cork.conn)
	if err != nil {
		s.cfg.Logger.Error("websocket without a socket", "board", id, "err", err)
		return nil
	}
	ctx, cancel := context.WithCancel(s.base)
	defer cancel()
	req, ok := s.readHello(ctx, conn, id)
	if !ok {
		return nil
	}
	acc = acc.forClient(req.ClientID)
	req.ReadOnly, req.Facilitator, req.Locked = acc.readOnly, acc.facilitator, acc.locked
	w := newConnWriter(conn, sb.cork, s.cfg.PingInterval, s.cfg.PongTimeout, s.cfg.Now)
	req.Wake = w.wake
	client, err := s.hub.Join(ctx, req)
	if err != nil {
		code, reason := joinClose(err)
		if code == CloseInternal {
			s.cfg.Logger.Error("join board", "board", id, "err", err)
		}
		_ = conn.Close(code, reason)
		return nil
	}
	var stopExpiry func() bool
	if acc.link != "" {
		s.live.add(acc.link, client, acc.w != nil)
		// A withdrawal between the check above and add would be missed;
		// look once more now that a withdrawal would find this client.
		if l, err := s.cfg.Workshops.Link(ctx, acc.link); err != nil || l.Revoked {
			client.Kick(hub.ReasonRevoked)
		}
		stopExpiry = expireAt(client, acc.expires, s.cfg.Now())
	}
	pc := s.newReader(conn, raw, sb, w, client, ip, acc.link, stopExpiry)
	w.start(client)
	handed = true
	// The handler returns now, and with it net/http's goroutine, the
	// request and everything the handshake grew; the connection lives on
	// in a goroutine of its own with a small stack.
	go pc.park()
	return nil
}

// readHello waits for the first message, which must be a valid hello.
func (s *Server) readHello(ctx context.Context, conn *websocket.Conn, board string) (hub.JoinRequest, bool) {
	hctx, cancel := context.WithTimeout(ctx, HelloTimeout)
	defer cancel()
	typ, data, err := conn.Read(hctx)
	if err != nil {
		if ctx.Err() != nil {
			_ = conn.Close(CloseGoingAway, "server restarting")
		} else if hctx.Err() != nil {
			_ = conn.Close(ClosePolicy, "no hello")
		}
		return hub.JoinRequest{}, false
	}
	var m inbound
	if typ != websocket.MessageText || json.Unmarshal(data, &m) != nil || m.T != "hello" {
		_ = conn.Close(ClosePolicy, "the first message must be hello")
		return hub.JoinRequest{}, false
	}
	name := strings.TrimSpace(m.Name)
	switch {
	case !validID(m.Client):
		_ = conn.Close(ClosePolicy, "hello needs a client id")
	case name == "" || len(name) > MaxNameBytes || !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		_ = conn.Close(ClosePolicy, "hello needs a name of 1 to 64 bytes")
	case m.Color != "" && !validColor(m.Color):
		_ = conn.Close(ClosePolicy, "hello color must look like #a1b2c3")
	case len(m.Epoch) > MaxIDBytes:
		_ = conn.Close(ClosePolicy, "hello epoch is too long")
	default:
		req := hub.JoinRequest{Board: board, ClientID: m.Client, Name: name, Color: m.Color, Epoch: m.Epoch}
		if m.Seq != nil && m.Epoch != "" {
			req.Resume, req.Seq = true, *m.Seq
		}
		return req, true
	}
	return hub.JoinRequest{}, false
}

func validColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// handleMessage acts on one message from client; ping reports that it was
// a ping, which a client sends only when it has nothing else to say.
func (s *Server) handleMessage(ctx context.Context, client *hub.Client, data []byte) (ping bool) {
	if !utf8.Valid(data) {
		client.Send(hub.EncodeError(hub.ErrorMsg{Code: CodeBadUTF8, Message: "The message is not valid UTF-8 text."}))
		return false
	}
	var m inbound
	// Unmarshal refuses trailing data as well, without a decoder's buffer.
	if err := json.Unmarshal(data, &m); err != nil {
		client.Send(hub.EncodeError(hub.ErrorMsg{Code: CodeBadMessage, Message: "The message is not a JSON object of a known shape."}))
		return false
	}
	switch m.T {
	case "ops":
		if !validID(m.Batch) {
			client.Send(hub.EncodeError(hub.ErrorMsg{Code: CodeBadMessage, Message: "An ops message needs a batch id of 1 to 64 letters, digits, - or _."}))
			return false
		}
		if len(m.Ops) == 0 {
			client.Send(hub.EncodeError(hub.ErrorMsg{Code: CodeBadMessage, Batch: m.Batch, Message: "An ops message needs ops."}))
			return false
		}
		ops, err := board.DecodeOps(m.Ops)
		if err != nil {
			client.Send(protocolError(err, m.Batch))
			return false
		}
		// Store and fan out our own encoding of what was validated, never
		// the client's bytes.
		raw, err := json.Marshal(ops)
		if err != nil {
			client.Send(protocolError(err, m.Batch))
			return false
		}
		if err := client.Submit(ctx, m.Batch, ops, raw); err != nil && !errors.Is(err, context.Canceled) {
			s.cfg.Logger.Warn("submit batch", "err", err)
		}
	case "cursor":
		if m.X == nil || m.Y == nil || !inRange(*m.X) || !inRange(*m.Y) {
			client.Send(hub.EncodeError(hub.ErrorMsg{Code: CodeBadMessage, Message: "A cursor message needs x and y within the board."}))
			return false
		}
		client.SetCursor(*m.X, *m.Y)
	case "editing":
		if m.Object == nil || (*m.Object != "" && !validID(*m.Object)) {
			client.Send(hub.EncodeError(hub.ErrorMsg{Code: CodeBadMessage, Message: "An editing message needs an object id, or \"\" when done."}))
			return false
		}
		_ = client.SetEditing(ctx, *m.Object)
	case "ping":
		client.Send(pongMsg)
		return true
	case "":
		client.Send(hub.EncodeError(hub.ErrorMsg{Code: CodeBadMessage, Message: "The message has no type (\"t\")."}))
	default:
		client.Send(hub.EncodeError(hub.ErrorMsg{Code: CodeUnknownMessage, Message: "Unknown message type " + quote(m.T) + "."}))
	}
	return false
}

func inRange(v float64) bool {
	return !math.IsNaN(v) && v >= -board.MaxCoord && v <= board.MaxCoord
}

// remoteIP is the peer's address. Behind a proxy every client shares the
// proxy's address; per-address limits then apply to the proxy, which is
// why they are generous and configurable.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
