package server_test

import (
	"net/http"
	"sync"
	"testing"

	"partnerboard/client"
	"partnerboard/internal/testenv"
	"partnerboard/workshop"
)

// Dot voting: N dots per person, never more however fast they click,
// totals hidden from participants until the round closes, and the results
// reach every page.
func TestDotVoting(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	ws := createWorkshop(t, env.URL, "Voting")
	fac := newPerson(t, env.URL)
	fac.join(ws.Facilitator.Token)
	g1 := ws.Workshop.Groups[0].Board
	fillGroup(t, env.URL, g1, fac.cookieHeader())
	var pl issued
	fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/links", map[string]any{"role": "participant", "group": "g1"}, &pl)
	p := newPerson(t, env.URL)
	p.join(pl.Token)
	var n notices
	testenv.Dial(t, client.Options{URL: env.URL, Board: g1, Name: "Amira", Header: p.cookieHeader(), OnNotice: n.add})
	base := "/api/workshops/" + ws.Workshop.ID + "/votes"

	if s := p.call("POST", base+"/cast", map[string]string{"board": g1, "item": "c1", "client": "page1"}, nil); s != http.StatusConflict {
		t.Fatalf("vote before a round: %d, want 409", s)
	}
	if s := p.call("POST", base, map[string]int{"perPerson": 3}, nil); s != http.StatusForbidden {
		t.Fatalf("participant starting a round: %d, want 403", s)
	}
	if s := fac.call("POST", base, map[string]int{"perPerson": 3}, nil); s != http.StatusOK {
		t.Fatalf("start round: %d", s)
	}
	for _, bad := range []int{0, workshop.MaxVotesPerPerson + 1} {
		if s := fac.call("POST", base, map[string]int{"perPerson": bad}, nil); s != http.StatusBadRequest {
			t.Errorf("perPerson %d: %d, want 400", bad, s)
		}
	}

	// Ten clicks at once on one item: exactly three dots land, stacked.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, full := 0, 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := p.call("POST", base+"/cast", map[string]string{"board": g1, "item": "c1", "client": "page1"}, nil)
			mu.Lock()
			defer mu.Unlock()
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
				full++
			}
		}()
	}
	wg.Wait()
	if ok != 3 || full != 7 {
		t.Fatalf("%d dots landed and %d were refused, want 3 and 7", ok, full)
	}
	var status map[string]any
	p.call("GET", base+"?client=page1", nil, &status)
	if status["left"] != float64(0) || status["totals"] != nil {
		t.Fatalf("participant's view while voting: %v (totals must stay hidden)", status)
	}
	var left map[string]int
	if s := p.call("POST", base+"/uncast", map[string]string{"board": g1, "item": "c1", "client": "page1"}, &left); s != http.StatusOK || left["left"] != 1 {
		t.Fatalf("take back a dot: %d %v", s, left)
	}
	if s := p.call("POST", base+"/cast", map[string]string{"board": "elsewhere", "item": "c1", "client": "page1"}, nil); s != http.StatusBadRequest {
		t.Fatalf("vote on another workshop's board: %d, want 400", s)
	}
	var obs issued
	fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/links", map[string]any{"role": "observer"}, &obs)
	o := newPerson(t, env.URL)
	o.join(obs.Token)
	if s := o.call("POST", base+"/cast", map[string]string{"board": g1, "item": "c1", "client": "page9"}, nil); s != http.StatusForbidden {
		t.Fatalf("observer vote: %d, want 403", s)
	}

	if s := fac.call("POST", base+"/close", nil, nil); s != http.StatusOK {
		t.Fatalf("close: %d", s)
	}
	testenv.WaitFor(t, "the results to reach the page", func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		for _, m := range n.got {
			if m["t"] == "votes" && m["totals"] != nil {
				return true
			}
		}
		return false
	})
	p.call("GET", base+"?client=page1", nil, &status)
	totals, _ := status["totals"].([]any)
	sum := 0.0
	for _, tt := range totals {
		sum += tt.(map[string]any)["dots"].(float64)
	}
	if sum != 2 {
		t.Fatalf("totals after close = %v, want 2 dots in all", status["totals"])
	}
	if s := p.call("POST", base+"/cast", map[string]string{"board": g1, "item": "c1", "client": "page1"}, nil); s != http.StatusConflict {
		t.Fatalf("vote after close: %d, want 409", s)
	}
}
