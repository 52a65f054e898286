package postgres

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Nodes starting at once on one database agree on one signing secret, and
// it outlives them.
func TestSigningSecretIsShared(t *testing.T) {
	t.Parallel()
	_, url := tempStore(t, Options{})
	a, b := openStore(t, url, Options{}), openStore(t, url, Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	errs := make([]error, 8)
	for i := range got {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = s.SigningSecret(ctx)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("call %d: %x, %v; first %x", i, got[i], errs[i], got[0])
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := openStore(t, url, Options{}).SigningSecret(ctx)
	if err != nil || !bytes.Equal(again, got[0]) {
		t.Fatalf("after a reopen: %x, %v", again, err)
	}
}

// The workshop lock is held by one store at a time for one workshop,
// across stores on the same database; other workshops do not wait; a wait
// given up leaks nothing.
func TestLockWorkshop(t *testing.T) {
	t.Parallel()
	_, url := tempStore(t, Options{})
	a, b := openStore(t, url, Options{}), openStore(t, url, Options{})
	ctx := context.Background()
	idle := b.pool.Stat().AcquiredConns() // the store's own, if any

	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := s.LockWorkshop(ctx, "ws1")
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(20 * time.Millisecond) // long enough for another to barge in, if it could
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d holders of one workshop's lock at once", most.Load())
	}

	unlock, err := a.LockWorkshop(ctx, "ws1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.LockWorkshop(ctx, "ws2")
	if err != nil {
		t.Fatalf("another workshop: %v", err)
	}
	other()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := b.LockWorkshop(short, "ws1"); err == nil || !errors.Is(short.Err(), context.DeadlineExceeded) {
		t.Fatalf("a wait past its deadline: %v", err)
	}
	unlock()
	// The given-up wait left no lock behind and no connection borrowed.
	again, err := b.LockWorkshop(ctx, "ws1")
	if err != nil {
		t.Fatal(err)
	}
	again()
	// (A released connection goes back to the pool in the background.)
	deadline := time.Now().Add(10 * time.Second)
	for b.pool.Stat().AcquiredConns() != idle {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections borrowed, %d before", b.pool.Stat().AcquiredConns(), idle)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
