package server_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./server -run Export -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func (p *person) get(path string) (int, []byte) {
	p.t.Helper()
	res, err := p.http.Get(p.base + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// fillGroup writes the fixture's words into a group's persona board.
func fillGroup(t *testing.T, url, boardID string, h http.Header) {
	t.Helper()
	c := testenv.Dial(t, client.Options{URL: url, Board: boardID, Name: "Facilitator", Header: h})
	set := func(id, text string) board.Op {
		return board.Op{Type: board.OpUpdate, ID: id, Fields: map[string]any{"text": text}}
	}
	ops := []board.Op{
		set("p1-name", "Jade"), set("p1-age", "19"), set("p1-occupation", "Looking for an apprenticeship"),
		set("p1-situation", "Left foster care last year; sofa-surfing with friends."),
		{Type: board.OpCreate, ID: "c1", Kind: board.KindItem, Fields: map[string]any{"parent": "p1-challenges", "text": "No stable address, so applications stall", "order": "V"}},
		{Type: board.OpCreate, ID: "c2", Kind: board.KindItem, Fields: map[string]any{"parent": "p1-challenges", "text": "Has not seen a GP since moving out", "order": "k"}},
		{Type: board.OpCreate, ID: "r1", Kind: board.KindItem, Fields: map[string]any{"parent": "p1-help", "order": "V",
			"text": "One housing and work plan that every partner follows", "links": []string{"c1"}, "partners": []string{"partner-1", "partner-3"}, "jointly": true}},
		{Type: board.OpCreate, ID: "r2", Kind: board.KindItem, Fields: map[string]any{"parent": "p1-help", "order": "k",
			"text": "GP registration at the first housing appointment", "links": []string{"c2"}, "partners": []string{"partner-1", "partner-2"}}},
		{Type: board.OpCreate, ID: "f1", Kind: board.KindReferral, Fields: map[string]any{"parent": "r2", "from": "partner-1", "to": "partner-2", "reason": "a health check"}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Send(ctx, ops); err != nil {
		t.Fatal(err)
	}
}

// Acceptance (workshops issue, point 4): golden Markdown and CSV of a
// fixture workshop; JSON export → import → export is identical; the SVG is
// well-formed and has nothing executable.
func TestExports(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	ws := createWorkshop(t, env.URL, "Young people 16–25")
	fac := newPerson(t, env.URL)
	fac.join(ws.Facilitator.Token)
	g1 := ws.Workshop.Groups[0].Board
	fillGroup(t, env.URL, g1, fac.cookieHeader())

	status, md := fac.get("/api/workshops/" + ws.Workshop.ID + "/export?format=md")
	if status != http.StatusOK {
		t.Fatalf("workshop markdown: %d %s", status, md)
	}
	golden(t, "workshop.md", md)
	status, csvb := fac.get("/api/workshops/" + ws.Workshop.ID + "/export?format=csv")
	if status != http.StatusOK {
		t.Fatalf("workshop csv: %d", status)
	}
	golden(t, "workshop.csv", csvb)

	status, first := fac.get("/api/boards/" + g1 + "/export?format=json")
	if status != http.StatusOK {
		t.Fatalf("board json: %d", status)
	}
	var info struct{ ID, Title string }
	res, err := http.Post(env.URL+"/api/boards/import", "application/json", bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("import: %d %s", res.StatusCode, b)
	}
	_ = jsonUnmarshal(b, &info)
	status, second := newPerson(t, env.URL).get("/api/boards/" + info.ID + "/export?format=json")
	if status != http.StatusOK {
		t.Fatalf("export of the imported board: %d", status)
	}
	// The imported board is titled "(imported)"; everything else matches.
	if got, want := string(second), strings.Replace(string(first), `"title": "Young people 16–25: Group 1"`, `"title": "Young people 16–25: Group 1 (imported)"`, 1); got != want {
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", first, second)
	}
	status, again := newPerson(t, env.URL).get("/api/boards/" + info.ID + "/export?format=json")
	if status != http.StatusOK || !bytes.Equal(again, second) {
		t.Fatal("two exports of one board differ")
	}

	status, svg := fac.get("/api/boards/" + g1 + "/export?format=svg")
	if status != http.StatusOK {
		t.Fatalf("svg: %d", status)
	}
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local == "script" {
				t.Fatal("the SVG has a script")
			}
			for _, a := range se.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
					t.Fatalf("the SVG has an event attribute %s", a.Name.Local)
				}
			}
		}
	}
	if !bytes.Contains(svg, []byte("Jade")) {
		t.Fatal("the SVG does not show the board")
	}

	// Someone without a session exports nothing of a workshop.
	if s, _ := newPerson(t, env.URL).get("/api/boards/" + g1 + "/export?format=md"); s != http.StatusUnauthorized {
		t.Fatalf("export without a session: %d, want 401", s)
	}
	for _, bad := range []string{`{}`, `not json`, `{"format":"partnerboard/board","version":1,"state":{"objects":[{"id":"x","kind":"hologram","fields":{}}],"deleted":[]}}`} {
		res, err := http.Post(env.URL+"/api/boards/import", "application/json", strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("import of %.30s: %d, want 400", bad, res.StatusCode)
		}
	}
}
