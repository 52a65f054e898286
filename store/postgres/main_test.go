package postgres

import (
	"testing"

	"partnerboard/internal/pgtest"
)

// The tests share one private PostgreSQL server (unless
// PB_TEST_POSTGRES_URL names one), which this stops at the end.
func TestMain(m *testing.M) { pgtest.Main(m) }
