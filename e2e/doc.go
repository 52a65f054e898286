// Package e2e holds Partnerboard's browser tests: a real headless Chromium
// drives the real browser app (static/) against a real server with a real
// SQLite store, the way people in a workshop use it.
//
// What they show (one Go test per point of the issue "Browser whiteboard"):
//
//   - TestTwoPeopleSeeEachOthersEdits: two people in separate browser
//     contexts on one persona board see each other's text, drawing,
//     challenges and linked responses (partners, referral pathway), and the
//     server holds the same objects.
//   - TestEditsSurviveServerRestart: the real binary is stopped with SIGTERM
//     and started again on the same port and data directory while both pages
//     stay open and one keeps typing; the pages reconnect by themselves and
//     end with the same state as the server: nothing lost, nothing doubled.
//   - TestUndoRevertsOnlyOwnEdit: undo on one page reverts that page's last
//     edit and leaves the other person's edit alone.
//   - TestUserTextIsNeverMarkup: markup and javascript: links typed into
//     the board render as plain text, no dialog opens, and the page is served
//     with a strict Content-Security-Policy and no inline script.
//   - TestPersonaScreenshot: fills a persona board with example content and
//     takes the full-page screenshot shown in the README.
//
// # Running them
//
//	go test ./e2e/                       # or: go test -race -count=1 ./e2e/
//	UPDATE_SCREENSHOTS=1 go test -run TestPersonaScreenshot ./e2e/
//
// The second line also rewrites docs/screenshots/persona-board.png; without
// UPDATE_SCREENSHOTS=1 the test only checks that the screenshot is a PNG.
//
// The tests need a Chromium binary. They use $CHROMIUM when it is set, else
// the first of chromium and chromium-browser on PATH; on Debian the package
// is "chromium" (`make deps` installs it). Without a browser the tests are
// skipped with a message that says so, except when CI=true, where a missing
// browser is a failure. Chromium runs headless with a fresh profile in a
// temporary directory and with its background networking, component updates
// and sync turned off, so a test run makes no request beyond the loopback
// server under test. (Debian's /usr/bin/chromium is a launcher script that
// adds the distribution's own default switches from /etc/chromium.d.)
//
// Each test starts its own Chromium and its own server, one test at a time;
// every person on a board is a tab in a separate browser context, so people
// share no storage. Waits poll the page until a condition holds; the long
// limit on them only stops a hung test. Chromium, its helper processes and
// any partnerboard process a test started are gone when the test ends, pass
// or fail. The package takes about a minute and a half with -race on an
// otherwise idle two-core machine.
//
// # Why chromedp
//
// The one dependency these tests add is github.com/chromedp/chromedp, a Go
// client of the Chrome DevTools Protocol. It drives a Chromium that is
// already installed (through a pipe, so no debugging port is opened), is
// plain Go with no driver program and nothing downloaded at run time, and is
// actively maintained. We do not use its default launch flags: the tests
// pass their own short, fixed list (see browserFlags) so that nothing in
// the browser calls out to the network.
package e2e
