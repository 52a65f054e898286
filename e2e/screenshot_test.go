package e2e

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// screenshotPath is where the README's screenshot lives, from this
// package's directory.
var screenshotPath = filepath.Join("..", "docs", "screenshots", "persona-board.png")

// The example persona: made up, in our own words, written the way the
// people it describes would want to be described.
var (
	personaText = []struct{ sel, text string }{
		{nameCell, "Jade"},
		{ageCell, "19"},
		{occupationCell, "Job hunting; volunteers at a café"},
		{situationCell, "Moving on from foster care this year. Staying with a friend while she waits to hear about a flat, and keeps in touch with her personal adviser."},
		{interestsCell, "Cooking for friends, music, cheering on her younger brother at football"},
		{goalsCell, "A steady job, a safe home she can afford, and seeing her brother every week"},
	}
	personaChallenges = []string{
		"Few landlords will let to a first-time tenant without a guarantor",
		"Job interviews clash with housing appointments",
		"Has to retell her story to every new service",
	}
	personaResponses = []struct {
		text      string
		challenge int      // index into personaChallenges
		partners  []string // partner ids
		jointly   bool
		referral  [3]string // from, to, reason; empty for none
	}{{
		text:      "One shared plan, agreed with Jade, so she tells her story once",
		challenge: 2,
		partners:  []string{"partner-1", "partner-2"},
		jointly:   true,
		referral:  [3]string{"partner-2", "partner-1", "Introduction to the tenancy support team"},
	}, {
		text:      "Rent guarantee for a first tenancy",
		challenge: 0,
		partners:  []string{"partner-1"},
	}, {
		text:      "Interview coaching and a paid work trial, booked around her appointments",
		challenge: 1,
		partners:  []string{"partner-2", "partner-3"},
		referral:  [3]string{"partner-2", "partner-3", "Work trial with a local employer"},
	}}
)

// Acceptance 6: the README's screenshot of a filled persona board, made by
// this browser. It is written into docs/ only with UPDATE_SCREENSHOTS=1;
// otherwise the test checks that the screenshot is a PNG with content.
func TestPersonaScreenshot(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Young people leaving care", "persona",
		partner{Name: "Northside Housing Trust", Tier: "lead"},
		partner{Name: "Youth Futures", Tier: "core"},
		partner{Name: "City Jobs Hub", Tier: "wider"})

	b := StartBrowser(t)
	sam := b.NewPerson(t, "Sam")
	sam.do("size the window for the screenshot", chromedp.EmulateViewport(1600, 1000))
	sam.Open(srv.URL, id)

	for _, c := range personaText {
		sam.Type(c.sel, c.text)
		sam.Blur()
	}
	drawPortrait(sam)

	challenges := make([]string, len(personaChallenges))
	for i, c := range personaChallenges {
		challenges[i] = addItem(sam, "p1-challenges", c)
	}
	for _, r := range personaResponses {
		resp := addItem(sam, "p1-help", r.text)
		sel := `[data-id="` + resp + `"]`
		sam.Click(sel + ` input[type=checkbox][data-link="` + challenges[r.challenge] + `"]`)
		for _, p := range r.partners {
			sam.Click(sel + ` input[type=checkbox][data-partner="` + p + `"]`)
		}
		if r.jointly {
			sam.Click(sel + ` input[type=checkbox].item-jointly`)
		}
		if r.referral[0] != "" {
			addReferral(sam, resp, r.referral[0], r.referral[1], r.referral[2])
		}
	}
	sam.Blur()
	st := waitConverged(t, srv.URL, id, sam)
	for _, c := range personaText {
		if sam.Value(c.sel) != c.text {
			t.Errorf("%s shows %q, want %q", c.sel, sam.Value(c.sel), c.text)
		}
	}
	if n := len(childrenOf(st, "p1-help", "item")); n != len(personaResponses) {
		t.Errorf("server: %d responses, want %d", n, len(personaResponses))
	}

	// The whole board in view, selection cleared, rendering settled.
	sam.Press(kb.Escape)
	sam.Click("#zoom-fit")
	// Show every cell and list from its start, not scrolled to the caret.
	sam.do("scroll the cells to their start", chromedpEval(
		`document.querySelectorAll("#canvas *").forEach(e => { if (e.scrollTop > 0) e.scrollTop = 0; })`))
	sam.do("let the page paint", chromedp.Evaluate[chromedp.Void](
		`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`, chromedp.EvalAwaitPromise))
	shot := sam.Screenshot()

	if !bytes.HasPrefix(shot, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("the screenshot is not a PNG (%d bytes)", len(shot))
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("decode the screenshot: %v", err)
	}
	bounds := img.Bounds()
	if bounds.Dx() < 800 || bounds.Dy() < 500 {
		t.Fatalf("the screenshot is only %v", bounds)
	}
	// Not blank: a blank page is one colour.
	first := img.At(bounds.Min.X, bounds.Min.Y)
	blank := true
	for y := bounds.Min.Y; y < bounds.Max.Y && blank; y += 7 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 7 {
			if img.At(x, y) != first {
				blank = false
				break
			}
		}
	}
	if blank {
		t.Fatal("the screenshot is one colour")
	}

	if os.Getenv("UPDATE_SCREENSHOTS") != "1" {
		t.Logf("took a %v screenshot; set UPDATE_SCREENSHOTS=1 to write it to %s", bounds.Size(), screenshotPath)
		return
	}
	if err := os.MkdirAll(filepath.Dir(screenshotPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(screenshotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%v)", screenshotPath, bounds.Size())
}

// drawPortrait draws a simple smiling face and shoulders in the picture
// cell, in four pen strokes.
func drawPortrait(p *Page) {
	p.tb.Helper()
	circle := func(cx, cy, r float64, from, to float64, n int) [][2]float64 {
		var pts [][2]float64
		for i := 0; i <= n; i++ {
			a := from + (to-from)*float64(i)/float64(n)
			pts = append(pts, [2]float64{cx + r*math.Cos(a), cy + r*math.Sin(a)})
		}
		return pts
	}
	before := p.Count(pictureStrokes)
	p.Draw(pictureArea, circle(0.5, 0.36, 0.2, 0, 2*math.Pi, 36))               // head
	p.Draw(pictureArea, circle(0.5, 0.38, 0.1, 0.15*math.Pi, 0.85*math.Pi, 12)) // smile
	p.Draw(pictureArea, [][2]float64{{0.43, 0.3}, {0.44, 0.31}})                // eyes
	p.Draw(pictureArea, [][2]float64{{0.56, 0.3}, {0.57, 0.31}})
	p.Draw(pictureArea, circle(0.5, 0.98, 0.32, 1.08*math.Pi, 1.92*math.Pi, 24)) // shoulders
	p.WaitCount(pictureStrokes, before+5)
}
