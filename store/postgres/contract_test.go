package postgres

import (
	"testing"

	"partnerboard/store/storetest"
)

// The cluster store meets the same contract as the embedded one, each
// subtest on a database of its own.
func TestContract(t *testing.T) {
	storetest.Run(t, func(tb testing.TB) storetest.Store {
		s, _ := tempStore(tb, Options{})
		return s
	}, storetest.Errors{Closed: ErrClosed, Exists: ErrExists})
}

// And the workshop half of it.
func TestWorkshopContract(t *testing.T) {
	storetest.RunWorkshops(t, func(tb testing.TB) storetest.WorkshopStore {
		s, _ := tempStore(tb, Options{})
		return s
	})
}
