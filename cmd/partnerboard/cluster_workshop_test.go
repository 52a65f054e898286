package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"partnerboard/internal/pgtest"
	"partnerboard/internal/redistest"
)

// Two real processes in cluster mode keep workshops in PostgreSQL and sign
// join links with one secret kept there: a workshop made on one node is
// joined, by its facilitator's link, through the other, and a link made
// there opens the workshop on the first.
func TestClusterNodesShareWorkshopsAndTheirLinks(t *testing.T) {
	rs := redistest.Start(t, false)
	pg := pgtest.URL(t)
	flags := []string{"-redis-url", "redis://" + rs.Addr, "-postgres-url", pg}
	a := startBinary(t, t.TempDir(), flags...)
	b := startBinary(t, t.TempDir(), flags...)

	call := func(base, method, path, cookie string, body any, out any) (int, string) {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		got, _ := io.ReadAll(res.Body)
		if out != nil {
			_ = json.Unmarshal(got, out)
		}
		set := ""
		if c := res.Cookies(); len(c) > 0 {
			set = c[0].Name + "=" + c[0].Value
		}
		return res.StatusCode, set
	}

	var made struct {
		Workshop    struct{ ID string } `json:"workshop"`
		Facilitator struct{ Token string }
	}
	if s, _ := call(a.url, "POST", "/api/workshops", "", map[string]any{"title": "Across nodes", "template": "persona", "groups": 2,
		"partners": []map[string]string{{"name": "Housing Trust", "tier": "lead"}}}, &made); s != http.StatusCreated {
		t.Fatalf("create a workshop on node a: %d", s)
	}
	s, facCookie := call(b.url, "POST", "/api/session", "", map[string]string{"token": made.Facilitator.Token}, nil)
	if s != http.StatusOK || !strings.HasPrefix(facCookie, "pb_session=") {
		t.Fatalf("node a's facilitator link on node b: %d, cookie %q", s, facCookie)
	}
	var link struct{ Token string }
	if s, _ := call(b.url, "POST", "/api/workshops/"+made.Workshop.ID+"/links", facCookie, map[string]string{"role": "observer"}, &link); s != http.StatusCreated {
		t.Fatalf("a link made on node b: %d", s)
	}
	s, obsCookie := call(a.url, "POST", "/api/session", "", map[string]string{"token": link.Token}, nil)
	if s != http.StatusOK {
		t.Fatalf("node b's observer link on node a: %d", s)
	}
	var ws struct{ Title string }
	if s, _ := call(a.url, "GET", "/api/workshops/"+made.Workshop.ID, obsCookie, nil, &ws); s != http.StatusOK || ws.Title != "Across nodes" {
		t.Fatalf("the workshop through node a: %d %+v", s, ws)
	}
}
