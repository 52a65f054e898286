package redis

import goredis "github.com/redis/go-redis/v9"

// publishScript appends batches to a board's log.
//
// KEYS: seq, stream, batches (hash "client\0batch" → seq), recent (list of
// those keys, oldest first). ARGV: channel, retain, then client, batch,
// author, ops for each batch. Returns one number per batch: its new seq, or
// minus the seq it already had (a retry).
var publishScript = goredis.NewScript(`
local seqKey, logKey, batchKey, recentKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, retain = ARGV[1], tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV, 4 do
  local client, batch, author, ops = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3]
  local key = client .. "\0" .. batch
  local old = redis.call("HGET", batchKey, key)
  if old then
    out[#out+1] = -tonumber(old)
  else
    local seq = redis.call("INCR", seqKey)
    redis.call("XADD", logKey, seq .. "-1", "c", client, "b", batch, "a", author, "o", ops)
    redis.call("HSET", batchKey, key, seq)
    redis.call("RPUSH", recentKey, key)
    while redis.call("LLEN", recentKey) > retain do
      redis.call("HDEL", batchKey, redis.call("LPOP", recentKey))
    end
    redis.call("PUBLISH", channel, '{"seq":' .. seq .. ',"client":"' .. client .. '","batch":"' .. batch ..
      '","author":' .. cjson.encode(author) .. ',"ops":' .. ops .. '}')
    out[#out+1] = seq
  end
end
return out
`)

// openScript makes sure Redis knows a board at least as far as the store
// does. KEYS as publishScript. ARGV: head seq, retain, then client, batch,
// seq of each retained entry. Returns Redis's head seq, which may be ahead
// of the store's: the stream then holds the entries in between.
var openScript = goredis.NewScript(`
local seqKey, batchKey, recentKey = KEYS[1], KEYS[3], KEYS[4]
local head, retain = tonumber(ARGV[1]), tonumber(ARGV[2])
local cur = tonumber(redis.call("GET", seqKey) or "-1")
if cur >= head then
  return cur
end
redis.call("SET", seqKey, head)
for i = 3, #ARGV, 3 do
  local key = ARGV[i] .. "\0" .. ARGV[i+1]
  if redis.call("HSETNX", batchKey, key, ARGV[i+2]) == 1 then
    redis.call("RPUSH", recentKey, key)
  end
end
while redis.call("LLEN", recentKey) > retain do
  redis.call("HDEL", batchKey, redis.call("LPOP", recentKey))
end
return head
`)

// presenceScript writes, removes or only reads this node's record and
// returns every live record of the board.
//
// KEYS: records (hash node → record JSON), deadlines (sorted set node →
// expiry, ms of Redis time). ARGV: node, record ("" reads only, "-" removes
// this node's record), ttl ms, channel, message to publish ("" for none).
// Returns Redis's time in ms, then node, expiry, record for each live record.
var presenceScript = goredis.NewScript(`
local recKey, expKey = KEYS[1], KEYS[2]
local node, rec, ttl, channel, msg = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if rec == "-" then
  redis.call("HDEL", recKey, node)
  redis.call("ZREM", expKey, node)
elseif rec ~= "" then
  redis.call("HSET", recKey, node, rec)
  redis.call("ZADD", expKey, now + ttl, node)
end
for _, n in ipairs(redis.call("ZRANGEBYSCORE", expKey, "-inf", now)) do
  redis.call("HDEL", recKey, n)
end
redis.call("ZREMRANGEBYSCORE", expKey, "-inf", now)
local out = {now}
local last = 0
local live = redis.call("ZRANGE", expKey, 0, -1, "WITHSCORES")
for i = 1, #live, 2 do
  local r = redis.call("HGET", recKey, live[i])
  if r then
    out[#out+1] = live[i]
    out[#out+1] = live[i+1]
    out[#out+1] = r
  end
  last = math.max(last, tonumber(live[i+1]))
end
if last > 0 then
  -- Nothing outlives the last live record.
  redis.call("PEXPIREAT", recKey, last)
  redis.call("PEXPIREAT", expKey, last)
end
if msg ~= "" then
  redis.call("PUBLISH", channel, msg)
end
return out
`)
