package server_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
)

// The minutes of a meeting board made through the API and filled over a
// socket are board.Minutes of it: the golden file of the board package,
// with today's date.
func TestExportMinutes(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{})
	p := newPerson(t, env.URL)
	var info struct{ ID, Title, Template string }
	body := map[string]any{"title": "Drop-in steering group", "template": "meeting",
		"partners": []board.Partner{{Name: "Riverside Housing Trust", Tier: "lead"}}}
	if status := p.call("POST", "/api/boards", body, &info); status != http.StatusCreated || info.Template != "meeting" {
		t.Fatalf("create a meeting board: %d %+v", status, info)
	}
	raw, err := os.ReadFile("../board/testdata/meeting-fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := board.DecodeOps(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := testenv.Dial(t, client.Options{URL: env.URL, Board: info.ID, Name: "Jo"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Send(ctx, ops); err != nil {
		t.Fatal(err)
	}

	res, err := p.http.Get(env.URL + "/api/boards/" + info.ID + "/export?format=minutes")
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("minutes: %d %s", res.StatusCode, got)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/markdown; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="drop-in-steering-group-minutes.md"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	want, err := os.ReadFile("../board/testdata/golden/meeting-minutes.md")
	if err != nil {
		t.Fatal(err)
	}
	written := regexp.MustCompile(`Written up from the board on \d{4}-\d{2}-\d{2}\.`)
	if !written.Match(got) {
		t.Fatalf("the minutes do not say when they were written up:\n%s", got)
	}
	norm := written.ReplaceAllString(string(got), "Written up from the board on 2026-12-08.")
	if norm != string(want) {
		t.Errorf("the minutes differ from board/testdata/golden/meeting-minutes.md:\n%s", got)
	}

	// An unknown format names the ones there are, minutes among them.
	res, err = p.http.Get(env.URL + "/api/boards/" + info.ID + "/export?format=doc")
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, res); res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "minutes") {
		t.Errorf("format=doc: %d %s", res.StatusCode, b)
	}
}

func readAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
