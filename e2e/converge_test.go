package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"partnerboard/board"
)

// waitConverged waits until every page has nothing unconfirmed and holds
// exactly the board the server holds, and returns that board. On timeout it
// fails with what differs.
func waitConverged(tb testing.TB, base, id string, pages ...*Page) *board.State {
	tb.Helper()
	for _, p := range pages {
		p.WaitSaved()
	}
	deadline := time.Now().Add(patience)
	for {
		srv := serverState(tb, base, id)
		want := stateJSON(tb, srv)
		var diffs []string
		for _, p := range pages {
			if got := p.State(); stateJSON(tb, got) != want {
				diffs = append(diffs, fmt.Sprintf("%s's page differs from the server:\n%s", p.Name, diffStates(got, srv)))
			}
		}
		if len(diffs) == 0 {
			return srv
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the pages never agreed with the server:\n%s", strings.Join(diffs, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// diffStates describes, object by object, how got differs from want.
func diffStates(got, want *board.State) string {
	var out []string
	index := func(s *board.State) map[string]*board.Object {
		m := map[string]*board.Object{}
		for _, o := range s.Objects() {
			m[o.ID] = o
		}
		return m
	}
	g, w := index(got), index(want)
	var ids []string
	for id := range g {
		ids = append(ids, id)
	}
	for id := range w {
		if _, ok := g[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		og, ow := g[id], w[id]
		switch {
		case og == nil:
			out = append(out, "  missing "+objString(ow))
		case ow == nil:
			out = append(out, "  extra   "+objString(og))
		case objString(og) != objString(ow):
			out = append(out, "  page    "+objString(og), "  server  "+objString(ow))
		}
	}
	if len(out) > 20 {
		out = append(out[:20], fmt.Sprintf("  … and %d more lines", len(out)-20))
	}
	if len(out) == 0 {
		out = append(out, "  (the live objects agree; the tombstones differ)")
	}
	return strings.Join(out, "\n")
}

func objString(o *board.Object) string {
	b, _ := json.Marshal(o)
	return string(b)
}

// text is the text field of object id, or "" when it has none.
func text(s *board.State, id string) string {
	if o, ok := s.Get(id); ok {
		if t, ok := o.Fields["text"].(string); ok {
			return t
		}
	}
	return ""
}

// childrenOf lists the objects of kind whose parent is parent, in id order.
func childrenOf(s *board.State, parent string, kind board.Kind) []*board.Object {
	var out []*board.Object
	for _, o := range s.Objects() {
		if o.Kind == kind && o.Fields["parent"] == parent {
			out = append(out, o)
		}
	}
	return out
}

// stringsField reads a list-of-ids field such as links or partners.
func stringsField(o *board.Object, name string) []string {
	var out []string
	switch v := o.Fields[name].(type) {
	case []string:
		out = v
	case []any:
		for _, e := range v {
			s, _ := e.(string)
			out = append(out, s)
		}
	}
	return out
}
