package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// axeSource is axe-core, installed from npm into e2e/node_modules by
// `make deps` (the version is pinned in e2e/package-lock.json).
func axeSource(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		why := fmt.Sprintf("no axe-core (%v)", err)
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s; the accessibility audit must run in CI: run `make deps`", why)
		}
		tb.Skipf("skipping the accessibility audit: %s; run `make deps` to install it from npm", why)
	}
	return string(b)
}

// violation is one failed axe rule, cut down to what a report needs.
type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// audit runs axe-core's WCAG 2.x A and AA rules (and its best practices)
// on the page as it is, and fails the test for every serious or critical
// violation. axe is evaluated through the DevTools protocol, which the
// page's content security policy does not govern; the page itself still
// runs no inline script.
func audit(p *Page, what, axe string) {
	p.tb.Helper()
	p.do("load axe-core", chromedpEval(axe))
	found := Await[[]violation](p, `axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
		resultTypes: ["violations"],
	}).then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact || "", help: v.help,
		nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" "))})))`)
	var bad []string
	for _, v := range found {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, fmt.Sprintf("  %s (%s): %s, at %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; ")))
		}
	}
	if len(bad) > 0 {
		p.tb.Errorf("the %s has serious accessibility faults:\n%s", what, strings.Join(bad, "\n"))
	}
	// Proof that the audit ran: axe reports on the rules it checked.
	if n := Await[int](p, `axe.run(document, {resultTypes: ["passes"]}).then((r) => r.passes.length)`); n < 10 {
		p.tb.Errorf("axe passed only %d rules on the %s: the audit did not really run", n, what)
	}
}

// Issue 7, acceptance 4: axe-core finds no serious or critical violation
// on the start page, the persona, response-map, meeting and vision boards,
// the list view, the conversation cards, the snapshots dialog and the
// facilitator console.
func TestAccessibilityAudit(t *testing.T) {
	axe := axeSource(t)
	srv := startServer(t)
	persona := createBoard(t, srv.URL, "Young people 16–25", "persona", twoPartners...)
	responses := createBoard(t, srv.URL, "Housing and health", "response-map", twoPartners...)
	meeting := createBoard(t, srv.URL, "Steering group", "meeting")
	vision := createBoard(t, srv.URL, "What we are for", "vision")

	b := StartBrowser(t)
	p := b.NewPerson(t, "Amira")

	navigate(p, srv.URL+"/")
	p.WaitFor("the start page", `!document.querySelector("#start").hidden`)
	audit(p, "start page", axe)

	for _, c := range []struct{ what, id, cell string }{
		{"persona board", persona, "p1-challenges"},
		{"response-map board", responses, ""},
		{"meeting board", meeting, "meeting-actions"},
		{"vision board", vision, "vision-together"},
	} {
		p.Open(srv.URL, c.id)
		if c.cell != "" {
			addItem(p, c.cell, "Something to talk about")
			p.WaitSaved()
		}
		audit(p, c.what, axe)
	}
	// The list view of the vision board just audited: its content in
	// words, and a way back to each thing on the board.
	p.Click("#list-view-toggle")
	p.WaitFor("the list view", `!document.querySelector("#list-view").hidden && document.querySelector("#canvas").hidden`)
	if got := p.Text("#list-view-body"); !strings.Contains(got, "Something to talk about") {
		t.Errorf("the list view does not show the item just added: %q", got)
	}
	audit(p, "list view", axe)
	item := Eval[string](p, `document.querySelector("#list-view-body li[data-id] li[data-id]").dataset.id`)
	cell := Eval[string](p, `document.querySelector(`+jsString(`#list-view-body li.list-cell:has(li[data-id="`+item+`"])`)+`).dataset.id`)
	p.Click(`#list-view-body li.list-cell[data-id="` + cell + `"] > button.list-show`)
	p.WaitFor("the board again, with the focus in the cell", `document.querySelector("#list-view").hidden && !document.querySelector("#canvas").hidden &&
		!!document.activeElement?.closest(`+jsString(`[data-id="`+cell+`"]`)+`)`)

	// The conversation cards, with one drawn.
	p.Click("#openers-toggle")
	p.Click("#openers .openers-theme button.openers-draw")
	p.WaitFor("a drawn card", `!document.querySelector("#openers .openers-card").hidden`)
	audit(p, "conversation cards", axe)
	p.Click("#openers-toggle")

	// The snapshots dialog, with a snapshot compared.
	p.Click("#snapshots")
	p.Type("#snap-name", "Before lunch")
	p.Click(`#snap-save button[type=submit]`)
	p.WaitCount("#snap-list li[data-snapshot]", 1)
	p.Click("#snap-list li[data-snapshot] button.snap-open")
	p.WaitFor("the comparison", `!document.querySelector("#snap-detail").hidden`)
	audit(p, "snapshots dialog", axe)

	fac := facilitatorURL(t, srv.URL, "Accessibility check")
	signIn(p, srv.URL)
	navigate(p, srv.URL+fac)
	p.WaitFor("the console", `!document.querySelector("#console").hidden && window.partnerboardConsole.boards().length === 3`)
	p.WaitCount("#c-groups li.console-group img.console-thumb", 3)
	audit(p, "facilitator console", axe)
}

// facilitatorURL makes a workshop of two persona groups through the API
// and returns its facilitator link (path and fragment).
func facilitatorURL(tb testing.TB, base, title string) string {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"title": title, "template": "persona", "groups": 2,
		"partners": []map[string]string{{"name": "Northside Housing Trust", "tier": "lead"}, {"name": "Youth Futures", "tier": "core"}}})
	res, err := http.Post(base+"/api/workshops", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Facilitator struct {
			URL string `json:"url"`
		} `json:"facilitator"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated || out.Facilitator.URL == "" {
		tb.Fatalf("create workshop: %d %v", res.StatusCode, err)
	}
	return out.Facilitator.URL
}
