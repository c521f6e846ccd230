// The Redis swarm scripts against a real redis-server, held to the in-memory store's
// behaviour (test/swarm/conformance.ts): counts, seeder/leecher moves, completion
// counted once, never the requester, leechers only for a seeder, families apart, the
// caps, and expiry by score on access with no sweep anywhere.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Family } from '../../app/bittorrent/family.ts';
import type { RedisSwarm } from '../../app/swarm/redis/redis-swarm.ts';
import {
  ANNOUNCE_EVICTED,
  ANNOUNCE_IP_LIMIT,
  ANNOUNCE_OK,
  ANNOUNCE_TORRENT_LIMIT,
} from '../../app/swarm/redis/types.ts';
import { prng } from '../helpers/prng.ts';
import { RedisServer, SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { addrOf, type Caps, counts, hashOf, idOf, key, makeSwarm, put, remove } from './swarm-helpers.ts';

const server = new RedisServer();
const swarms: RedisSwarm[] = [];

async function swarm(caps: Caps = {}): Promise<RedisSwarm> {
  const s = await makeSwarm(server.url, caps);
  swarms.push(s);
  return s;
}

const SCENARIOS = [
  // ttl is in the model's seconds and in Redis's (EXPIRE): long enough for the run.
  { seed: 1, ops: 1500, hashes: 5, addrs: 8, ports: 3, maxPeers: 6, perIp: 0, ttl: 600 },
  { seed: 2, ops: 1500, hashes: 3, addrs: 40, ports: 2, maxPeers: 1000, perIp: 2, ttl: 3000 },
  { seed: 3, ops: 1000, hashes: 30, addrs: 4, ports: 2, maxPeers: 4, perIp: 3, ttl: 400 },
];

const H = hashOf(1);
const H2 = hashOf(2);

describe('redis swarm scripts', { skip: SKIP_NO_REDIS, timeout: 120_000 }, () => {
  before(async () => {
    await server.start();
  });
  after(async () => {
    for (const s of swarms) await s.close();
    await server.stop();
  });

  test('announce inserts a peer, a second announce refreshes it (peer_id and last seen)', async () => {
    const s = await swarm();
    assert.deepEqual(await put(s, H, 4, 1, 6881), {
      code: 0,
      seeders: 0,
      leechers: 1,
      downloaded: 0,
      peers: [],
    });
    const again = await put(s, H, 4, 1, 6881, { now: 2000, id: 77 });
    assert.deepEqual([again.code, again.seeders, again.leechers], [ANNOUNCE_OK, 0, 1]);
    const stored = (await s.conn.command([
      'HGET',
      metaKey(s, H),
      Buffer.from([10, 0, 0, 1, 0x1a, 0xe1]),
    ])) as Buffer;
    assert.equal(
      stored.subarray(1).toString('hex'),
      idOf(77).toString('hex'),
      'peer_id follows the latest announce',
    );
    const score = await s.conn.command([
      'ZSCORE',
      setKey(s, H, 'l4'),
      Buffer.from([10, 0, 0, 1, 0x1a, 0xe1]),
    ]);
    assert.equal(String(score), '2000', 'the score is the last announce time');
  });

  test('a peer is keyed by (info_hash, address, port), never by peer_id', async () => {
    const s = await swarm();
    await put(s, H, 4, 1, 6881, { id: 5 });
    await put(s, H, 4, 2, 6881, { id: 5 });
    await put(s, H, 4, 1, 6882, { id: 5 });
    await put(s, H2, 4, 1, 6881, { id: 5 });
    assert.equal((await counts(s, H)).leechers, 3);
    assert.equal((await counts(s, H2)).leechers, 1);
    const got = await put(s, H, 4, 9, 1, { numwant: 10 });
    assert.deepEqual(got.peers.sort(), [key(4, 1, 6881), key(4, 1, 6882), key(4, 2, 6881)].sort());
  });

  test('IPv4 and IPv6 peers are kept apart, in counts and in replies', async () => {
    const s = await swarm();
    await put(s, H, 4, 1, 6881);
    await put(s, H, 6, 1, 6881);
    // ::a00:1 shares its low 4 bytes with 10.0.0.1: still another peer, of family 6.
    const v6Tail = Buffer.alloc(16);
    addrOf(4, 1).copy(v6Tail, 12);
    const r = await put(s, H, 6, 0, 6881, { addr: v6Tail, seeder: true, numwant: 10 });
    assert.deepEqual([r.seeders, r.leechers], [1, 2]);
    assert.deepEqual(r.peers, [key(6, 1, 6881)], 'a seeder gets the v6 leecher only');
    const four = await put(s, H, 4, 2, 6881, { numwant: 10 });
    assert.deepEqual(four.peers, [key(4, 1, 6881)], 'an IPv4 requester gets IPv4 peers only');
    const six = await put(s, H, 6, 2, 6881, { numwant: 10 });
    assert.deepEqual(six.peers.sort(), [key(6, 1, 6881), `6/${v6Tail.toString('hex')}/6881`].sort());
    assert.equal((await remove(s, H, 4, 1, 6881)).existed, true);
    assert.deepEqual(await counts(s, H), { seeders: 1, leechers: 3, downloaded: 0 });
  });

  test('seeders and leechers are counted and follow flips both ways', async () => {
    const s = await swarm();
    for (let i = 0; i < 5; i++) await put(s, H, 4, i, 1000, { seeder: i < 2 });
    for (let i = 0; i < 3; i++) await put(s, H, 6, i, 1000, { seeder: i === 0 });
    assert.deepEqual(await counts(s, H), { seeders: 3, leechers: 5, downloaded: 0 });
    await put(s, H, 4, 4, 1000, { seeder: true }); // leecher → seeder (a download)
    await put(s, H, 4, 0, 1000, { seeder: false }); // seeder → leecher
    const r = await put(s, H, 6, 0, 1000, { seeder: false }); // seeder → leecher
    assert.deepEqual([r.seeders, r.leechers, r.downloaded], [2, 6, 1]);
    assert.deepEqual(await counts(s, H), { seeders: 2, leechers: 6, downloaded: 1 });
    const leechers = await put(s, H, 4, 1, 1000, { seeder: true, numwant: 50 });
    assert.deepEqual(leechers.peers.sort(), [key(4, 0, 1000), key(4, 2, 1000), key(4, 3, 1000)].sort());
  });

  test('completed counts once per peer', async () => {
    const s = await swarm();
    await put(s, H, 4, 1, 1, { seeder: true, completed: true });
    await put(s, H, 4, 1, 1, { seeder: true, completed: true });
    assert.equal((await counts(s, H)).downloaded, 1, 'completed twice counts once');
    await put(s, H, 4, 2, 1);
    await put(s, H, 4, 2, 1, { seeder: true });
    assert.equal((await counts(s, H)).downloaded, 2, 'a leecher turning seeder counts');
    await put(s, H, 4, 2, 1, { seeder: true, completed: true });
    await put(s, H, 4, 2, 1, { seeder: false });
    await put(s, H, 4, 2, 1, { seeder: true });
    assert.equal((await counts(s, H)).downloaded, 2, 'nor again after flips');
    await put(s, H, 6, 3, 1, { seeder: true });
    await put(s, H, 6, 3, 1, { seeder: true });
    assert.equal((await counts(s, H)).downloaded, 2, 'arriving as a seeder downloaded nothing here');
    await put(s, H, 6, 4, 1, { completed: true });
    assert.equal((await counts(s, H)).downloaded, 3, 'completed from a leecher');
  });

  test('remove deletes exactly one peer; the last one leaves only a downloaded count', async () => {
    const s = await swarm();
    await put(s, H, 4, 1, 1, { seeder: true, completed: true });
    await put(s, H, 4, 2, 1);
    await put(s, H2, 6, 1, 1);
    assert.equal((await remove(s, H, 4, 1, 2)).existed, false, 'wrong port');
    assert.equal((await remove(s, H, 6, 1, 1)).existed, false, 'wrong family');
    assert.equal((await remove(s, hashOf(99), 4, 1, 1)).existed, false, 'unknown torrent');
    assert.deepEqual(await remove(s, H, 4, 1, 1), { existed: true, seeders: 0, leechers: 1, downloaded: 1 });
    assert.equal((await remove(s, H, 4, 1, 1)).existed, false, 'already removed');
    assert.equal((await remove(s, H, 4, 2, 1)).existed, true);
    // Completions keep the meta hash with "d" alone (a count-only record, until EXPIRE).
    assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 0, downloaded: 1 });
    assert.deepEqual(
      await torrentKeys(s),
      [`${s.prefixOf(H)}m`, `${s.prefixOf(H2)}m`, `${s.prefixOf(H2)}l6`].sort(),
    );
    assert.deepEqual(await s.conn.command(['HGETALL', `${s.prefixOf(H)}m`]), [
      Buffer.from('d'),
      Buffer.from('1'),
    ]);
    // Without completions the last peer takes the torrent with it.
    assert.equal((await remove(s, H2, 6, 1, 1)).existed, true);
    assert.deepEqual(await torrentKeys(s), [`${s.prefixOf(H)}m`]);
  });

  test('select never returns the requester and gives min(numwant, others)', async () => {
    const s = await swarm();
    for (const n of [3, 11, 60]) {
      const h = hashOf(100 + n);
      for (let i = 0; i < n; i++) await put(s, h, 6, i, 9000);
      for (const max of [1, n - 2, n - 1, n, n + 5]) {
        for (let r = 0; r < 12; r++) {
          const self = (r * 7) % n;
          const got = (await put(s, h, 6, self, 9000, { numwant: max })).peers;
          assert.ok(!got.includes(key(6, self, 9000)), `requester returned (swarm ${n}, numwant ${max})`);
          assert.equal(got.length, Math.min(max, n - 1), `swarm ${n}, numwant ${max}`);
          assert.equal(new Set(got).size, got.length, 'no peer twice');
        }
      }
    }
    const h = hashOf(200);
    await put(s, h, 4, 1, 1);
    assert.deepEqual(
      (await put(s, h, 4, 1, 2, { numwant: 10 })).peers,
      [key(4, 1, 1)],
      'same address, other port',
    );
  });

  test('selection is random: different subsets, every peer eventually, seeders and leechers alike', async () => {
    const s = await swarm();
    for (let i = 0; i < 100; i++) await put(s, H, 4, i, 7000, { seeder: i % 2 === 0 });
    const subsets = new Set<string>();
    const seen = new Set<string>();
    let seeders = 0;
    const runs = 150;
    for (let r = 0; r < runs; r++) {
      const got = (await put(s, H, 4, 5000, 1, { numwant: 10 })).peers;
      assert.equal(got.length, 10);
      for (const k of got) seen.add(k);
      seeders += got.filter((k) => Number.parseInt(k.split('/')[1], 16) % 2 === 0).length;
      subsets.add([...got].sort().join(','));
    }
    assert.equal(seen.size, 100, 'every peer is eventually returned');
    assert.ok(subsets.size >= runs * 0.9, `only ${subsets.size} distinct subsets in ${runs} selections`);
    // Half the others are seeders: far from 0 % or 100 % of what a leecher is given.
    const share = seeders / (runs * 10);
    assert.ok(share > 0.35 && share < 0.65, `seeders were ${(share * 100).toFixed(0)} % of the peers given`);
  });

  test('a seeder gets leechers only, and numwant is respected', async () => {
    const s = await swarm();
    for (let i = 0; i < 40; i++) await put(s, H, 4, i, 1, { seeder: i % 4 === 0 });
    const leechers = new Set<string>();
    for (let i = 0; i < 40; i++) if (i % 4 !== 0) leechers.add(key(4, i, 1));
    for (let r = 0; r < 35; r++) {
      const max = 1 + r;
      const got = (await put(s, H, 4, 0, 1, { seeder: true, numwant: max })).peers;
      assert.equal(got.length, Math.min(max, 30));
      for (const k of got) assert.ok(leechers.has(k), `seeder was given ${k}`);
    }
    assert.equal((await put(s, H, 4, 1, 1, { numwant: 100 })).peers.length, 39, 'a leecher gets both');
    await put(s, H2, 6, 1, 1, { seeder: true });
    assert.equal((await put(s, H2, 6, 2, 1, { seeder: true, numwant: 10 })).peers.length, 0, 'no leechers');
    assert.equal((await put(s, H2, 6, 3, 1, { numwant: 10 })).peers.length, 2);
  });

  test('maxPeersPerTorrent evicts the stalest peer of that torrent and family', async () => {
    const s = await swarm({ maxPeersPerTorrent: 3 });
    await put(s, H, 4, 1, 1, { now: 100 });
    await put(s, H, 4, 2, 1, { now: 101, seeder: true });
    await put(s, H, 4, 3, 1, { now: 102 });
    await put(s, H, 4, 1, 1, { now: 103 }); // refreshed: now 2 is the stalest
    await put(s, H, 6, 1, 1, { now: 50 }); // v6 has its own cap
    await put(s, H2, 4, 9, 1, { now: 10 }); // another torrent has its own cap
    const r = await put(s, H, 4, 4, 1, { now: 104, numwant: 10 });
    assert.equal(r.code, ANNOUNCE_EVICTED);
    assert.deepEqual(r.peers.sort(), [key(4, 1, 1), key(4, 3, 1)].sort());
    assert.deepEqual([r.seeders, r.leechers], [0, 4]);
    assert.equal((await counts(s, H2)).leechers, 1);
    assert.equal(
      (await put(s, H, 4, 3, 1, { now: 105, seeder: true })).code,
      ANNOUNCE_OK,
      'a refresh evicts nobody',
    );
    await put(s, H, 6, 2, 1, { now: 60 });
    await put(s, H, 6, 3, 1, { now: 70 });
    const six = await put(s, H, 6, 4, 1, { now: 80, numwant: 10 });
    assert.equal(six.code, ANNOUNCE_EVICTED);
    assert.deepEqual(six.peers.sort(), [key(6, 2, 1), key(6, 3, 1)].sort(), 'the oldest v6 went');
  });

  test('maxTorrents refuses a new torrent beyond the cap, and has room once one is gone', async () => {
    const s = await swarm({ maxTorrents: 2, peerTtl: 100 });
    assert.equal((await put(s, hashOf(1), 4, 1, 1)).code, ANNOUNCE_OK);
    assert.equal((await put(s, hashOf(2), 6, 1, 1)).code, ANNOUNCE_OK);
    assert.equal((await put(s, hashOf(3), 4, 1, 1)).code, ANNOUNCE_TORRENT_LIMIT);
    assert.deepEqual(await counts(s, hashOf(3)), { seeders: 0, leechers: 0, downloaded: 0 });
    assert.equal((await put(s, hashOf(1), 4, 2, 1)).code, ANNOUNCE_OK, 'known torrents take new peers');
    await remove(s, hashOf(2), 6, 1, 1);
    assert.equal((await put(s, hashOf(3), 4, 1, 1)).code, ANNOUNCE_OK, 'room after a stop emptied one');
    assert.equal((await put(s, hashOf(4), 4, 1, 1)).code, ANNOUNCE_TORRENT_LIMIT);
    // Torrents whose peers all went stale no longer count, with nobody sweeping: the cap's
    // scores are refreshed once per ttl/4, so stale means ttl + ttl/4 there; never sooner.
    assert.equal((await put(s, hashOf(4), 4, 1, 1, { now: 1125 })).code, ANNOUNCE_TORRENT_LIMIT);
    assert.equal((await put(s, hashOf(4), 4, 1, 1, { now: 1126 })).code, ANNOUNCE_OK);
  });

  test('peersPerIp caps new peers per /32 and per /64 in one torrent', async () => {
    const s = await swarm({ maxPeersPerIp: 2 });
    assert.equal((await put(s, H, 4, 1, 1)).code, ANNOUNCE_OK);
    assert.equal((await put(s, H, 4, 1, 2)).code, ANNOUNCE_OK);
    assert.equal((await put(s, H, 4, 1, 3)).code, ANNOUNCE_IP_LIMIT, 'third port of one address');
    assert.equal((await put(s, H, 4, 1, 1)).code, ANNOUNCE_OK, 'known peers still refresh');
    assert.equal((await put(s, H2, 4, 1, 3)).code, ANNOUNCE_OK, 'per torrent');
    assert.equal((await put(s, H, 4, 2, 3)).code, ANNOUNCE_OK, 'another address');
    // 2001:db8::1 and 2001:db8::2 share a /64.
    assert.equal((await put(s, H, 6, 1, 1)).code, ANNOUNCE_OK);
    assert.equal((await put(s, H, 6, 2, 1)).code, ANNOUNCE_OK);
    assert.equal((await put(s, H, 6, 3, 1)).code, ANNOUNCE_IP_LIMIT, 'same /64');
    await remove(s, H, 6, 1, 1);
    assert.equal((await put(s, H, 6, 3, 1)).code, ANNOUNCE_OK, 'a stop frees its share');
    assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 5, downloaded: 0 });
  });

  test('stale peers expire by score when their torrent is next used; no sweep runs', async () => {
    const s = await swarm({ peerTtl: 100 });
    await put(s, H, 4, 1, 1, { now: 1000 });
    await put(s, H, 4, 2, 1, { now: 1050, seeder: true, completed: true });
    await put(s, H, 6, 3, 1, { now: 1020 });
    await put(s, H2, 4, 1, 1, { now: 1000 });
    // Scrape at 1100 does not count peers last seen before 1100 - 100.
    assert.deepEqual(await counts(s, H, 1100), { seeders: 1, leechers: 2, downloaded: 1 });
    assert.deepEqual(await counts(s, H, 1121), { seeders: 1, leechers: 0, downloaded: 1 });
    const r = await put(s, H, 4, 5, 1, { now: 1121, numwant: 10 });
    assert.deepEqual([r.seeders, r.leechers], [1, 1]);
    assert.deepEqual(r.peers, [key(4, 2, 1)], 'stale peers are not handed out');
    // They are gone from Redis too, per-address counts included, not merely hidden.
    assert.equal(await s.conn.command(['ZCARD', setKey(s, H, 'l4')]), 1);
    assert.equal(await s.conn.command(['ZCARD', setKey(s, H, 'l6')]), 0);
    assert.equal(
      await s.conn.command(['HLEN', metaKey(s, H)]),
      2 * 2 + 3,
      'two peers, two prefixes, d, o, x',
    );
    // The other torrent was not touched: its stale peer is still stored until used.
    assert.equal(await s.conn.command(['ZCARD', setKey(s, H2, 'l4')]), 1);
    assert.equal((await remove(s, H2, 4, 1, 1, 1101)).existed, false, 'a stale peer no longer exists');
    assert.deepEqual(
      await torrentKeys(s),
      [`${s.prefixOf(H)}m`, `${s.prefixOf(H)}l4`, `${s.prefixOf(H)}s4`].sort(),
    );
  });

  test('every key of a torrent expires in Redis when the torrent falls silent', async () => {
    const s = await swarm({ peerTtl: 3600 });
    await put(s, H, 4, 1, 1, { seeder: true, completed: true });
    await put(s, H, 6, 2, 1);
    for (const k of await torrentKeys(s)) {
      const ttl = Number(await s.conn.command(['TTL', k]));
      assert.ok(ttl > 4400 && ttl <= 4500, `${k} expires in ${ttl} s (ttl + ttl/4)`);
    }
  });

  test('scrape answers up to 74 torrents in one EVALSHA, unknown ones as zeros', async () => {
    const s = await swarm();
    const hashes = Buffer.concat(Array.from({ length: 74 }, (_, i) => hashOf(1000 + i)));
    for (let i = 0; i < 74; i += 3) {
      for (let p = 0; p <= i % 5; p++)
        await put(s, hashOf(1000 + i), p % 2 ? 6 : 4, p, 1, { seeder: p === 0, completed: p === 0 });
    }
    const before = await evalshaCalls(s);
    const out = Array.from({ length: 74 }, () => ({ seeders: -1, leechers: -1, downloaded: -1 }));
    await s.scrape(hashes, 0, 74, 1000, out);
    assert.equal((await evalshaCalls(s)) - before, 1, 'one EVALSHA for 74 hashes');
    for (let i = 0; i < 74; i++) {
      const want =
        i % 3 === 0
          ? { seeders: 1, leechers: i % 5, downloaded: 1 }
          : { seeders: 0, leechers: 0, downloaded: 0 };
      assert.deepEqual(out[i], want, `torrent ${i}`);
    }
    await assert.rejects(
      s.scrape(
        Buffer.alloc(75 * 20),
        0,
        75,
        1000,
        Array.from({ length: 75 }, () => out[0]),
      ),
    );
  });

  test('peer events go to a capped stream when enabled', async () => {
    const stream = `events-${process.pid}`;
    const s = await swarm({ eventsStream: stream });
    await put(s, H, 4, 1, 1, { event: 1 });
    await put(s, H, 6, 2, 1, { seeder: true, event: 2, now: 1001 });
    await remove(s, H, 4, 1, 1, 1002);
    const entries = (await s.conn.command(['XRANGE', stream, '-', '+'])) as [Buffer, Buffer[]][];
    const fields = entries.map(([, f]) => Object.fromEntries(chunk(f.map(String))));
    const ih = H.toString('hex');
    assert.deepEqual(fields, [
      { info_hash: ih, event: 'started', family: '4', seeder: '0', time: '1000' },
      { info_hash: ih, event: 'completed', family: '6', seeder: '1', time: '1001' },
      { info_hash: ih, event: 'stopped', family: '4', seeder: '0', time: '1002' },
    ]);
    const info = (await s.conn.command(['XINFO', 'STREAM', stream])) as unknown[];
    assert.ok(info.length > 0);
  });

  describe('randomized against a reference model', () => {
    for (const sc of SCENARIOS) {
      test(`seed ${sc.seed}: ${sc.ops} random announces, stops and scrapes`, async () => {
        await runModel(
          await swarm({ maxPeersPerTorrent: sc.maxPeers, maxPeersPerIp: sc.perIp, peerTtl: sc.ttl }),
          sc,
        );
      });
    }
  });
});

function chunk(a: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < a.length; i += 2) out.push([a[i], a[i + 1]]);
  return out;
}

function metaKey(s: RedisSwarm, h: Buffer): string {
  return `${s.prefixOf(h)}m`;
}

function setKey(s: RedisSwarm, h: Buffer, set: string): string {
  return `${s.prefixOf(h)}${set}`;
}

/** Keys of this swarm's torrents (its prefix followed by a hash tag), sorted. */
async function torrentKeys(s: RedisSwarm): Promise<string[]> {
  const keys = (await s.conn.command(['KEYS', `${s.prefix}{*`])) as Buffer[];
  return keys.map(String).sort();
}

async function evalshaCalls(s: RedisSwarm): Promise<number> {
  const info = String(await s.conn.command(['INFO', 'commandstats']));
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

// ---- the reference model: plain Maps, with expiry applied on access as the scripts do ----

interface ModelPeer {
  family: Family;
  n: number;
  seeder: boolean;
  counted: boolean;
  seen: number;
}

type Scenario = (typeof SCENARIOS)[number];

async function runModel(s: RedisSwarm, sc: Scenario): Promise<void> {
  const rnd = prng(sc.seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const model = new Map<number, { downloaded: number; peers: Map<string, ModelPeer> }>();
  let now = 1000;
  const expire = (h: number) => {
    const t = model.get(h);
    if (!t) return;
    for (const [k, p] of t.peers) if (p.seen < now - sc.ttl) t.peers.delete(k);
    if (t.peers.size === 0 && t.downloaded === 0) model.delete(h);
  };
  const tally = (h: number) => {
    const c = { seeders: 0, leechers: 0, downloaded: model.get(h)?.downloaded ?? 0 };
    for (const p of model.get(h)?.peers.values() ?? []) c[p.seeder ? 'seeders' : 'leechers']++;
    return c;
  };
  // v4 addresses are all different /32s; every v6 one is in 2001:db8::/64.
  const prefixOf = (p: { family: Family; n: number }) => (p.family === 4 ? `4/${p.n}` : '6');

  // One random step: which torrent, which peer, and what it does (r).
  const draw = () => {
    const fam: Family = rnd() < 0.6 ? 4 : 6;
    return { h: pick(sc.hashes), fam, n: pick(sc.addrs), port: 1 + pick(sc.ports), r: rnd() };
  };

  for (let op = 0; op < sc.ops; op++) {
    // Strictly increasing, so the stalest peer is always unique.
    now += 1 + pick(40);
    const { h, fam, n, port, r } = draw();
    const k = key(fam, n, port);
    const ctx = `op ${op}, seed ${sc.seed}`;
    if (r < 0.75) {
      expire(h);
      const seeder = rnd() < 0.4;
      const completed = rnd() < 0.15;
      const numwant = pick(12);
      const got = await put(s, hashOf(h), fam, n, port, { seeder, completed, now, numwant });
      const what = `${ctx}: announce ${h} ${k} seeder=${seeder} completed=${completed}`;
      let t = model.get(h);
      const p = t?.peers.get(k);
      let code = ANNOUNCE_OK;
      if (!p) {
        const mine = [...(t?.peers.values() ?? [])];
        const sameIp = mine.filter((q) => prefixOf(q) === prefixOf({ family: fam, n })).length;
        if (sc.perIp > 0 && sameIp >= sc.perIp) {
          assert.equal(got.code, ANNOUNCE_IP_LIMIT, what);
          continue;
        }
        if (!t) {
          t = { downloaded: 0, peers: new Map() };
          model.set(h, t);
        }
        const same = [...t.peers.entries()].filter(([, q]) => q.family === fam);
        if (same.length >= sc.maxPeers) {
          const oldest = same.reduce((a, b) => (b[1].seen < a[1].seen ? b : a));
          t.peers.delete(oldest[0]);
          code = ANNOUNCE_EVICTED;
        }
        t.peers.set(k, { family: fam, n, seeder, counted: completed, seen: now });
        if (completed) t.downloaded++;
      } else {
        if ((completed || (!p.seeder && seeder)) && !p.counted) {
          p.counted = true;
          t!.downloaded++;
        }
        p.seeder = seeder;
        p.seen = now;
      }
      assert.equal(got.code, code, what);
      const eligible = new Set<string>();
      for (const [pk, q] of model.get(h)!.peers)
        if (q.family === fam && pk !== k && !(seeder && q.seeder)) eligible.add(pk);
      assert.equal(got.peers.length, Math.min(numwant, eligible.size), `${what}: how many peers`);
      for (const pk of got.peers) assert.ok(eligible.has(pk), `${what}: returned ${pk}`);
      assert.deepEqual(
        { seeders: got.seeders, leechers: got.leechers, downloaded: got.downloaded },
        tally(h),
        what,
      );
    } else if (r < 0.9) {
      expire(h);
      const t = model.get(h);
      const existed = t?.peers.delete(k) ?? false;
      if (t && t.peers.size === 0 && t.downloaded === 0) model.delete(h);
      const got = await remove(s, hashOf(h), fam, n, port, now);
      assert.equal(got.existed, existed, `${ctx}: remove ${h} ${k}`);
      assert.deepEqual(
        { seeders: got.seeders, leechers: got.leechers, downloaded: got.downloaded },
        tally(h),
        `${ctx}: remove counts`,
      );
    } else {
      // Scrape removes nothing but does not count stale peers; a torrent keeps its
      // downloaded count until an announce or stop finds it empty.
      for (let x = 0; x < sc.hashes; x++) {
        const live = { seeders: 0, leechers: 0, downloaded: model.get(x)?.downloaded ?? 0 };
        for (const p of model.get(x)?.peers.values() ?? [])
          if (p.seen >= now - sc.ttl) live[p.seeder ? 'seeders' : 'leechers']++;
        const got = await counts(s, hashOf(x), now);
        assert.deepEqual(got, live, `${ctx}: scrape ${x}`);
      }
    }
  }
}
