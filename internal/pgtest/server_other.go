//go:build !unix

package pgtest

import "errors"

// server is never started on this platform.
type server struct{ url string }

// startServer reports that a private server needs a Unix system; set
// PB_TEST_POSTGRES_URL to use an existing server instead.
func startServer() (*server, error) {
	return nil, errors.New("a private PostgreSQL for tests needs a Unix system; set " + EnvURL)
}

func (s *server) stop() error { return nil }
