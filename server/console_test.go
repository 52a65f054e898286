package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
	"partnerboard/server"
	"partnerboard/workshop"
)

// notices collects workshop-wide messages a client receives.
type notices struct {
	mu  sync.Mutex
	got []map[string]any
}

func (n *notices) add(_ string, raw []byte) {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	n.mu.Lock()
	n.got = append(n.got, m)
	n.mu.Unlock()
}

func (n *notices) find(t string) map[string]any {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, m := range n.got {
		if m["t"] == t {
			return m
		}
	}
	return nil
}

// The facilitator console's server side: a broadcast and the timer reach
// every page of the workshop, moving a participant sends their page to
// the new group and lets them edit there, and "bring everyone here" opens
// the plenary and takes every page to it.
func TestConsoleReachesEveryPage(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	ws := createWorkshop(t, env.URL, "Console")
	fac := newPerson(t, env.URL)
	fac.join(ws.Facilitator.Token)
	var p1, p2 issued
	fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/links", map[string]any{"role": "participant", "group": "g1"}, &p1)
	fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/links", map[string]any{"role": "participant", "group": "g2"}, &p2)
	a, b := newPerson(t, env.URL), newPerson(t, env.URL)
	a.join(p1.Token)
	b.join(p2.Token)
	var na, nb notices
	ca := testenv.Dial(t, client.Options{URL: env.URL, Board: ws.Workshop.Groups[0].Board, Name: "Amira", Header: a.cookieHeader(), OnNotice: na.add})
	cb := testenv.Dial(t, client.Options{URL: env.URL, Board: ws.Workshop.Groups[1].Board, Name: "Ben", Header: b.cookieHeader(), OnNotice: nb.add})

	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/broadcast", map[string]string{"message": "Five minutes left, then we meet together"}, nil); s != http.StatusOK {
		t.Fatalf("broadcast: %d", s)
	}
	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/timer", map[string]int{"seconds": 300}, nil); s != http.StatusOK {
		t.Fatalf("timer: %d", s)
	}
	for _, n := range []*notices{&na, &nb} {
		testenv.WaitFor(t, "the broadcast and timer to reach both groups", func() bool { return n.find("broadcast") != nil && n.find("timer") != nil })
		if n.find("broadcast")["message"] != "Five minutes left, then we meet together" {
			t.Fatalf("broadcast = %v", n.find("broadcast"))
		}
		if tm := n.find("timer"); tm["endsAt"].(float64)-tm["now"].(float64) != 300_000 {
			t.Fatalf("timer = %v", tm)
		}
	}
	if s := a.call("POST", "/api/workshops/"+ws.Workshop.ID+"/broadcast", map[string]string{"message": "hi"}, nil); s != http.StatusForbidden {
		t.Fatalf("participant broadcast: %d, want 403", s)
	}
	for _, bad := range []map[string]int{{"seconds": -1}, {"seconds": server.MaxTimerSeconds + 1}} {
		if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/timer", bad, nil); s != http.StatusBadRequest {
			t.Errorf("timer %v: %d, want 400", bad, s)
		}
	}

	// Move Ben to group 1: his page is told to go there, and there he may edit.
	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/move", map[string]string{"session": cb.Session(), "group": "g1"}, nil); s != http.StatusOK {
		t.Fatalf("move: %d", s)
	}
	testenv.WaitFor(t, "Ben's page to be sent to group 1", func() bool { return nb.find("goto") != nil })
	if g := nb.find("goto"); g["board"] != ws.Workshop.Groups[0].Board || g["reason"] != "moved" {
		t.Fatalf("goto = %v", g)
	}
	var me struct{ Group string }
	if s := b.call("GET", "/api/session?client="+cb.ID(), nil, &me); s != http.StatusOK || me.Group != "g1" {
		t.Fatalf("Ben's session after the move: %d, group %q, want g1", s, me.Group)
	}
	moved := testenv.Dial(t, client.Options{URL: env.URL, Board: ws.Workshop.Groups[0].Board, Name: "Ben", ClientID: cb.ID(), Header: b.cookieHeader()})
	ctx, cancel := contextWithTimeout(10 * time.Second)
	defer cancel()
	if _, err := moved.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "p1-age", Fields: map[string]any{"text": "17"}}}); err != nil {
		t.Fatalf("the moved participant cannot edit the new group's board: %v", err)
	}

	// Bring everyone to the plenary.
	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/gather", nil, nil); s != http.StatusOK {
		t.Fatalf("gather: %d", s)
	}
	testenv.WaitFor(t, "Amira's page to be sent to the plenary", func() bool {
		g := na.find("goto")
		return g != nil && g["board"] == ws.Workshop.Plenary
	})
	pl := testenv.Dial(t, client.Options{URL: env.URL, Board: ws.Workshop.Plenary, Name: "Amira", ClientID: ca.ID(), Header: a.cookieHeader()})
	if _, err := pl.Send(ctx, []board.Op{testenv.Note("from-amira", "Our persona needed housing first", 0, 0)}); err != nil {
		t.Fatalf("participant edit of the open plenary: %v", err)
	}
	var w workshop.Workshop
	fac.call("GET", "/api/workshops/"+ws.Workshop.ID, nil, &w)
	if !w.PlenaryOpen || w.TimerEnds == 0 || w.Message == nil {
		t.Fatalf("the workshop does not remember the console's state: %+v", w)
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// Opening or closing the plenary changes what participants already on it
// may do: their sockets close with 4409 and, back at once, they have their
// new rights. Observers and facilitators keep their sockets.
func TestPlenaryRightsChangeLive(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	ws := createWorkshop(t, env.URL, "Plenary")
	fac := newPerson(t, env.URL)
	fac.join(ws.Facilitator.Token)
	var p issued
	fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/links", map[string]any{"role": "participant", "group": "g1"}, &p)
	amira := newPerson(t, env.URL)
	amira.join(p.Token)
	pl := ws.Workshop.Plenary
	c := testenv.Dial(t, client.Options{URL: env.URL, Board: pl, Name: "Amira", Header: amira.cookieHeader()})
	facWS := testenv.Dial(t, client.Options{URL: env.URL, Board: pl, Name: "Facilitator", Header: fac.cookieHeader()})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	note := func(id string) []board.Op { return []board.Op{testenv.Note(id, "an idea for everyone", 0, 0)} }

	var pe *client.ErrorMsg
	if _, err := c.Send(ctx, note("before")); !asErr(err, &pe) || pe.Code != "read_only" {
		t.Fatalf("an edit of the closed plenary: %v, want read_only", err)
	}
	reopen := func(open bool) {
		t.Helper()
		if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/plenary", map[string]bool{"open": open}, nil); s != http.StatusOK {
			t.Fatalf("plenary open=%v: %d", open, s)
		}
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("the participant's socket stayed open after the plenary's open=%v", open)
		}
		if code := c.CloseStatus(); code != server.CloseRights {
			t.Fatalf("closed with %d, want %d", code, server.CloseRights)
		}
		if err := c.Reconnect(ctx); err != nil {
			t.Fatalf("reconnect: %v", err)
		}
	}
	reopen(true)
	if _, err := c.Send(ctx, note("open")); err != nil {
		t.Fatalf("an edit once the plenary is open: %v", err)
	}
	reopen(false)
	if _, err := c.Send(ctx, note("closed-again")); !asErr(err, &pe) || pe.Code != "read_only" {
		t.Fatalf("an edit after the plenary closed again: %v, want read_only", err)
	}
	select {
	case <-facWS.Done():
		t.Fatal("the facilitator's socket was closed too")
	default:
	}
	if _, ok := c.State().Get("open"); !ok {
		t.Fatal("the note made while the plenary was open is gone")
	}
}
