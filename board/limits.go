package board

// Limits bound every input the package accepts. They exist so that one
// client cannot make a board too large to load, render or replay, and so that
// a JavaScript model can enforce exactly the same numbers before sending.
const (
	// MaxOpsPerBatch is the most ops one batch may hold. It bounds the work a
	// single message can cause on the server and on every peer that replays it.
	MaxOpsPerBatch = 500

	// MaxTextBytes is the longest long-form string (text, reason, prompt), in
	// bytes of UTF-8 rather than characters, because bytes are what storage
	// and the wire pay for.
	MaxTextBytes = 8192

	// MaxLabelBytes is the longest short string (label, title, name,
	// template), in bytes of UTF-8.
	MaxLabelBytes = 256

	// MaxPoints is the most (x, y) pairs in one stroke, so the points array
	// holds at most 2*MaxPoints numbers. Longer freehand lines must be split
	// by the client into several strokes.
	MaxPoints = 4000

	// MaxListLen is the most entries of an id list (links, partners).
	MaxListLen = 64

	// MaxObjects is the most live objects one board may hold. Creates beyond
	// it are dropped by Apply; tombstones do not count towards it.
	MaxObjects = 20000

	// MaxCoord bounds the absolute value of every coordinate (x, y, x2, y2 and
	// stroke points), keeping the canvas finite and numbers exactly
	// representable in both Go and JavaScript.
	MaxCoord = 1e6

	// MaxSize bounds the width and height (w, h) of an object.
	MaxSize = 1e5

	// MaxKeyBytes is the longest fractional index key (fields z and order).
	// KeyBetween fails rather than produce a longer key.
	MaxKeyBytes = 128

	// MaxIDBytes is the longest object id. Ids are chosen by clients, so the
	// bound also limits how much memory a tombstone can cost.
	MaxIDBytes = 64
)
