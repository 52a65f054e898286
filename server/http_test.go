package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"partnerboard/board"
	"partnerboard/internal/testenv"
	"partnerboard/server"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{})
	for _, path := range []string{"/", "/b/abc", "/static/app.js", "/api/boards", "/api/boards/nope", "/healthz", "/no-such-page"} {
		res, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline or eval: %q", path, csp)
		}
		if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: missing Referrer-Policy or nosniff: %v", path, h)
		}
	}
}

func TestIndexHasNoInlineScript(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{})
	res, err := http.Get(env.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	page := string(b)
	if !strings.Contains(page, `<script type="module" src="/static/app.js">`) {
		t.Fatalf("index does not load the app module:\n%s", page)
	}
	if strings.Count(page, "<script") != strings.Count(page, "<script type=\"module\" src=") {
		t.Fatal("index has an inline script")
	}
}

func TestCreateBoardValidation(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{})
	cases := []struct {
		body   string
		status int
		code   string
	}{
		{`{"title":"Young people 16–25","template":"blank"}`, http.StatusCreated, ""},
		{`{"title":"` + strings.Repeat("t", 257) + `"}`, http.StatusBadRequest, "bad_title"},
		{`{"title":"` + strings.Repeat("t", 256) + `"}`, http.StatusCreated, ""},
		{`{"title":"Housing\u0000forum"}`, http.StatusBadRequest, "bad_title"},
		{`{"title":"x","template":"spaceship"}`, http.StatusBadRequest, "unknown_template"},
		{`{"title":`, http.StatusBadRequest, "bad_json"},
		{`{"title":"x","owner":"me"}`, http.StatusBadRequest, "bad_json"},
		{`{"title":"Persona","template":"persona","partners":[{"name":"Housing Trust","tier":"lead"},{"name":"GP surgery","tier":"core"}]}`, http.StatusCreated, ""},
		{`{"title":"Map","template":"response-map","partners":[{"name":"Council","tier":"boss"}]}`, http.StatusBadRequest, "bad_partner"},
	}
	for _, tc := range cases {
		res, err := http.Post(env.URL+"/api/boards", "application/json", bytes.NewBufferString(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			ID, Code, Message string
		}
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != tc.status || body.Code != tc.code {
			t.Errorf("POST %.40s: %d %q, want %d %q", tc.body, res.StatusCode, body.Code, tc.status, tc.code)
		}
		if tc.status == http.StatusCreated && body.ID == "" {
			t.Errorf("POST %.40s: no id", tc.body)
		}
		if tc.status != http.StatusCreated && body.Message == "" {
			t.Errorf("POST %.40s: no message for people", tc.body)
		}
	}
	res, err := http.Get(env.URL + "/api/boards/unknown-board")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET unknown board: %d, want 404", res.StatusCode)
	}
}

func TestWebSocketRefusals(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: server.Config{ConnsPerIP: 2}})
	id := env.CreateBoard(t, "Refusals")
	ws := "ws" + strings.TrimPrefix(env.URL, "http") + "/ws/boards/"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// A page on another site may not open a socket to a board.
	_, res, err := websocket.Dial(ctx, ws+id, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Origin: err %v, response %v; want 403", err, res)
	}

	// An unknown board closes with 4004 after hello.
	conn, _, err := websocket.Dial(ctx, ws+"no-such-board", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.Write(ctx, websocket.MessageText, []byte(`{"t":"hello","client":"c1","name":"Ana"}`))
	_, _, err = conn.Read(ctx)
	if got := websocket.CloseStatus(err); got != server.CloseBoardNotFound {
		t.Errorf("unknown board: closed with %v, want 4004", got)
	}

	// The first message must be a valid hello.
	for _, hello := range []string{`{"t":"ops"}`, `{"t":"hello","client":"c1","name":""}`, `{"t":"hello","client":"bad id!","name":"Ana"}`, `{"t":"hello","client":"c1","name":"Ana","color":"red"}`} {
		conn, _, err := websocket.Dial(ctx, ws+id, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.Write(ctx, websocket.MessageText, []byte(hello))
		_, _, err = conn.Read(ctx)
		if got := websocket.CloseStatus(err); got != server.ClosePolicy {
			t.Errorf("hello %s: closed with %v, want 1008", hello, got)
		}
	}

	// Connections per address are limited: two may be open, not three.
	// The refused hellos above free their slots as their handlers finish.
	// Each node counts its own, so this part talks to one node directly.
	ws = "ws" + strings.TrimPrefix(env.Nodes[0].URL, "http") + "/ws/boards/"
	var open []*websocket.Conn
	testenv.WaitFor(t, "two connections to be open", func() bool {
		c, _, err := websocket.Dial(ctx, ws+id, nil)
		if err == nil {
			open = append(open, c)
		}
		return len(open) == 2
	})
	testenv.WaitFor(t, "earlier connections to be released", func() bool {
		c, res, err := websocket.Dial(ctx, ws+id, nil)
		if err == nil {
			c.CloseNow()
			return false
		}
		return res != nil && res.StatusCode == http.StatusTooManyRequests
	})
	for _, c := range open {
		c.CloseNow()
	}
}

func TestReadyAndMetrics(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	id := env.CreateBoard(t, "Metrics")
	c := env.Dial(t, id, "Amira")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		if _, err := c.Send(ctx, []board.Op{testenv.Note(fmt.Sprintf("m%d", i), "x", 0, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := http.Get(env.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %d", res.StatusCode)
	}
	res, err = http.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	text := string(b)
	for _, want := range []string{
		"partnerboard_connections 1\n", "partnerboard_rooms 1\n", "partnerboard_batches_total 3\n", "partnerboard_ops_total 3\n",
		"partnerboard_commit_latency_seconds_count 3\n", `partnerboard_commit_latency_seconds_bucket{le="+Inf"} 3` + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
}
