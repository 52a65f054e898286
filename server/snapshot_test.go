package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/client"
	"partnerboard/internal/testenv"
	"partnerboard/workshop"
)

// Acceptance (workshops issue, point 3): snapshot → edits → compare lists
// exactly those changes → restore returns the board to the snapshot, a
// connected client sees it live, and the restore can be reversed by
// ordinary edits too.
func TestSnapshotCompareRestore(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Options{Server: fastClients})
	ws := createWorkshop(t, env.URL, "Snapshots")
	fac := newPerson(t, env.URL)
	fac.join(ws.Facilitator.Token)
	g1 := ws.Workshop.Groups[0].Board
	fillGroup(t, env.URL, g1, fac.cookieHeader())

	var sn workshop.Snapshot
	if s := fac.call("POST", "/api/boards/"+g1+"/snapshots", map[string]string{"name": "After the first round"}, &sn); s != http.StatusCreated || sn.ID == "" {
		t.Fatalf("save snapshot: %d %+v", s, sn)
	}
	// Names the stores cannot keep are refused kindly and save nothing;
	// PostgreSQL's text columns would refuse a NUL with a server error.
	for _, name := range []string{"", "  ", strings.Repeat("n", workshop.MaxSnapshotNameBytes+1), "Round\x00two"} {
		var e struct{ Code, Message string }
		if s := fac.call("POST", "/api/boards/"+g1+"/snapshots", map[string]string{"name": name}, &e); s != http.StatusBadRequest || e.Code != "bad_name" || e.Message == "" {
			t.Errorf("save snapshot named %.20q: %d %+v, want 400 bad_name with a message", name, s, e)
		}
	}
	var listed []workshop.Snapshot
	if s := fac.call("GET", "/api/boards/"+g1+"/snapshots", nil, &listed); s != http.StatusOK || len(listed) != 1 {
		t.Errorf("after refused names the board lists %d snapshots (status %d), want 1", len(listed), s)
	}
	if s := fac.call("POST", "/api/boards/"+g1+"/snapshots", map[string]string{"name": strings.Repeat("n", workshop.MaxSnapshotNameBytes)}, nil); s != http.StatusCreated {
		t.Errorf("save snapshot with a name of exactly %d bytes: %d, want 201", workshop.MaxSnapshotNameBytes, s)
	}

	editor := testenv.Dial(t, client.Options{URL: env.URL, Board: g1, Name: "Facilitator", Header: fac.cookieHeader()})
	watcher := testenv.Dial(t, client.Options{URL: env.URL, Board: g1, Name: "Watcher", Header: fac.cookieHeader()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	before := editor.State()
	if _, err := editor.Send(ctx, []board.Op{
		testenv.Note("late", "added after the snapshot", 10, 10),
		{Type: board.OpUpdate, ID: "p1-name", Fields: map[string]any{"text": "Jay"}},
		{Type: board.OpDelete, ID: "c2"},
	}); err != nil {
		t.Fatal(err)
	}

	var raw json.RawMessage
	if s := fac.call("GET", "/api/snapshots/"+sn.ID+"/compare", nil, &raw); s != http.StatusOK {
		t.Fatalf("compare: %d", s)
	}
	var shape struct {
		Added   []struct{ ID string } `json:"added"`
		Removed []struct{ ID string } `json:"removed"`
		Changed []board.Change        `json:"changed"`
	}
	_ = json.Unmarshal(raw, &shape)
	if len(shape.Added) != 1 || shape.Added[0].ID != "late" || len(shape.Removed) != 1 || shape.Removed[0].ID != "c2" ||
		len(shape.Changed) != 1 || shape.Changed[0].ID != "p1-name" || shape.Changed[0].Fields[0] != "text" {
		t.Fatalf("compare = %s", raw)
	}

	// The snapshot exports as it was, not as the board is now.
	var exported json.RawMessage
	if s := fac.call("GET", "/api/snapshots/"+sn.ID+"/export?format=json", nil, &exported); s != http.StatusOK {
		t.Fatalf("export the snapshot: %d", s)
	}
	title, _, was, err := board.ImportJSON(exported)
	if err != nil || !board.SameObjects(was, before) {
		t.Fatalf("the snapshot's export is not the board at the snapshot: %v", err)
	}
	if !strings.HasSuffix(title, "After the first round") {
		t.Errorf("the snapshot's export is titled %q; want the snapshot's name in it", title)
	}
	if s := fac.call("GET", "/api/snapshots/"+sn.ID+"/export?format=pdf", nil, nil); s != http.StatusBadRequest {
		t.Errorf("export in an unknown format: %d, want 400", s)
	}

	var restore struct {
		Ops     json.RawMessage   `json:"ops"`
		Renamed map[string]string `json:"renamed"`
	}
	if s := fac.call("GET", "/api/snapshots/"+sn.ID+"/restore", nil, &restore); s != http.StatusOK {
		t.Fatalf("restore: %d", s)
	}
	ops, err := board.DecodeOps(restore.Ops)
	if err != nil {
		t.Fatalf("restore ops do not validate: %v", err)
	}
	preRestore := editor.State()
	if _, err := editor.Send(ctx, ops); err != nil {
		t.Fatal(err)
	}
	want := board.Rename(before, restore.Renamed)
	testenv.WaitFor(t, "the watcher to see the restore", func() bool { return board.SameObjects(watcher.State(), want) })
	var now struct {
		State json.RawMessage `json:"state"`
	}
	fac.call("GET", "/api/boards/"+g1, nil, &now)
	server := board.NewState()
	if err := server.UnmarshalJSON(now.State); err != nil || !board.SameObjects(server, want) {
		t.Fatalf("the server's board is not the snapshot after restore: %v", err)
	}

	// The restore is ordinary edits, so it can be reversed the same way.
	back, _ := board.RestoreOps(editor.State(), preRestore, func(old string) string { return old + "-undo" })
	if _, err := editor.Send(ctx, back); err != nil {
		t.Fatal(err)
	}
	got := editor.State()
	if o, ok := got.Get("p1-name"); !ok || o.Fields["text"] != "Jay" {
		t.Fatalf("reversing the restore did not bring back the later edit: %v", o)
	}

	// Observers may look at snapshots but not restore them.
	var obsLink issued
	fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/links", map[string]any{"role": "observer"}, &obsLink)
	obs := newPerson(t, env.URL)
	obs.join(obsLink.Token)
	if s := obs.call("GET", "/api/snapshots/"+sn.ID, nil, nil); s != http.StatusOK {
		t.Fatalf("observer opening a snapshot: %d", s)
	}
	if s := obs.call("GET", "/api/snapshots/"+sn.ID+"/restore", nil, nil); s != http.StatusForbidden {
		t.Fatalf("observer restoring: %d, want 403", s)
	}
	if s := obs.call("POST", "/api/boards/"+g1+"/snapshots", map[string]string{"name": "x"}, nil); s != http.StatusForbidden {
		t.Fatalf("observer saving a snapshot: %d, want 403", s)
	}
	var all []workshop.Snapshot
	if s := fac.call("POST", "/api/workshops/"+ws.Workshop.ID+"/snapshots", map[string]string{"name": "End of the day"}, &all); s != http.StatusCreated || len(all) != 3 {
		t.Fatalf("workshop snapshot: %d, %d boards", s, len(all))
	}
}
