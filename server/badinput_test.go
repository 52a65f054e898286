package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
	"partnerboard/server"
)

func opsMsg(ops string) string { return `{"t":"ops","batch":"bad-1","ops":` + ops + `}` }

func manyOps(n int) string {
	ops := make([]string, n)
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"op":"create","id":"m%d","kind":"note"}`, i)
	}
	return "[" + strings.Join(ops, ",") + "]"
}

// Acceptance: each bad input gets its documented error code, the board is
// unchanged, and the other people on the board receive nothing from it.
func TestBadInputIsRefusedAndHarmless(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	id := env.CreateBoard(t, "Bad input")
	bystander := env.Dial(t, id, "Bystander")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := bystander.Send(ctx, []board.Op{testenv.Note("n1", "hello", 0, 0)}); err != nil {
		t.Fatal(err)
	}
	before, seq := testenv.BoardState(t, env.URL, id)
	wantState := testenv.StateJSON(t, before)

	long := strings.Repeat("a", board.MaxTextBytes+1)
	cases := []struct {
		name string
		msg  string
		code string
	}{
		{"malformed JSON", `{"t":"ops",`, server.CodeBadMessage},
		{"not an object", `[1,2,3]`, server.CodeBadMessage},
		{"two messages in one frame", `{"t":"ping"} {"t":"ping"}`, server.CodeBadMessage},
		{"trailing bytes", `{"t":"ping"}x`, server.CodeBadMessage},
		{"no message type", `{"batch":"b"}`, server.CodeBadMessage},
		{"unknown message type", `{"t":"teleport"}`, server.CodeUnknownMessage},
		{"ops without a batch id", `{"t":"ops","ops":[{"op":"delete","id":"n1"}]}`, server.CodeBadMessage},
		{"ops that are not a list", opsMsg(`{"op":"delete","id":"n1"}`), board.CodeBadJSON},
		{"unknown op type", opsMsg(`[{"op":"explode","id":"n1"}]`), board.CodeUnknownOp},
		{"unknown kind", opsMsg(`[{"op":"create","id":"z1","kind":"hologram"}]`), board.CodeUnknownKind},
		{"missing id", opsMsg(`[{"op":"delete"}]`), board.CodeBadOp},
		{"missing kind on create", opsMsg(`[{"op":"create","id":"z1"}]`), board.CodeBadOp},
		{"wrongly typed field", opsMsg(`[{"op":"update","id":"n1","fields":{"x":"left"}}]`), board.CodeBadValue},
		{"unknown field", opsMsg(`[{"op":"update","id":"n1","fields":{"onclick":"x"}}]`), board.CodeUnknownField},
		{"bad id", opsMsg(`[{"op":"delete","id":"../etc"}]`), board.CodeBadID},
		{"empty batch", opsMsg(`[]`), board.CodeEmptyBatch},
		{"batch over the op limit", opsMsg(manyOps(board.MaxOpsPerBatch + 1)), board.CodeTooManyOps},
		{"text over the length limit", opsMsg(`[{"op":"update","id":"n1","fields":{"text":"` + long + `"}}]`), board.CodeTooLong},
		{"coordinate out of range", opsMsg(`[{"op":"update","id":"n1","fields":{"x":1e7}}]`), board.CodeOutOfRange},
		{"invalid UTF-8", "{\"t\":\"ops\",\"batch\":\"b\",\"ops\":[{\"op\":\"update\",\"id\":\"n1\",\"fields\":{\"text\":\"\xff\xfe\"}}]}", server.CodeBadUTF8},
		{"cursor out of range", `{"t":"cursor","x":1e9,"y":0}`, server.CodeBadMessage},
		{"editing a bad id", `{"t":"editing","object":"<b>"}`, server.CodeBadMessage},
		// A valid batch in the middle of a bad one is not applied either:
		// batches are all or nothing.
		{"half-good batch", opsMsg(`[{"op":"update","id":"n1","fields":{"text":"changed"}},{"op":"update","id":"n1","fields":{"y":"down"}}]`), board.CodeBadValue},
	}
	var lastErr client.ErrorMsg
	gotErr := make(chan client.ErrorMsg, 1)
	sender := testenv.Dial(t, client.Options{URL: env.URL, Board: id, Name: "Sender", OnError: func(e client.ErrorMsg) { gotErr <- e }})
	testenv.WaitFor(t, "the bystander to see the sender", func() bool { return len(bystander.Users()) == 2 })
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bystanderBefore := bystander.Stats()
			if err := sender.WriteRaw(ctx, []byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
			select {
			case lastErr = <-gotErr:
			case <-ctx.Done():
				t.Fatal("no error message came back")
			}
			if lastErr.Code != tc.code {
				t.Fatalf("error code = %q (%s), want %q", lastErr.Code, lastErr.Message, tc.code)
			}
			if lastErr.Message == "" {
				t.Fatalf("error %q has no message", lastErr.Code)
			}
			barrier(t, sender, bystander, i)
			// The marker is the one thing the bystander may have received.
			if got := bystander.Stats(); got.Ops != bystanderBefore.Ops || got.Presence != bystanderBefore.Presence+1 || got.Errors != 0 {
				t.Fatalf("bystander received something: before %+v, after %+v", bystanderBefore, got)
			}
			after, afterSeq := testenv.BoardState(t, env.URL, id)
			if afterSeq != seq || testenv.StateJSON(t, after) != wantState {
				t.Fatalf("board changed: seq %d→%d", seq, afterSeq)
			}
		})
	}
}

// barrier sends a harmless marker from sender through the room and waits
// until watcher sees it. Rooms handle a connection's messages in order, so
// anything the sender's earlier messages made the room send has reached
// the watcher by then.
func barrier(t *testing.T, sender, watcher *client.Client, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	marker := fmt.Sprintf("marker-%d", n)
	if err := sender.Editing(ctx, marker); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the marker to reach the watcher", func() bool {
		for _, u := range watcher.Users() {
			if u.ID == sender.Session() && u.Editing == marker {
				return true
			}
		}
		return false
	})
}

// Acceptance: a frame over the read limit closes with 1009, a flood with
// 1008, a binary frame with 1003; the board and the others are untouched.
func TestAbusiveConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  server.Config
		send func(ctx context.Context, conn *websocket.Conn) error
		want websocket.StatusCode
	}{
		{"frame over the read limit", fastClients, func(ctx context.Context, conn *websocket.Conn) error {
			big := opsMsg(`[{"op":"update","id":"n1","fields":{"text":"` + strings.Repeat("a", server.MaxFrameBytes) + `"}}]`)
			return conn.Write(ctx, websocket.MessageText, []byte(big))
		}, server.CloseTooBig},
		{"message flood", server.Config{MessagesPerSecond: 10, Burst: 20}, func(ctx context.Context, conn *websocket.Conn) error {
			for range 1000 {
				if err := conn.Write(ctx, websocket.MessageText, []byte(`{"t":"cursor","x":1,"y":2}`)); err != nil {
					return nil // closed under us, as expected
				}
			}
			return nil
		}, server.ClosePolicy},
		{"binary frame", fastClients, func(ctx context.Context, conn *websocket.Conn) error {
			return conn.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3})
		}, server.CloseUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := testenv.Start(t, testenv.Options{Server: tc.cfg})
			id := env.CreateBoard(t, "Abuse")
			bystander := env.Dial(t, id, "Bystander")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := bystander.Send(ctx, []board.Op{testenv.Note("n1", "hello", 0, 0)}); err != nil {
				t.Fatal(err)
			}
			before, seq := testenv.BoardState(t, env.URL, id)

			conn := rawDial(t, env.URL, id)
			writeJSON(t, conn, map[string]any{"t": "hello", "client": "abuser", "name": "Abuser"})
			readUntil(t, conn, "welcome")
			testenv.WaitFor(t, "the bystander to see the join", func() bool { return len(bystander.Users()) == 2 })
			opsBefore := bystander.Stats().Ops
			if err := tc.send(ctx, conn); err != nil {
				t.Fatalf("send: %v", err)
			}
			var err error
			for err == nil {
				_, _, err = conn.Read(ctx)
			}
			if got := websocket.CloseStatus(err); got != tc.want {
				t.Fatalf("closed with %v (%v), want %v", got, err, tc.want)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("connection was not closed")
			}
			after, afterSeq := testenv.BoardState(t, env.URL, id)
			if afterSeq != seq || testenv.StateJSON(t, after) != testenv.StateJSON(t, before) {
				t.Fatal("board changed")
			}
			if got := bystander.Stats().Ops; got != opsBefore {
				t.Fatalf("bystander received %d ops from the abuser", got-opsBefore)
			}
		})
	}
}
