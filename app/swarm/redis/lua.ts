// The server-side scripts: each request is one EVALSHA, one round trip.
//
// Keys of one torrent share the hash tag {<hex info_hash>} (one Cluster slot):
//   …}m   HASH: <member> → flags byte (1 seeder, 2 download counted) + peer_id;
//              "d" → downloaded; <prefix> (4 bytes of IPv4, 8 of IPv6) → peers of that /32 or /64
//   …}s4 …}l4 …}s6 …}l6   ZSETs of seeders/leechers per family: member = compact
//              address + port (6 or 18 bytes), score = last seen (unix seconds)
// All five get the same EXPIRE on every announce, so an abandoned torrent vanishes
// whole; stale peers of a live one are dropped by score whenever it is announced to.
// `<prefix>torrents` (ZSET info_hash → last announce) backs db.maxTorrents; it is the
// one key outside the torrent's slot, so it is passed only when that cap is on.

import { Script } from './script.ts';

const COMMON = `
local meta = KEYS[1]
local function prefixOf(m)
  if #m == 18 then return string.sub(m, 1, 8) end
  return string.sub(m, 1, 4)
end
-- Removed members: their meta fields and their share of the per-address counts.
local function forget(list)
  redis.call('HDEL', meta, unpack(list))
  for i = 1, #list do
    local p = prefixOf(list[i])
    if redis.call('HINCRBY', meta, p, -1) <= 0 then redis.call('HDEL', meta, p) end
  end
end
-- A torrent left without peers is gone, its downloaded count with it.
local function release(hash)
  redis.call('DEL', meta)
  if KEYS[6] then redis.call('ZREM', KEYS[6], hash) end
end
-- Lazy expiry of this torrent's stale peers (score below cutoff), bounded per call.
-- Returns the four set sizes when something was removed, else nothing.
local function expire(cutoff, hash)
  local expired = false
  for k = 2, 5 do
    local stale = redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', cutoff, 'LIMIT', 0, 256)
    if #stale > 0 then
      redis.call('ZREM', KEYS[k], unpack(stale))
      forget(stale)
      expired = true
    end
  end
  if not expired then return end
  local n2, n3 = redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])
  local n4, n5 = redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5])
  if n2 + n3 + n4 + n5 == 0 then release(hash) end
  return n2, n3, n4, n5
end
`;

/**
 * KEYS: m s4 l4 s6 l6 [torrents]
 * ARGV: member, peer_id, flags (1 seeder, 2 completed), now, ttl, numwant,
 *       maxPeersPerTorrent, maxTorrents, maxPeersPerIp, random seed, info_hash
 * Returns {code, seeders, leechers, downloaded, compact peers}; code as PutResult.
 */
export const ANNOUNCE = new Script(
  'announce',
  `${COMMON}
local member = ARGV[1]
local flags = tonumber(ARGV[3])
local seeder = flags % 2 == 1
local completed = flags >= 2
local now = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local numwant = tonumber(ARGV[6])
local maxPeers = tonumber(ARGV[7])
local maxTorrents = tonumber(ARGV[8])
local maxPerIp = tonumber(ARGV[9])
local sk, lk = KEYS[2], KEYS[3]
if #member == 18 then sk, lk = KEYS[4], KEYS[5] end

local cutoff = '(' .. (now - ttl)
local n2, n3, n4, n5 = expire(cutoff, ARGV[11])

local cur = redis.call('HGET', meta, member)
local code = 0
local counted = completed
if not cur then
  if not n2 then
    n2, n3 = redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])
    n4, n5 = redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5])
  end
  if KEYS[6] and n2 + n3 + n4 + n5 == 0 and not redis.call('ZSCORE', KEYS[6], ARGV[11]) then
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', cutoff)
    if redis.call('ZCARD', KEYS[6]) >= maxTorrents then return {1, 0, 0, 0, ''} end
  end
  local prefix = prefixOf(member)
  if maxPerIp > 0 and tonumber(redis.call('HGET', meta, prefix) or '0') >= maxPerIp then
    return {3, 0, 0, 0, ''}
  end
  local ns, nl = n2, n3
  if #member == 18 then ns, nl = n4, n5 end
  if ns + nl >= maxPeers then
    -- Full: the stalest peer of this family makes room.
    local a = redis.call('ZRANGE', sk, 0, 0, 'WITHSCORES')
    local b = redis.call('ZRANGE', lk, 0, 0, 'WITHSCORES')
    local vk, v = sk, a[1]
    if #a == 0 or (#b > 0 and tonumber(b[2]) < tonumber(a[2])) then vk, v = lk, b[1] end
    redis.call('ZREM', vk, v)
    forget({v})
    code = 2
  end
  redis.call('HINCRBY', meta, prefix, 1)
else
  local f = string.byte(cur, 1)
  local was = f % 2 == 1
  if was ~= seeder then redis.call('ZREM', was and sk or lk, member) end
  -- Counted once per peer: on completed, or when a leecher turns seeder.
  counted = f >= 2 or completed or (seeder and not was)
  if counted and f < 2 then code = -1 end
end
redis.call('ZADD', seeder and sk or lk, now, member)
local value = string.char((seeder and 1 or 0) + (counted and 2 or 0)) .. ARGV[2]
if value ~= cur then redis.call('HSET', meta, member, value) end
if counted and (not cur or code == -1) then redis.call('HINCRBY', meta, 'd', 1) end
if code == -1 then code = 0 end
if KEYS[6] then redis.call('ZADD', KEYS[6], now, ARGV[11]) end
for k = 1, 5 do redis.call('EXPIRE', KEYS[k], ttl) end

local s4, l4 = redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])
local s6, l6 = redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5])
local downloaded = tonumber(redis.call('HGET', meta, 'd') or '0')
local peers = {}
if numwant > 0 then
  if seeder then
    peers = redis.call('ZRANDMEMBER', lk, numwant)
  else
    local S, L = s4, l4 - 1
    if #member == 18 then S, L = s6, l6 - 1 end
    if S + L <= numwant then
      peers = redis.call('ZRANGE', sk, 0, -1)
      local ls = redis.call('ZRANGE', lk, 0, -1)
      for i = 1, #ls do if ls[i] ~= member then peers[#peers + 1] = ls[i] end end
    else
      -- How many of numwant come from the seeders: drawn as a uniform sample would.
      math.randomseed(tonumber(ARGV[10]))
      local a, rs, rl = 0, S, L
      for i = 1, numwant do
        if math.random() * (rs + rl) < rs then a, rs = a + 1, rs - 1 else rl = rl - 1 end
      end
      if a > 0 then peers = redis.call('ZRANDMEMBER', sk, a) end
      local b = numwant - a
      if b > 0 then
        local ls = redis.call('ZRANDMEMBER', lk, b + 1)
        local skip = math.random(#ls)
        for i = 1, #ls do if ls[i] == member then skip = i end end
        for i = 1, #ls do if i ~= skip then peers[#peers + 1] = ls[i] end end
      end
    end
  end
end
return {code, s4 + s6, l4 + l6, downloaded, table.concat(peers)}
`,
);

/**
 * KEYS: m s4 l4 s6 l6 [torrents]
 * ARGV: member, info_hash, now, ttl
 * Returns {existed, seeders, leechers, downloaded}; a stale peer no longer exists.
 */
export const REMOVE = new Script(
  'remove',
  `${COMMON}
local member = ARGV[1]
expire('(' .. (tonumber(ARGV[3]) - tonumber(ARGV[4])), ARGV[2])
local cur = redis.call('HGET', meta, member)
local existed = 0
if cur then
  local k = 3
  if #member == 18 then k = 5 end
  if string.byte(cur, 1) % 2 == 1 then k = k - 1 end
  redis.call('ZREM', KEYS[k], member)
  forget({member})
  existed = 1
end
local s4, l4 = redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])
local s6, l6 = redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5])
if existed == 1 and s4 + l4 + s6 + l6 == 0 then release(ARGV[2]) end
return {existed, s4 + s6, l4 + l6, tonumber(redis.call('HGET', meta, 'd') or '0')}
`,
);

/**
 * KEYS: five per torrent (m s4 l4 s6 l6), for up to 74 torrents
 * ARGV: cutoff (peers last seen before it are not counted)
 * Returns seeders, leechers, downloaded of each torrent, flat. Reads only.
 */
export const SCRAPE = new Script(
  'scrape',
  `
local cutoff = ARGV[1]
local out = {}
for i = 1, #KEYS, 5 do
  local s = redis.call('ZCOUNT', KEYS[i + 1], cutoff, '+inf') + redis.call('ZCOUNT', KEYS[i + 3], cutoff, '+inf')
  local l = redis.call('ZCOUNT', KEYS[i + 2], cutoff, '+inf') + redis.call('ZCOUNT', KEYS[i + 4], cutoff, '+inf')
  out[#out + 1] = s
  out[#out + 1] = l
  out[#out + 1] = tonumber(redis.call('HGET', KEYS[i], 'd') or '0')
end
return out
`,
);
