package e2e

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"partnerboard/board"
)

// touch sends one touch event with the fingers at pts (none for the end).
func touch(typ input.DispatchTouchEventType, pts ...[2]float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		points := make([]*input.TouchPoint, len(pts))
		for i, pt := range pts {
			id := float64(i + 1)
			points[i] = &input.TouchPoint{X: pt[0], Y: pt[1], ID: &id}
		}
		_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: points})
		return err
	})
}

// gesture moves fingers from their from points to their to points in
// steps, as a hand does.
func gesture(p *Page, what string, from, to [][2]float64) {
	p.tb.Helper()
	const steps = 8
	acts := []chromedp.Action[chromedp.Void]{touch(input.DispatchTouchEventTypeTouchStart, from...)}
	for s := 1; s <= steps; s++ {
		f := float64(s) / steps
		pts := make([][2]float64, len(from))
		for i := range from {
			pts[i] = [2]float64{from[i][0] + (to[i][0]-from[i][0])*f, from[i][1] + (to[i][1]-from[i][1])*f}
		}
		acts = append(acts, touch(input.DispatchTouchEventTypeTouchMove, pts...))
	}
	acts = append(acts, touch(input.DispatchTouchEventTypeTouchEnd))
	p.do(what, acts...)
}

// tap touches the middle of the element sel with one finger.
func tap(p *Page, sel string) {
	p.tb.Helper()
	at := Eval[[2]float64](p, `(() => { const r = document.querySelector(`+jsString(sel)+`).getBoundingClientRect();
		return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	p.do("tap "+sel, touch(input.DispatchTouchEventTypeTouchStart, at), touch(input.DispatchTouchEventTypeTouchEnd))
}

var worldTransform = regexp.MustCompile(`translate\(([-\d.e]+)px, ([-\d.e]+)px\) scale\(([-\d.e]+)\)`)

// view is the board's pan and zoom, read from the world's transform.
func view(p *Page) (x, y, zoom float64) {
	p.tb.Helper()
	tr := Eval[string](p, `document.querySelector("#world").style.transform`)
	m := worldTransform.FindStringSubmatch(tr)
	if m == nil {
		p.tb.Fatalf("the board's transform %q is not a pan and zoom", tr)
	}
	x, _ = strconv.ParseFloat(m[1], 64)
	y, _ = strconv.ParseFloat(m[2], 64)
	zoom, _ = strconv.ParseFloat(m[3], 64)
	return x, y, zoom
}

// Issue 7, acceptance 6: on a 768 px wide touch screen, one finger pans
// the board, two fingers zoom it, a finger draws a stroke that reaches the
// server, and a long press opens an object's menu.
func TestTouchPanZoomDraw(t *testing.T) {
	srv := startServer(t)
	id := createBoard(t, srv.URL, "Touch check", "blank")
	b := StartBrowser(t)
	p := b.NewPerson(t, "Amira")
	p.do("emulate a tablet", chromedp.EmulateViewport(768, 1024, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	p.Open(srv.URL, id)
	if w := Eval[float64](p, `document.documentElement.scrollWidth`); w > 768 {
		t.Errorf("at 768 px wide the page is %v px wide: it scrolls sideways", w)
	}
	type box struct{ X, Y, W, H float64 }
	c := Eval[box](p, `(() => { const r = document.querySelector("#canvas").getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`)
	mid := [2]float64{c.X + c.W/2, c.Y + c.H/2}

	// One finger pans.
	x0, y0, z0 := view(p)
	gesture(p, "pan with one finger", [][2]float64{mid}, [][2]float64{{mid[0] - 120, mid[1] - 80}})
	x1, y1, z1 := view(p)
	if dx, dy := x1-x0, y1-y0; dx < -121 || dx > -119 || dy < -81 || dy > -79 || z1 != z0 {
		t.Errorf("one finger moved 120, 80 px: the board moved %v, %v and zoomed %v → %v", dx, dy, z0, z1)
	}

	// Two fingers spread apart zoom in, around the point between them.
	gesture(p, "pinch outwards", [][2]float64{{mid[0] - 50, mid[1]}, {mid[0] + 50, mid[1]}},
		[][2]float64{{mid[0] - 100, mid[1]}, {mid[0] + 100, mid[1]}})
	_, _, z2 := view(p)
	if z2 < z1*1.8 || z2 > z1*2.2 {
		t.Errorf("fingers twice as far apart: zoom %v → %v, want about twice", z1, z2)
	}

	// With the pen, a finger draws.
	tap(p, "#tool-pen")
	p.WaitFor("the pen tool", `document.querySelector("#tool-pen").getAttribute("aria-pressed") === "true"`)
	gesture(p, "draw with a finger", [][2]float64{{mid[0] - 100, mid[1] - 60}}, [][2]float64{{mid[0] + 100, mid[1] + 60}})
	st := waitConverged(t, srv.URL, id, p)
	var strokes []*board.Object
	for _, o := range st.Objects() {
		if o.Kind == board.KindStroke {
			strokes = append(strokes, o)
		}
	}
	if len(strokes) != 1 {
		t.Fatalf("the server holds %d strokes, want 1", len(strokes))
	}
	if pts, _ := strokes[0].Fields["points"].([]float64); len(pts) < 6 {
		t.Errorf("the stroke has %d coordinates, want the finger's path", len(pts))
	}

	// A long press on a note opens its menu: duplicate it, then delete
	// the copy the same way.
	// Buttons are clicked from here on: in headless Chromium the first
	// synthetic tap after a drag or a long press brings no click, which a
	// real finger's does. What is under test is the long press itself.
	p.Click("#tool-note")
	p.WaitFor("the note tool", `document.querySelector("#tool-note").getAttribute("aria-pressed") === "true"`)
	at := [2]float64{c.X + c.W/2, c.Y + c.H*0.25}
	p.do("tap the board", touch(input.DispatchTouchEventTypeTouchStart, at), touch(input.DispatchTouchEventTypeTouchEnd))
	p.WaitCount(".obj-note", 1)
	p.Blur()
	longPress := func(sel string) {
		p.tb.Helper()
		pt := Eval[[2]float64](p, `(() => { const r = document.querySelector(`+jsString(sel)+`).getBoundingClientRect();
			return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
		p.do("press and hold "+sel, touch(input.DispatchTouchEventTypeTouchStart, pt))
		p.WaitFor("the menu", `!document.querySelector("#object-menu").hidden && document.activeElement?.getAttribute("role") === "menuitem"`)
		p.do("lift the finger", touch(input.DispatchTouchEventTypeTouchEnd))
	}
	choose := func(label string) {
		p.tb.Helper()
		p.Click(`#object-menu [role=menuitem]:nth-child(` + strconv.Itoa(1+slices.Index(Eval[[]string](p, `[...document.querySelectorAll("#object-menu [role=menuitem]")].map(b => b.textContent)`), label)) + `)`)
	}
	original := Eval[string](p, `document.querySelector(".obj-note").dataset.id`)
	longPress(".obj-note")
	choose("Duplicate")
	p.WaitCount(".obj-note", 2)
	// The copy lies on top of its original, so a press in its middle
	// reaches it, not the original beneath.
	copyID := Eval[string](p, `[...document.querySelectorAll(".obj-note")].find(n => n.dataset.id !== `+jsString(original)+`).dataset.id`)
	longPress(`.obj-note[data-id="` + copyID + `"]`)
	choose("Delete")
	p.WaitCount(".obj-note", 1)
	st = waitConverged(t, srv.URL, id, p)
	if _, ok := st.Get(copyID); ok {
		t.Errorf("the copy deleted from its menu is still on the server")
	}
	if _, ok := st.Get(original); !ok {
		t.Errorf("the original went instead of its copy")
	}
}
