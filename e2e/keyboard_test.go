package e2e

import (
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// MaxTabs is how many presses of Tab tabTo allows to reach one element: a
// page needing more would be a chore for anyone on a keyboard.
const MaxTabs = 60

// tabTo presses Tab until the focused element matches sel, and checks that
// the focus can be seen there.
func tabTo(p *Page, sel string) {
	p.tb.Helper()
	for i := 0; i < MaxTabs; i++ {
		if Eval[bool](p, `!!document.activeElement?.matches(`+jsString(sel)+`)`) {
			if !Eval[bool](p, `(() => { const s = getComputedStyle(document.activeElement);
				return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2; })()`) {
				p.tb.Errorf("the focus on %s cannot be seen: no outline", sel)
			}
			return
		}
		p.do("press Tab", chromedp.KeyEvent(kb.Tab))
	}
	p.tb.Fatalf("%d presses of Tab never reached %s (the focus is on %s)", MaxTabs, sel,
		Eval[string](p, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "nothing"`))
}

// typeKeys types into whatever has the focus, with key events only.
func typeKeys(p *Page, text string) {
	p.tb.Helper()
	p.do("type", chromedp.KeyEvent(text))
}

// Issue 7, acceptance 5: with the keyboard alone, fill every cell of a
// persona grid (the picture in words), add a challenge, add a response and
// link it to the challenge.
func TestKeyboardOnlyPersona(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Keyboard check", "persona", twoPartners...)
	b := StartBrowser(t)
	p := b.NewPerson(t, "Amira")
	p.Open(srv.URL, id)
	p.do("start from the top of the page", chromedp.Evaluate[chromedp.Void](`document.activeElement?.blur()`))

	cells := []struct{ id, text string }{
		{"p1-picture", "Smiling, in a red hoodie, headphones round the neck"},
		{"p1-name", "Jade"},
		{"p1-age", "17"},
		{"p1-occupation", "Sixth-form student"},
		{"p1-situation", "Lives with a foster family; moving on next year"},
		{"p1-interests", "Music, football, her younger brother"},
		{"p1-goals", "A flat of her own near college"},
	}
	for _, c := range cells {
		tabTo(p, `[data-id="`+c.id+`"] textarea.cell-text`)
		typeKeys(p, c.text)
	}

	tabTo(p, `[data-id="p1-challenges"] button.add-item`)
	p.do("press Enter", chromedp.KeyEvent(kb.Enter))
	p.WaitFor("the new challenge to have the focus", `document.activeElement?.matches('[data-id="p1-challenges"] li[data-kind=item] .item-text')`)
	challenge := Eval[string](p, `document.activeElement.closest("li[data-kind=item]").dataset.id`)
	typeKeys(p, "No guarantor for a first tenancy")

	tabTo(p, `[data-id="p1-help"] button.add-item`)
	p.do("press Enter", chromedp.KeyEvent(kb.Enter))
	p.WaitFor("the new response to have the focus", `document.activeElement?.matches('[data-id="p1-help"] li[data-kind=item] .item-text')`)
	response := Eval[string](p, `document.activeElement.closest("li[data-kind=item]").dataset.id`)
	typeKeys(p, "A guarantor scheme run by the housing trust")
	tabTo(p, `[data-id="`+response+`"] input[type=checkbox][data-link="`+challenge+`"]`)
	p.do("press Space", chromedp.KeyEvent(" "))
	p.WaitFor("the link ticked", `document.activeElement.checked`)

	// Tab on, so the last field is sent as a blur would; then compare
	// with the server.
	p.do("press Tab", chromedp.KeyEvent(kb.Tab))
	st := waitConverged(t, srv.URL, id, p)
	for _, c := range cells {
		if got := text(st, c.id); got != c.text {
			t.Errorf("server: %s is %q, want %q", c.id, got, c.text)
		}
	}
	if got := text(st, challenge); got != "No guarantor for a first tenancy" {
		t.Errorf("server: the challenge is %q", got)
	}
	r, ok := st.Get(response)
	if !ok || text(st, response) != "A guarantor scheme run by the housing trust" {
		t.Fatalf("server: the response is %v", r)
	}
	if got := stringsField(r, "links"); !slices.Equal(got, []string{challenge}) {
		t.Errorf("server: the response links %v, want [%s]", got, challenge)
	}
}

// The object menu opens with a right click and is worked with the keys of
// the ARIA menu pattern: arrows move, Escape closes, Enter chooses.
func TestObjectMenuByMouseAndKeys(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Menu check", "blank")
	b := StartBrowser(t)
	p := b.NewPerson(t, "Amira")
	p.Open(srv.URL, id)
	p.Click("#tool-note")
	at := Eval[[2]float64](p, `(() => { const r = document.querySelector("#canvas").getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	p.do("click the board", chromedp.MouseClickXY(at[0], at[1]))
	p.WaitCount(".obj-note", 1)
	p.Blur()
	rightClick := func() {
		t.Helper()
		p.do("right click the note", chromedp.MouseClickXY(at[0]+10, at[1]+10, chromedp.Button("right")))
		p.WaitFor("the menu", `!document.querySelector("#object-menu").hidden && document.activeElement?.textContent === "Duplicate"`)
	}
	rightClick()
	p.do("press Escape", chromedp.KeyEvent(kb.Escape))
	p.WaitFor("the menu to close", `document.querySelector("#object-menu").hidden`)

	rightClick()
	p.do("press ArrowDown", chromedp.KeyEvent(kb.ArrowDown))
	p.WaitFor("the next item", `document.activeElement?.textContent === "Bring to front"`)
	p.do("press ArrowUp twice", chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.ArrowUp))
	p.WaitFor("the last item, round the end", `document.activeElement?.textContent === "Delete"`)
	p.do("press Enter", chromedp.KeyEvent(kb.Enter))
	p.WaitCount(".obj-note", 0)
	if st := waitConverged(t, srv.URL, id, p); len(st.Objects()) != 0 {
		t.Errorf("the server still holds %d objects after Delete from the menu", len(st.Objects()))
	}
}
