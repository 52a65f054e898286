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
