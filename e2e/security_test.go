package e2e

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
)

const (
	markup     = `<img src=x onerror=alert(1)>`
	scriptLink = `javascript:alert(1)`
)

// Acceptance 4: text that looks like markup or a script link stays text,
// whether the person typed it on this page or someone else's edit brought
// it; nothing runs, and the page is served under a CSP that forbids inline
// script.
func TestUserTextIsNeverMarkup(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Safety check", "persona", twoPartners...)

	t.Run("served page", func(t *testing.T) {
		for _, path := range []string{"/", "/b/" + id} {
			checkServedPage(t, srv.URL+path)
		}
	})

	b := StartBrowser(t)
	amira := b.NewPerson(t, "Amira")
	ben := b.NewPerson(t, "Ben")
	amira.Open(srv.URL, id)
	ben.Open(srv.URL, id)

	// Typed on the page: the Name cell, and a challenge item.
	amira.Type(nameCell, markup)
	amira.Blur()
	addItem(amira, "p1-challenges", scriptLink)

	// Sent by someone else (a Go client of the protocol): a sticky note with
	// the markup, a challenge with both, a response linked to it and a
	// referral whose reason is markup.
	other := testenv.Dial(t, client.Options{URL: srv.URL, Board: id, Name: "Chidi"})
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if _, err := other.Send(ctx, []board.Op{
		testenv.Note("note-xss", markup, 1400, 100),
		{Type: board.OpCreate, ID: "item-xss", Kind: board.KindItem, Fields: map[string]any{
			"text": markup + " " + scriptLink, "parent": "p1-challenges", "order": "zz"}},
		{Type: board.OpCreate, ID: "resp-xss", Kind: board.KindItem, Fields: map[string]any{
			"text": scriptLink, "parent": "p1-help", "order": "zz", "links": []string{"item-xss"}, "partners": []string{"partner-1"}}},
		{Type: board.OpCreate, ID: "ref-xss", Kind: board.KindReferral, Fields: map[string]any{
			"from": "partner-1", "to": "partner-2", "reason": markup, "parent": "resp-xss", "order": "V"}},
	}); err != nil {
		t.Fatalf("send the edits: %v", err)
	}

	for _, p := range []*Page{amira, ben} {
		p.WaitValue(nameCell, markup)
		p.WaitValue(`[data-id="note-xss"] .note-text`, markup)
		p.WaitValue(`[data-id="item-xss"] .item-text`, markup+" "+scriptLink)
		p.WaitFor("the typed challenge", `[...document.querySelectorAll('[data-id="p1-challenges"] .item-text')].some(e => e.value === `+jsString(scriptLink)+`)`)
		p.WaitSaved()

		// No element is made from the text.
		if got := p.Count(`#canvas img`); got != 0 {
			t.Errorf("%s's page: %d <img> elements inside #canvas", p.Name, got)
		}
		if got := p.Count(`a[href^="javascript:" i]`); got != 0 {
			t.Errorf("%s's page: %d links to javascript:", p.Name, got)
		}
		if got := p.Count(`#canvas [onerror], #canvas [onclick], #canvas [onload]`); got != 0 {
			t.Errorf("%s's page: %d elements with event handler attributes inside #canvas", p.Name, got)
		}
		// Where the text is shown as text, not in a form field, the node's
		// textContent is the string itself.
		p.WaitFor("the challenge's checkbox on the response", `document.querySelector('[data-id="resp-xss"] input[data-link="item-xss"]')`)
		label := Eval[string](p, `document.querySelector('[data-id="resp-xss"] input[data-link="item-xss"]').closest("label")?.textContent.trim() ?? "(no label element)"`)
		if label != markup+" "+scriptLink {
			t.Errorf("%s's page: the challenge checkbox is labelled %q, want %q", p.Name, label, markup+" "+scriptLink)
		}
		p.WaitFor("the referral", `document.querySelector('[data-id="ref-xss"]')`)
		if got, want := strings.TrimSpace(p.Text(`[data-id="ref-xss"]`)), "Northside Housing Trust → Youth Futures: "+markup; got != want {
			t.Errorf("%s's page: the referral reads %q, want %q", p.Name, got, want)
		}
		p.WaitValue(`[data-id="resp-xss"] .item-text`, scriptLink)
		if got := p.Count(`#canvas img`); got != 0 {
			t.Errorf("%s's page: %d <img> elements inside #canvas after the referral rendered", p.Name, got)
		}
	}
	// A note's text read back from the DOM, as text.
	if got := Eval[string](ben, `document.querySelector('[data-id="note-xss"] .note-text').value`); got != markup {
		t.Errorf("Ben's note reads %q, want %q", got, markup)
	}
	for _, p := range []*Page{amira, ben} {
		if d := p.Dialogs(); len(d) > 0 {
			t.Errorf("%s's page opened JavaScript dialogs: %v", p.Name, d)
		}
	}
	// The browser enforces the policy: an inline script added to the page
	// does not run.
	ran := Eval[bool](ben, `(() => { const s = document.createElement("script");
		s.textContent = "window.inlineRan = true"; document.body.append(s); s.remove();
		return window.inlineRan === true; })()`)
	if ran {
		t.Error("an inline script ran on the board page: the Content-Security-Policy is not enforced")
	}
	// The dialog watch works: a dialog the test opens itself is seen (and
	// dismissed), so "no dialogs" above means none opened.
	ben.do("open a dialog", chromedpEval(`setTimeout(() => alert("harness check"), 0)`))
	waitUntil(t, "the test's own alert to be noticed", func() bool { return len(ben.Dialogs()) == 1 })

	// And the server kept the text as it was typed.
	st := serverState(t, srv.URL, id)
	if o, ok := st.Get("p1-name"); !ok || o.Fields["text"] != markup {
		t.Errorf("server: p1-name = %v, want text %q", o, markup)
	}
}

// addItem clicks the add button of the list cell and types text into the
// new item, which the app focuses.
func addItem(p *Page, cell, text string) string {
	p.tb.Helper()
	items := `[data-id="` + cell + `"] li[data-kind=item]`
	n := p.Count(items)
	p.Click(`[data-id="` + cell + `"] button.add-item`)
	p.WaitCount(items, n+1)
	p.WaitFor("the new item to have the focus", `document.activeElement?.matches('[data-id="`+cell+`"] li[data-kind=item] .item-text')`)
	id := Eval[string](p, `document.activeElement.closest('li[data-kind=item]').dataset.id`)
	p.Type(`[data-id="`+id+`"] .item-text`, text)
	p.Blur()
	return id
}

var (
	scriptTag  = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	srcAttr    = regexp.MustCompile(`(?i)\ssrc\s*=`)
	inlineAttr = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
	jsURL      = regexp.MustCompile(`(?i)(href|src|action)\s*=\s*["']?\s*javascript:`)
)

// checkServedPage fetches url as a plain HTTP client and checks the CSP
// header and that the HTML has no inline script of any kind.
func checkServedPage(t *testing.T, url string) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if csp == "" {
		t.Fatalf("GET %s: no Content-Security-Policy header", url)
	}
	directives := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			directives[strings.ToLower(f[0])] = f[1:]
		}
	}
	script, ok := directives["script-src"]
	if !ok {
		t.Errorf("GET %s: CSP %q has no script-src", url, csp)
	}
	if len(script) == 0 || script[0] != "'self'" {
		t.Errorf("GET %s: script-src is %q, want 'self'", url, script)
	}
	for _, name := range []string{"script-src", "default-src", "script-src-elem", "script-src-attr"} {
		for _, v := range directives[name] {
			if lv := strings.ToLower(v); lv == "'unsafe-inline'" || lv == "'unsafe-eval'" || lv == "*" || lv == "data:" || strings.HasPrefix(lv, "http:") {
				t.Errorf("GET %s: %s allows %s", url, name, v)
			}
		}
	}
	if v := directives["object-src"]; len(v) != 1 || v[0] != "'none'" {
		t.Errorf("GET %s: object-src is %q, want 'none'", url, v)
	}

	html := string(body)
	tags := scriptTag.FindAllStringSubmatch(html, -1)
	if len(tags) == 0 {
		t.Errorf("GET %s: the page loads no script", url)
	}
	for _, m := range tags {
		if !srcAttr.MatchString(m[1]) || strings.TrimSpace(m[2]) != "" {
			t.Errorf("GET %s: inline script: %s", url, m[0])
		}
	}
	if m := inlineAttr.FindString(html); m != "" {
		t.Errorf("GET %s: inline event handler: %s", url, m)
	}
	if m := jsURL.FindString(html); m != "" {
		t.Errorf("GET %s: javascript: URL: %s", url, m)
	}
}
