package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/hub"
	"partnerboard/internal/testenv"
)

func sendNotes(t *testing.T, c *client.Client, prefix string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range n {
		if _, err := c.Send(ctx, []board.Op{testenv.Note(fmt.Sprintf("%s-%d", prefix, i), "text", float64(i), 0)}); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
}

// A client that was away while others edited gets exactly what it missed.
func TestRecoveryMissedOps(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	id := env.CreateBoard(t, "Recovery")
	a := env.Dial(t, id, "Amira")
	b := env.Dial(t, id, "Ben")
	sendNotes(t, a, "before", 3)
	testenv.WaitFor(t, "Ben to see the first notes", func() bool { return b.Seq() == 3 })

	b.Drop()
	<-b.Done()
	sendNotes(t, a, "while-away", 10)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Reconnect(ctx); err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	st := b.Stats()
	if st.LastWelcomeSnapshot || st.LastWelcomeOps != 10 {
		t.Fatalf("welcome after reconnect: snapshot=%v ops=%d, want exactly the 10 missed entries", st.LastWelcomeSnapshot, st.LastWelcomeOps)
	}
	if got, want := testenv.StateJSON(t, b.State()), testenv.StateJSON(t, a.State()); got != want {
		t.Fatalf("after recovery Ben's board differs from Amira's")
	}
	if got := b.Seq(); got != 13 {
		t.Fatalf("Ben's seq = %d, want 13", got)
	}
}

// A client whose last seq is older than the retained log gets a snapshot.
func TestRecoveryTooOldGetsSnapshot(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients, Hub: hub.Config{RetainOps: 5, CompactEvery: 4}})
	id := env.CreateBoard(t, "Recovery")
	// Both on one node: what is retained is one room's log. (In cluster
	// mode a node with nobody on the board loads it afresh, and sends a
	// snapshot to whoever comes back.)
	node := env.Nodes[0].URL
	a := testenv.Dial(t, client.Options{URL: node, Board: id, Name: "Amira"})
	b := testenv.Dial(t, client.Options{URL: node, Board: id, Name: "Ben"})
	sendNotes(t, a, "before", 2)
	testenv.WaitFor(t, "Ben to catch up", func() bool { return b.Seq() == 2 })
	b.Drop()
	<-b.Done()
	sendNotes(t, a, "while-away", 20)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Reconnect(ctx); err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	if st := b.Stats(); !st.LastWelcomeSnapshot {
		t.Fatalf("welcome after a long absence carried %d entries, want a snapshot", st.LastWelcomeOps)
	}
	if got, want := testenv.StateJSON(t, b.State()), testenv.StateJSON(t, a.State()); got != want {
		t.Fatalf("after the snapshot Ben's board differs from Amira's")
	}

	// A resume from within the retained log still gets entries, never a
	// partial set: 5 retained, so a client 3 behind gets 3.
	b.Drop()
	<-b.Done()
	sendNotes(t, a, "short-absence", 3)
	if err := b.Reconnect(ctx); err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	if st := b.Stats(); st.LastWelcomeSnapshot || st.LastWelcomeOps != 3 {
		t.Fatalf("short absence: snapshot=%v ops=%d, want 3 entries", st.LastWelcomeSnapshot, st.LastWelcomeOps)
	}
}

// A resume from another epoch (the board's log was replaced) gets a snapshot.
func TestRecoveryOtherEpochGetsSnapshot(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	id := env.CreateBoard(t, "Epochs")
	a := env.Dial(t, id, "Amira")
	sendNotes(t, a, "n", 2)
	raw := rawDial(t, env.URL, id)
	writeJSON(t, raw, map[string]any{"t": "hello", "client": "other", "name": "Olu", "epoch": "not-this-board", "seq": 1})
	w := readUntil(t, raw, "welcome")
	if w["state"] == nil {
		t.Fatalf("welcome for a foreign epoch carried no snapshot: %v", w)
	}
}

// A batch re-sent after its ack was lost is applied once and acked again
// with its original seq.
func TestRetryAfterLostAckAppliesOnce(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	id := env.CreateBoard(t, "Retry")
	watcher := env.Dial(t, id, "Watcher")

	batch := `{"t":"ops","batch":"b-1","ops":[{"op":"create","id":"n1","kind":"note","fields":{"text":"first"}}]}`
	// The sender's connection dies before it reads the ack.
	conn := rawDial(t, env.URL, id)
	writeJSON(t, conn, map[string]any{"t": "hello", "client": "sender-1", "name": "Sam"})
	readUntil(t, conn, "welcome")
	if err := conn.Write(context.Background(), websocket.MessageText, []byte(batch)); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the batch to be applied", func() bool { return watcher.Seq() == 1 })
	conn.CloseNow()

	// Someone else changes the same field; a second application of the
	// retried batch would put "first" back.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := watcher.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "n1", Fields: map[string]any{"text": "second"}}}); err != nil {
		t.Fatal(err)
	}

	conn2 := rawDial(t, env.URL, id)
	writeJSON(t, conn2, map[string]any{"t": "hello", "client": "sender-1", "name": "Sam"})
	readUntil(t, conn2, "welcome")
	if err := conn2.Write(ctx, websocket.MessageText, []byte(batch)); err != nil {
		t.Fatal(err)
	}
	ack := readUntil(t, conn2, "ack")
	if ack["seq"] != float64(1) || ack["dup"] != true || ack["batch"] != "b-1" {
		t.Fatalf("ack of the retry = %v, want seq 1, dup, batch b-1", ack)
	}
	st, seq := testenv.BoardState(t, env.URL, id)
	if seq != 2 {
		t.Fatalf("board seq = %d after a retry, want 2", seq)
	}
	if o, _ := st.Get("n1"); o == nil || o.Fields["text"] != "second" {
		t.Fatalf("note after retry = %v, want text \"second\"", o)
	}
}

// The Go client's own retry path: a batch sent just before the connection
// drops is confirmed exactly once after Reconnect, whichever side of the
// drop the server got it.
func TestClientResendsPendingOnReconnect(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	id := env.CreateBoard(t, "Resend")
	a := env.Dial(t, id, "Amira")
	watcher := env.Dial(t, id, "Watcher")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 5 {
		ch, err := a.SendAsync(ctx, []board.Op{testenv.Note(fmt.Sprintf("r-%d", i), "x", 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		a.Drop()
		<-a.Done()
		if err := a.Reconnect(ctx); err != nil {
			t.Fatalf("reconnect: %v", err)
		}
		if _, err := client.Wait(ctx, ch); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	testenv.WaitFor(t, "the watcher to see all five", func() bool { return watcher.Seq() == 5 })
	st, seq := testenv.BoardState(t, env.URL, id)
	if seq != 5 || st.Len() != 5 {
		t.Fatalf("board seq %d with %d notes, want 5 and 5: each batch exactly once", seq, st.Len())
	}
	if got, want := testenv.StateJSON(t, a.State()), testenv.StateJSON(t, st); got != want {
		t.Fatalf("sender's board differs from the server's")
	}
}

func rawDial(t *testing.T, base, id string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+base[len("http"):]+"/ws/boards/"+id, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(64 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

func writeJSON(t *testing.T, conn *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// readUntil reads messages until one of type typ arrives and returns it.
func readUntil(t *testing.T, conn *websocket.Conn, typ string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %q: %v", typ, err)
		}
		for _, line := range splitLines(data) {
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatalf("bad message %q: %v", line, err)
			}
			if m["t"] == typ {
				return m
			}
		}
	}
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		out = append(out, b[:i])
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return out
}
