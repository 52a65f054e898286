package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/hub"
	"partnerboard/workshop"
)

// WorkshopStore is what both stores keep for workshops: the workshops and
// their links, snapshots of boards and dot votes, next to the boards.
type WorkshopStore interface {
	hub.Store
	workshop.Repository
	workshop.Snapshots
	workshop.Votes
}

// RunWorkshops runs the workshop half of the contract. open must return a
// new, empty store, closed when tb ends.
func RunWorkshops(t *testing.T, open func(tb testing.TB) WorkshopStore) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s WorkshopStore)
	}{
		{"WorkshopsAndTheirBoards", workshopsAndTheirBoards},
		{"Links", links},
		{"Snapshots", snapshots},
		{"Votes", votes},
		{"VoteLimitUnderConcurrency", voteLimitUnderConcurrency},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func sampleWorkshop(id string) workshop.Workshop {
	return workshop.Workshop{ID: id, Title: "Young people 16–25", Template: board.TemplatePersona, Plenary: id + "-pl",
		Groups:   []workshop.Group{{ID: "g1", Name: "Group 1", Board: id + "-b1"}, {ID: "g2", Name: "Group 2", Board: id + "-b2"}},
		Partners: []board.Partner{{Name: "Housing Trust", Tier: "lead"}, {Name: "Youth club", Tier: "wider"}}, Created: 1}
}

func workshopsAndTheirBoards(t *testing.T, s WorkshopStore) {
	ctx := context.Background()
	w := sampleWorkshop("ws1")
	if err := s.CreateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWorkshop(ctx, w); err == nil {
		t.Fatal("a workshop id was stored twice")
	}
	for _, b := range []string{"ws1-b1", "ws1-b2", "ws1-pl"} {
		got, err := s.WorkshopOfBoard(ctx, b)
		if err != nil || got.ID != "ws1" || len(got.Groups) != 2 || got.Partners[1].Name != "Youth club" {
			t.Fatalf("WorkshopOfBoard(%s) = %+v, %v", b, got, err)
		}
	}
	if _, err := s.WorkshopOfBoard(ctx, "elsewhere"); !errors.Is(err, workshop.ErrNotFound) {
		t.Fatalf("a board of no workshop: %v, want ErrNotFound", err)
	}
	if _, err := s.Workshop(ctx, "nope"); !errors.Is(err, workshop.ErrNotFound) {
		t.Fatalf("an unknown workshop: %v, want ErrNotFound", err)
	}
	w.Locked = []string{"ws1-b1"}
	w.PlenaryOpen = true
	w.Moves = map[string]string{"link/client": "g2"}
	w.Message = &workshop.Broadcast{Text: "Ten minutes more", At: 5}
	w.TimerEnds = 99
	if err := s.UpdateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}
	back, err := s.Workshop(ctx, "ws1")
	if err != nil || !back.IsLocked("ws1-b1") || back.IsLocked("ws1-b2") || !back.PlenaryOpen ||
		back.Moves["link/client"] != "g2" || back.Message == nil || back.Message.Text != "Ten minutes more" || back.TimerEnds != 99 {
		t.Fatalf("after the update: %+v, %v", back, err)
	}
	if err := s.UpdateWorkshop(ctx, sampleWorkshop("ghost")); !errors.Is(err, workshop.ErrNotFound) {
		t.Fatalf("updating an unknown workshop: %v, want ErrNotFound", err)
	}
}

func links(t *testing.T, s WorkshopStore) {
	ctx := context.Background()
	w := sampleWorkshop("ws2")
	if err := s.CreateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1_795_000_000_000)
	for i, role := range []workshop.Role{workshop.Facilitator, workshop.Participant, workshop.Observer} {
		l, err := workshop.NewLink(&w, role, "", "", fmt.Sprintf("link%d", i+1), now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveLink(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeLink(ctx, "link2"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeLink(ctx, "link2"); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if err := s.RevokeLink(ctx, "nope"); !errors.Is(err, workshop.ErrNotFound) {
		t.Fatalf("revoking an unknown link: %v, want ErrNotFound", err)
	}
	ls, err := s.Links(ctx, "ws2")
	if err != nil || len(ls) != 3 || ls[0].ID != "link3" || ls[1].ID != "link2" || !ls[1].Revoked || ls[0].Revoked || ls[2].Revoked {
		t.Fatalf("Links, newest first = %+v, %v", ls, err)
	}
	l, err := s.Link(ctx, "link2")
	if err != nil || !l.Revoked || l.Role != workshop.Participant || l.Workshop != "ws2" || l.Expires != now.Add(time.Hour).UnixMilli() {
		t.Fatalf("Link(link2) = %+v, %v", l, err)
	}
	if _, err := s.Link(ctx, "nope"); !errors.Is(err, workshop.ErrNotFound) {
		t.Fatalf("an unknown link: %v, want ErrNotFound", err)
	}
	if ls, err := s.Links(ctx, "ws-none"); err != nil || len(ls) != 0 {
		t.Fatalf("links of an unknown workshop: %v, %v", ls, err)
	}
}

func snapshots(t *testing.T, s WorkshopStore) {
	ctx := context.Background()
	CreateBoard(t, s, "snap-board", 1)
	// Raw bytes as the hub encoded them: kept byte for byte.
	state := `{"objects":{"n1":{"kind":"note","text":"caf\u00e9 – “quoted”"}},  "v":1}`
	for i, name := range []string{"Before lunch", "After lunch", "End of day"} {
		sn := workshop.Snapshot{ID: fmt.Sprintf("s%d", i+1), Board: "snap-board", Workshop: "ws", Name: name,
			Created: 100, Seq: uint64(10 * (i + 1)), State: []byte(state)}
		if err := s.SaveSnapshot(ctx, sn); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Snapshot(ctx, "s2")
	if err != nil || got.Name != "After lunch" || got.Seq != 20 || got.Board != "snap-board" || string(got.State) != state {
		t.Fatalf("Snapshot(s2) = %+v (state %s), %v", got, got.State, err)
	}
	if _, err := s.Snapshot(ctx, "nope"); !errors.Is(err, workshop.ErrNotFound) {
		t.Fatalf("an unknown snapshot: %v, want ErrNotFound", err)
	}
	list, err := s.SnapshotsOf(ctx, "snap-board")
	if err != nil || len(list) != 3 || list[0].ID != "s3" || list[2].ID != "s1" {
		t.Fatalf("SnapshotsOf, newest first (same millisecond) = %+v, %v", list, err)
	}
	for _, sn := range list {
		if len(sn.State) != 0 {
			t.Fatalf("the listing carries the state of %s", sn.ID)
		}
	}
	if list, err := s.SnapshotsOf(ctx, "other"); err != nil || len(list) != 0 {
		t.Fatalf("snapshots of a board with none: %v, %v", list, err)
	}
}

func votes(t *testing.T, s WorkshopStore) {
	ctx := context.Background()
	cast := func(voter, item string, wantLeft int) {
		t.Helper()
		if left, err := s.CastVote(ctx, "r1", voter, "b", item, 3); err != nil || left != wantLeft {
			t.Fatalf("%s votes for %s: %d left, %v; want %d", voter, item, left, err, wantLeft)
		}
	}
	cast("amira", "x", 2)
	cast("amira", "x", 1)
	cast("amira", "y", 0)
	if _, err := s.CastVote(ctx, "r1", "amira", "b", "z", 3); !errors.Is(err, workshop.ErrNoVotesLeft) {
		t.Fatalf("a fourth dot of three: %v, want ErrNoVotesLeft", err)
	}
	cast("ben", "y", 2)
	if left, err := s.CastVote(ctx, "r2", "amira", "b", "x", 3); err != nil || left != 2 {
		t.Fatalf("another round starts afresh: %d, %v", left, err)
	}
	totals, err := s.VoteTotals(ctx, "r1")
	want := []workshop.VoteTotal{{Board: "b", Item: "x", Dots: 2}, {Board: "b", Item: "y", Dots: 2}}
	if err != nil || fmt.Sprint(totals) != fmt.Sprint(want) {
		t.Fatalf("totals = %v, %v; want %v", totals, err, want)
	}
	if left, err := s.UncastVote(ctx, "r1", "amira", "b", "x", 3); err != nil || left != 1 {
		t.Fatalf("taking back a dot: %d left, %v; want 1", left, err)
	}
	if left, err := s.UncastVote(ctx, "r1", "amira", "b", "none", 3); err != nil || left != 1 {
		t.Fatalf("taking back a dot never cast: %d left, %v; want 1", left, err)
	}
	if left, err := s.VotesLeft(ctx, "r1", "carol", 3); err != nil || left != 3 {
		t.Fatalf("VotesLeft of someone who has not voted: %d, %v", left, err)
	}
	if totals, err := s.VoteTotals(ctx, "r9"); err != nil || len(totals) != 0 {
		t.Fatalf("totals of a round nobody voted in: %v, %v", totals, err)
	}
}

// Many clicks at once by one voter never spend more than the limit.
func voteLimitUnderConcurrency(t *testing.T, s WorkshopStore) {
	const clicks, limit = 20, 3
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range clicks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.CastVote(context.Background(), "r", "amira", "b", fmt.Sprint(i%4), limit)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, workshop.ErrNoVotesLeft):
				refused.Add(1)
			default:
				t.Errorf("cast: %v", err)
			}
		}()
	}
	waitGroup(t, &wg, "the votes")
	if ok.Load() != limit || refused.Load() != clicks-limit {
		t.Fatalf("%d dots taken and %d refused of %d clicks, want %d taken", ok.Load(), refused.Load(), clicks, limit)
	}
	if left, err := s.VotesLeft(context.Background(), "r", "amira", limit); err != nil || left != 0 {
		t.Fatalf("VotesLeft = %d, %v", left, err)
	}
}
