package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"partnerboard/board"
)

// Issue 7, acceptances 1 and 2: draw a card from each of the five themes
// and place it; attach a note to one; a second person sees them all. Then
// a partnership's own deck loads, and a malformed one is refused with the
// line of its fault, leaving the deck in use as it was.
func TestConversationOpeners(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Opening up", "blank")
	b := StartBrowser(t)
	amira := b.NewPerson(t, "Amira")
	ben := b.NewPerson(t, "Ben")
	amira.Open(srv.URL, id)
	ben.Open(srv.URL, id)

	amira.Click("#openers-toggle")
	amira.WaitFor("the openers panel", `!document.querySelector("#openers").hidden && document.querySelectorAll("#openers .openers-theme").length === 5`)
	var prompts []string
	for i := 1; i <= 5; i++ {
		theme := `#openers .openers-theme:nth-child(` + strconv.Itoa(i) + `)`
		amira.Click(theme + ` button.openers-draw`)
		amira.WaitFor("a drawn card", `!document.querySelector("#openers .openers-card").hidden`)
		prompt := amira.Text("#openers .openers-card-prompt")
		if prompt == "" {
			t.Fatalf("the card drawn from theme %d has no prompt", i)
		}
		prompts = append(prompts, prompt)
		amira.Click(`#openers .openers-card button.openers-place`)
		amira.WaitCount(`[data-kind=card]`, i)
	}
	amira.Click("#openers-toggle")

	// A note attached to the last card.
	var cardID string
	for _, o := range amira.State().Objects() {
		if o.Kind == board.KindCard && o.Fields["prompt"] == prompts[4] {
			cardID = o.ID
		}
	}
	if cardID == "" {
		t.Fatalf("no card on Amira's page holds %q", prompts[4])
	}
	amira.Click(`[data-id="` + cardID + `"] button.card-add-note`)
	amira.WaitFor("the new note to have the focus", `document.activeElement?.matches(".obj-note textarea")`)
	const note = "Start with who fills in the referral form"
	typeKeys(amira, note)
	amira.Blur()

	st := waitConverged(t, srv.URL, id, amira, ben)
	var themes, placed []string
	attached := 0
	for _, o := range st.Objects() {
		switch {
		case o.Kind == board.KindCard:
			theme, _ := o.Fields["theme"].(string)
			prompt, _ := o.Fields["prompt"].(string)
			themes = append(themes, theme)
			placed = append(placed, prompt)
		case o.Kind == board.KindNote && o.Fields["parent"] == cardID && o.Fields["text"] == note:
			attached++
		}
	}
	slices.Sort(themes)
	if want := []string{"culture", "drivers", "impact", "practicalities", "recording"}; !slices.Equal(themes, want) {
		t.Errorf("the cards' themes are %q, want one of each: %q", themes, want)
	}
	slices.Sort(placed)
	slices.Sort(prompts)
	if !slices.Equal(placed, prompts) {
		t.Errorf("the board holds the prompts %q, want the ones drawn: %q", placed, prompts)
	}
	if attached != 1 {
		t.Errorf("%d notes attached to the card, want 1", attached)
	}
	// Ben's page shows the cards' words and the note.
	for _, p := range prompts {
		ben.WaitFor("the card "+p, `[...document.querySelectorAll("[data-kind=card] .card-prompt")].some(e => e.textContent === `+jsString(p)+`)`)
	}
	ben.WaitFor("the attached note", `[...document.querySelectorAll(".obj-note textarea")].some(e => e.value === `+jsString(note)+`)`)

	// A partnership's own deck, in Markdown.
	dir := t.TempDir()
	good := filepath.Join(dir, "our-deck.md")
	bad := filepath.Join(dir, "broken-deck.md")
	if err := os.WriteFile(good, []byte("# Getting started\n\n- Who is not in the room today, and how will we hear from them?\n- What would make today worth the journey?\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("# Getting started\n- A fine prompt\n-\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	amira.Click("#openers-toggle")
	amira.do("load our deck", chromedp.SetUploadFiles(`#openers input.openers-file`, []string{good}))
	amira.WaitFor("our deck in use", `[...document.querySelectorAll("#openers .openers-theme-name")].map(e => e.textContent).join("|") === "Getting started"`)
	amira.do("load a broken deck", chromedp.SetUploadFiles(`#openers input.openers-file`, []string{bad}))
	amira.WaitFor("the fault named", `document.querySelector("#openers .openers-error").textContent !== ""`)
	if msg := amira.Text("#openers .openers-error"); !strings.HasPrefix(msg, "Line 3: ") || !strings.Contains(msg, "Nothing was changed") {
		t.Errorf("the broken deck's message is %q; want it to name line 3 and say nothing changed", msg)
	}
	if got := amira.Count("#openers .openers-theme"); got != 1 {
		t.Errorf("after the broken deck, %d themes are shown; want our deck's one", got)
	}
}
