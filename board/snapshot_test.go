package board

import (
	"testing"
)

func TestCompareAndRestore(t *testing.T) {
	t.Parallel()
	snap := fixture(t)
	now := snap.Clone()
	now.Apply([]Op{
		{Type: OpCreate, ID: "late", Kind: KindNote, Fields: map[string]any{"text": "added after", "x": 5.0, "y": 5.0}},
		{Type: OpUpdate, ID: "p1-name", Fields: map[string]any{"text": "Jay"}},
		{Type: OpUpdate, ID: "r1", Fields: map[string]any{"jointly": nil}},
		{Type: OpDelete, ID: "c2"}, // r2 links to it
		{Type: OpDelete, ID: "partner-2"},
	})
	d := Compare(snap, now)
	if len(d.Added) != 1 || d.Added[0].ID != "late" {
		t.Fatalf("added = %v", d.Added)
	}
	if len(d.Removed) != 2 || d.Removed[0].ID != "c2" || d.Removed[1].ID != "partner-2" {
		t.Fatalf("removed = %v", d.Removed)
	}
	// ref1 pointed at partner-2, so deleting the partner detached it.
	changed := map[string][]string{}
	for _, c := range d.Changed {
		changed[c.ID] = c.Fields
	}
	if len(changed) != 3 || changed["p1-name"][0] != "text" || changed["r1"][0] != "jointly" || changed["ref1"][0] != "to" {
		t.Fatalf("changed = %v", d.Changed)
	}

	n := 0
	ops, renamed := RestoreOps(now, snap, func(old string) string { n++; return old + "-again" })
	if err := ValidateOps(ops); err != nil {
		t.Fatalf("restore ops are not valid: %v", err)
	}
	if len(renamed) != 2 || renamed["c2"] != "c2-again" || renamed["partner-2"] != "partner-2-again" {
		t.Fatalf("renamed = %v", renamed)
	}
	now.Apply(ops)
	if !SameObjects(now, Rename(snap, renamed)) {
		t.Fatalf("after restore the board is not the snapshot:\n%v", Compare(Rename(snap, renamed), now))
	}
	r2, _ := now.Get("r2")
	if got := Strs(r2, "links"); len(got) != 1 || got[0] != "c2-again" {
		t.Fatalf("the response does not link to the restored challenge: %v", got)
	}
	ref1, _ := now.Get("ref1")
	if Str(ref1, "to") != "partner-2-again" {
		t.Fatalf("the referral does not point at the restored partner: %v", ref1.Fields)
	}
	// Restoring again changes nothing.
	again, _ := RestoreOps(now, Rename(snap, renamed), func(string) string { t.Fatal("nothing should be renamed"); return "" })
	if len(again) != 0 {
		t.Fatalf("a second restore made %d ops", len(again))
	}
}
