package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/internal/testenv"
)

// Cell selectors of the first persona on a persona board.
const (
	nameCell       = `[data-id="p1-name"] textarea.cell-text`
	ageCell        = `[data-id="p1-age"] textarea.cell-text`
	occupationCell = `[data-id="p1-occupation"] textarea.cell-text`
	situationCell  = `[data-id="p1-situation"] textarea.cell-text`
	interestsCell  = `[data-id="p1-interests"] textarea.cell-text`
	goalsCell      = `[data-id="p1-goals"] textarea.cell-text`
	pictureArea    = `[data-id="p1-picture"] svg.cell-drawing`
	pictureStrokes = `[data-id="p1-picture"] path[data-kind=stroke]`
)

// twoPartners are the partners of the boards most tests use: partner-1 and
// partner-2.
var twoPartners = []partner{{Name: "Northside Housing Trust", Tier: "lead"}, {Name: "Youth Futures", Tier: "core"}}

// Acceptance 1: two people, each in a browser context of their own, on one
// persona board, see each other's typing, drawing, challenges and linked
// responses; the server holds the same.
func TestTwoPeopleSeeEachOthersEdits(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Young people leaving care", "persona", twoPartners...)

	b := StartBrowser(t)
	amira := b.NewPerson(t, "Amira")
	ben := b.NewPerson(t, "Ben")
	amira.Open(srv.URL, id)
	ben.Open(srv.URL, id)
	for _, p := range []*Page{amira, ben} {
		p.WaitFor("both people in #people", `document.querySelectorAll("#people li[data-session]").length === 2`)
	}

	// Text typed in one page appears in the other.
	amira.Type(nameCell, "Jade")
	ben.WaitValue(nameCell, "Jade")

	// A stroke drawn in one appears in the other.
	amira.Draw(pictureArea, [][2]float64{{0.3, 0.3}, {0.4, 0.5}, {0.5, 0.6}, {0.6, 0.5}, {0.7, 0.3}})
	amira.WaitCount(pictureStrokes, 1)
	ben.WaitCount(pictureStrokes, 1)

	// A challenge, and a response linked to it with both partners and a
	// referral pathway.
	challenge := addItem(amira, "p1-challenges", "No guarantor for a first tenancy")
	response := addItem(amira, "p1-help", "Guarantor scheme run jointly by housing and youth services")
	respSel := `[data-id="` + response + `"]`
	amira.Click(respSel + ` input[type=checkbox][data-link="` + challenge + `"]`)
	amira.Click(respSel + ` input[type=checkbox][data-partner="partner-1"]`)
	amira.Click(respSel + ` input[type=checkbox][data-partner="partner-2"]`)
	const reason = "Youth Futures introduces Jade to the housing team"
	addReferral(amira, response, "partner-2", "partner-1", reason)

	referralText := "Youth Futures → Northside Housing Trust: " + reason
	for _, p := range []*Page{ben, amira} {
		p.WaitValue(`[data-id="`+challenge+`"] .item-text`, "No guarantor for a first tenancy")
		p.WaitValue(respSel+` .item-text`, "Guarantor scheme run jointly by housing and youth services")
		p.WaitFor("the response linked to the challenge", `document.querySelector(`+jsString(respSel+` input[type=checkbox][data-link="`+challenge+`"]`)+`).checked`)
		p.WaitFor("both partners ticked on the response", `document.querySelector(`+jsString(respSel+` input[data-partner="partner-1"]`)+`).checked && document.querySelector(`+jsString(respSel+` input[data-partner="partner-2"]`)+`).checked`)
		p.WaitFor("the referral under the response", `[...document.querySelectorAll(`+jsString(respSel+` ul.item-referrals li[data-kind=referral]`)+`)].map(e => e.textContent.trim()).join("|") === `+jsString(referralText))
	}
	// The challenge's text labels its checkbox on the response.
	if got := Eval[string](ben, `document.querySelector(`+jsString(respSel+` input[data-link="`+challenge+`"]`)+`).closest("label")?.textContent.trim() ?? ""`); got != "No guarantor for a first tenancy" {
		t.Errorf("Ben's page labels the challenge checkbox %q", got)
	}

	// The server holds the same, and so do both pages, exactly.
	st := waitConverged(t, srv.URL, id, amira, ben)
	if got := text(st, "p1-name"); got != "Jade" {
		t.Errorf("server: name %q, want Jade", got)
	}
	if strokes := childrenOf(st, "p1-picture", board.KindStroke); len(strokes) != 1 {
		t.Errorf("server: %d strokes in the picture cell, want 1", len(strokes))
	} else {
		if pts, _ := strokes[0].Fields["points"].([]float64); len(pts) < 4 {
			t.Errorf("server: the stroke has %d coordinates, want a line: %v", len(pts), strokes[0].Fields)
		}
		for _, p := range []*Page{amira, ben} {
			got := Eval[[]string](p, `[...document.querySelectorAll(`+jsString(pictureStrokes)+`)].map(e => e.dataset.id + " " + (e.getAttribute("d") ? "drawn" : "empty"))`)
			if want := []string{strokes[0].ID + " drawn"}; !slices.Equal(got, want) {
				t.Errorf("%s's page: strokes %v, want %v", p.Name, got, want)
			}
		}
	}
	resp, ok := st.Get(response)
	if !ok {
		t.Fatalf("server: no response %s", response)
	}
	if resp.Kind != board.KindItem || resp.Fields["parent"] != "p1-help" {
		t.Errorf("server: response is %s in %v, want an item in p1-help", resp.Kind, resp.Fields["parent"])
	}
	if got := stringsField(resp, "links"); !slices.Equal(got, []string{challenge}) {
		t.Errorf("server: response links %v, want [%s]", got, challenge)
	}
	if got := stringsField(resp, "partners"); !slices.Equal(sorted(got), []string{"partner-1", "partner-2"}) {
		t.Errorf("server: response partners %v, want [partner-1 partner-2]", got)
	}
	refs := childrenOf(st, response, board.KindReferral)
	if len(refs) != 1 {
		t.Fatalf("server: %d referrals with parent %s, want 1", len(refs), response)
	}
	ref := refs[0].Fields
	if ref["from"] != "partner-2" || ref["to"] != "partner-1" || ref["reason"] != reason {
		t.Errorf("server: referral %v, want from partner-2 to partner-1 for %q", ref, reason)
	}
	for _, p := range []*Page{amira, ben} {
		if d := p.Dialogs(); len(d) > 0 {
			t.Errorf("%s's page opened dialogs: %v", p.Name, d)
		}
	}
}

// addReferral opens the referral form of a response item, picks the two
// partners, types the reason and saves.
func addReferral(p *Page, response, from, to, reason string) {
	p.tb.Helper()
	item := `[data-id="` + response + `"]`
	before := p.Count(item + ` ul.item-referrals li[data-kind=referral]`)
	p.Click(item + ` button.add-referral`)
	p.WaitFor("the referral form", `document.querySelector(`+jsString(item+` select.ref-from`)+`)?.offsetParent != null`)
	choose(p, item+` select.ref-from`, from)
	choose(p, item+` select.ref-to`, to)
	p.Type(item+` input.ref-reason`, reason)
	p.Click(item + ` button.ref-save`)
	p.WaitCount(item+` ul.item-referrals li[data-kind=referral]`, before+1)
}

// choose picks the option with value v in a select, as a person choosing
// it from the list does: the value changes and input and change fire.
func choose(p *Page, sel, v string) {
	p.tb.Helper()
	p.WaitFor(sel+" to offer "+v, `[...document.querySelector(`+jsString(sel)+`).options].some(o => o.value === `+jsString(v)+`)`)
	p.do("choose "+v+" in "+sel, chromedpEval(`(() => { const s = document.querySelector(`+jsString(sel)+`);
		s.focus(); s.value = `+jsString(v)+`;
		s.dispatchEvent(new Event("input", {bubbles: true})); s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// A note made by a client that gave it no size (the protocol allows it)
// shows at the size the page gives a new note, not as a thin strip.
func TestANoteWithoutASizeGetsTheDefault(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Sizes", "blank")
	bot := srv.Dial(t, id, "Script")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := bot.Send(ctx, []board.Op{testenv.Note("bare", "Made without a size", 40, 60)}); err != nil {
		t.Fatal(err)
	}
	b := StartBrowser(t)
	amira := b.NewPerson(t, "Amira")
	amira.Open(srv.URL, id)
	amira.WaitCount(`[data-id="bare"]`, 1)
	size := Eval[[]float64](amira, `(() => { const e = document.querySelector('[data-id="bare"]'); return [e.offsetWidth, e.offsetHeight]; })()`)
	if len(size) != 2 || size[0] < 200 || size[1] < 120 {
		t.Fatalf("the note is %v px (width, height); want at least 200 × 120, as a new note", size)
	}
}
