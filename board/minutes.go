package board

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// ThemeTitles names the conversation-opener themes (the values of the
// field theme) as people read them.
var ThemeTitles = map[string]string{
	"drivers":        "Drivers",
	"practicalities": "Practicalities",
	"culture":        "Culture",
	"recording":      "Recording and measuring",
	"impact":         "Impact",
}

// meetingRecord is a meeting board read for its minutes: the items of each
// known list, keyed by cell slug, in list order, and everything else worth
// keeping.
type meetingRecord struct {
	when  []string
	lists map[string][]*Object
	// extra holds the cells a facilitator added, in cell order.
	extra []*Object
}

// readMeeting collects the meeting frames of s (in reading order) into one
// record: a board normally holds one, and a second one continues the first.
func readMeeting(s *State, children map[string][]*Object) meetingRecord {
	r := meetingRecord{lists: map[string][]*Object{}}
	var frames []*Object
	for _, o := range s.Objects() {
		if o.Kind == KindFrame && Str(o, "template") == string(TemplateMeeting) {
			frames = append(frames, o)
		}
	}
	inReadingOrder(frames)
	for _, f := range frames {
		cells := slices.Clone(children[f.ID])
		inOrder(cells)
		for _, c := range cells {
			if c.Kind != KindCell {
				continue
			}
			slug := strings.TrimPrefix(c.ID, f.ID+"-")
			switch {
			case slug == MeetingWhen:
				if text := strings.TrimSpace(Str(c, "text")); text != "" {
					r.when = append(r.when, text)
				}
			case slices.Contains(meetingLists, slug) && Str(c, "role") == "list":
				r.lists[slug] = append(r.lists[slug], itemsOf(c, children)...)
			default:
				r.extra = append(r.extra, c)
			}
		}
	}
	return r
}

// meetingLists are the slugs of the list cells that have their own section.
var meetingLists = []string{MeetingAgenda, MeetingRules, MeetingNow, MeetingMedium, MeetingLong, MeetingActions}

// itemsOf returns the items of list cell c that hold something, in order.
func itemsOf(c *Object, children map[string][]*Object) []*Object {
	var items []*Object
	for _, it := range children[c.ID] {
		if it.Kind == KindItem && (strings.TrimSpace(Str(it, "text")) != "" || Str(it, "owner") != "" || Str(it, "due") != "") {
			items = append(items, it)
		}
	}
	inOrder(items)
	return items
}

// Minutes writes the minutes of a meeting board as Markdown: when and
// where, the agenda, the ground rules agreed, the decisions sorted into now
// (this week), medium term and long term, a table of actions with their
// owner and due date, then everything else on the board (cells a
// facilitator added, sticky notes, text, and conversation cards with the
// notes attached to them). date, if not "", is the day the minutes are
// written up, YYYY-MM-DD; the package reads no clock, so the caller gives it.
// People's words are kept as they typed them, escaped so that they stay
// text.
func Minutes(title string, s *State, date string) []byte {
	children := map[string][]*Object{}
	for _, o := range s.Objects() {
		if p := Str(o, "parent"); p != "" {
			children[p] = append(children[p], o)
		}
	}
	r := readMeeting(s, children)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Minutes: %s\n\n", md(orDefault(title, "Meeting")))
	if date != "" {
		fmt.Fprintf(&b, "Written up from the board on %s.\n\n", md(date))
	}
	if len(r.when) > 0 {
		fmt.Fprintf(&b, "**When and where:** %s\n\n", md(strings.Join(r.when, "; ")))
	}
	list := func(heading string, items []*Object, numbered bool) {
		b.WriteString(heading + "\n\n")
		if len(items) == 0 {
			b.WriteString("None recorded.\n\n")
			return
		}
		for i, it := range items {
			if numbered {
				fmt.Fprintf(&b, "%d. %s\n", i+1, md(Str(it, "text")))
			} else {
				fmt.Fprintf(&b, "- %s\n", md(Str(it, "text")))
			}
		}
		b.WriteString("\n")
	}
	list("## Agenda", r.lists[MeetingAgenda], true)
	list("## Ground rules we agreed", r.lists[MeetingRules], false)
	b.WriteString("## Decisions\n\n")
	list("### Now (this week)", r.lists[MeetingNow], false)
	list("### Medium term", r.lists[MeetingMedium], false)
	list("### Long term", r.lists[MeetingLong], false)

	b.WriteString("## Actions\n\n")
	if actions := r.lists[MeetingActions]; len(actions) == 0 {
		b.WriteString("None recorded.\n\n")
	} else {
		b.WriteString("| Action | Owner | Due |\n| --- | --- | --- |\n")
		for _, a := range actions {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", md(orDefault(Str(a, "text"), "(no words yet)")),
				md(orDefault(Str(a, "owner"), "no one yet")), md(orDefault(Str(a, "due"), "no date yet")))
		}
		b.WriteString("\n")
	}
	writeOtherNotes(&b, s, r.extra, children)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// writeOtherNotes writes the section of everything else on the board that
// holds words, if there is any.
func writeOtherNotes(b *bytes.Buffer, s *State, extra []*Object, children map[string][]*Object) {
	var out bytes.Buffer
	for _, c := range extra {
		label := md(orDefault(Str(c, "label"), "Notes"))
		switch Str(c, "role") {
		case "list":
			if items := itemsOf(c, children); len(items) > 0 {
				fmt.Fprintf(&out, "### %s\n\n", label)
				for _, it := range items {
					fmt.Fprintf(&out, "- %s\n", md(Str(it, "text")))
				}
				out.WriteString("\n")
			}
		case "text":
			if text := strings.TrimSpace(Str(c, "text")); text != "" {
				fmt.Fprintf(&out, "### %s\n\n%s\n\n", label, md(text))
			}
		}
	}
	// Loose words: notes, text and shapes with text, and cards, in reading
	// order. Notes attached to a card are written under it.
	var loose []*Object
	for _, o := range s.Objects() {
		parent, _ := s.Get(Str(o, "parent"))
		onCard := parent != nil && parent.Kind == KindCard
		switch {
		case o.Kind == KindCard && strings.TrimSpace(Str(o, "prompt")) != "":
			loose = append(loose, o)
		case (o.Kind == KindNote || o.Kind == KindText || o.Kind == KindShape) && !onCard && strings.TrimSpace(Str(o, "text")) != "":
			loose = append(loose, o)
		}
	}
	inReadingOrder(loose)
	if len(loose) > 0 {
		out.WriteString("### Notes on the board\n\n")
		for _, o := range loose {
			if o.Kind != KindCard {
				fmt.Fprintf(&out, "- %s\n", md(Str(o, "text")))
				continue
			}
			theme := orDefault(Str(o, "label"), orDefault(ThemeTitles[Str(o, "theme")], "no theme"))
			fmt.Fprintf(&out, "- Conversation card (%s): %s\n", md(theme), md(Str(o, "prompt")))
			attached := slices.Clone(children[o.ID])
			inReadingOrder(attached)
			for _, n := range attached {
				if text := strings.TrimSpace(Str(n, "text")); text != "" && n.Kind != KindCard {
					fmt.Fprintf(&out, "  - %s\n", md(text))
				}
			}
		}
		out.WriteString("\n")
	}
	if out.Len() > 0 {
		b.WriteString("## Other notes\n\n")
		b.Write(out.Bytes())
	}
}
