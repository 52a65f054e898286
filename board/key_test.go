package board

import (
	"errors"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want bool
	}{
		{"", false},
		{"V", true},
		{"1", true},
		{"0", false},
		{"a0", false},
		{"0a", true},
		{"zz", true},
		{"a-b", false},
		{"a b", false},
		{"é", false},
		{strings.Repeat("z", MaxKeyBytes), true},
		{strings.Repeat("z", MaxKeyBytes+1), false},
	}
	for _, tt := range tests {
		if got := ValidKey(tt.key); got != tt.want {
			t.Errorf("ValidKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestKeyBetween(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want string
	}{
		{"", "", "V"},
		{"V", "", "W"},
		{"z", "", "zV"},
		{"zz", "", "zzV"},
		{"", "V", "U"},
		{"", "2", "1"},
		{"", "1", "0z"},
		{"", "1V", "1"},
		{"", "01", "00z"},
		{"1", "z", "V"},
		{"V", "W", "VV"},
		{"V", "X", "W"},
		{"V", "W1", "W"},
		{"V", "V1", "V0V"},
		{"a", "a00001", "a00000V"},
		{"Vz", "W", "VzV"},
	}
	for _, tt := range tests {
		got, err := KeyBetween(tt.a, tt.b)
		if err != nil {
			t.Errorf("KeyBetween(%q, %q): %v", tt.a, tt.b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("KeyBetween(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
		checkBetween(t, tt.a, got, tt.b)
	}
}

// checkBetween asserts a < k < b (with "" meaning open) and that k is valid.
func checkBetween(t *testing.T, a, k, b string) {
	t.Helper()
	if !ValidKey(k) {
		t.Fatalf("key %q (between %q and %q) is not valid", k, a, b)
	}
	if a != "" && !(a < k) {
		t.Fatalf("key %q is not after %q", k, a)
	}
	if b != "" && !(k < b) {
		t.Fatalf("key %q is not before %q", k, b)
	}
}

func TestKeyBetweenErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("z", MaxKeyBytes)
	tests := []struct {
		name string
		a, b string
		code string
	}{
		{"equal", "V", "V", CodeBadValue},
		{"reversed", "W", "V", CodeBadValue},
		{"bad a", "a0", "", CodeBadValue},
		{"bad b", "", "!", CodeBadValue},
		{"a too long", long + "z", "", CodeBadValue},
		{"exhausted after", long, "", CodeTooLong},
		{"exhausted gap", strings.Repeat("0", MaxKeyBytes-1) + "1", strings.Repeat("0", MaxKeyBytes-1) + "2", CodeTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := KeyBetween(tt.a, tt.b)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("KeyBetween(%q, %q) = %q, %v; want *Error", tt.a, tt.b, k, err)
			}
			if got, want := e.Code, tt.code; got != want {
				t.Errorf("code = %q, want %q (%v)", got, want, err)
			}
		})
	}
}

func TestKeyRandomInsertions(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(1))
	keys := []string{}
	for range 5000 {
		i := rng.Intn(len(keys) + 1) // insert before keys[i]
		a, b := "", ""
		if i > 0 {
			a = keys[i-1]
		}
		if i < len(keys) {
			b = keys[i]
		}
		k, err := KeyBetween(a, b)
		if err != nil {
			t.Fatalf("KeyBetween(%q, %q): %v", a, b, err)
		}
		checkBetween(t, a, k, b)
		keys = slices.Insert(keys, i, k)
	}
	if !slices.IsSorted(keys) {
		t.Fatal("keys are not sorted after random insertions")
	}
	for i := 1; i < len(keys); i++ {
		if keys[i-1] == keys[i] {
			t.Fatalf("duplicate key %q", keys[i])
		}
	}
	if longest := maxLen(keys); longest > 12 {
		t.Errorf("longest key after 5000 random insertions has %d bytes, want <= 12", longest)
	}
}

func TestKeyAppendPrepend(t *testing.T) {
	t.Parallel()
	last, first := "", ""
	keys := []string{}
	for range 1000 {
		k, err := KeyBetween(last, "")
		if err != nil {
			t.Fatalf("append after %q: %v", last, err)
		}
		checkBetween(t, last, k, "")
		last = k
		keys = append(keys, k)
	}
	if first = keys[0]; first != "V" {
		t.Fatalf("first key = %q, want V", first)
	}
	for range 1000 {
		k, err := KeyBetween("", first)
		if err != nil {
			t.Fatalf("prepend before %q: %v", first, err)
		}
		checkBetween(t, "", k, first)
		first = k
		keys = append(keys, k)
	}
	if got := maxLen(keys); got >= MaxKeyBytes || got > 40 {
		t.Errorf("longest key after 1000 appends and prepends has %d bytes, want <= 40", got)
	}
}

func TestKeyRepeatedSameGap(t *testing.T) {
	t.Parallel()
	// Inserting again and again right after one key is the worst case for
	// bisection; it must keep working until the gap is exhausted, and then
	// fail cleanly rather than produce an invalid key.
	a, b := "V", "W"
	for i := 0; ; i++ {
		k, err := KeyBetween(a, b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeTooLong {
				t.Fatalf("after %d inserts: %v, want too_long", i, err)
			}
			if i < 300 {
				t.Fatalf("gap exhausted after only %d inserts", i)
			}
			return
		}
		checkBetween(t, a, k, b)
		b = k
	}
}

func TestKeysBetween(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		n    int
	}{
		{"", "", 0},
		{"", "", 1},
		{"", "", 10},
		{"V", "W", 100},
		{"", "1", 50},
		{"z", "", 200},
		{"a", "b", 1000},
	}
	for _, tt := range tests {
		keys, err := KeysBetween(tt.a, tt.b, tt.n)
		if err != nil {
			t.Errorf("KeysBetween(%q, %q, %d): %v", tt.a, tt.b, tt.n, err)
			continue
		}
		if got, want := len(keys), tt.n; got != want {
			t.Errorf("KeysBetween(%q, %q, %d) gave %d keys", tt.a, tt.b, tt.n, got)
		}
		for i, k := range keys {
			checkBetween(t, tt.a, k, tt.b)
			if i > 0 && !(keys[i-1] < k) {
				t.Errorf("KeysBetween(%q, %q, %d): keys %q, %q not increasing", tt.a, tt.b, tt.n, keys[i-1], k)
			}
		}
		if got := maxLen(keys); got > len(tt.a)+len(tt.b)+4 {
			t.Errorf("KeysBetween(%q, %q, %d): longest key has %d bytes; not spread evenly", tt.a, tt.b, tt.n, got)
		}
	}
	for _, n := range []int{-1, MaxObjects + 1} {
		if _, err := KeysBetween("", "", n); err == nil {
			t.Errorf("KeysBetween with n = %d succeeded, want error", n)
		}
	}
	if _, err := KeysBetween("W", "V", 0); err == nil {
		t.Error("KeysBetween with reversed bounds and n = 0 succeeded, want error")
	}
}

func TestLess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ka, ia, kb, ib string
		want           bool
	}{
		{"a", "z", "b", "a", true},
		{"b", "a", "a", "z", false},
		{"a", "x", "a", "y", true},
		{"a", "y", "a", "x", false},
		{"a", "x", "a", "x", false},
	}
	for _, tt := range tests {
		if got := Less(tt.ka, tt.ia, tt.kb, tt.ib); got != tt.want {
			t.Errorf("Less(%q, %q, %q, %q) = %v, want %v", tt.ka, tt.ia, tt.kb, tt.ib, got, tt.want)
		}
	}
}

func maxLen(keys []string) int {
	n := 0
	for _, k := range keys {
		n = max(n, len(k))
	}
	return n
}
