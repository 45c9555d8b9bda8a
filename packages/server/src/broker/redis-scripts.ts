/**
 * The Lua scripts of `RedisBroker` (each runs atomically in Redis, so two nodes changing the same user's presence at
 * once still announce `user_join` / `user_leave` exactly once). Keys, with the broker's prefix `P`:
 *
 * - `P p:<room>`  hash  `<node>|<user>` -> that node's presence JSON (`{c, n?, a?}`)
 * - `P pu:<room>` hash  `<user>` -> how many nodes have the user in the room
 * - `P nr:<node>` set   rooms in which the node has presence (what the reaper visits when the node dies)
 * - `P nodes`     zset  node -> time of its last heartbeat (ms)
 * - `P r:<room>`  channel of the room's traffic
 */

/**
 * Sets a node's presence of a user in a room (ARGV[4] = JSON, or '' for none). Returns 1 when the user's presence
 * changed cluster-wide (first node in, last node out). Publishes the change on the room's channel.
 * KEYS: p, pu, nr. ARGV: node, user, room, presence JSON or '', channel, message, node-has-no-more-presence-here.
 */
export const SET_PRESENCE = `
local field = ARGV[1] .. '|' .. ARGV[2]
local changed = 0
if ARGV[4] ~= '' then
  if redis.call('HSET', KEYS[1], field, ARGV[4]) == 1 then
    redis.call('SADD', KEYS[3], ARGV[3])
    if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then changed = 1 end
  end
else
  if redis.call('HDEL', KEYS[1], field) == 1 then
    local n = redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
    if n <= 0 then
      redis.call('HDEL', KEYS[2], ARGV[2])
      changed = 1
    end
  end
  if ARGV[7] == '1' then redis.call('SREM', KEYS[3], ARGV[3]) end
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return changed
`;

/**
 * Removes the nodes whose heartbeat is older than ARGV[1] (ms) with all their presence, publishing `['d', node]`
 * on each room's channel. Returns a flat list `room, user, room, user, …` of users no node has any more: the
 * caller (exactly one node, since this runs atomically) announces their `user_leave`.
 * KEYS: nodes. ARGV: cutoff, prefix.
 */
export const REAP_NODES = `
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local out = {}
local P = ARGV[2]
for _, node in ipairs(dead) do
  local head = node .. '|'
  for _, room in ipairs(redis.call('SMEMBERS', P .. 'nr:' .. node)) do
    local pk = P .. 'p:' .. room
    local uk = P .. 'pu:' .. room
    for _, f in ipairs(redis.call('HKEYS', pk)) do
      if string.sub(f, 1, #head) == head then
        redis.call('HDEL', pk, f)
        local user = string.sub(f, #head + 1)
        if redis.call('HINCRBY', uk, user, -1) <= 0 then
          redis.call('HDEL', uk, user)
          table.insert(out, room)
          table.insert(out, user)
        end
      end
    end
    redis.call('PUBLISH', P .. 'r:' .. room, cjson.encode({'d', node}))
  end
  redis.call('DEL', P .. 'nr:' .. node)
  redis.call('ZREM', KEYS[1], node)
end
return out
`;

/**
 * Takes or renews a zone lock unless someone else holds a live one; returns the lock JSON that holds the zone.
 * KEYS: the document's lock hash. ARGV: zone, user, now, lock JSON, key TTL ms.
 */
export const ACQUIRE_LOCK = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local l = cjson.decode(cur)
  if l.expiresAt > tonumber(ARGV[3]) and l.userId ~= ARGV[2] then return cur end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
local ttl = tonumber(ARGV[5])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return ARGV[4]
`;

/**
 * Removes a zone's lock; returns it (or nil). KEYS: lock hash. ARGV: zone, holder ('' for any: otherwise only a
 * lock that user holds is removed, so an unlock checked against a lease that ran out cannot remove its successor).
 */
export const RELEASE_LOCK = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return nil end
if ARGV[2] ~= '' and cjson.decode(cur).userId ~= ARGV[2] then return nil end
redis.call('HDEL', KEYS[1], ARGV[1])
return cur
`;

/**
 * Removes the locks matching a filter and returns them: ARGV[1] = 'user' (held by ARGV[2]) or 'expired'
 * (expiresAt <= ARGV[2]). KEYS: lock hash.
 */
export const REMOVE_LOCKS = `
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local l = cjson.decode(all[i + 1])
  local hit
  if ARGV[1] == 'user' then hit = l.userId == ARGV[2] else hit = l.expiresAt <= tonumber(ARGV[2]) end
  if hit then
    redis.call('HDEL', KEYS[1], all[i])
    table.insert(out, all[i + 1])
  end
end
return out
`;
