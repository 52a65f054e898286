package e2e

import (
	"strings"
	"testing"

	"partnerboard/board"
)

// Workshops issue, acceptance 3, in the browser: a snapshot, then edits by
// two people; comparing lists exactly those changes; restoring takes the
// board back to the snapshot on both pages and on the server; and the
// restorer's undo brings the later edits back.
func TestSnapshotRestoreAndUndo(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Snapshot check", "persona", twoPartners...)

	b := StartBrowser(t)
	amira := b.NewPerson(t, "Amira")
	ben := b.NewPerson(t, "Ben")
	amira.Open(srv.URL, id)
	ben.Open(srv.URL, id)
	before := waitConverged(t, srv.URL, id, amira, ben)

	amira.Click("#snapshots")
	amira.WaitFor("the snapshots dialog", `document.querySelector("#snapshots-dialog").open`)
	amira.Type("#snap-name", "Before the first round")
	amira.Click(`#snap-save button[type=submit]`)
	amira.WaitCount("#snap-list li[data-snapshot]", 1)
	amira.Click("#snap-close")

	amira.Type(nameCell, "Jay")
	amira.Blur()
	ben.Type(ageCell, "19")
	ben.Blur()
	for _, p := range []*Page{amira, ben} {
		p.WaitValue(nameCell, "Jay")
		p.WaitValue(ageCell, "19")
	}
	edited := waitConverged(t, srv.URL, id, amira, ben)

	// Compare: the two changed cells, nothing added or removed.
	amira.Click("#snapshots")
	amira.WaitCount("#snap-list li[data-snapshot]", 1)
	amira.Click("#snap-list li[data-snapshot] button.snap-open")
	amira.WaitFor("the comparison", `!document.querySelector("#snap-detail").hidden && document.querySelector("#snap-summary").textContent !== ""`)
	if got := amira.Text("#snap-summary"); got != "Since then: 0 added, 0 removed, 2 changed." {
		t.Errorf("comparison summary %q", got)
	}
	changed := Eval[[]string](amira, `[...document.querySelectorAll("#snap-changed li")].map((li) => li.textContent)`)
	joined := strings.Join(changed, " | ")
	if len(changed) != 2 || !strings.Contains(joined, "Jay") || !strings.Contains(joined, "19") {
		t.Errorf("changed since the snapshot: %q, want the name and age cells", changed)
	}
	if n := amira.Count("#snap-added li") + amira.Count("#snap-removed li"); n != 0 {
		t.Errorf("%d objects listed as added or removed, want none", n)
	}
	amira.WaitFor("the snapshot's picture", `document.querySelector("#snap-picture").complete && document.querySelector("#snap-picture").naturalWidth > 0`)

	// Restore: live on Ben's page too, and the server holds the snapshot.
	amira.Click("#snap-restore")
	for _, p := range []*Page{amira, ben} {
		p.WaitValue(nameCell, "")
		p.WaitValue(ageCell, "")
	}
	restored := waitConverged(t, srv.URL, id, amira, ben)
	if !board.SameObjects(restored, before) {
		t.Errorf("after the restore the board is not the snapshot")
	}

	// One undo takes the whole restore back.
	amira.Click("#undo")
	for _, p := range []*Page{amira, ben} {
		p.WaitValue(nameCell, "Jay")
		p.WaitValue(ageCell, "19")
	}
	if st := waitConverged(t, srv.URL, id, amira, ben); !board.SameObjects(st, edited) {
		t.Errorf("after undoing the restore the board is not as it was before it")
	}
}
