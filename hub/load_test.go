package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"partnerboard/board"
	"partnerboard/hub"
)

// loadFixture is a small board with a bit of everything the canonical
// encoding cares about: escaped text, numbers, lists, ends, tombstones.
func loadFixture(t *testing.T) *board.State {
	t.Helper()
	s := board.NewState()
	ops := []board.Op{
		{Type: board.OpCreate, ID: "a", Kind: board.KindNote, Fields: map[string]any{"x": 1.5, "text": "<a & b>", "z": "V"}},
		{Type: board.OpCreate, ID: "b", Kind: board.KindPartner, Fields: map[string]any{"name": "Org", "tier": "core"}},
		{Type: board.OpCreate, ID: "c", Kind: board.KindConnector, Fields: map[string]any{"from": "a", "to": "b"}},
		{Type: board.OpCreate, ID: "d", Kind: board.KindItem, Fields: map[string]any{"links": []string{"a"}, "jointly": true}},
		{Type: board.OpDelete, ID: "gone"},
	}
	if err := board.ValidateOps(ops); err != nil {
		t.Fatal(err)
	}
	s.Apply(ops)
	return s
}

// welcomeState joins board id and returns the state its welcome carries,
// byte for byte, and the client.
func welcomeState(t *testing.T, h *hub.Hub, id string) ([]byte, *hub.Client) {
	t.Helper()
	c, err := h.Join(context.Background(), hub.JoinRequest{Board: id, ClientID: "joiner", Name: "Joiner"})
	if err != nil {
		t.Fatalf("join %s: %v", id, err)
	}
	msgs := c.Take(nil)
	if len(msgs) == 0 {
		t.Fatal("no welcome queued")
	}
	var w struct {
		T     string          `json:"t"`
		State json.RawMessage `json:"state"`
	}
	if err := json.Unmarshal(msgs[0], &w); err != nil || w.T != "welcome" {
		t.Fatalf("first message %.80s is not a welcome (%v)", msgs[0], err)
	}
	return w.State, c
}

// A cold join sends MarshalJSON's encoding of the loaded board, whether the
// stored bytes already were that encoding (and so are sent as they are) or
// not: stored bytes that differ, though they decode to the same board, are
// never passed on.
func TestColdJoinSendsCanonicalState(t *testing.T) {
	t.Parallel()
	want, err := loadFixture(t).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	loose := bytes.ReplaceAll(want, []byte(`":`), []byte(`": `))
	loose = append([]byte(" "), loose...)
	st := benchStore(t, "sqlite")
	h := benchHub(t, st, hub.Config{})
	for id, stored := range map[string][]byte{"canonical": want, "loose": loose, "reordered": reorder(t, want)} {
		raw := stored
		if err := st.CreateBoard(context.Background(), hub.BoardInfo{ID: id, Title: id, Template: "blank", Epoch: "e", Created: 1}, raw); err != nil {
			t.Fatal(err)
		}
		got, c := welcomeState(t, h, id)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: welcome state\n%s\nwant MarshalJSON's\n%s", id, got, want)
		}
		c.Leave()
	}
}

// reorder returns enc with its two top-level members (objects, deleted)
// swapped: the same board, not in canonical form.
func reorder(t *testing.T, enc []byte) []byte {
	t.Helper()
	s := string(enc)
	i := strings.Index(s, `,"deleted":`)
	if !strings.HasPrefix(s, `{"objects":`) || i < 0 {
		t.Fatalf("unexpected encoding %s", s)
	}
	return []byte(`{` + s[i+1:len(s)-1] + `,` + s[1:i] + `}`)
}

// Entries past the compacted state make the stored bytes stale: a cold join
// then sends the state with the entries applied. (A room compacts when it
// closes, so the entry is appended to the store directly, as a crash
// before compaction would leave it.)
func TestColdJoinAfterReplaySendsReplayedState(t *testing.T) {
	t.Parallel()
	s := loadFixture(t)
	stored, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	st := benchStore(t, "sqlite")
	h := benchHub(t, st, hub.Config{})
	const id = "replayed"
	if err := st.CreateBoard(context.Background(), hub.BoardInfo{ID: id, Title: id, Template: "blank", Epoch: "e", Created: 1}, stored); err != nil {
		t.Fatal(err)
	}
	ops := []board.Op{{Type: board.OpUpdate, ID: "a", Fields: map[string]any{"text": "edited"}}}
	raw, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	st.Append(id, []hub.Entry{{Seq: 1, Client: "c", Batch: "b1", Author: "A", Raw: raw}}, func(err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	s.Apply(ops)
	want, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, c := welcomeState(t, h, id)
	defer c.Leave()
	if !bytes.Equal(got, want) {
		t.Errorf("welcome state after replay\n%s\nwant\n%s", got, want)
	}
}

// A stored state that fails validation is refused with the board's typed
// decode error, whether or not it would have been canonical.
func TestColdJoinRefusesCorruptState(t *testing.T) {
	t.Parallel()
	good, err := loadFixture(t).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	st := benchStore(t, "sqlite")
	h := benchHub(t, st, hub.Config{})
	for id, stored := range map[string]string{
		"truncated":    string(good[:len(good)-1]),
		"dangling-end": strings.Replace(string(good), `"to":"b"`, `"to":"nope"`, 1),
		"bad-enum":     strings.Replace(string(good), `"tier":"core"`, `"tier":"chief"`, 1),
	} {
		if err := st.CreateBoard(context.Background(), hub.BoardInfo{ID: id, Title: id, Template: "blank", Epoch: "e", Created: 1}, []byte(stored)); err != nil {
			t.Fatal(err)
		}
		c, err := h.Join(context.Background(), hub.JoinRequest{Board: id, ClientID: "joiner", Name: "Joiner"})
		var be *board.Error
		if !errors.As(err, &be) {
			if c != nil {
				c.Leave()
			}
			t.Errorf("%s: Join = %v, want a *board.Error", id, err)
		}
	}
}
