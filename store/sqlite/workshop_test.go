package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"partnerboard/board"
	"partnerboard/workshop"
)

func TestWorkshopRepository(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := t.TempDir() + "/pb.db"
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	w := workshop.Workshop{ID: "ws1", Title: "Young people 16–25", Template: board.TemplatePersona, Plenary: "pl",
		Groups:   []workshop.Group{{ID: "g1", Name: "Group 1", Board: "b1"}, {ID: "g2", Name: "Group 2", Board: "b2"}},
		Partners: []board.Partner{{Name: "Housing Trust", Tier: "lead"}}, Created: 1}
	if err := s.CreateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWorkshop(ctx, w); err == nil {
		t.Fatal("a workshop id was stored twice")
	}
	got, err := s.WorkshopOfBoard(ctx, "b2")
	if err != nil || got.ID != "ws1" || len(got.Groups) != 2 || got.Partners[0].Name != "Housing Trust" {
		t.Fatalf("WorkshopOfBoard = %+v, %v", got, err)
	}
	if _, err := s.WorkshopOfBoard(ctx, "elsewhere"); !errors.Is(err, workshop.ErrNotFound) {
		t.Fatalf("unknown board: %v", err)
	}
	got.Locked = []string{"b1"}
	got.PlenaryOpen = true
	if err := s.UpdateWorkshop(ctx, got); err != nil {
		t.Fatal(err)
	}

	now := time.UnixMilli(1_795_000_000_000)
	for i, role := range []workshop.Role{workshop.Facilitator, workshop.Observer} {
		l, err := workshop.NewLink(&got, role, "", "", "link"+string(rune('1'+i)), now, time.Hour)
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
	if err := s.RevokeLink(ctx, "nope"); !errors.Is(err, workshop.ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Everything is still there after a reopen.
	s, err = Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	back, err := s.Workshop(ctx, "ws1")
	if err != nil || !back.IsLocked("b1") || back.IsLocked("b2") || !back.PlenaryOpen {
		t.Fatalf("after reopen: %+v, %v", back, err)
	}
	links, err := s.Links(ctx, "ws1")
	if err != nil || len(links) != 2 || links[0].ID != "link2" || !links[0].Revoked || links[1].Revoked {
		t.Fatalf("links = %+v, %v", links, err)
	}
	if l, err := s.Link(ctx, "link1"); err != nil || l.Role != workshop.Facilitator || l.Expires != now.Add(time.Hour).UnixMilli() {
		t.Fatalf("link1 = %+v, %v", l, err)
	}
}
