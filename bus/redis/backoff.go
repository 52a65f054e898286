package redis

import (
	"context"
	"time"
)

// firstBackoff is the first wait before trying Redis again.
const firstBackoff = 50 * time.Millisecond

// backoff is the wait between attempts to reach Redis: it doubles from
// firstBackoff up to its ceiling, and starts over after a success, so a
// short blip costs little and a long outage does not hammer Redis.
type backoff struct {
	next, ceiling time.Duration
}

func newBackoff(ceiling time.Duration) backoff {
	return backoff{next: firstBackoff, ceiling: ceiling}
}

// wait sleeps for the current wait and doubles it; false means ctx ended
// first.
func (b *backoff) wait(ctx context.Context) bool {
	t := time.NewTimer(b.next)
	defer t.Stop()
	b.next = min(2*b.next, b.ceiling)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// reset starts over after a success.
func (b *backoff) reset() { b.next = firstBackoff }
