package sqlite

import (
	"testing"

	"partnerboard/store/storetest"
)

// The embedded store meets the same contract as every other store.
func TestContract(t *testing.T) {
	storetest.Run(t, func(tb testing.TB) storetest.Store {
		s, _ := tempStore(tb, Options{})
		return s
	}, storetest.Errors{Closed: ErrClosed, Exists: ErrExists})
}
