package hub

import "sync"

// outQueue is a client's bounded outbound queue. It is a slice under a
// mutex rather than a buffered channel so that an idle connection costs a
// few words, not a preallocated buffer, while a busy one may hold a burst
// (a group commit can release hundreds of batches at once).
type outQueue struct {
	maxMsgs  int
	maxBytes int

	mu    sync.Mutex
	msgs  [][]byte
	bytes int
	ready chan struct{} // has a token while msgs is non-empty
	wake  func()        // JoinRequest.Wake, or nil
}

func newOutQueue(maxMsgs, maxBytes int, wake func()) *outQueue {
	q := &outQueue{maxMsgs: maxMsgs, maxBytes: maxBytes, wake: wake}
	if wake == nil {
		q.ready = make(chan struct{}, 1)
	}
	return q
}

// push appends msg unless that would pass a limit. It never blocks.
func (q *outQueue) push(msg []byte) bool {
	q.mu.Lock()
	if len(q.msgs) >= q.maxMsgs || q.bytes+len(msg) > q.maxBytes {
		q.mu.Unlock()
		return false
	}
	q.msgs = append(q.msgs, msg)
	q.bytes += len(msg)
	q.mu.Unlock()
	if q.wake != nil {
		q.wake()
		return true
	}
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return true
}

// take moves every queued message into dst (reset to length 0) and
// returns it; the queue keeps dst's old array for the next burst.
func (q *outQueue) take(dst [][]byte) [][]byte {
	q.mu.Lock()
	out := q.msgs
	clear(dst)
	q.msgs = dst[:0]
	q.bytes = 0
	q.mu.Unlock()
	return out
}
