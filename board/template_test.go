package board

import (
	"errors"
	"strings"
	"testing"
)

func TestPersonaTemplateHasEveryCell(t *testing.T) {
	t.Parallel()
	s, err := TemplateState(TemplatePersona, []Partner{{Name: "Housing Trust", Tier: "lead"}, {Name: "GP surgery", Tier: "core", Color: "#2f5d8a"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"p1-picture": "picture", "p1-name": "text", "p1-age": "text", "p1-occupation": "text",
		"p1-situation": "text", "p1-interests": "text", "p1-goals": "text",
		"p1-challenges": "list", "p1-help": "list",
	}
	for id, role := range want {
		o, ok := s.Get(id)
		if !ok {
			t.Fatalf("cell %s missing", id)
		}
		if o.Kind != KindCell || o.Fields["role"] != role || o.Fields["parent"] != "p1" {
			t.Errorf("cell %s = %v %v", id, o.Kind, o.Fields)
		}
	}
	if f, ok := s.Get("p1"); !ok || f.Kind != KindFrame {
		t.Fatal("persona frame missing")
	}
	if got, want := s.Len(), 1+len(want)+2; got != want {
		t.Fatalf("%d objects, want %d", got, want)
	}
	p, _ := s.Get("partner-2")
	if p.Fields["name"] != "GP surgery" || p.Fields["tier"] != "core" || p.Fields["color"] != "#2f5d8a" {
		t.Fatalf("partner-2 = %v", p.Fields)
	}
	// Cells keep the order they were listed in.
	n, _ := s.Get("p1-name")
	h, _ := s.Get("p1-help")
	if !(n.Fields["order"].(string) < h.Fields["order"].(string)) {
		t.Fatal("cells are not in template order")
	}
}

func TestSecondPersonaHasItsOwnIDs(t *testing.T) {
	t.Parallel()
	s, err := TemplateState(TemplatePersona, nil)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := PersonaOps("p2", PersonaWidth+40, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.Apply(ops)
	if s.Len() != 20 {
		t.Fatalf("two personas hold %d objects, want 20", s.Len())
	}
	if _, err := PersonaOps("bad prefix", 0, 0); err == nil {
		t.Fatal("a prefix with a space was accepted")
	}
	if _, err := PersonaOps(strings.Repeat("p", MaxIDBytes), 0, 0); err == nil {
		t.Fatal("a prefix too long for its cell ids was accepted")
	}
}

func TestResponseMapTemplate(t *testing.T) {
	t.Parallel()
	s, err := TemplateState(TemplateResponseMap, []Partner{{Name: "Council", Tier: "lead"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"map", "map-challenges", "map-responses", "partner-1"} {
		if _, ok := s.Get(id); !ok {
			t.Errorf("%s missing", id)
		}
	}
}

func TestPartnerValidation(t *testing.T) {
	t.Parallel()
	many := make([]Partner, MaxListLen+1)
	for i := range many {
		many[i] = Partner{Name: strings.Repeat("x", i+1), Tier: "wider"}
	}
	cases := []struct {
		name     string
		partners []Partner
		code     string
	}{
		{"no name", []Partner{{Name: "  ", Tier: "lead"}}, CodeBadValue},
		{"long name", []Partner{{Name: strings.Repeat("n", MaxLabelBytes+1), Tier: "lead"}}, CodeTooLong},
		{"name at the limit", []Partner{{Name: strings.Repeat("n", MaxLabelBytes), Tier: "lead"}}, ""},
		{"bad tier", []Partner{{Name: "A", Tier: "boss"}}, CodeBadValue},
		{"bad colour", []Partner{{Name: "A", Tier: "core", Color: "red"}}, CodeBadValue},
		{"twice", []Partner{{Name: "Shelter", Tier: "core"}, {Name: "shelter", Tier: "wider"}}, CodeBadValue},
		{"too many", many, CodeTooLong},
		{"at the list limit", many[:MaxListLen], ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := PartnerOps(tc.partners)
			var e *Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (!errors.As(err, &e) || e.Code != tc.code):
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
	if _, err := TemplateState("spaceship", nil); err == nil {
		t.Fatal("unknown template accepted")
	}
}

func TestMeetingTemplate(t *testing.T) {
	t.Parallel()
	s, err := TemplateState(TemplateMeeting, []Partner{{Name: "Council", Tier: "lead"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, role string }{
		{"meeting-when", "text"}, {"meeting-agenda", "list"}, {"meeting-rules", "list"},
		{"meeting-now", "list"}, {"meeting-medium", "list"}, {"meeting-long", "list"},
		{"meeting-actions", "list"},
	}
	checkFramedTemplate(t, s, "meeting", TemplateMeeting, MeetingWidth, MeetingHeight, want)
	if got, want := s.Len(), 1+len(want)+1; got != want {
		t.Fatalf("%d objects, want %d", got, want)
	}
	// An action on the board is an ordinary item with an owner and a due date.
	act := []Op{{Type: OpCreate, ID: "a1", Kind: KindItem, Fields: map[string]any{
		"parent": "meeting-actions", "order": "V", "text": "Send the notes round", "owner": "Sam", "due": "2026-12-11"}}}
	if err := ValidateOps(act); err != nil {
		t.Fatal(err)
	}
	s.Apply(act)
	if o, ok := s.Get("a1"); !ok || o.Fields["owner"] != "Sam" || o.Fields["due"] != "2026-12-11" {
		t.Fatalf("action = %v", o)
	}
}

func TestVisionTemplate(t *testing.T) {
	t.Parallel()
	s, err := TemplateState(TemplateVision, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, role string }{
		{"vision-statement", "text"}, {"vision-values", "list"}, {"vision-problems", "list"},
		{"vision-together", "list"}, {"vision-priorities", "list"},
	}
	checkFramedTemplate(t, s, "vision", TemplateVision, VisionWidth, VisionHeight, want)
	if got, want := s.Len(), 1+len(want); got != want {
		t.Fatalf("%d objects, want %d", got, want)
	}
	// A second vision frame on the same board gets its own ids.
	ops, err := VisionOps("vision2", VisionWidth+40, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.Apply(ops)
	if s.Len() != 2*(1+len(want)) {
		t.Fatalf("two vision frames hold %d objects", s.Len())
	}
	for _, bad := range []string{"", "has space", strings.Repeat("v", MaxIDBytes-len("-priorities")+1)} {
		if _, err := VisionOps(bad, 0, 0); err == nil {
			t.Errorf("prefix %q was accepted", bad)
		}
	}
	if _, err := VisionOps(strings.Repeat("v", MaxIDBytes-len("-priorities")), 0, 0); err != nil {
		t.Errorf("the longest prefix that fits was refused: %v", err)
	}
}

// checkFramedTemplate checks that s holds the frame id made from template
// tmpl, of size w × h, and its cells in the listed order, each inside it.
func checkFramedTemplate(t *testing.T, s *State, id string, tmpl Template, w, h float64, cells []struct{ id, role string }) {
	t.Helper()
	f, ok := s.Get(id)
	if !ok || f.Kind != KindFrame || f.Fields["template"] != string(tmpl) || f.Fields["w"] != w || f.Fields["h"] != h {
		t.Fatalf("frame %s = %v", id, f)
	}
	prev := ""
	for _, c := range cells {
		o, ok := s.Get(c.id)
		if !ok {
			t.Fatalf("cell %s missing", c.id)
		}
		if o.Kind != KindCell || o.Fields["role"] != c.role || o.Fields["parent"] != id || Str(o, "label") == "" {
			t.Errorf("cell %s = %v %v", c.id, o.Kind, o.Fields)
		}
		x, _ := Num(o, "x")
		y, _ := Num(o, "y")
		cw, _ := Num(o, "w")
		ch, _ := Num(o, "h")
		if x < 0 || y < 0 || x+cw > w || y+ch > h {
			t.Errorf("cell %s (%g,%g %g×%g) sticks out of its frame", c.id, x, y, cw, ch)
		}
		if order := Str(o, "order"); order <= prev {
			t.Errorf("cell %s is out of template order", c.id)
		} else {
			prev = order
		}
	}
}

func TestEveryTemplateMakesAValidBoard(t *testing.T) {
	t.Parallel()
	for _, tmpl := range Templates() {
		s, err := TemplateState(tmpl, []Partner{{Name: "Housing Trust", Tier: "lead"}})
		if err != nil {
			t.Fatalf("%s: %v", tmpl, err)
		}
		b, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back := NewState()
		if err := back.UnmarshalJSON(b); err != nil || !back.Equal(s) {
			t.Fatalf("%s: the board does not round-trip: %v", tmpl, err)
		}
	}
}
