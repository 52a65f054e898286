package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"partnerboard/board"
)

// consoleGroup is one board as the console reports it
// (window.partnerboardConsole.boards()).
type consoleGroup struct {
	Board  string   `json:"board"`
	Name   string   `json:"name"`
	Seq    uint64   `json:"seq"`
	Shown  int64    `json:"shown"`
	People []string `json:"people"`
}

// consoleWorkshop is the part of the workshop document the test needs.
type consoleWorkshop struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Partners []board.Partner `json:"partners"`
	Groups   []struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Board string `json:"board"`
	} `json:"groups"`
	Plenary string `json:"plenary"`
}

// signIn sets the display name a page will use on base's origin.
func signIn(p *Page, base string) {
	p.tb.Helper()
	p.do("sign in "+p.Name, chromedp.Navigate(base+"/healthz"),
		chromedpEval(`localStorage.setItem("pb-name", `+jsString(p.Name)+`)`))
}

// boardAs is a board as the server holds it, fetched by page p with its
// session: a workshop's boards are not open to everyone.
func boardAs(p *Page, id string) *board.State {
	p.tb.Helper()
	raw := Await[string](p, `fetch("/api/boards/`+id+`").then(r => r.ok ? r.text() : Promise.reject(new Error(r.status)))`)
	var snap struct {
		State json.RawMessage `json:"state"`
	}
	s := board.NewState()
	if err := json.Unmarshal([]byte(raw), &snap); err != nil {
		p.tb.Fatalf("decode board %s: %v", id, err)
	}
	if err := s.UnmarshalJSON(snap.State); err != nil {
		p.tb.Fatalf("decode board %s: %v", id, err)
	}
	return s
}

// navigate opens url in the page.
func navigate(p *Page, url string) {
	p.tb.Helper()
	p.do("open "+url, chromedp.Navigate(url))
}

// Issue 4, acceptance 1: a facilitator makes a workshop on the start page;
// two participants join by link, land in their groups and edit; the
// console shows both boards live under the right names; the timer and a
// broadcast reach both; moving a participant moves their page; locking a
// board makes an edit fail with a kind message.
func TestFacilitatorRunsAWorkshop(t *testing.T) {
	srv := startServer(t)
	b := StartBrowser(t)
	fran := b.NewPerson(t, "Fran")
	amira := b.NewPerson(t, "Amira")
	ben := b.NewPerson(t, "Ben")

	// The facilitator makes the workshop with the start page's form.
	signIn(fran, srv.URL)
	navigate(fran, srv.URL+"/")
	fran.Type("#nw-title", "Young people leaving care")
	choose(fran, "#nw-template", "persona")
	fran.do("set the number of groups", chromedpEval(`document.querySelector("#nw-groups").value = "2"`))
	fran.Type("#nw-partners", "Northside Housing Trust, lead\nYouth Futures, core\nCanal Street GP surgery, wider")
	fran.Click(`#new-workshop button[type=submit]`)
	fran.WaitFor("the console", `location.pathname.startsWith("/w/") && !document.querySelector("#console").hidden`)
	if strings.Contains(Eval[string](fran, `location.href`), "#t=") {
		t.Error("the facilitator's token is still in the address bar")
	}
	fran.WaitFor("three boards in the console", `window.partnerboardConsole.boards().length === 3`)
	w := Eval[consoleWorkshop](fran, `window.partnerboardConsole.workshop()`)
	if w.Title != "Young people leaving care" || len(w.Groups) != 2 || len(w.Partners) != 3 {
		t.Fatalf("the workshop made: %+v", w)
	}
	g1, g2 := w.Groups[0], w.Groups[1]
	// Every group board starts from the template, with the three partners.
	for _, g := range w.Groups {
		st := boardAs(fran, g.Board)
		if _, ok := st.Get("p1-name"); !ok {
			t.Errorf("%s's board has no persona", g.Name)
		}
		var names []string
		for _, o := range st.Objects() {
			if o.Kind == board.KindPartner {
				name, _ := o.Fields["name"].(string)
				names = append(names, name)
			}
		}
		if got := sorted(names); strings.Join(got, "|") != "Canal Street GP surgery|Northside Housing Trust|Youth Futures" {
			t.Errorf("%s's board has partners %q", g.Name, got)
		}
	}
	// The console names the boards as the workshop does.
	var cards []string
	for _, g := range Eval[[]consoleGroup](fran, `window.partnerboardConsole.boards()`) {
		cards = append(cards, g.Board+"="+g.Name)
	}
	if want := w.Plenary + "=Plenary: everyone together|" + g1.Board + "=" + g1.Name + "|" + g2.Board + "=" + g2.Name; strings.Join(cards, "|") != want {
		t.Errorf("console boards %q, want %q", cards, want)
	}
	for _, g := range w.Groups {
		if got := fran.Text(`#c-groups li[data-board="` + g.Board + `"] h3`); got != g.Name {
			t.Errorf("the console card of %s is headed %q", g.Name, got)
		}
	}

	// A participant link for each group, made in the console.
	link := func(group string) string {
		before := fran.Value("#c-link-url")
		fran.WaitFor("the link form to be free", `!document.querySelector("#c-link button[type=submit]").disabled`)
		choose(fran, "#c-link-role", "participant:"+group)
		fran.Click(`#c-link button[type=submit]`)
		fran.WaitFor("a new link", `document.querySelector("#c-link-url").value !== `+jsString(before))
		url := fran.Value("#c-link-url")
		if !strings.HasPrefix(url, srv.URL+"/w/"+w.ID+"#t=") {
			t.Fatalf("the new link is %q", url)
		}
		return url
	}
	amiraLink, benLink := link(g1.ID), link(g2.ID)
	fran.WaitCount("#c-links li", 3) // the facilitator's own link and the two new ones

	join := func(p *Page, url, board string) {
		signIn(p, srv.URL)
		navigate(p, url)
		p.WaitFor("the group's board", `location.pathname === `+jsString("/b/"+board))
		p.WaitSaved()
	}
	join(amira, amiraLink, g1.Board)
	join(ben, benLink, g2.Board)

	// Each edits their group's board.
	amira.Type(nameCell, "Jade")
	amira.Blur()
	ben.Type(nameCell, "Tom")
	ben.Blur()
	amira.WaitSaved()
	ben.WaitSaved()

	// The console shows who is where, and each board's picture follows
	// its edits.
	inGroup := func(board, name string) string {
		return `window.partnerboardConsole.boards().find(b => b.board === ` + jsString(board) + `).people.includes(` + jsString(name) + `)`
	}
	fran.WaitFor("Amira in "+g1.Name, inGroup(g1.Board, "Amira"))
	fran.WaitFor("Ben in "+g2.Name, inGroup(g2.Board, "Ben"))
	for _, c := range []struct{ board, text string }{{g1.Board, "Jade"}, {g2.Board, "Tom"}} {
		card := `#c-groups li[data-board="` + c.board + `"]`
		fran.WaitFor("the picture of "+c.board+" to show "+c.text, `(() => {
			const b = window.partnerboardConsole.boards().find(b => b.board === `+jsString(c.board)+`);
			return b.shown === b.seq && document.querySelector(`+jsString(card+" img")+`).complete &&
				document.querySelector(`+jsString(card+" img")+`).naturalWidth > 0; })()`)
		src := Eval[string](fran, `document.querySelector(`+jsString(card+" img")+`).src`)
		svg := Await[string](fran, `fetch(`+jsString(src)+`).then(r => r.text())`)
		if !strings.Contains(svg, c.text) {
			t.Errorf("the console's picture of %s does not show %q", c.board, c.text)
		}
	}

	// The timer and a broadcast reach both pages.
	fran.do("set the timer to 5 minutes", chromedpEval(`document.querySelector("#c-timer-minutes").value = "5"`))
	fran.Click(`#c-timer button[type=submit]`)
	const message = "Ten more minutes, then we meet together"
	fran.Type("#c-broadcast-text", message)
	fran.Click(`#c-broadcast button[type=submit]`)
	for _, p := range []*Page{amira, ben} {
		p.WaitFor("the shared timer", `!document.querySelector("#timer").hidden && /^[45]:\d\d$/.test(document.querySelector("#timer .timer-value").textContent)`)
		p.WaitFor("the broadcast", `!document.querySelector("#broadcast").hidden && document.querySelector("#broadcast .broadcast-text").textContent === `+jsString(message))
	}
	fran.WaitFor("the console's own countdown", `/left$/.test(document.querySelector("#c-timer-left").textContent)`)

	// Moving Amira to the second group takes her page there, and she can
	// edit it.
	move := `#c-groups li[data-board="` + g1.Board + `"] li[data-session] select.c-move`
	fran.WaitCount(move, 1)
	choose(fran, move, g2.ID)
	amira.WaitFor("Amira's page on the second group's board", `location.pathname === `+jsString("/b/"+g2.Board))
	amira.WaitSaved()
	fran.WaitFor("Amira in "+g2.Name, inGroup(g2.Board, "Amira"))
	fran.WaitFor("Amira no longer in "+g1.Name, "!"+inGroup(g1.Board, "Amira"))
	amira.Type(ageCell, "19")
	amira.Blur()
	amira.WaitSaved()
	if got := text(boardAs(fran, g2.Board), "p1-age"); got != "19" {
		t.Errorf("after the move Amira's edit on %s: age %q, want 19", g2.Name, got)
	}

	// Locking the second group's board: an edit there fails, kindly.
	fran.Click(`#c-groups li[data-board="` + g2.Board + `"] button.c-lock`)
	fran.WaitFor("the card marked locked", `document.querySelector(`+jsString(`#c-groups li[data-board="`+g2.Board+`"]`)+`).dataset.locked === "true"`)
	for _, p := range []*Page{amira, ben} {
		p.WaitFor("the locked banner", `!document.querySelector("#locked-banner").hidden`)
	}
	ben.Type(occupationCell, "Apprentice")
	ben.Blur()
	ben.WaitFor("a kind message", `!document.querySelector("#notice").hidden &&
		document.querySelector("#notice .notice-text").textContent.includes("paused editing on this board")`)
	ben.WaitFor("the refused edit taken back", `document.querySelector(`+jsString(occupationCell)+`).value === ""`)
	ben.WaitSaved()
	if got := text(boardAs(fran, g2.Board), "p1-occupation"); got != "" {
		t.Errorf("a locked board took Ben's edit: occupation %q", got)
	}

	// Unlocking lets edits through again.
	fran.Click(`#c-groups li[data-board="` + g2.Board + `"] button.c-lock`)
	ben.WaitFor("the banner gone", `document.querySelector("#locked-banner").hidden`)
	ben.Type(occupationCell, "Apprentice")
	ben.Blur()
	ben.WaitSaved()
	if got := text(boardAs(fran, g2.Board), "p1-occupation"); got != "Apprentice" {
		t.Errorf("after unlocking: occupation %q, want Apprentice", got)
	}

	// Dot voting: two dots each on the board's challenges and responses.
	challenge := addItem(ben, "p1-challenges", "No guarantor for a first tenancy")
	response := addItem(amira, "p1-help", "A guarantor scheme run by the housing trust")
	amira.WaitSaved()
	ben.WaitSaved()
	fran.do("give two dots each", chromedpEval(`document.querySelector("#c-vote-dots").value = "2"`))
	fran.Click(`#c-vote button[type=submit]`)
	row := func(item string) string { return `#vote-items li[data-item="` + item + `"]` }
	for _, p := range []*Page{amira, ben} {
		p.WaitFor("the voting panel", `!document.querySelector("#vote-panel").hidden`)
		p.WaitCount(row(challenge)+" button.vote-add", 1)
		p.WaitCount(row(response)+" button.vote-add", 1)
	}
	ben.Click(row(challenge) + " button.vote-add")
	ben.WaitFor("one dot placed", `document.querySelector(`+jsString(row(challenge))+`).dataset.mine === "1"`)
	ben.Click(row(challenge) + " button.vote-add")
	ben.WaitFor("both dots placed", `document.querySelector(`+jsString(row(challenge))+`).dataset.mine === "2"`)
	ben.WaitFor("no dots left", `document.querySelector("#vote-state").textContent.startsWith("You have 0 of 2 dots left") &&
		document.querySelector(`+jsString(row(response)+" button.vote-add")+`).disabled`)
	// The server counts the dots: a third one is refused, with a kind word.
	third := Await[map[string]any](ben, `fetch("/api/workshops/`+w.ID+`/votes/cast", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({board: `+jsString(g2.Board)+`, item: `+jsString(response)+`, client: sessionStorage.getItem("pb-client")})})
		.then(async (r) => ({status: r.status, ...(await r.json())}))`)
	if third["status"] != float64(409) || third["code"] != "no_votes_left" || !strings.Contains(fmt.Sprint(third["message"]), "take one back") {
		t.Errorf("a third dot: %v, want 409 no_votes_left with a kind message", third)
	}
	amira.Click(row(response) + " button.vote-add")
	amira.WaitFor("Amira's dot placed", `document.querySelector(`+jsString(row(response))+`).dataset.mine === "1"`)
	fran.Click("#c-vote-close")
	for _, p := range []*Page{amira, ben} {
		p.WaitFor("the results, most dots first", `(() => {
			const rows = [...document.querySelectorAll("#vote-items li")].map(li => li.dataset.item + "=" + li.dataset.dots);
			return rows.join(",") === `+jsString(challenge+"=2,"+response+"=1")+`; })()`)
	}
	fran.WaitCount("#c-vote-results li", 2)

	// Bringing everyone to the plenary moves both pages.
	fran.Click("#c-gather")
	for _, p := range []*Page{amira, ben} {
		p.WaitFor("the plenary", `location.pathname === `+jsString("/b/"+w.Plenary))
	}
	raw, _ := json.Marshal(fran.Console())
	if strings.Contains(string(raw), "Uncaught") {
		t.Errorf("the console page threw: %s", raw)
	}
}
