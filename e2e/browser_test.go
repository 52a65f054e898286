package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"partnerboard/board"
)

// patience is how long a wait may take before the test is declared hung.
// It is generous on purpose: it only stops a test that would otherwise hang,
// and no test asserts on how fast anything is.
const patience = 2 * time.Minute

// browserFlags are the only switches Chromium gets besides a fresh
// --user-data-dir and the DevTools pipe chromedp needs. They keep the
// browser headless and stop everything in it that would call out to the
// network on its own (component updates, sync, background requests).
var browserFlags = []string{
	"headless",
	"no-sandbox",
	"disable-gpu",
	"no-first-run",
	"disable-background-networking",
	"disable-component-update",
	"disable-sync",
	"disable-quic",
}

// chromiumPath finds the browser: $CHROMIUM, else chromium, else
// chromium-browser on PATH. Without one the test is skipped with a message
// naming what is missing, or fails when CI=true.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		full, err := exec.LookPath(p)
		if err == nil {
			return full
		}
		noBrowser(tb, fmt.Sprintf("$CHROMIUM is %q, which is not an executable program (%v)", p, err))
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if full, err := exec.LookPath(name); err == nil {
			return full
		}
	}
	noBrowser(tb, "no Chromium: $CHROMIUM is not set and neither chromium nor chromium-browser is on PATH")
	return ""
}

func noBrowser(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s; the browser tests must run in CI: run `make deps` (it installs Debian's chromium package) or set $CHROMIUM", why)
	}
	tb.Skipf("skipping the browser tests: %s; run `make deps` to install Debian's chromium package, or set $CHROMIUM to a Chromium binary", why)
}

// Browser is one headless Chromium process, stopped when the test ends.
type Browser struct {
	ctx    context.Context // the browser's first tab; parent of every person
	output *syncBuffer     // what Chromium printed
	dir    string          // its profile directory
}

// StartBrowser starts Chromium with a fresh profile in a temporary
// directory. The process and every helper process it started are gone
// when the test's cleanup has run, whether the test passed or not.
func StartBrowser(tb testing.TB) *Browser {
	tb.Helper()
	path := chromiumPath(tb)
	b := &Browser{output: &syncBuffer{}, dir: tb.TempDir()}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(b.dir),
		chromedp.CombinedOutput(b.output),
	}
	for _, f := range browserFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b.ctx = ctx
	stop := func() {
		// Close gracefully first, so Chromium ends its helper processes
		// itself; cancelAlloc then waits for the process to be gone.
		cctx, ccancel := context.WithTimeout(ctx, 15*time.Second)
		_ = chromedp.Cancel(cctx)
		ccancel()
		cancel()
		cancelAlloc()
		killLeftovers(tb, b.dir)
	}
	tb.Cleanup(func() {
		stop()
		if tb.Failed() {
			tb.Logf("chromium output:\n%s", lastLines(b.output.String(), 40))
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start %s: %v\n%s", path, err, b.output.String())
	}
	return b
}

// killLeftovers ends any process still running with the profile directory
// dir on its command line: a helper of our own Chromium that outlived it.
// Found by its id in /proc; nothing else is touched.
func killLeftovers(tb testing.TB, dir string) {
	tb.Helper()
	flag := []byte("--user-data-dir=" + dir)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pids []int
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil {
				continue
			}
			for _, arg := range bytes.Split(cmdline, []byte{0}) {
				if bytes.Equal(arg, flag) {
					pids = append(pids, pid)
					break
				}
			}
		}
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Errorf("chromium processes %v did not exit", pids)
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Page is one person: a tab in a browser context of its own, so two pages
// share no cookies, storage or session. Its methods report failures to the
// test that opened it and wait for what they need, never for a fixed time.
type Page struct {
	tb   testing.TB
	Name string
	ctx  context.Context

	mu      sync.Mutex
	dialogs []string // JavaScript dialogs that opened (and were dismissed)
	console []string // console messages and uncaught exceptions
}

// NewPerson opens a tab for name in a fresh browser context. The tab is
// closed and the context disposed of when the test ends.
func (b *Browser) NewPerson(tb testing.TB, name string) *Page {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	p := &Page{tb: tb, Name: name, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1600, 1000)); err != nil {
		cancel()
		tb.Fatalf("open a tab for %s: %v", name, err)
	}
	var wg sync.WaitGroup
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, fmt.Sprintf("%s(%q)", ev.Type, ev.Message))
			p.mu.Unlock()
			// A dialog blocks the page; dismiss it so the test can go on
			// and report it.
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	console := chromedp.Console(ctx)
	wg.Go(func() {
		for m, err := range console {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m.String())
			p.mu.Unlock()
		}
	})
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("%s's page: console:\n%s", name, strings.Join(p.Console(), "\n"))
		}
		cancel()
		wg.Wait()
	})
	return p
}

// Dialogs lists the JavaScript dialogs that opened on the page.
func (p *Page) Dialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// Console lists what the page wrote to its console.
func (p *Page) Console() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.console...)
}

// do runs actions on the page and fails the test on error.
func (p *Page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, patience)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.tb.Fatalf("%s's page: %s: %v", p.Name, what, err)
	}
}

// Open signs name in (localStorage["pb-name"], set on the board's origin
// before the board page loads) and opens the board; it returns once the
// page is connected and has nothing unsaved.
func (p *Page) Open(base, boardID string) {
	p.tb.Helper()
	p.do("open "+base, chromedp.Navigate(base+"/healthz"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem("pb-name", `+jsString(p.Name)+`)`))
	p.do("open board "+boardID, chromedp.Navigate(base+"/b/"+boardID))
	p.WaitSaved()
}

// WaitSaved waits until the page shows that the server has every edit.
func (p *Page) WaitSaved() {
	p.tb.Helper()
	p.WaitFor(`"All changes saved" on #status`,
		`document.querySelector("#status")?.textContent === "All changes saved" && window.partnerboard?.pending?.() === 0`)
}

// Eval evaluates a JavaScript expression on the page and decodes its value
// into T.
func Eval[T any](p *Page, expr string) T {
	p.tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, patience)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.tb.Fatalf("%s's page: evaluate %s: %v", p.Name, expr, err)
	}
	return v
}

// Await evaluates a JavaScript expression that gives a promise, such as a
// fetch, and decodes what it resolves to into T.
func Await[T any](p *Page, expr string) T {
	p.tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, patience)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.tb.Fatalf("%s's page: evaluate %s: %v", p.Name, expr, err)
	}
	return v
}

// WaitFor polls the JavaScript condition cond on the page until it is true.
// An exception in cond counts as false (the element may not exist yet).
// It gives up only after patience, with the page's status in the message.
func (p *Page) WaitFor(what, cond string) {
	p.tb.Helper()
	expr := `(() => { try { return !!(` + cond + `); } catch (e) { return false; } })()`
	deadline := time.Now().Add(patience)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, patience)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			status := Eval[string](p, `String(document.querySelector("#status")?.textContent)`)
			p.tb.Fatalf("%s's page: gave up waiting for %s (status %q, last error %v)", p.Name, what, status, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Type focuses the element sel, puts the caret at the end and types text
// with real key events.
func (p *Page) Type(sel, text string) {
	p.tb.Helper()
	p.WaitFor(sel+" to be on the page", `document.querySelector(`+jsString(sel)+`)`)
	p.do("type into "+sel,
		chromedp.Evaluate[chromedp.Void](`(() => { const el = document.querySelector(`+jsString(sel)+`);
			el.scrollIntoView({block: "center"}); el.focus();
			if (typeof el.setSelectionRange === "function") el.setSelectionRange(el.value.length, el.value.length); })()`),
		chromedp.KeyEvent(text))
}

// Blur takes the focus away from whatever has it, as clicking elsewhere
// would, so the page sends what was typed.
func (p *Page) Blur() {
	p.tb.Helper()
	p.do("blur", chromedp.Evaluate[chromedp.Void](`document.activeElement?.blur()`))
}

// Click clicks the element sel with the mouse, once it is visible.
func (p *Page) Click(sel string) {
	p.tb.Helper()
	p.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Press sends one key, such as "z" with chromedp.ModifierCtrl.
func (p *Page) Press(key string, mods ...chromedp.Modifier) {
	p.tb.Helper()
	p.do("press "+key, chromedp.KeyEvent(key, chromedp.KeyModifiers(mods...)))
}

// Text is the textContent of the element sel, or "" when there is none.
func (p *Page) Text(sel string) string {
	p.tb.Helper()
	return Eval[string](p, `document.querySelector(`+jsString(sel)+`)?.textContent ?? ""`)
}

// Value is the value of the form field sel, or "" when there is none.
func (p *Page) Value(sel string) string {
	p.tb.Helper()
	return Eval[string](p, `document.querySelector(`+jsString(sel)+`)?.value ?? ""`)
}

// Count is the number of elements matching sel.
func (p *Page) Count(sel string) int {
	p.tb.Helper()
	return Eval[int](p, `document.querySelectorAll(`+jsString(sel)+`).length`)
}

// WaitValue waits until the form field sel holds want.
func (p *Page) WaitValue(sel, want string) {
	p.tb.Helper()
	p.WaitFor(fmt.Sprintf("%s to hold %q", sel, want),
		`document.querySelector(`+jsString(sel)+`)?.value === `+jsString(want))
}

// WaitCount waits until n elements match sel.
func (p *Page) WaitCount(sel string, n int) {
	p.tb.Helper()
	p.WaitFor(fmt.Sprintf("%d of %s", n, sel), `document.querySelectorAll(`+jsString(sel)+`).length === `+strconv.Itoa(n))
}

// State is the page's view of the board (window.partnerboard.state()),
// decoded and checked like any state from the wire.
func (p *Page) State() *board.State {
	p.tb.Helper()
	raw := Eval[[]byte](p, `window.partnerboard.state()`)
	s := board.NewState()
	if err := s.UnmarshalJSON(raw); err != nil {
		p.tb.Fatalf("%s's page: window.partnerboard.state() is not a valid board state: %v\n%s", p.Name, err, raw)
	}
	return s
}

// Draw drags the mouse, left button down, through points given as
// fractions (0..1) of the width and height of the element sel: what a
// person does with a pen in the picture cell.
func (p *Page) Draw(sel string, points [][2]float64) {
	p.tb.Helper()
	if len(points) < 2 {
		p.tb.Fatal("Draw needs at least two points")
	}
	p.WaitFor(sel+" to be on the page", `document.querySelector(`+jsString(sel)+`)`)
	type rect struct{ X, Y, W, H float64 }
	r := Eval[rect](p, `(() => { const el = document.querySelector(`+jsString(sel)+`);
		el.scrollIntoView({block: "center", inline: "center"});
		const r = el.getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`)
	if r.W <= 0 || r.H <= 0 {
		p.tb.Fatalf("%s's page: %s has no area to draw in (%+v)", p.Name, sel, r)
	}
	at := func(pt [2]float64) (float64, float64) { return r.X + pt[0]*r.W, r.Y + pt[1]*r.H }
	mouse := func(typ input.DispatchMouseEventType, pt [2]float64, buttons int64) chromedp.Action[chromedp.Void] {
		x, y := at(pt)
		return chromedp.MouseEvent(typ, x, y, func(params *input.DispatchMouseEventParams) {
			params.Buttons = buttons
			if typ != chromedp.MouseMoved {
				params.Button, params.ClickCount = input.MouseButtonLeft, 1
			}
		})
	}
	steps := []chromedp.Action[chromedp.Void]{mouse(chromedp.MouseMoved, points[0], 0), mouse(chromedp.MousePressed, points[0], 1)}
	for _, pt := range points[1:] {
		steps = append(steps, mouse(chromedp.MouseMoved, pt, 1))
	}
	steps = append(steps, mouse(chromedp.MouseReleased, points[len(points)-1], 0))
	p.do("draw in "+sel, steps...)
}

// Screenshot is a PNG of the whole page.
func (p *Page) Screenshot() []byte {
	p.tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, patience)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.tb.Fatalf("%s's page: screenshot: %v", p.Name, err)
	}
	return png
}

// chromedpEval is an action that evaluates js for its effect.
func chromedpEval(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](js)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// syncBuffer is a bytes.Buffer that is safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
