// The server-side scripts: each request is one EVALSHA, one round trip.
//
// Keys of one torrent share the hash tag {<hex info_hash>} (one Cluster slot):
//   …}m   HASH: <member> → flags byte (1 seeder, 2 download counted) + peer_id;
//              <prefix> (4 bytes of IPv4, 8 of IPv6) → peers of that /32 or /64;
//              "d" downloaded; "o" a time no later than any peer's last seen;
//              "x" when the keys' EXPIRE was last pushed back
//   …}s4 …}l4 …}s6 …}l6   ZSETs of seeders/leechers per family: member = compact
//              address + port (6 or 18 bytes), score = last seen (unix seconds)
// Stale peers of a torrent are removed by score when it is next announced to, once
// now - ttl has passed "o". Every key outlives its last write by at least ttl (EXPIRE
// ttl + ttl/4, pushed back once per ttl/4, and set on a key just created), so a
// torrent nobody announces to vanishes from Redis by itself, without any sweep; one
// left without peers but with completions keeps "d" in its meta until then.
// `<prefix>torrents` (ZSET info_hash → last announce, refreshed once per ttl/4) backs
// db.maxTorrents; it is the one key outside the torrent's slot, so it is passed only
// when that cap is on, and never in Redis Cluster: there the caller keeps the index
// (an extra last ARGV says so) from what the scripts append to their reply.

import { Script } from './script.ts';

const COMMON = `
local meta = KEYS[1]
local released = false
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
-- A torrent left without peers is gone, unless it has completions: then its meta stays
-- with "d" alone (a count-only record) until its EXPIRE, so scrape's downloaded holds.
local function release(hash)
  if tonumber(redis.call('HGET', meta, 'd') or '0') > 0 then
    redis.call('HDEL', meta, 'o', 'x')
  else
    redis.call('DEL', meta)
  end
  if KEYS[6] then redis.call('ZREM', KEYS[6], hash) end
  released = true
end
-- Lazy expiry, when "o" says a peer may be stale: removes peers last seen before
-- now - ttl (at most 256 per set and call), then records the stalest one left.
-- Returns whether it looked (the caller's reads of meta are then out of date).
local function expire(now, ttl, o, hash)
  local cutoff = now - ttl
  if o and tonumber(o) >= cutoff then return false end
  local oldest = nil
  for k = 2, 5 do
    local stale = redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', '(' .. cutoff, 'LIMIT', 0, 256)
    if #stale > 0 then
      redis.call('ZREM', KEYS[k], unpack(stale))
      forget(stale)
    end
    local first = redis.call('ZRANGE', KEYS[k], 0, 0, 'WITHSCORES')
    if #first > 0 and (not oldest or tonumber(first[2]) < oldest) then oldest = tonumber(first[2]) end
  end
  if oldest then redis.call('HSET', meta, 'o', oldest) else release(hash) end
  return true
end
`;

/**
 * KEYS: m s4 l4 s6 l6 [torrents]
 * ARGV: member, peer_id, flags (1 seeder, 2 completed), now, ttl, numwant,
 *       maxPeersPerTorrent, maxTorrents, maxPeersPerIp, random seed, info_hash,
 *       want (numwant before the reply's room for the own family), room for the other
 *       family, 1 to return peer ids[, cluster index: 1 when db.maxTorrents was reached]
 * Returns {code, seeders, leechers, downloaded, compact peers of the own family, then of
 * the other (up to want minus those sent, within its room), their peer ids (20 bytes each,
 * in the same order; empty unless asked)[, info_hash: the index entry wants refreshing]};
 * code as PutResult.
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

local f = redis.call('HMGET', meta, member, 'd', 'x', 'o')
if expire(now, ttl, f[4], ARGV[11]) then f = redis.call('HMGET', meta, member, 'd', 'x', 'o') end
local cur, downloaded, pushed = f[1], tonumber(f[2] or '0'), f[3]
-- No "o": the torrent has no peers yet.
local fresh = not f[4]
local quarter = math.ceil(ttl / 4)
local code = 0
local counted = completed
local bump = completed
if not cur then
  if fresh and KEYS[6] and not redis.call('ZSCORE', KEYS[6], ARGV[11]) then
    -- Scores lag the last announce by up to a quarter ttl (refreshed with the EXPIRE).
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. (now - ttl - quarter))
    if redis.call('ZCARD', KEYS[6]) >= maxTorrents then return {1, 0, 0, 0, '', '', ''} end
  elseif fresh and ARGV[15] == '1' then
    return {1, 0, 0, 0, '', '', ''}
  end
  local prefix = prefixOf(member)
  if maxPerIp > 0 and tonumber(redis.call('HGET', meta, prefix) or '0') >= maxPerIp then
    return {3, 0, 0, 0, '', '', ''}
  end
  if not fresh and redis.call('ZCARD', sk) + redis.call('ZCARD', lk) >= maxPeers then
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
  local was = string.byte(cur, 1) % 2 == 1
  if was ~= seeder then redis.call('ZREM', was and sk or lk, member) end
  -- Counted once per peer: on completed, or when a leecher turns seeder.
  counted = string.byte(cur, 1) >= 2 or completed or (seeder and not was)
  bump = counted and string.byte(cur, 1) < 2
end
if bump then
  downloaded = downloaded + 1
  redis.call('HINCRBY', meta, 'd', 1)
end
redis.call('ZADD', seeder and sk or lk, now, member)
local value = string.char((seeder and 1 or 0) + (counted and 2 or 0)) .. ARGV[2]
if value ~= cur then redis.call('HSET', meta, member, value) end
if fresh then redis.call('HSET', meta, 'o', now) end
local s4, l4 = redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])
local s6, l6 = redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5])
local index = false
if fresh or not pushed or now - tonumber(pushed) >= quarter then
  index = ARGV[15] ~= nil
  for k = 1, 5 do redis.call('EXPIRE', KEYS[k], ttl + quarter) end
  redis.call('HSET', meta, 'x', now)
  if KEYS[6] then redis.call('ZADD', KEYS[6], now, ARGV[11]) end
else
  -- A set this announce created has no EXPIRE yet.
  local mine = seeder and s4 or l4
  if #member == 18 then mine = seeder and s6 or l6 end
  if mine == 1 then redis.call('EXPIRE', seeder and sk or lk, ttl + quarter) end
end

-- Up to n of the S seeders in sk and L leechers in lk, drawn as a uniform sample would.
local function sample(sk, lk, S, L, n)
  if S + L <= n then
    local all = redis.call('ZRANGE', sk, 0, -1)
    local ls = redis.call('ZRANGE', lk, 0, -1)
    for i = 1, #ls do all[#all + 1] = ls[i] end
    return all
  end
  local a, rs, rl = 0, S, L
  for i = 1, n do
    if math.random() * (rs + rl) < rs then a, rs = a + 1, rs - 1 else rl = rl - 1 end
  end
  local got = {}
  if a > 0 then got = redis.call('ZRANDMEMBER', sk, a) end
  if n > a then
    local ls = redis.call('ZRANDMEMBER', lk, n - a)
    for i = 1, #ls do got[#got + 1] = ls[i] end
  end
  return got
end

math.randomseed(tonumber(ARGV[10]))
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
local others = {}
local more = math.min(tonumber(ARGV[13] or '0'), tonumber(ARGV[12] or '0') - #peers)
if more > 0 then
  local osk, olk, S, L = KEYS[4], KEYS[5], s6, l6
  if #member == 18 then osk, olk, S, L = KEYS[2], KEYS[3], s4, l4 end
  -- An empty family costs no call.
  if seeder then
    if L > 0 then others = redis.call('ZRANDMEMBER', olk, more) end
  elseif S + L > 0 then
    others = sample(osk, olk, S, L, more)
  end
end
local ids = ''
if ARGV[14] == '1' and #peers + #others > 0 then
  local all = {}
  for i = 1, #peers do all[i] = peers[i] end
  for i = 1, #others do all[#all + 1] = others[i] end
  local v = redis.call('HMGET', meta, unpack(all))
  for i = 1, #v do
    if v[i] then v[i] = string.sub(v[i], 2, 21) else v[i] = string.rep('\\0', 20) end
  end
  ids = table.concat(v)
end
if index then
  return {code, s4 + s6, l4 + l6, downloaded, table.concat(peers), table.concat(others), ids, ARGV[11]}
end
return {code, s4 + s6, l4 + l6, downloaded, table.concat(peers), table.concat(others), ids}
`,
);

/**
 * KEYS: m s4 l4 s6 l6 [torrents]
 * ARGV: member, info_hash, now, ttl[, 1 in cluster mode with the index]
 * Returns {existed, seeders, leechers, downloaded[, info_hash: freed, drop its index entry]};
 * a stale peer no longer exists.
 */
export const REMOVE = new Script(
  'remove',
  `${COMMON}
local member = ARGV[1]
local f = redis.call('HMGET', meta, member, 'o')
if expire(tonumber(ARGV[3]), tonumber(ARGV[4]), f[2], ARGV[2]) then f = redis.call('HMGET', meta, member, 'o') end
local cur = f[1]
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
local downloaded = tonumber(redis.call('HGET', meta, 'd') or '0')
if released and ARGV[5] then return {existed, s4 + s6, l4 + l6, downloaded, ARGV[2]} end
return {existed, s4 + s6, l4 + l6, downloaded}
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
