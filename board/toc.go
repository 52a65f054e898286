package board

import (
	"slices"
	"strings"
)

// The theory-of-change view of a board: what the exporters share. It reads
// the structure the templates make — persona frames with text and list
// cells, response-map frames — and the partners and referrals on the board.

// Section is one persona, or one response map, of a board.
type Section struct {
	Kind   string // "persona" or "map"
	Title  string // the persona's name, or the frame's title
	Frame  *Object
	Fields []Field // text cells in order: label and text
	// Challenges and Responses are the items of the section's list cells,
	// in list order.
	Challenges []*Object
	Responses  []*Object
}

// Field is one filled text cell.
type Field struct {
	Label, Text string
}

// TheoryOfChange is the board read as a theory-of-change draft.
type TheoryOfChange struct {
	Sections []Section
	Partners []*Object // in order
	// Referrals of each response item, in order.
	Referrals map[string][]*Object
	state     *State
}

// Str returns a string field of o ("" when absent).
func Str(o *Object, field string) string {
	if o == nil {
		return ""
	}
	s, _ := o.Fields[field].(string)
	return s
}

// Strs returns an id-list field of o.
func Strs(o *Object, field string) []string {
	if o == nil {
		return nil
	}
	s, _ := o.Fields[field].([]string)
	return s
}

// Num returns a number field of o, and whether it was set.
func Num(o *Object, field string) (float64, bool) {
	if o == nil {
		return 0, false
	}
	f, ok := o.Fields[field].(float64)
	return f, ok
}

// inOrder sorts objects by their order key, ties by id.
func inOrder(objs []*Object) {
	slices.SortFunc(objs, func(a, b *Object) int {
		if Less(Str(a, "order"), a.ID, Str(b, "order"), b.ID) {
			return -1
		}
		if a.ID == b.ID {
			return 0
		}
		return 1
	})
}

// isChallengeCell says whether a list cell holds challenges rather than
// responses: the templates' cells end in "challenges"; a cell a facilitator
// added counts as challenges if its label says so.
func isChallengeCell(c *Object) bool {
	return strings.HasSuffix(c.ID, "challenges") || strings.Contains(strings.ToLower(Str(c, "label")), "challenge")
}

// ReadTheoryOfChange collects the sections, partners and referrals of s.
func ReadTheoryOfChange(s *State) *TheoryOfChange {
	t := &TheoryOfChange{Referrals: map[string][]*Object{}, state: s}
	children := map[string][]*Object{}
	var frames []*Object
	for _, o := range s.Objects() {
		switch o.Kind {
		case KindFrame:
			if tp := Str(o, "template"); tp == string(TemplatePersona) || tp == string(TemplateResponseMap) {
				frames = append(frames, o)
			}
		case KindPartner:
			t.Partners = append(t.Partners, o)
		case KindReferral:
			if p := Str(o, "parent"); p != "" {
				t.Referrals[p] = append(t.Referrals[p], o)
			}
		}
		if p := Str(o, "parent"); p != "" {
			children[p] = append(children[p], o)
		}
	}
	inOrder(t.Partners)
	for _, rs := range t.Referrals {
		inOrder(rs)
	}
	inReadingOrder(frames)
	for _, f := range frames {
		sec := Section{Kind: "persona", Title: Str(f, "title"), Frame: f}
		if Str(f, "template") == string(TemplateResponseMap) {
			sec.Kind = "map"
		}
		cells := slices.Clone(children[f.ID])
		inOrder(cells)
		for _, c := range cells {
			if c.Kind != KindCell {
				continue
			}
			switch Str(c, "role") {
			case "list":
				items := []*Object{}
				for _, it := range children[c.ID] {
					if it.Kind == KindItem {
						items = append(items, it)
					}
				}
				inOrder(items)
				if isChallengeCell(c) {
					sec.Challenges = append(sec.Challenges, items...)
				} else {
					sec.Responses = append(sec.Responses, items...)
				}
			case "picture":
			default:
				text := strings.TrimSpace(Str(c, "text"))
				if strings.HasSuffix(c.ID, "-name") && text != "" {
					sec.Title = text
				}
				if text != "" {
					sec.Fields = append(sec.Fields, Field{Label: Str(c, "label"), Text: text})
				}
			}
		}
		t.Sections = append(t.Sections, sec)
	}
	return t
}

// inReadingOrder sorts objects top to bottom, then left to right, as people
// lay out frames and notes, ties by id.
func inReadingOrder(objs []*Object) {
	slices.SortFunc(objs, func(a, b *Object) int {
		ay, _ := Num(a, "y")
		by, _ := Num(b, "y")
		ax, _ := Num(a, "x")
		bx, _ := Num(b, "x")
		switch {
		case ay != by:
			return cmpFloat(ay, by)
		case ax != bx:
			return cmpFloat(ax, bx)
		default:
			return strings.Compare(a.ID, b.ID)
		}
	})
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Text returns an item's text, trimmed.
func (t *TheoryOfChange) Text(id string) string {
	o, _ := t.state.Get(id)
	return strings.TrimSpace(Str(o, "text"))
}

// PartnerName returns a partner's name and tier, if id is a live partner.
func (t *TheoryOfChange) PartnerName(id string) (name, tier string, ok bool) {
	o, live := t.state.Get(id)
	if !live || o.Kind != KindPartner {
		return "", "", false
	}
	return Str(o, "name"), Str(o, "tier"), true
}

// LinkedChallenges returns the texts of the live challenges a response answers.
func (t *TheoryOfChange) LinkedChallenges(response *Object) []string {
	var out []string
	for _, id := range Strs(response, "links") {
		if o, ok := t.state.Get(id); ok && o.Kind == KindItem {
			out = append(out, strings.TrimSpace(Str(o, "text")))
		}
	}
	return out
}

// ResponsePartners returns the live partners of a response, in the
// board's partner order.
func (t *TheoryOfChange) ResponsePartners(response *Object) []*Object {
	ids := Strs(response, "partners")
	var out []*Object
	for _, p := range t.Partners {
		if slices.Contains(ids, p.ID) {
			out = append(out, p)
		}
	}
	return out
}
