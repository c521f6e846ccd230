// The limit data structures on their own: the rate limiter's token buckets and bounded
// table, the exact info_hash sets, the per-(torrent, prefix) peer counter in the store.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MemoryStore } from '../../app/swarm/memory-store.ts';
import { PrefixCounter } from '../../app/swarm/prefix-counter.ts';
import { PUT_EVICTED, PUT_IP_LIMIT, PUT_OK } from '../../app/swarm/store.ts';
import { InfohashSet } from '../../app/tracker/infohash-list.ts';
import { RateLimiter } from '../../app/tracker/rate-limit.ts';
import { put, remove } from '../helpers/store-ops.ts';

function v4(a: number, b: number, c: number, d: number): Uint8Array {
  const out = new Uint8Array(16);
  out.set([a, b, c, d]);
  return out;
}

function v6(words: number[]): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = (words[i] ?? 0) >> 8;
    out[i * 2 + 1] = (words[i] ?? 0) & 0xff;
  }
  return out;
}

test('rate limiter: burst, refusal, refill at the configured rate', () => {
  let now = 1000;
  const rl = new RateLimiter({ rate: 2, burst: 4, slots: 64, now: () => now });
  const a = v4(10, 0, 0, 1);
  for (let i = 0; i < 4; i++) assert.equal(rl.take(4, a), true, `burst announce ${i}`);
  assert.equal(rl.take(4, a), false, 'fifth at once is over the burst');
  now += 499;
  assert.equal(rl.take(4, a), false, 'less than one token after 499 ms at 2/s');
  now += 2;
  assert.equal(rl.take(4, a), true, 'one token after 500 ms');
  assert.equal(rl.take(4, a), false);
  now += 60_000;
  for (let i = 0; i < 4; i++) assert.equal(rl.take(4, a), true, 'refilled to the burst, not beyond');
  assert.equal(rl.take(4, a), false);
});

test('rate limiter: IPv4 per /32, IPv6 per /64, families apart', () => {
  const now = 0;
  const rl = new RateLimiter({ rate: 1, burst: 1, slots: 64, now: () => now });
  assert.equal(rl.take(4, v4(10, 0, 0, 1)), true);
  assert.equal(rl.take(4, v4(10, 0, 0, 1)), false);
  assert.equal(rl.take(4, v4(10, 0, 0, 2)), true, 'another /32 has its own bucket');
  const p1 = v6([0x2001, 0xdb8, 1, 2, 0, 0, 0, 1]);
  const p2 = v6([0x2001, 0xdb8, 1, 2, 0xffff, 0xffff, 0xffff, 0xfffe]);
  const other = v6([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1]);
  assert.equal(rl.take(6, p1), true);
  assert.equal(rl.take(6, p2), false, 'same /64 shares the bucket');
  assert.equal(rl.take(6, other), true, 'another /64 does not');
  // An IPv6 address whose first 4 bytes equal an IPv4 key is still another bucket.
  assert.equal(rl.take(6, v6([0x0a00, 0x0001])), true);
});

test('rate limiter: fixed memory, eviction only ever lets announces through', () => {
  let now = 0;
  const rl = new RateLimiter({ rate: 1, burst: 1, slots: 1024, now: () => now });
  const bytes = rl.bytes;
  const addr = new Uint8Array(16);
  const dv = new DataView(addr.buffer);
  for (let i = 0; i < 200_000; i++) {
    now++;
    dv.setUint32(0, i);
    assert.equal(rl.take(4, addr), true, 'a new address always gets its first announce');
  }
  assert.equal(rl.size, 1024, 'the table never holds more than its slots');
  assert.equal(rl.bytes, bytes, 'no growth');
  assert.ok(rl.evictions >= 200_000 - 1024);
  // A recently seen address is still limited: the longest-idle ways were evicted first.
  dv.setUint32(0, 199_999);
  assert.equal(rl.take(4, addr), false);
});

test('rate limiter: cost per check (reported, not asserted)', () => {
  const addrs: Uint8Array[] = [];
  for (let i = 0; i < 4096; i++) addrs.push(i % 2 ? randomBytes(16) : v4(10, 1, i >> 8, i & 255));
  const n = 2_000_000;
  let fixed = 0;
  for (const [label, clock] of [
    ['with the real clock', undefined],
    ['clock excluded', () => fixed++],
  ] as const) {
    const rl = new RateLimiter({ rate: 1e9, burst: 1e9, slots: 65536, now: clock });
    let ok = 0;
    for (let i = 0; i < 200_000; i++) if (rl.take(i % 2 ? 6 : 4, addrs[i & 4095])) ok++;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (rl.take(i % 2 ? 6 : 4, addrs[i & 4095])) ok++;
    const ns = Number(process.hrtime.bigint() - t0) / n;
    console.log(`# rate limiter ${label}: ${ns.toFixed(1)} ns per check (${rl.bytes} bytes, 65536 slots)`);
    assert.equal(ok, 200_000 + n);
  }
});

test('info_hash set: exact membership, comments, blanks, duplicates, errors name the line', () => {
  const hashes = Array.from({ length: 1000 }, () => randomBytes(20));
  const text = [
    '# DMCA list',
    '',
    ...hashes.map((h, i) =>
      i % 3 === 0 ? `${h.toString('hex').toUpperCase()}  # notice ${i}` : h.toString('hex'),
    ),
    `   ${hashes[0].toString('hex')}   `,
  ].join('\n');
  const set = InfohashSet.parse(text);
  assert.equal(set.size, 1000, 'duplicates counted once');
  const buf = new Uint8Array(40);
  for (const h of hashes) {
    buf.set(h, 7);
    assert.equal(set.has(buf, 7), true);
  }
  // No false positives: a million random hashes, plus near misses of listed ones.
  for (let i = 0; i < 100_000; i++) assert.equal(set.has(randomBytes(20), 0), false);
  for (const h of hashes.slice(0, 100)) {
    const near = Buffer.from(h);
    near[19] ^= 1;
    assert.equal(set.has(near, 0), false);
  }
  assert.equal(InfohashSet.parse('').size, 0);
  assert.equal(InfohashSet.EMPTY.has(hashes[0], 0), false);
  assert.throws(() => InfohashSet.parse(`${hashes[0].toString('hex')}\nnot-a-hash\n`), /line 2/);
  assert.throws(() => InfohashSet.parse(hashes[0].toString('hex').slice(1)), /line 1/);
});

test('prefix counter: counts per (list, /32 or /64), shrinks back to nothing', () => {
  const pc = new PrefixCounter(1);
  const a = v6([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1]);
  const b = v6([0x2001, 0xdb8, 0, 1, 9, 9, 9, 9]);
  const keys: Uint8Array[] = [];
  for (let i = 0; i < 5000; i++) keys.push(randomBytes(16));
  for (let i = 0; i < 5000; i++) pc.add(i % 7, true, keys[i], 0);
  pc.add(3, true, a, 0);
  pc.add(3, true, b, 0);
  assert.equal(pc.count(3, true, a, 0), 2, 'same /64');
  assert.equal(pc.count(2, true, a, 0), 0, 'other torrent');
  pc.add(3, false, a, 0);
  assert.equal(pc.count(3, false, b, 0), 1, 'as /32, b shares its first 4 bytes with a');
  for (let i = 0; i < 5000; i++) pc.remove(i % 7, true, keys[i], 0);
  pc.remove(3, true, a, 0);
  assert.equal(pc.count(3, true, b, 0), 1);
  pc.remove(3, true, b, 0);
  pc.remove(3, false, a, 0);
  assert.equal(pc.size, 0);
});

test('memory store: peersPerIp caps new peers per /32 and /64 per torrent; off costs no table', () => {
  const store = new MemoryStore({ maxTorrents: 10, maxPeersPerTorrent: 100, maxPeersPerIp: 2 });
  const h1 = randomBytes(20);
  const h2 = randomBytes(20);
  const id = randomBytes(20);
  const ip = v4(10, 0, 0, 1);
  assert.equal(put(store, h1, 4, ip, 1, { id, now: 1 }), PUT_OK);
  assert.equal(put(store, h1, 4, ip, 2, { id, now: 1 }), PUT_OK);
  assert.equal(put(store, h1, 4, ip, 3, { id, now: 1 }), PUT_IP_LIMIT);
  assert.equal(put(store, h1, 4, ip, 2, { id, seeder: true, now: 2 }), PUT_OK, 'a known peer re-announces');
  assert.equal(put(store, h2, 4, ip, 3, { id, now: 1 }), PUT_OK, 'per torrent');
  assert.equal(put(store, h1, 4, v4(10, 0, 0, 2), 3, { id, now: 1 }), PUT_OK, 'other /32');
  const x = v6([0x2001, 0xdb8, 5, 5, 0, 0, 0, 1]);
  const y = v6([0x2001, 0xdb8, 5, 5, 0, 0, 0, 2]);
  const z = v6([0x2001, 0xdb8, 5, 6, 0, 0, 0, 1]);
  assert.equal(put(store, h1, 6, x, 1, { id, now: 1 }), PUT_OK);
  assert.equal(put(store, h1, 6, y, 1, { id, now: 1 }), PUT_OK);
  assert.equal(put(store, h1, 6, y, 2, { id, now: 1 }), PUT_IP_LIMIT, 'same /64');
  assert.equal(put(store, h1, 6, z, 1, { id, now: 1 }), PUT_OK, 'other /64');
  // Removing one frees a place.
  assert.equal(remove(store, h1, 4, ip, 1), true);
  assert.equal(put(store, h1, 4, ip, 3, { id, now: 3 }), PUT_OK);
  // Expiry frees places too.
  store.sweep(100, 1_000_000);
  assert.equal(store.totals().torrents, 0);
  assert.equal(put(store, h1, 4, ip, 9, { id, now: 200 }), PUT_OK);

  const evicting = new MemoryStore({ maxTorrents: 10, maxPeersPerTorrent: 2 });
  assert.equal(put(evicting, h1, 4, ip, 1, { id, now: 1 }), PUT_OK);
  assert.equal(put(evicting, h1, 4, ip, 2, { id, now: 2 }), PUT_OK);
  assert.equal(put(evicting, h1, 4, ip, 3, { id, now: 3 }), PUT_EVICTED);
  assert.equal(put(evicting, h1, 4, ip, 4, { id, now: 4 }), PUT_EVICTED, 'no per-IP cap when off');
  assert.equal(
    (evicting as unknown as { prefixes: unknown }).prefixes,
    null,
    'no per-prefix table when peersPerIp is off',
  );
});
