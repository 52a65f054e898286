package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"partnerboard/hub"
)

var _ hub.Bus = (*Bus)(nil)

// Defaults for Options.
const (
	// DefaultRetain is how many recent batches per board Redis remembers to
	// recognise retries; it matches hub.DefaultRetainOps.
	DefaultRetain = hub.DefaultRetainOps
	// DefaultRetryFor is how long a publish keeps trying while Redis is
	// unreachable before its room gives up (and its clients reconnect).
	// Retrying is safe: the script recognises a batch it already took.
	DefaultRetryFor = 15 * time.Second
	// resyncPage is how many stream entries one read takes.
	resyncPage = 1000
)

// Options configure a Bus. Zero fields take the defaults.
type Options struct {
	Client   goredis.UniversalClient
	Retain   int
	RetryFor time.Duration
	// PresenceTTL is how long a node's users stay listed after its last
	// refresh; PresenceRefresh how often it refreshes, at most a third of
	// the TTL.
	PresenceTTL     time.Duration
	PresenceRefresh time.Duration
	Logger          *slog.Logger
}

// Bus is a node's connection to the shared board logs. It is safe for
// concurrent use. Close stops it.
type Bus struct {
	rdb      goredis.UniversalClient
	retain   int
	retryFor time.Duration
	log      *slog.Logger
	ps       *goredis.PubSub

	// node tells this node's presence from the others'; ver numbers its
	// presence records, across boards, so a board reopened on this node
	// never reuses a version.
	node            string
	ver             atomic.Uint64
	opened          atomic.Uint64 // boards opened, to number their presence records
	presenceTTL     time.Duration
	presenceRefresh time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	boards     map[string]*boardSub // by board id
	byChannel  map[string]*boardSub
	byPresence map[string]*boardSub // by presence channel
}

// New starts a bus on rdb: its subscriber goroutine runs until Close.
func New(opts Options) *Bus {
	if opts.Retain <= 0 {
		opts.Retain = DefaultRetain
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = DefaultRetryFor
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PresenceTTL <= 0 {
		opts.PresenceTTL = DefaultPresenceTTL
	}
	if opts.PresenceRefresh <= 0 {
		opts.PresenceRefresh = DefaultPresenceRefresh
	}
	opts.PresenceRefresh = min(opts.PresenceRefresh, opts.PresenceTTL/3)
	var id [8]byte
	_, _ = rand.Read(id[:])
	b := &Bus{
		rdb: opts.Client, retain: opts.Retain, retryFor: opts.RetryFor, log: opts.Logger,
		node: hex.EncodeToString(id[:]), presenceTTL: opts.PresenceTTL, presenceRefresh: opts.PresenceRefresh,
		boards: make(map[string]*boardSub), byChannel: make(map[string]*boardSub), byPresence: make(map[string]*boardSub),
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.ps = b.rdb.Subscribe(b.ctx)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.receive()
	}()
	return b
}

// Node is this node's random id; its presence records are named after it.
func (b *Bus) Node() string { return b.node }

// Close stops the subscriber and every publisher and waits for them.
func (b *Bus) Close() error {
	b.cancel()
	err := b.ps.Close()
	b.wg.Wait()
	return err
}

// keys of one board; the hash tag keeps them in one cluster slot.
type keys struct {
	seq, stream, batches, recent, channel string
	// presence: the records (hash), their deadlines (sorted set) and the
	// channel of joins, leaves and cursors; see presence.go.
	presence, presenceTTL, presenceCh string
}

func keysOf(board string) keys {
	p := "pb:{" + board + "}:"
	return keys{seq: p + "seq", stream: p + "log", batches: p + "batches", recent: p + "recent", channel: p + "ch",
		presence: p + "presence", presenceTTL: p + "presence:ttl", presenceCh: p + "presence:ch"}
}

func (k keys) list() []string { return []string{k.seq, k.stream, k.batches, k.recent} }

// boardSub is a board open on this node: its subscription, its rooms'
// handles and its publisher.
type boardSub struct {
	id   string
	keys keys
	// next is the seq to deliver next; only the subscriber goroutine
	// touches it after the board is registered.
	next    uint64
	handles map[*handle]struct{} // guarded by Bus.mu
	pres    *presence
	// presSubscribed: the presence channel's first subscription is
	// confirmed, so a further one is a resubscribe. Subscriber goroutine only.
	presSubscribed bool

	pubMu sync.Mutex
	queue []pubReq
	wake  chan struct{}
	stop  chan struct{}
}

type pubReq struct {
	entries []hub.Entry
	done    func([]hub.Published, error)
}

// Open implements hub.Bus.
func (b *Bus) Open(ctx context.Context, board string, head hub.Head, deliver func([]hub.Entry)) (hub.BoardLog, error) {
	k := keysOf(board)
	args := []any{head.Seq, b.retain}
	for _, e := range head.Entries {
		args = append(args, e.Client, e.Batch, e.Seq)
	}
	if err := openScript.Run(ctx, b.rdb, k.list(), args...).Err(); err != nil {
		return nil, fmt.Errorf("open board %s in redis: %w", board, err)
	}
	b.mu.Lock()
	if b.boards[board] != nil {
		// The hub opens a board once per process; a second room would
		// have to start where the first one is now.
		b.mu.Unlock()
		return nil, fmt.Errorf("open board %s: it is already open on this node", board)
	}
	bs := b.boards[board]
	fresh := bs == nil
	if fresh {
		bs = &boardSub{id: board, keys: k, next: head.Seq + 1, handles: make(map[*handle]struct{}),
			wake: make(chan struct{}, 1), stop: make(chan struct{})}
		bs.pres = newPresence(b, bs)
		b.boards[board] = bs
		b.byChannel[k.channel] = bs
		b.byPresence[k.presenceCh] = bs
		b.wg.Add(2)
		go func() {
			defer b.wg.Done()
			b.publisher(bs)
		}()
		go func() {
			defer b.wg.Done()
			bs.pres.loop()
		}()
	}
	h := &handle{b: b, bs: bs, deliver: deliver}
	bs.handles[h] = struct{}{}
	b.mu.Unlock()
	if fresh {
		// The subscription's confirmation makes the subscriber read the
		// stream from head.Seq+1: nothing published in between is missed.
		if err := b.ps.Subscribe(ctx, k.channel, k.presenceCh); err != nil {
			_ = h.Close()
			return nil, fmt.Errorf("subscribe to board %s: %w", board, err)
		}
	}
	return h, nil
}

// handle is one room's view of a board.
type handle struct {
	b       *Bus
	bs      *boardSub
	deliver func([]hub.Entry)
	closed  bool // guarded by Bus.mu
}

// Publish implements hub.BoardLog.
func (h *handle) Publish(entries []hub.Entry, done func([]hub.Published, error)) {
	bs := h.bs
	bs.pubMu.Lock()
	bs.queue = append(bs.queue, pubReq{entries: entries, done: done})
	bs.pubMu.Unlock()
	select {
	case bs.wake <- struct{}{}:
	default:
	}
}

// Trim implements hub.BoardLog.
func (h *handle) Trim(ctx context.Context, keepFrom uint64) error {
	if keepFrom == 0 {
		return nil
	}
	return h.b.rdb.XTrimMinID(ctx, h.bs.keys.stream, strconv.FormatUint(keepFrom, 10)+"-0").Err()
}

// Close implements hub.BoardLog.
func (h *handle) Close() error {
	b, bs := h.b, h.bs
	b.mu.Lock()
	if h.closed {
		b.mu.Unlock()
		return nil
	}
	h.closed = true
	delete(bs.handles, h)
	last := len(bs.handles) == 0
	if last {
		delete(b.boards, bs.id)
		delete(b.byChannel, bs.keys.channel)
		delete(b.byPresence, bs.keys.presenceCh)
		close(bs.stop) // the presence goroutine removes this node's record
	}
	b.mu.Unlock()
	if last {
		return b.ps.Unsubscribe(context.Background(), bs.keys.channel, bs.keys.presenceCh)
	}
	return nil
}

// publisher runs the publish script for everything queued on one board,
// one script call per wake-up, so a busy board shares round trips.
func (b *Bus) publisher(bs *boardSub) {
	for {
		select {
		case <-bs.wake:
		case <-bs.stop:
			b.failQueued(bs, errors.New("board closed"))
			return
		case <-b.ctx.Done():
			b.failQueued(bs, b.ctx.Err())
			return
		}
		bs.pubMu.Lock()
		reqs := bs.queue
		bs.queue = nil
		bs.pubMu.Unlock()
		if len(reqs) == 0 {
			continue
		}
		args := []any{bs.keys.channel, b.retain}
		for _, r := range reqs {
			for _, e := range r.entries {
				args = append(args, e.Client, e.Batch, e.Author, string(e.Raw))
			}
		}
		seqs, err := b.runPublish(bs, args)
		i := 0
		for _, r := range reqs {
			if err != nil {
				r.done(nil, err)
				continue
			}
			res := make([]hub.Published, len(r.entries))
			for j := range res {
				s := seqs[i]
				i++
				if s < 0 {
					res[j] = hub.Published{Seq: uint64(-s), Dup: true}
				} else {
					res[j] = hub.Published{Seq: uint64(s)}
				}
			}
			r.done(res, nil)
		}
	}
}

func (b *Bus) failQueued(bs *boardSub, err error) {
	bs.pubMu.Lock()
	reqs := bs.queue
	bs.queue = nil
	bs.pubMu.Unlock()
	for _, r := range reqs {
		r.done(nil, err)
	}
}

// runPublish runs the script, retrying while Redis is unreachable. A retry
// after a lost reply is harmless: the script reports the batches it already
// took as repeats, with their seqs.
func (b *Bus) runPublish(bs *boardSub, args []any) ([]int64, error) {
	deadline := time.Now().Add(b.retryFor)
	retry := newBackoff(time.Second)
	for {
		seqs, err := publishScript.Run(b.ctx, b.rdb, bs.keys.list(), args...).Int64Slice()
		if err == nil {
			if len(seqs) != (len(args)-2)/4 {
				return nil, fmt.Errorf("publish to board %s: %d results for %d batches", bs.id, len(seqs), (len(args)-2)/4)
			}
			return seqs, nil
		}
		if b.ctx.Err() != nil || time.Now().After(deadline) {
			return nil, fmt.Errorf("publish to board %s: %w", bs.id, err)
		}
		b.log.Warn("redis publish failed; retrying", "board", bs.id, "err", err)
		retry.wait(b.ctx) // an ended context is seen at the top of the loop
	}
}

// receive is the subscriber goroutine: it is the only code that delivers
// entries and touches boardSub.next.
func (b *Bus) receive() {
	retry := newBackoff(2 * time.Second)
	for {
		msg, err := b.ps.Receive(b.ctx)
		if err != nil {
			if b.ctx.Err() != nil {
				return
			}
			// The next Receive reconnects and resubscribes; each
			// confirmation then triggers a resync.
			b.log.Warn("redis subscription interrupted", "err", err)
			if !retry.wait(b.ctx) {
				return
			}
			continue
		}
		retry.reset()
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				if bs := b.lookup(m.Channel); bs != nil {
					b.resync(bs)
				} else if bs := b.lookupPresence(m.Channel); bs != nil {
					if bs.presSubscribed {
						bs.pres.resubscribed()
					}
					bs.presSubscribed = true
				}
			}
		case *goredis.Message:
			bs := b.lookup(m.Channel)
			if bs == nil {
				if bs := b.lookupPresence(m.Channel); bs != nil {
					bs.pres.receive(m.Payload)
				}
				continue
			}
			var e hub.Entry
			if err := json.Unmarshal([]byte(m.Payload), &e); err != nil {
				b.log.Error("undecodable entry from redis", "board", bs.id, "err", err)
				continue
			}
			switch {
			case e.Seq < bs.next:
				// Already delivered by a resync.
			case e.Seq == bs.next:
				b.deliver(bs, []hub.Entry{e})
			default:
				// A gap: the stream has everything up to e.
				b.resync(bs)
			}
		}
	}
}

func (b *Bus) lookup(channel string) *boardSub {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byChannel[channel]
}

func (b *Bus) lookupPresence(channel string) *boardSub {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byPresence[channel]
}

func (b *Bus) deliver(bs *boardSub, entries []hub.Entry) {
	bs.next = entries[len(entries)-1].Seq + 1
	b.mu.Lock()
	hs := make([]*handle, 0, len(bs.handles))
	for h := range bs.handles {
		hs = append(hs, h)
	}
	b.mu.Unlock()
	for _, h := range hs {
		h.deliver(entries)
	}
}

// resync delivers everything in the board's stream from bs.next on.
func (b *Bus) resync(bs *boardSub) {
	for {
		start := strconv.FormatUint(bs.next, 10) + "-0"
		msgs, err := b.rdb.XRangeN(b.ctx, bs.keys.stream, start, "+", resyncPage).Result()
		if err != nil {
			// Redis is away; the resubscribe after it returns resyncs.
			b.log.Warn("redis resync failed", "board", bs.id, "err", err)
			return
		}
		if len(msgs) == 0 {
			return
		}
		entries := make([]hub.Entry, 0, len(msgs))
		for _, m := range msgs {
			e, err := entryOf(m)
			if err != nil {
				b.log.Error("undecodable stream entry", "board", bs.id, "id", m.ID, "err", err)
				return
			}
			entries = append(entries, e)
		}
		// If the stream was trimmed past bs.next the first entry is later
		// than expected; the room sees the hole and reloads from the store.
		b.deliver(bs, entries)
		if len(msgs) < resyncPage {
			return
		}
	}
}

func entryOf(m goredis.XMessage) (hub.Entry, error) {
	seqText, _, _ := strings.Cut(m.ID, "-")
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if err != nil {
		return hub.Entry{}, fmt.Errorf("stream id %q: %w", m.ID, err)
	}
	str := func(k string) string { s, _ := m.Values[k].(string); return s }
	return hub.Entry{Seq: seq, Client: str("c"), Batch: str("b"), Author: str("a"), Raw: json.RawMessage(str("o"))}, nil
}

// Head implements hub.HeadBus: the board's last seq, as the append script
// gave it out. A board Redis does not hold (never opened, or forgotten
// after compaction) answers 0: the store then has all of it.
func (b *Bus) Head(ctx context.Context, board string) (uint64, error) {
	v, err := b.rdb.Get(ctx, keysOf(board).seq).Uint64()
	if errors.Is(err, goredis.Nil) {
		return 0, nil
	}
	return v, err
}
