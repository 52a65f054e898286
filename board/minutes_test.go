package board

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// meetingFixture is a meeting board as a partnership might leave it: the
// template, then the batch in testdata/meeting-fixture.json (our own
// example words), which the server's test sends over a socket too.
func meetingFixture(t testing.TB) *State {
	t.Helper()
	s, err := TemplateState(TemplateMeeting, []Partner{{Name: "Riverside Housing Trust", Tier: "lead"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "meeting-fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	ops, err := DecodeOps(b)
	if err != nil {
		t.Fatal(err)
	}
	s.Apply(ops)
	return s
}

func TestMinutesGolden(t *testing.T) {
	t.Parallel()
	got := Minutes("Drop-in steering group", meetingFixture(t), "2026-12-08")
	golden(t, "meeting-minutes.md", got)
	for _, want := range []string{
		"| Tell the caretaker about the side door | Amina (Riverside Housing) | 2026-12-09 |",
		`| Find out what a \| b costs | no one yet | 2027-01-15 |`,
		"| Thank everyone who came | no one yet | no date yet |",
		"### Long term\n\nNone recorded.",
		"  - Smaller groups first, then share back",
	} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("the minutes lack %q", want)
		}
	}
	if bytes.Count(got, []byte("<img")) != bytes.Count(got, []byte(`\<img`)) || bytes.Contains(got, []byte("\n# not")) {
		t.Error("a note's words became markup")
	}
}

func TestMinutesOfAnEmptyBoard(t *testing.T) {
	t.Parallel()
	for _, tmpl := range []Template{TemplateMeeting, TemplateBlank} {
		s, err := TemplateState(tmpl, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := string(Minutes("", s, ""))
		if !strings.HasPrefix(got, "# Minutes: Meeting\n\n## Agenda\n\nNone recorded.") || strings.Contains(got, "Other notes") || strings.Contains(got, "Written up") {
			t.Errorf("%s: minutes of an empty board:\n%s", tmpl, got)
		}
		if !strings.HasSuffix(got, "## Actions\n\nNone recorded.\n") {
			t.Errorf("%s: the minutes do not end with the actions:\n%q", tmpl, got)
		}
	}
}

// FuzzMinutes applies a fuzzed batch to the fixture meeting board and checks
// that the minutes stay well-formed: valid UTF-8, every heading one the
// exporter wrote, every action row exactly three cells.
func FuzzMinutes(f *testing.F) {
	for _, s := range []string{
		`[{"op":"update","id":"a1","fields":{"text":"# heading? | pipe | \n newline","owner":"<b>x</b>"}}]`,
		`[{"op":"create","id":"x1","kind":"item","fields":{"parent":"meeting-actions","order":"zz","due":"2028-02-29"}}]`,
		`[{"op":"delete","id":"meeting-actions"},{"op":"update","id":"meeting","fields":{"template":"vision"}}]`,
		`[{"op":"create","id":"n9","kind":"note","fields":{"parent":"card1","text":"## not a heading"}}]`,
		`[{"op":"update","id":"meeting-questions","fields":{"label":"### Label\nwith a line break","role":"text","text":"| a | b |"}}]`,
	} {
		f.Add([]byte(s))
	}
	base := meetingFixture(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := DecodeOps(data)
		if err != nil {
			return
		}
		s := base.Clone()
		s.Apply(ops)
		out := Minutes("Steering | group\n# x", s, "2026-12-08")
		if !utf8.Valid(out) {
			t.Fatal("the minutes are not valid UTF-8")
		}
		ours := []string{"# Minutes: ", "## Agenda", "## Ground rules we agreed", "## Decisions", "### Now (this week)",
			"### Medium term", "### Long term", "## Actions", "## Other notes", "### "}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "#") && !slices.ContainsFunc(ours, func(h string) bool { return strings.HasPrefix(line, h) }) {
				t.Fatalf("heading %q was not written by the exporter", line)
			}
			if strings.HasPrefix(line, "| ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 4 {
				t.Fatalf("table row %q does not have three cells", line)
			}
		}
	})
}
