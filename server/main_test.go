package server_test

import (
	"testing"

	"partnerboard/internal/testenv"
)

// In cluster mode (testenv.ModeEnv) the tests share a private PostgreSQL
// server, stopped when they end.
func TestMain(m *testing.M) { testenv.Main(m) }
