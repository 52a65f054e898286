package e2e

import (
	"strings"
	"testing"

	"partnerboard/board"
)

// Acceptance 2: the real server is stopped (SIGTERM) and started again on
// the same port and data directory while two pages stay open and one of
// them keeps editing. The pages reconnect by themselves; afterwards every
// edit is on both pages and in the store, once.
func TestEditsSurviveServerRestart(t *testing.T) {
	b := StartBrowser(t) // first, so a machine without Chromium skips before the build
	addr, data := freeAddr(t), t.TempDir()
	srv := startProc(t, addr, data)
	t.Logf("partnerboard is running at %s", srv.URL)
	id := createBoard(t, srv.URL, "Restart check", "persona", twoPartners...)

	amira := b.NewPerson(t, "Amira")
	ben := b.NewPerson(t, "Ben")
	amira.Open(srv.URL, id)
	ben.Open(srv.URL, id)

	// Before: an edit everyone has.
	amira.Type(nameCell, "Jade")
	amira.Blur()
	ben.WaitValue(nameCell, "Jade")
	waitConverged(t, srv.URL, id, amira, ben)

	// Down: both pages notice; Amira keeps working.
	srv.Stop(t)
	t.Log("the server stopped")
	for _, p := range []*Page{amira, ben} {
		p.WaitFor(`"Reconnecting…" on #status`, `document.querySelector("#status").textContent === "Reconnecting…" && document.querySelector("#status").dataset.state === "offline"`)
	}
	const situation = "Moving on from foster care this spring."
	const situationMore = " Staying with a friend for now."
	amira.Type(situationCell, situation)
	amira.Blur()
	amira.Type(ageCell, "19")
	amira.Blur()
	amira.Type(situationCell, situationMore)
	amira.Blur()
	offlineItem := addItem(amira, "p1-challenges", "Has to retell her story to every new service")
	if got := amira.Text("#status"); got != "Reconnecting…" {
		t.Errorf("while the server is down Amira's page shows %q", got)
	}
	if n := Eval[int](amira, `window.partnerboard.pending()`); n == 0 {
		t.Errorf("Amira's page has no unconfirmed edits while the server is down")
	}

	// Up again at the same address: the pages come back on their own.
	srv = startProc(t, addr, data)
	t.Log("the server is back")
	waitConverged(t, srv.URL, id, amira, ben)
	t.Log("both pages caught up")

	// After: one more edit goes through the restarted server.
	amira.Type(goalsCell, "A home of her own")
	amira.Blur()
	ben.WaitValue(goalsCell, "A home of her own")
	st := waitConverged(t, srv.URL, id, amira, ben)

	want := map[string]string{
		"p1-name":      "Jade",
		"p1-age":       "19",
		"p1-situation": situation + situationMore,
		"p1-goals":     "A home of her own",
		offlineItem:    "Has to retell her story to every new service",
	}
	for obj, w := range want {
		if got := text(st, obj); got != w {
			t.Errorf("server: %s is %q, want %q", obj, got, w)
		}
		for _, p := range []*Page{amira, ben} {
			sel := `[data-id="` + obj + `"] textarea.cell-text`
			if strings.HasPrefix(obj, "p1-") {
				if got := p.Value(sel); got != w {
					t.Errorf("%s's page: %s shows %q, want %q", p.Name, obj, got, w)
				}
			}
		}
	}
	// Nothing doubled: one challenge item, the one typed offline.
	if items := childrenOf(st, "p1-challenges", board.KindItem); len(items) != 1 {
		var texts []string
		for _, it := range items {
			texts = append(texts, it.ID+"="+text(st, it.ID))
		}
		t.Errorf("server: %d challenge items, want exactly 1: %v", len(items), texts)
	}
	for _, p := range []*Page{amira, ben} {
		p.WaitValue(`[data-id="`+offlineItem+`"] .item-text`, want[offlineItem])
		if n := p.Count(`[data-id="p1-challenges"] li[data-kind=item]`); n != 1 {
			t.Errorf("%s's page: %d challenge items, want 1", p.Name, n)
		}
	}
}
