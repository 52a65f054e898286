package sqlite

import (
	"context"
	"fmt"
)

// Ping checks that the database answers, for readiness checks. It reads
// through the reader pool, so a busy committer does not make a node look
// unready.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}
