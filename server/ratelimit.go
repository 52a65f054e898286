package server

import (
	"sync"
	"time"
)

// bucket is a token bucket: rate tokens a second, holding at most burst.
// It is not safe for concurrent use; its owner locks if it must.
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

func newBucket(rate, burst float64, now time.Time) bucket {
	return bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

func (b *bucket) allow(now time.Time) bool {
	if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = min(b.burst, b.tokens+d*b.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// addrLimits counts connections and messages per remote address. It is
// safe for concurrent use.
type addrLimits struct {
	maxConns int
	rate     float64

	mu    sync.Mutex
	addrs map[string]*addrState
}

type addrState struct {
	conns int
	msgs  bucket
}

func newAddrLimits(maxConns int, rate float64) *addrLimits {
	return &addrLimits{maxConns: maxConns, rate: rate, addrs: make(map[string]*addrState)}
}

// acquire reserves a connection slot for ip, or reports that it has none.
func (l *addrLimits) acquire(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.addrs[ip]
	if a == nil {
		a = &addrState{msgs: newBucket(l.rate, l.rate, now)}
		l.addrs[ip] = a
	}
	if a.conns >= l.maxConns {
		return false
	}
	a.conns++
	return true
}

// release frees a slot; the address is forgotten with its last connection.
func (l *addrLimits) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.addrs[ip]; a != nil {
		if a.conns--; a.conns <= 0 {
			delete(l.addrs, ip)
		}
	}
}

// allow spends one message of ip's shared budget.
func (l *addrLimits) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.addrs[ip]
	return a == nil || a.msgs.allow(now)
}
