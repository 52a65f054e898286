package hub_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/hub"
	"partnerboard/internal/testenv"
	"partnerboard/server"
)

var fast = server.Config{MessagesPerSecond: 1e6, Burst: 1e6, MessagesPerSecondPerIP: 1e7}

func findUser(us []client.User, id string) (client.User, bool) {
	for _, u := range us {
		if u.ID == id {
			return u, true
		}
	}
	return client.User{}, false
}

func TestPresenceJoinEditingLeave(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fast})
	id := env.CreateBoard(t, "Presence")
	a := testenv.Dial(t, client.Options{URL: env.URL, Board: id, Name: "Amira", Color: "#2f5d8a"})
	b := env.Dial(t, id, "Ben")

	testenv.WaitFor(t, "Amira to see Ben", func() bool { _, ok := findUser(a.Users(), b.Session()); return ok })
	if u, ok := findUser(b.Users(), a.Session()); !ok || u.Name != "Amira" || u.Color != "#2f5d8a" {
		t.Fatalf("Ben's welcome lists Amira as %+v (present %v)", u, ok)
	}
	if len(b.Users()) != 2 {
		t.Fatalf("Ben sees %d people, want 2 (himself included)", len(b.Users()))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Editing(ctx, "cell-name"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "Ben to see Amira editing", func() bool {
		u, _ := findUser(b.Users(), a.Session())
		return u.Editing == "cell-name"
	})
	// A late joiner learns who is editing what from its welcome.
	c := env.Dial(t, id, "Chidi")
	if u, _ := findUser(c.Users(), a.Session()); u.Editing != "cell-name" {
		t.Fatalf("late joiner sees Amira editing %q", u.Editing)
	}

	if err := a.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	testenv.WaitFor(t, "Ben to see Amira leave", func() bool { _, ok := findUser(b.Users(), a.Session()); return !ok })
}

// Cursor moves are coalesced: a burst of moves reaches the others as far
// fewer messages, the last position always arrives, and nobody is sent
// cursors more often than the room's tick allows (counted, not timed: the
// test counts ticks by the number of messages it received).
func TestCursorsAreCoalesced(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fast})
	id := env.CreateBoard(t, "Cursors")
	var mu sync.Mutex
	var msgs int
	var last client.Cursor
	mover := env.Dial(t, id, "Mover")
	watcher := testenv.Dial(t, client.Options{URL: env.URL, Board: id, Name: "Watcher",
		OnCursors: func(cs []client.Cursor, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			msgs++
			for _, c := range cs {
				if c.Session == mover.Session() {
					last = c
				}
			}
		}})
	_ = watcher
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const moves = 2000
	for i := range moves {
		if err := mover.Cursor(ctx, float64(i), float64(-i)); err != nil {
			t.Fatal(err)
		}
	}
	testenv.WaitFor(t, "the last position to arrive", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return last.X == moves-1 && last.Y == -(moves-1)
	})
	mu.Lock()
	defer mu.Unlock()
	if msgs >= moves/2 {
		t.Fatalf("%d cursor messages for %d moves: not coalesced", msgs, moves)
	}
	t.Logf("%d moves arrived as %d cursor messages", moves, msgs)
}

// A room's cursor tick sleeps while nobody moves a pointer, and wakes for
// the next move: an idle board costs no wake-ups (counted, not timed).
func TestCursorTickSleepsWhenIdle(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fast})
	id := env.CreateBoard(t, "Idle")
	var mu sync.Mutex
	var last client.Cursor
	mover := env.Dial(t, id, "Mover")
	watcher := testenv.Dial(t, client.Options{URL: env.URL, Board: id, Name: "Watcher",
		OnCursors: func(cs []client.Cursor, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range cs {
				if c.Session == mover.Session() {
					last = c
				}
			}
		}})
	_ = watcher
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	moveTo := func(x float64) {
		t.Helper()
		if err := mover.Cursor(ctx, x, 1); err != nil {
			t.Fatal(err)
		}
		testenv.WaitFor(t, "the position to arrive", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return last.X == x
		})
	}
	moveTo(1)
	// The tick that sent it may be followed by one that finds nothing,
	// then it sleeps: twenty ticks' worth of idleness bring at most that one.
	before := env.Hub.Stats().CursorTicks
	time.Sleep(20 * hub.DefaultCursorTick)
	if n := env.Hub.Stats().CursorTicks - before; n > 1 {
		t.Fatalf("%d cursor ticks while nobody moved, want at most 1", n)
	}
	moveTo(2)
	if env.Hub.Stats().CursorTicks == before {
		t.Fatal("no tick carried the move after the idle spell")
	}
}

// A room unloads when its last client leaves, and the board comes back
// exactly from the store.
func TestRoomUnloadsAndReloads(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fast})
	id := env.CreateBoard(t, "Unload")
	a := env.Dial(t, id, "Amira")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 5 {
		if _, err := a.Send(ctx, []board.Op{testenv.Note("n"+string(rune('a'+i)), "kept", float64(i), 0)}); err != nil {
			t.Fatal(err)
		}
	}
	want := testenv.StateJSON(t, a.State())
	if env.Rooms() != 1 {
		t.Fatalf("%d rooms live, want 1", env.Rooms())
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the room to unload", func() bool { return env.Rooms() == 0 })
	b := env.Dial(t, id, "Ben")
	if got := testenv.StateJSON(t, b.State()); got != want {
		t.Fatalf("reloaded board differs:\n got %s\nwant %s", got, want)
	}
	if b.Seq() != 5 {
		t.Fatalf("reloaded board at seq %d, want 5", b.Seq())
	}
}

// Pointers that moved since the last tick travel with the next edit, in
// the same burst, instead of waiting for the tick: with a tick an hour
// long, only the edit can have carried them.
func TestEditsCarryTheCursorsThatMoved(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fast, Hub: hub.Config{CursorTick: time.Hour}})
	id := env.CreateBoard(t, "Carried")
	var mu sync.Mutex
	var seen []client.Cursor
	mover := env.Dial(t, id, "Mover")
	watcher := testenv.Dial(t, client.Options{URL: env.URL, Board: id, Name: "Watcher",
		OnCursors: func(cs []client.Cursor, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, cs...)
		}})
	testenv.WaitFor(t, "both to see each other", func() bool { return len(watcher.Users()) == 2 && len(mover.Users()) == 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := mover.Cursor(ctx, 40, 50); err != nil {
		t.Fatal(err)
	}
	// The cursor is read before the edit on the same socket, so the room
	// holds it by the time the edit is applied.
	if _, err := mover.Send(ctx, []board.Op{testenv.Note("n1", "Shared intake", 1, 2)}); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the edit and the pointer to reach the watcher", func() bool {
		mu.Lock()
		defer mu.Unlock()
		_, ok := watcher.State().Get("n1")
		return ok && len(seen) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0].Session != mover.Session() || seen[0].X != 40 || seen[0].Y != 50 {
		t.Fatalf("cursors seen: %+v, want the mover's one move to (40, 50)", seen)
	}
}
