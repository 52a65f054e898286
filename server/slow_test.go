package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/hub"
	"partnerboard/internal/testenv"
)

// Acceptance: a client that never reads is disconnected once its queue is
// full, while the others keep receiving every op. Checked by counts.
func TestSlowClientIsDisconnectedOthersGetEverything(t *testing.T) {
	t.Parallel()
	const queue = 256
	env := testenv.Start(t, testenv.Options{Server: fastClients, Hub: hub.Config{QueueSize: queue}})
	id := env.CreateBoard(t, "Slow")

	var readerOps atomic.Int64
	reader := testenv.Dial(t, client.Options{URL: env.URL, Board: id, Name: "Reader",
		OnOp: func(client.Entry, time.Time) { readerOps.Add(1) }})
	writer := env.Dial(t, id, "Writer")

	// The stuck client joins and then never reads again.
	stuck := rawDial(t, env.URL, id)
	writeJSON(t, stuck, map[string]any{"t": "hello", "client": "stuck", "name": "Stuck"})
	readUntil(t, stuck, "welcome")
	testenv.WaitFor(t, "everyone to see the stuck client", func() bool { return len(writer.Users()) == 3 })
	var stuckSession string
	for _, u := range writer.Users() {
		if u.Name == "Stuck" {
			stuckSession = u.ID
		}
	}

	// Enough bytes to fill the socket buffers of the stuck client and then
	// its queue: 4,000 edits of 8 KiB each is 32 MiB.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	text := strings.Repeat("x", board.MaxTextBytes-16)
	if _, err := writer.Send(ctx, []board.Op{testenv.Note("big", "", 0, 0)}); err != nil {
		t.Fatal(err)
	}
	const edits = 4000
	var last <-chan client.Result
	for i := range edits {
		ch, err := writer.SendAsync(ctx, []board.Op{{Type: board.OpUpdate, ID: "big", Fields: map[string]any{"text": fmt.Sprintf("%06d%s", i, text)}}})
		if err != nil {
			t.Fatal(err)
		}
		last = ch
		if i%64 == 63 {
			if _, err := client.Wait(ctx, ch); err != nil {
				t.Fatalf("%v (writer's connection: %v)", err, writer.Err())
			}
		}
	}
	if _, err := client.Wait(ctx, last); err != nil {
		t.Fatal(err)
	}

	testenv.WaitFor(t, "the stuck client to be dropped", func() bool {
		for _, u := range writer.Users() {
			if u.ID == stuckSession {
				return false
			}
		}
		return true
	})
	dropped := false
	for line := range strings.Lines(env.Logs()) {
		dropped = dropped || strings.Contains(line, "client too slow") && slices.Contains(strings.Fields(line), "session="+stuckSession)
	}
	if !dropped {
		t.Fatal("the stuck client left, but not because its queue was full")
	}
	testenv.WaitFor(t, "the reader to receive every op", func() bool { return readerOps.Load() >= edits+1 })
	if got := readerOps.Load(); got != edits+1 {
		t.Fatalf("reader received %d ops, want %d", got, edits+1)
	}
	if got, want := testenv.StateJSON(t, reader.State()), testenv.StateJSON(t, writer.State()); got != want {
		t.Fatal("reader's board differs from the writer's")
	}
}
