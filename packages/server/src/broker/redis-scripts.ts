/**
 * The Lua scripts of `RedisBroker` (each runs atomically in Redis, so two nodes changing the same user's presence at
 * once still announce `user_join` / `user_leave` exactly once). Keys, with the broker's prefix `P`:
 *
 * - `P p:<room>`  hash  `<node>|<user>` -> that node's presence JSON (`{c, l?, n?, a?, i?, li?, s?}`: sessions, live
 *   connections, name, avatar, idle, all live ones idle, live session ids; `compact` in redis-broker.ts)
 * - `P pu:<room>` hash  `<user>` -> how many nodes have the user in the room
 * - `P pt:<room>` hash  `<user>` -> `<node>|<write id>|<j, l or nothing>`: the write that made the user's last
 *   cluster-wide change and what its node has to announce for it (see SET_PRESENCE)
 * - `P nr:<node>` set   rooms in which the node has presence (what the reaper visits when the node dies)
 * - `P nodes`     zset  node -> time of its last heartbeat (ms)
 * - `P r:<room>`  channel of the room's traffic
 */

/**
 * Sets a node's presence of a user in a room (ARGV[4] = JSON, or '' for none) and publishes it on the room's channel.
 * Returns what the node announces: 1 `user_join`, 2 `user_leave`, 0 nothing.
 *
 * A change is the first node in (join) or the last node out (leave), and is recorded in `pt` with the write's id
 * (ARGV[8], unique per node), since the node learns of it only from the reply, and a reply can be lost after the
 * write ran (the connection dropped in between):
 * - ioredis sends a write whose reply it did not get again on its next connection. That write finds itself in `pt`
 *   and answers what it answered the first time, instead of "no change" (its HSET / HDEL has nothing left to do).
 * - A write ioredis gave up on is not sent again; the node's next write of the user names it (ARGV[9]: the ids of
 *   the node's writes of the user whose replies were lost, `,1,5,`). If the last change is one of them, it is still
 *   owed: this write answers it, or, when this write undoes it (a lost join, then a leave), nothing (the two cancel
 *   out). Either way this write takes the record over, so that its own lost reply is recovered the same way.
 * KEYS: p, pu, nr, pt. ARGV: node, user, room, presence JSON or '', channel, message,
 * node-has-no-more-presence-here, write id, lost write ids.
 */
export const SET_PRESENCE = `
local field = ARGV[1] .. '|' .. ARGV[2]
local pnode, pid, pkind
local last = redis.call('HGET', KEYS[4], ARGV[2])
if last then pnode, pid, pkind = string.match(last, '^(.*)|(%d+)|(%a?)$') end
local mine = pnode == ARGV[1]
local function code(kind)
  if kind == 'j' then return 1 elseif kind == 'l' then return 2 else return 0 end
end
if mine and pid == ARGV[8] then return code(pkind) end
local changed = ''
if ARGV[4] ~= '' then
  if redis.call('HSET', KEYS[1], field, ARGV[4]) == 1 then
    redis.call('SADD', KEYS[3], ARGV[3])
    if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then changed = 'j' end
  end
else
  if redis.call('HDEL', KEYS[1], field) == 1 then
    local n = redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
    if n <= 0 then
      redis.call('HDEL', KEYS[2], ARGV[2])
      changed = 'l'
    end
  end
  if ARGV[7] == '1' then redis.call('SREM', KEYS[3], ARGV[3]) end
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
local owed = ''
if mine and pkind ~= '' and string.find(ARGV[9], ',' .. pid .. ',', 1, true) then owed = pkind end
local say = changed
if changed ~= '' and owed ~= '' then
  say = ''
elseif changed == '' then
  say = owed
end
if changed ~= '' or owed ~= '' then
  redis.call('HSET', KEYS[4], ARGV[2], ARGV[1] .. '|' .. ARGV[8] .. '|' .. say)
end
return code(say)
`;

/**
 * Forgets the record of a user's last change in a room (`pt`) once its node has heard the reply: only if it is still
 * that write's (ARGV[2]: `<node>|<write id>|<kind>`). KEYS: pt. ARGV: user, record.
 */
export const FORGET_CHANGE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

/**
 * A node's heartbeat: its score is Redis's clock (`TIME`, ms) plus ARGV[2], so the nodes' own clocks, which may
 * disagree by seconds, never decide who is dead. Returns 1 when the node was not in the set (see `heartbeat`).
 * KEYS: nodes. ARGV: node id, offset (ms).
 */
export const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
`;

/**
 * Removes the nodes whose heartbeat is more than ARGV[1] ms old by Redis's clock (`TIME`) with all their presence,
 * publishing `['d', node]` on each room's channel. Returns a flat list `room, user, room, user, …` of users no node
 * has any more: the caller (exactly one node, since this runs atomically) announces their `user_leave`.
 *
 * That list is also kept under the call's id (ARGV[3]) in `reaped` until the caller, having announced them, deletes
 * it: a reply lost with the connection would otherwise leave those leaves unsaid for good. A list older than ARGV[1]
 * ms is taken over by whichever node reaps next (its users that no node has again meanwhile).
 * KEYS: nodes. ARGV: ttl (ms), prefix, reap id.
 */
export const REAP_NODES = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local P = ARGV[2]
local out = {}
local owed = P .. 'reaped'
local stale = redis.call('HGETALL', owed)
for i = 1, #stale, 2 do
  local ok, rec = pcall(cjson.decode, stale[i + 1])
  if not ok or type(rec) ~= 'table' or type(rec[1]) ~= 'number' or rec[1] < now - ttl then
    redis.call('HDEL', owed, stale[i])
    if ok and type(rec) == 'table' then
      for j = 2, #rec - 1, 2 do
        if redis.call('HEXISTS', P .. 'pu:' .. rec[j], rec[j + 1]) == 0 then
          table.insert(out, rec[j])
          table.insert(out, rec[j + 1])
        end
      end
    end
  end
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
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
          redis.call('HDEL', P .. 'pt:' .. room, user) -- announced here: nothing is owed by anyone any more
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
if #out > 0 then
  local rec = {now}
  for _, v in ipairs(out) do table.insert(rec, v) end
  redis.call('HSET', owed, ARGV[3], cjson.encode(rec))
end
return out
`;

/**
 * Saves a session's record (JSON with its `node`) for ARGV[2] ms. ARGV[4] '1': the node claims the session (a client
 * attached it there). Otherwise the write is refused (0) while the stored record belongs to another node: the node a
 * session left must not write its stale rooms and positions over the new node's. KEYS: the session's key.
 * ARGV: record JSON, ttl (ms), node, claim.
 */
export const SAVE_SESSION = `
if ARGV[4] ~= '1' then
  local cur = redis.call('GET', KEYS[1])
  if cur then
    local ok, rec = pcall(cjson.decode, cur)
    if ok and type(rec) == 'table' and type(rec.node) == 'string' and rec.node ~= ARGV[3] then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
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
 * Removes the locks matching a filter and returns them: ARGV[1] = 'user' (held by ARGV[2], and when ARGV[3] is not
 * empty with expiresAt < ARGV[3]) or 'expired' (expiresAt <= ARGV[2]). KEYS: lock hash.
 */
export const REMOVE_LOCKS = `
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local l = cjson.decode(all[i + 1])
  local hit
  if ARGV[1] == 'user' then
    hit = l.userId == ARGV[2] and (ARGV[3] == '' or l.expiresAt < tonumber(ARGV[3]))
  else
    hit = l.expiresAt <= tonumber(ARGV[2])
  end
  if hit then
    redis.call('HDEL', KEYS[1], all[i])
    table.insert(out, all[i + 1])
  end
end
return out
`;
