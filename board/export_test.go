package board

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixture is a filled persona board: the words are our own example of a
// young person leaving care, as a group might write them.
func fixture(t *testing.T) *State {
	t.Helper()
	s, err := TemplateState(TemplatePersona, []Partner{
		{Name: "Riverside Housing Trust", Tier: "lead", Color: "#2f5d8a"},
		{Name: "Canal Street GP surgery", Tier: "core"},
		{Name: "Northside Youth Club", Tier: "wider"},
	})
	if err != nil {
		t.Fatal(err)
	}
	set := func(id, text string) Op { return Op{Type: OpUpdate, ID: id, Fields: map[string]any{"text": text}} }
	item := func(id, parent, text, order string, extra map[string]any) Op {
		f := map[string]any{"text": text, "parent": parent, "order": order}
		for k, v := range extra {
			f[k] = v
		}
		return Op{Type: OpCreate, ID: id, Kind: KindItem, Fields: f}
	}
	ops := []Op{
		set("p1-name", "Jade"),
		set("p1-age", "19"),
		set("p1-occupation", "Looking for an apprenticeship"),
		set("p1-situation", "Left foster care last year; sofa-surfing with friends since the summer."),
		set("p1-interests", "Music, cooking for friends, her younger brother"),
		set("p1-goals", "A flat of her own and a job with training"),
		item("c1", "p1-challenges", "No stable address, so applications stall", "V", nil),
		item("c2", "p1-challenges", "Has not seen a GP since moving out", "k", nil),
		item("c3", "p1-challenges", "Worried about [losing] touch with her *brother*", "s", nil),
		item("r1", "p1-help", "One housing and work plan, agreed with her, that every partner follows", "V",
			map[string]any{"links": []string{"c1", "c3"}, "partners": []string{"partner-1", "partner-3"}, "jointly": true}),
		item("r2", "p1-help", "=Registration with a GP at her first housing appointment", "k",
			map[string]any{"links": []string{"c2"}, "partners": []string{"partner-2", "partner-1"}}),
		{Type: OpCreate, ID: "ref1", Kind: KindReferral, Fields: map[string]any{"parent": "r2", "from": "partner-1", "to": "partner-2", "reason": "a health check and registration", "order": "V"}},
		{Type: OpCreate, ID: "ref2", Kind: KindReferral, Fields: map[string]any{"parent": "r1", "from": "partner-3", "to": "partner-1", "reason": "housing advice", "order": "V"}},
		{Type: OpCreate, ID: "s1", Kind: KindStroke, Fields: map[string]any{"parent": "p1-picture", "points": []float64{60, 120, 90, 150, 140, 160, 200, 130}, "width": 4.0}},
		{Type: OpCreate, ID: "n1", Kind: KindNote, Fields: map[string]any{"x": 1300.0, "y": 40.0, "text": `<img src=x onerror=alert(1)> & "javascript:alert(1)"`}},
	}
	if err := ValidateOps(ops); err != nil {
		t.Fatal(err)
	}
	s.Apply(ops)
	return s
}

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
		t.Fatalf("%v (run go test ./board -run Export -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func TestExportMarkdownGolden(t *testing.T) {
	t.Parallel()
	golden(t, "persona.md", Markdown("Young people 16–25: group 1", fixture(t)))
}

func TestExportCSVGolden(t *testing.T) {
	t.Parallel()
	b, err := CSV(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "persona.csv", b)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	// r1 × 2 partners, r2 × 2 partners, and 2 referrals.
	if len(rows) != 1+4+2 {
		t.Fatalf("%d rows, want 7", len(rows))
	}
	for _, r := range rows {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Fatalf("cell %q would run as a spreadsheet formula", cell)
			}
		}
	}
}

func TestExportSVGIsSafe(t *testing.T) {
	t.Parallel()
	b := SVG("Jade <persona>", fixture(t))
	golden(t, "persona.svg", b)
	d := xml.NewDecoder(bytes.NewReader(b))
	elements := 0
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			elements++
			if strings.EqualFold(se.Name.Local, "script") || strings.EqualFold(se.Name.Local, "foreignObject") {
				t.Fatalf("the SVG has a <%s> element", se.Name.Local)
			}
			for _, a := range se.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") || strings.Contains(strings.ToLower(a.Value), "javascript:") || a.Name.Local == "href" {
					t.Fatalf("the SVG has attribute %s=%q", a.Name.Local, a.Value)
				}
			}
		}
	}
	if elements < 20 {
		t.Fatalf("only %d elements: the board was hardly drawn", elements)
	}
	if !bytes.Contains(b, []byte("&lt;img src=x")) || !bytes.Contains(b, []byte("onerror=alert(1)&gt;")) || bytes.Contains(b, []byte("<img")) {
		t.Fatal("the note's text was not kept as escaped text")
	}
}

func TestExportJSONRoundTrip(t *testing.T) {
	t.Parallel()
	s := fixture(t)
	first, err := ExportJSON("Young people 16–25: group 1", "persona", s)
	if err != nil {
		t.Fatal(err)
	}
	title, tmpl, back, err := ImportJSON(first)
	if err != nil {
		t.Fatal(err)
	}
	if title != "Young people 16–25: group 1" || tmpl != "persona" || !back.Equal(s) {
		t.Fatal("import lost something")
	}
	second, _ := ExportJSON(title, tmpl, back)
	if !bytes.Equal(first, second) {
		t.Fatal("export → import → export changed the bytes")
	}
	for _, bad := range []string{`{}`, `{"format":"other"}`, `[]`, `{"format":"partnerboard/board","version":99,"state":{}}`,
		`{"format":"partnerboard/board","version":1,"state":{"objects":[{"id":"x","kind":"hologram","fields":{}}],"deleted":[]}}`} {
		if _, _, _, err := ImportJSON([]byte(bad)); err == nil {
			t.Errorf("import of %s succeeded", bad)
		}
	}
}

func TestSVGShowsACardsThemeTitle(t *testing.T) {
	t.Parallel()
	s := NewState()
	s.Apply([]Op{
		{Type: OpCreate, ID: "c1", Kind: KindCard, Fields: map[string]any{"theme": "recording", "prompt": "What will we count?"}},
		{Type: OpCreate, ID: "c2", Kind: KindCard, Fields: map[string]any{"x": 300.0, "label": "Housing and home", "prompt": "Who do people turn to?"}},
	})
	b := SVG("Cards", s)
	for _, want := range []string{">Recording and measuring<", ">Housing and home<"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the SVG lacks %s:\n%s", want, b)
		}
	}
}
