package board

import "testing"

func TestValidDate(t *testing.T) {
	t.Parallel()
	for d, want := range map[string]bool{
		"":                 true,
		"2026-12-07":       true,
		"2024-02-29":       true, // a leap year
		"2000-02-29":       true, // divisible by 400
		"1900-02-29":       false,
		"2026-02-29":       false,
		"2026-04-30":       true,
		"2026-04-31":       false,
		"2026-12-31":       true,
		"2026-13-01":       false,
		"2026-00-01":       false,
		"2026-01-00":       false,
		"0001-01-01":       true, // the first year the format can hold
		"0000-01-01":       false,
		"9999-12-31":       true,
		"2026-1-07":        false,
		"2026/12/07":       false,
		"2026-12-07 ":      false,
		"+026-12-07":       false,
		"2026-12-0x":       false,
		"2026-12-07T09:00": false,
	} {
		if got := ValidDate(d); got != want {
			t.Errorf("ValidDate(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestActionOwnerAtTheLimit(t *testing.T) {
	t.Parallel()
	at := make([]byte, MaxLabelBytes)
	for i := range at {
		at[i] = 'o'
	}
	ok := []Op{{Type: OpCreate, ID: "a1", Kind: KindItem, Fields: map[string]any{"owner": string(at), "due": "2026-12-07"}}}
	if err := ValidateOps(ok); err != nil {
		t.Fatalf("an owner of %d bytes was refused: %v", MaxLabelBytes, err)
	}
	over := []Op{{Type: OpCreate, ID: "a1", Kind: KindItem, Fields: map[string]any{"owner": string(at) + "o"}}}
	wantError(t, ValidateOps(over), CodeTooLong)
	bad := []Op{{Type: OpUpdate, ID: "a1", Fields: map[string]any{"due": "next week"}}}
	wantError(t, ValidateOps(bad), CodeBadValue)
}
