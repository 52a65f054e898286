// Package redis is the clustered hub.Bus: several Partnerboard nodes share
// each board's order through Redis.
//
// One Lua script per publish checks the (client, batch) pair against the
// board's recent batches, takes the board's next sequence number, appends
// the entry to the board's stream and publishes it, in one atomic step. All
// keys of a board share one hash tag, {board}, so they live in one slot of a
// Redis Cluster. An acknowledgement is as durable as Redis is configured to
// be: with appendonly yes and appendfsync always, an acknowledged batch
// survives a Redis crash.
//
// Each node has one subscriber connection. Entries arrive by pub/sub and are
// delivered to the node's rooms strictly in sequence order: a missing
// sequence number is filled from the stream, and after every (re)subscribe
// — at start, and after Redis or the connection comes back — the node reads
// the stream from where it was, so a pub/sub message lost in an outage is
// never missed.
//
// The bus also shares presence (hub.PresenceLog): each node's users of a
// board live in Redis under a TTL the node refreshes, and joins, leaves and
// cursors travel on a presence channel per board; see presence.go.
package redis
