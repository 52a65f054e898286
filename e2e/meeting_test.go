package e2e

import (
	"strings"
	"testing"
)

// A meeting board in the browser: a decision and an action with its owner
// and due date reach the other person and the server, and the page's
// "Minutes of the meeting" download holds them.
func TestMeetingActionsAndMinutes(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Drop-in steering group", "meeting")
	b := StartBrowser(t)
	amira := b.NewPerson(t, "Amira")
	ben := b.NewPerson(t, "Ben")
	amira.Open(srv.URL, id)
	ben.Open(srv.URL, id)

	decision := addItem(amira, "meeting-now", "Open the side door at 9:30")
	action := addItem(amira, "meeting-actions", "Tell the caretaker about the side door")
	row := `[data-id="` + action + `"] `
	amira.WaitCount(row+"input.item-owner", 1)
	amira.Type(row+"input.item-owner", "Amina (Riverside Housing)")
	amira.do("choose the due date", chromedpEval(`(() => { const d = document.querySelector(`+jsString(row+"input.item-due")+`);
		d.focus(); d.value = "2027-01-15"; d.dispatchEvent(new Event("input", {bubbles: true})); d.blur(); })()`))
	ben.WaitValue(row+"input.item-owner", "Amina (Riverside Housing)")
	ben.WaitValue(row+"input.item-due", "2027-01-15")
	st := waitConverged(t, srv.URL, id, amira, ben)
	if o, ok := st.Get(action); !ok || o.Fields["owner"] != "Amina (Riverside Housing)" || o.Fields["due"] != "2027-01-15" {
		t.Fatalf("server: the action is %v", o)
	}
	if text(st, decision) != "Open the side door at 9:30" {
		t.Errorf("server: the decision is %q", text(st, decision))
	}

	amira.WaitFor("the minutes download", `!document.querySelector("#export-minutes").parentElement.hidden`)
	href := Eval[string](amira, `document.querySelector("#export-minutes").href`)
	minutes := Await[string](amira, `fetch(`+jsString(href)+`).then(r => r.text())`)
	for _, want := range []string{
		"# Minutes: Drop-in steering group",
		"- Open the side door at 9:30",
		"| Tell the caretaker about the side door | Amina (Riverside Housing) | 2027-01-15 |",
	} {
		if !strings.Contains(minutes, want) {
			t.Errorf("the minutes lack %q:\n%s", want, minutes)
		}
	}
}
