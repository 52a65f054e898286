package board

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorDir holds the conformance vectors shared with other implementations
// of the model; testdata/vectors/README.md describes the format.
const vectorDir = "../testdata/vectors"

type vector struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Batches     []json.RawMessage `json:"batches"`
	State       json.RawMessage   `json:"state"`
	Reject      []rejectCase      `json:"reject"`
}

// rejectCase gives a batch in one of three ways: batch (a JSON value), raw
// (exact bytes) or repeat copies of op.
type rejectCase struct {
	Batch  json.RawMessage `json:"batch"`
	Raw    *string         `json:"raw"`
	Repeat int             `json:"repeat"`
	Op     json.RawMessage `json:"op"`
	Code   string          `json:"code"`
}

// input builds the batch bytes of the case.
func (c rejectCase) input(t *testing.T) []byte {
	t.Helper()
	forms := 0
	var b []byte
	if c.Batch != nil {
		forms++
		b = c.Batch
	}
	if c.Raw != nil {
		forms++
		b = []byte(*c.Raw)
	}
	if c.Repeat > 0 || c.Op != nil {
		forms++
		if c.Repeat <= 0 || c.Op == nil {
			t.Fatal("repeat and op must be given together")
		}
		copies := make([]string, c.Repeat)
		for i := range copies {
			copies[i] = string(c.Op)
		}
		b = []byte("[" + strings.Join(copies, ",") + "]")
	}
	if forms != 1 {
		t.Fatalf("case must have exactly one of batch, raw, repeat+op; has %d", forms)
	}
	return b
}

func TestVectors(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("found %d vector files in %s, want at least 12", len(files), vectorDir)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields() // catch typos in vector files
			var v vector
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("reading vector: %v", err)
			}
			if v.Name == "" || v.Description == "" {
				t.Error("vector lacks a name or description")
			}
			apply := v.Batches != nil || v.State != nil
			if apply == (v.Reject != nil) {
				t.Fatal("vector must have either batches and state, or reject")
			}
			if apply {
				runApplyVector(t, v)
			} else {
				runRejectVector(t, v)
			}
		})
	}
}

func runApplyVector(t *testing.T, v vector) {
	if len(v.Batches) == 0 || v.State == nil {
		t.Fatal("apply vector needs batches and state")
	}
	s := NewState()
	for i, raw := range v.Batches {
		ops, err := DecodeOps(raw)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		s.Apply(ops)
	}
	got, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var want State
	if err := want.UnmarshalJSON(v.State); err != nil {
		t.Fatalf("expected state is not a valid state: %v", err)
	}
	wantJSON, err := want.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, wantJSON) {
		t.Errorf("state after %d batches:\n got %s\nwant %s", len(v.Batches), got, wantJSON)
	}
	if !s.Equal(&want) {
		t.Error("state is not Equal to the expected state")
	}
}

func runRejectVector(t *testing.T, v vector) {
	if len(v.Reject) == 0 {
		t.Fatal("reject vector has no cases")
	}
	for i, c := range v.Reject {
		in := c.input(t)
		ops, err := DecodeOps(in)
		if err == nil {
			t.Errorf("case %d: DecodeOps(%.80s) accepted %d ops, want %s", i, in, len(ops), c.Code)
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("case %d: error %v is not *Error", i, err)
			continue
		}
		if got, want := e.Code, c.Code; got != want {
			t.Errorf("case %d: DecodeOps(%.80s) code = %s, want %s (%v)", i, in, got, want, err)
		}
	}
}
