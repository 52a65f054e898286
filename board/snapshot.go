package board

import (
	"maps"
	"reflect"
	"slices"
)

// Change is an object present in both a snapshot and now whose fields
// differ.
type Change struct {
	ID     string   `json:"id"`
	Kind   Kind     `json:"kind"`
	Fields []string `json:"fields"` // names of the fields that differ, sorted
}

// Diff says how a board now differs from a snapshot of it.
type Diff struct {
	Added   []*Object `json:"added"`   // live now, not in the snapshot
	Removed []*Object `json:"removed"` // in the snapshot, not live now
	Changed []Change  `json:"changed"`
}

// Compare lists what changed between snapshot and now, by object id.
func Compare(snapshot, now *State) Diff {
	d := Diff{Added: []*Object{}, Removed: []*Object{}, Changed: []Change{}}
	for _, o := range now.Objects() {
		if _, ok := snapshot.Get(o.ID); !ok {
			d.Added = append(d.Added, o)
		}
	}
	for _, o := range snapshot.Objects() {
		cur, ok := now.Get(o.ID)
		if !ok {
			d.Removed = append(d.Removed, o)
			continue
		}
		if fs := changedFields(o.Fields, cur.Fields); len(fs) > 0 {
			d.Changed = append(d.Changed, Change{ID: o.ID, Kind: o.Kind, Fields: fs})
		}
	}
	return d
}

func changedFields(a, b map[string]any) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || !reflect.DeepEqual(v, w) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// refFields are the fields that name other objects.
var refFields = []string{"parent", "from", "to", "links", "partners"}

// RestoreOps returns ordinary ops that bring now back to snapshot, so a
// restore syncs, shows live and undoes like any edit. Objects deleted since
// the snapshot cannot come back under their old ids (ids are never reused),
// so they are created again under newID(old), and every reference to them
// follows; renamed maps each old id to its new one. The ops may be more
// than MaxOpsPerBatch: send them in several batches, in order.
func RestoreOps(now, snapshot *State, newID func(old string) string) (ops []Op, renamed map[string]string) {
	renamed = map[string]string{}
	for _, o := range snapshot.Objects() {
		if _, ok := now.Get(o.ID); !ok {
			renamed[o.ID] = newID(o.ID)
		}
	}
	remap := func(fields map[string]any) map[string]any {
		f := maps.Clone(fields)
		for _, k := range refFields {
			switch v := f[k].(type) {
			case string:
				if n, ok := renamed[v]; ok {
					f[k] = n
				}
			case []string:
				out := make([]string, len(v))
				for i, id := range v {
					out[i] = id
					if n, ok := renamed[id]; ok {
						out[i] = n
					}
				}
				f[k] = out
			}
		}
		return f
	}
	// Creates first — plain objects before the connectors and referrals
	// that point at them — then updates, then deletes.
	var creates, links, updates, deletes []Op
	for _, o := range snapshot.Objects() {
		want := remap(o.Fields)
		if newID, ok := renamed[o.ID]; ok {
			op := Op{Type: OpCreate, ID: newID, Kind: o.Kind, Fields: want}
			if o.Kind == KindConnector || o.Kind == KindReferral {
				links = append(links, op)
			} else {
				creates = append(creates, op)
			}
			continue
		}
		cur, _ := now.Get(o.ID)
		set := map[string]any{}
		for _, k := range changedFields(want, cur.Fields) {
			if v, ok := want[k]; ok {
				set[k] = v
			} else {
				set[k] = nil
			}
		}
		if len(set) > 0 {
			updates = append(updates, Op{Type: OpUpdate, ID: o.ID, Fields: set})
		}
	}
	for _, o := range now.Objects() {
		if _, ok := snapshot.Get(o.ID); !ok {
			deletes = append(deletes, Op{Type: OpDelete, ID: o.ID})
		}
	}
	ops = slices.Concat(creates, links, updates, deletes)
	return ops, renamed
}

// Rename returns a copy of s's live objects with ids (and references)
// renamed, for comparing a restored board with its snapshot.
func Rename(s *State, renamed map[string]string) *State {
	out := NewState()
	var ops, later []Op
	for _, o := range s.Objects() {
		f := maps.Clone(o.Fields)
		for _, k := range refFields {
			switch v := f[k].(type) {
			case string:
				if n, ok := renamed[v]; ok {
					f[k] = n
				}
			case []string:
				out := slices.Clone(v)
				for i, id := range out {
					if n, ok := renamed[id]; ok {
						out[i] = n
					}
				}
				f[k] = out
			}
		}
		id := o.ID
		if n, ok := renamed[id]; ok {
			id = n
		}
		op := Op{Type: OpCreate, ID: id, Kind: o.Kind, Fields: f}
		if o.Kind == KindConnector || o.Kind == KindReferral {
			later = append(later, op)
		} else {
			ops = append(ops, op)
		}
	}
	out.Apply(append(ops, later...))
	return out
}

// SameObjects reports whether a and b hold the same live objects, ignoring
// tombstones.
func SameObjects(a, b *State) bool {
	if a.Len() != b.Len() {
		return false
	}
	for _, o := range a.Objects() {
		p, ok := b.Get(o.ID)
		if !ok || p.Kind != o.Kind || len(changedFields(o.Fields, p.Fields)) > 0 {
			return false
		}
	}
	return true
}
