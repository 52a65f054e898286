package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
)

// A facilitator's news reaches pages on every node. The facilitator uses
// the first node and the participant the last: in cluster mode
// (testenv.ModeEnv) they are different processes' worth of parts sharing
// only Redis and PostgreSQL; on one node the same checks hold there.
func TestWorkshopNewsReachPagesOnEveryNode(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	first, last := env.Nodes[0].URL, env.Nodes[len(env.Nodes)-1].URL
	ws := createWorkshop(t, first, "Across nodes")
	fac := newPerson(t, first)
	if s := fac.join(ws.Facilitator.Token); s != http.StatusOK {
		t.Fatalf("facilitator session: %d", s)
	}
	var link issued
	fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/links", map[string]any{"role": "participant", "group": "g1"}, &link)
	amira := newPerson(t, last)
	if s := amira.join(link.Token); s != http.StatusOK {
		t.Fatalf("a link made on one node, used on another: %d", s)
	}
	g1, g2 := ws.Workshop.Groups[0].Board, ws.Workshop.Groups[1].Board
	var seen notices
	c := testenv.Dial(t, client.Options{URL: last, Board: g1, Name: "Amira", Header: amira.cookieHeader(), OnNotice: seen.add})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/broadcast", map[string]string{"message": "Ten minutes more"}, nil); s != http.StatusOK {
		t.Fatalf("broadcast: %d", s)
	}
	testenv.WaitFor(t, "the broadcast", func() bool { return seen.find("broadcast") != nil })

	// Once the lock is answered, an edit is refused wherever it comes from.
	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/boards/"+g1+"/lock", map[string]bool{"locked": true}, nil); s != http.StatusOK {
		t.Fatalf("lock: %d", s)
	}
	_, err := c.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "p1-age", Fields: map[string]any{"text": "19"}}})
	var pe *client.ErrorMsg
	if !asErr(err, &pe) || pe.Code != "locked" || !strings.Contains(pe.Message, "paused") {
		t.Fatalf("edit of a board locked on another node: %v, want a kind locked error", err)
	}
	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/boards/"+g1+"/lock", map[string]bool{"locked": false}, nil); s != http.StatusOK {
		t.Fatalf("unlock: %d", s)
	}
	if _, err := c.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "p1-age", Fields: map[string]any{"text": "19"}}}); err != nil {
		t.Fatalf("edit after the unlock: %v", err)
	}

	// Moving finds the page on whichever node holds it.
	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/move", map[string]string{"session": c.Session(), "group": "g2"}, nil); s != http.StatusOK {
		t.Fatalf("move: %d", s)
	}
	testenv.WaitFor(t, "the page to be sent to group 2", func() bool { g := seen.find("goto"); return g != nil && g["board"] == g2 })
	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/move", map[string]string{"session": "nobody-here", "group": "g2"}, nil); s != http.StatusNotFound {
		t.Fatalf("move of a session no node holds: %d, want 404", s)
	}

	// Withdrawing the link closes its socket, and the count says so.
	var out map[string]any
	if s := fac.call("DELETE", "/api/workshops/"+ws.Workshop.ID+"/links/"+link.Link.ID, nil, &out); s != http.StatusOK || out["closed"] != float64(1) {
		t.Fatalf("revoke: %d %v, want one socket closed", s, out)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the withdrawn link's socket was still open after 5 s")
	}
}
