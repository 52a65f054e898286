package board

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// meetingFixture is a meeting board as a partnership might leave it: the
// template, then the batch in testdata/meeting-fixture.json (our own
// example words), which the server's test sends over a socket too.
func meetingFixture(t *testing.T) *State {
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
