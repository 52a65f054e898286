package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
	"partnerboard/server"
	"partnerboard/workshop"
)

// person is someone using the API with their own cookie jar.
type person struct {
	t    *testing.T
	base string
	http *http.Client
}

func newPerson(t *testing.T, base string) *person {
	jar, _ := cookiejar.New(nil)
	return &person{t: t, base: base, http: &http.Client{Jar: jar}}
}

// call sends a JSON request and decodes the JSON answer into out.
func (p *person) call(method, path string, body any, out any) int {
	p.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	res, err := p.http.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		_ = json.Unmarshal(b, out)
	}
	return res.StatusCode
}

// join starts a session with token and returns the cookie header for sockets.
func (p *person) join(token string) int {
	p.t.Helper()
	return p.call("POST", "/api/session", map[string]string{"token": token}, nil)
}

func (p *person) cookieHeader() http.Header {
	req, _ := http.NewRequest("GET", p.base+"/", nil)
	h := http.Header{}
	for _, c := range p.http.Jar.Cookies(req.URL) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return h
}

type created struct {
	Workshop    workshop.Workshop `json:"workshop"`
	Facilitator struct {
		Link  workshop.Link `json:"link"`
		Token string        `json:"token"`
		URL   string        `json:"url"`
	} `json:"facilitator"`
}

type issued struct {
	Link  workshop.Link `json:"link"`
	Token string        `json:"token"`
	URL   string        `json:"url"`
}

func createWorkshop(t *testing.T, base, title string) created {
	t.Helper()
	var c created
	p := newPerson(t, base)
	status := p.call("POST", "/api/workshops", map[string]any{"title": title, "template": "persona", "groups": 2,
		"partners": []board.Partner{{Name: "Housing Trust", Tier: "lead"}, {Name: "GP surgery", Tier: "core"}, {Name: "Youth club", Tier: "wider"}}}, &c)
	if status != http.StatusCreated || c.Facilitator.Token == "" || len(c.Workshop.Groups) != 2 {
		t.Fatalf("create workshop: %d %+v", status, c)
	}
	if !strings.HasPrefix(c.Facilitator.URL, "/w/"+c.Workshop.ID+"#t=") {
		t.Fatalf("facilitator link %q does not carry the token in the fragment", c.Facilitator.URL)
	}
	return c
}

// Acceptance (workshops issue, point 2): bad tokens are refused with 401 or
// 403 and change nothing; roles are enforced server-side; revoking a link
// closes its live sockets; no token reaches the log.
func TestJoinLinksAndRoles(t *testing.T) {
	t.Parallel()
	var clock struct {
		sync.Mutex
		now time.Time
	}
	clock.now = time.Now()
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.now }
	cfg := fastClients
	cfg.Now = now
	env := testenv.Start(t, testenv.Options{Server: cfg})
	ws := createWorkshop(t, env.URL, "Young people 16–25")
	other := createWorkshop(t, env.URL, "Another partnership")
	g1 := ws.Workshop.Groups[0].Board
	tokens := []string{ws.Facilitator.Token, other.Facilitator.Token}

	fac := newPerson(t, env.URL)
	if s := fac.join(ws.Facilitator.Token); s != http.StatusOK {
		t.Fatalf("facilitator session: %d", s)
	}
	mint := func(role workshop.Role, group string) issued {
		t.Helper()
		var out issued
		if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/links", map[string]any{"role": role, "group": group}, &out); s != http.StatusCreated {
			t.Fatalf("create %s link: %d", role, s)
		}
		tokens = append(tokens, out.Token)
		return out
	}
	obsLink := mint(workshop.Observer, "")
	partLink := mint(workshop.Participant, "g1")

	t.Run("bad tokens are refused at the exchange", func(t *testing.T) {
		parts := strings.Split(partLink.Token, ".")
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
		forged := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString([]byte("forged signature bytes here!"))
		for name, tok := range map[string]string{"alg none": none, "forged signature": forged, "garbage": "not-a-token"} {
			if s := newPerson(t, env.URL).join(tok); s != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", name, s)
			}
		}
	})

	t.Run("observers watch but cannot edit", func(t *testing.T) {
		obs := newPerson(t, env.URL)
		if s := obs.join(obsLink.Token); s != http.StatusOK {
			t.Fatalf("observer session: %d", s)
		}
		c := testenv.Dial(t, client.Options{URL: env.URL, Board: g1, Name: "Funder", Header: obs.cookieHeader()})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "p1-name", Fields: map[string]any{"text": "Observer was here"}}})
		var pe *client.ErrorMsg
		if !asErr(err, &pe) || pe.Code != "read_only" {
			t.Fatalf("observer edit: %v, want read_only", err)
		}
		var snap struct {
			State json.RawMessage `json:"state"`
		}
		if s := obs.call("GET", "/api/boards/"+g1, nil, &snap); s != http.StatusOK || strings.Contains(string(snap.State), "Observer was here") {
			t.Fatalf("board after the observer's attempt: %d, changed: %v", s, strings.Contains(string(snap.State), "Observer was here"))
		}
	})

	t.Run("participant edits own group, not facilitator endpoints", func(t *testing.T) {
		part := newPerson(t, env.URL)
		if s := part.join(partLink.Token); s != http.StatusOK {
			t.Fatalf("participant session: %d", s)
		}
		c := testenv.Dial(t, client.Options{URL: env.URL, Board: g1, Name: "Amira", Header: part.cookieHeader()})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := c.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "p1-name", Fields: map[string]any{"text": "Jade"}}}); err != nil {
			t.Fatalf("participant edit of own board: %v", err)
		}
		for _, call := range []struct{ method, path string }{
			{"POST", "/api/workshops/" + ws.Workshop.ID + "/links"},
			{"GET", "/api/workshops/" + ws.Workshop.ID + "/links"},
			{"POST", "/api/workshops/" + ws.Workshop.ID + "/boards/" + g1 + "/lock"},
			{"DELETE", "/api/workshops/" + ws.Workshop.ID + "/links/" + obsLink.Link.ID},
		} {
			if s := part.call(call.method, call.path, map[string]any{"role": "facilitator", "locked": true}, nil); s != http.StatusForbidden {
				t.Errorf("participant %s %s: %d, want 403", call.method, call.path, s)
			}
		}
		// The other group's board: watch only.
		g2 := testenv.Dial(t, client.Options{URL: env.URL, Board: ws.Workshop.Groups[1].Board, Name: "Amira", Header: part.cookieHeader()})
		_, err := g2.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "p1-name", Fields: map[string]any{"text": "not mine"}}})
		var pe *client.ErrorMsg
		if !asErr(err, &pe) || pe.Code != "read_only" {
			t.Fatalf("edit of another group's board: %v, want read_only", err)
		}

		// A locked board refuses participants, kindly, but not facilitators.
		if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/boards/"+g1+"/lock", map[string]bool{"locked": true}, nil); s != http.StatusOK {
			t.Fatalf("lock: %d", s)
		}
		_, err = c.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "p1-age", Fields: map[string]any{"text": "19"}}})
		if !asErr(err, &pe) || pe.Code != "locked" || !strings.Contains(pe.Message, "paused") {
			t.Fatalf("edit of a locked board: %v, want a kind locked error", err)
		}
		facWS := testenv.Dial(t, client.Options{URL: env.URL, Board: g1, Name: "Facilitator", Header: fac.cookieHeader()})
		if _, err := facWS.Send(ctx, []board.Op{{Type: board.OpUpdate, ID: "p1-age", Fields: map[string]any{"text": "19"}}}); err != nil {
			t.Fatalf("facilitator edit of a locked board: %v", err)
		}
		fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/boards/"+g1+"/lock", map[string]bool{"locked": false}, nil)
	})

	t.Run("another workshop's link opens nothing here", func(t *testing.T) {
		stranger := newPerson(t, env.URL)
		if s := stranger.join(other.Facilitator.Token); s != http.StatusOK {
			t.Fatalf("session: %d", s)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(env.URL, "http")+"/ws/boards/"+g1, &websocket.DialOptions{HTTPHeader: stranger.cookieHeader()})
		if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("socket with another workshop's session: %v %v, want 403", err, res)
		}
		if s := stranger.call("GET", "/api/boards/"+g1, nil, nil); s != http.StatusForbidden {
			t.Fatalf("board state with another workshop's session: %d, want 403", s)
		}
		if s := newPerson(t, env.URL).call("GET", "/api/boards/"+g1, nil, nil); s != http.StatusUnauthorized {
			t.Fatalf("board state without a session: %d, want 401", s)
		}
		_, res, err = websocket.Dial(ctx, "ws"+strings.TrimPrefix(env.URL, "http")+"/ws/boards/"+g1, nil)
		if err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("socket without a session: %v, want 401", err)
		}
	})

	t.Run("revoking a link closes its live sockets", func(t *testing.T) {
		link := mint(workshop.Participant, "g1")
		p := newPerson(t, env.URL)
		p.join(link.Token)
		c := testenv.Dial(t, client.Options{URL: env.URL, Board: g1, Name: "Ben", Header: p.cookieHeader()})
		var out map[string]any
		if s := fac.call("DELETE", "/api/workshops/"+ws.Workshop.ID+"/links/"+link.Link.ID, nil, &out); s != http.StatusOK || out["closed"] != float64(1) {
			t.Fatalf("revoke: %d %v", s, out)
		}
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("the revoked link's socket was still open after 5 s")
		}
		if got := c.CloseStatus(); got != server.CloseRevoked {
			t.Fatalf("closed with %v, want %d", got, server.CloseRevoked)
		}
		if s := newPerson(t, env.URL).join(link.Token); s != http.StatusUnauthorized {
			t.Fatalf("exchange of a revoked token: %d, want 401", s)
		}
		if s := p.call("GET", "/api/session", nil, nil); s != http.StatusUnauthorized {
			t.Fatalf("session of a revoked link: %d, want 401", s)
		}
	})

	t.Run("expired links are refused", func(t *testing.T) {
		link := mint(workshop.Observer, "")
		clock.Lock()
		clock.now = clock.now.Add(server.DefaultLinkLifetime + time.Minute)
		clock.Unlock()
		defer func() { clock.Lock(); clock.now = time.Now(); clock.Unlock() }()
		if s := newPerson(t, env.URL).join(link.Token); s != http.StatusUnauthorized {
			t.Fatalf("expired link: %d, want 401", s)
		}
	})

	t.Run("no token in the log", func(t *testing.T) {
		logs := env.Logs()
		for _, tok := range tokens {
			if strings.Contains(logs, tok) || strings.Contains(logs, strings.Split(tok, ".")[2]) {
				t.Fatal("a token appears in the server log")
			}
		}
		if !strings.Contains(logs, "/api/session") {
			t.Fatal("the log shows no requests at all: the check above proves nothing")
		}
	})
}

func asErr(err error, target **client.ErrorMsg) bool {
	e, ok := err.(*client.ErrorMsg)
	if ok {
		*target = e
	}
	return ok
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
