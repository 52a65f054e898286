package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// Acceptance 3: undo is per person. Amira's undo takes back Amira's last
// edit and leaves Ben's alone; then Ben's undo (from the keyboard) takes
// back his and does not bring Amira's edit back.
func TestUndoRevertsOnlyOwnEdit(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Undo check", "persona", twoPartners...)

	b := StartBrowser(t)
	amira := b.NewPerson(t, "Amira")
	ben := b.NewPerson(t, "Ben")
	amira.Open(srv.URL, id)
	ben.Open(srv.URL, id)

	amira.Type(nameCell, "Jade")
	amira.Blur()
	waitConverged(t, srv.URL, id, amira, ben)
	ben.Type(ageCell, "19")
	ben.Blur()
	for _, p := range []*Page{amira, ben} {
		p.WaitValue(nameCell, "Jade")
		p.WaitValue(ageCell, "19")
	}
	waitConverged(t, srv.URL, id, amira, ben)

	// Amira's undo, with the toolbar button: her name edit goes, Ben's age
	// stays.
	amira.Click("#undo")
	for _, p := range []*Page{amira, ben} {
		p.WaitValue(nameCell, "")
	}
	st := waitConverged(t, srv.URL, id, amira, ben)
	if got := text(st, "p1-name"); got != "" {
		t.Errorf("server: after Amira's undo the name is %q, want empty", got)
	}
	for _, p := range []*Page{amira, ben} {
		if got := p.Value(ageCell); got != "19" {
			t.Errorf("%s's page: after Amira's undo the age is %q, want Ben's 19", p.Name, got)
		}
	}
	if got := text(st, "p1-age"); got != "19" {
		t.Errorf("server: after Amira's undo the age is %q, want Ben's 19", got)
	}

	// Ben's undo, with Ctrl+Z while no text field has the focus: his age
	// edit goes; Amira's name stays undone.
	ben.Blur()
	ben.Press("z", chromedp.ModifierCtrl)
	for _, p := range []*Page{amira, ben} {
		p.WaitValue(ageCell, "")
	}
	st = waitConverged(t, srv.URL, id, amira, ben)
	if got := text(st, "p1-age"); got != "" {
		t.Errorf("server: after Ben's undo the age is %q, want empty", got)
	}
	if got := text(st, "p1-name"); got != "" {
		t.Errorf("server: Ben's undo changed the name to %q", got)
	}
	for _, p := range []*Page{amira, ben} {
		if got := p.Value(nameCell); got != "" {
			t.Errorf("%s's page: Ben's undo changed the name to %q", p.Name, got)
		}
	}
}
