// Package static holds the browser app: no-build ES modules, styles and
// pages, embedded into the binary so one file runs Partnerboard.
package static

import "embed"

// Files is the app, served under /static/ (index.html also at / and /b/:id).
//
//go:embed *.html *.js *.css
var Files embed.FS
