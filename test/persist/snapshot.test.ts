// The snapshot format end to end: save → verify → restore gives back every torrent and
// peer (IPv4 and IPv6, seeder flags, peer ids, last-seen, downloaded counts); the header
// holds what format.ts documents; bad files are moved aside byte for byte and the store
// starts empty; expired peers are dropped on restore; count-only records (torrents kept
// for their downloaded count) come back in their idle order; version 1 files still load.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import {
  encodeHeader,
  FORMAT_VERSION,
  HEADER_SIZE,
  PEER4_SIZE,
  SnapshotError,
} from '../../app/persist/format.ts';
import { verifySnapshot } from '../../app/persist/reader.ts';
import { restoreSnapshot } from '../../app/persist/restore.ts';
import { SnapshotSaver } from '../../app/persist/saver.ts';
import { MemoryStore } from '../../app/swarm/memory-store.ts';
import { PUT_OK } from '../../app/swarm/store.ts';
import { infoHash, peerId } from '../helpers/ids.ts';
import { dumpStore } from '../helpers/store-dump.ts';
import { put, remove } from '../helpers/store-ops.ts';
import { captureLogger, newStore, type PeerSpec, putPeer, tempDir } from './util.ts';

const NOW = 1_800_000_000;
const EXPIRY = 2400;

type Role = 'leecher' | 'seeder' | 'completed';

/** A peer of `torrent` (family from the address length); 'completed' is a seeder whose completion counts. */
function peer(torrent: number, addr: number[], port: number, id: number, role: Role, seen: number): PeerSpec {
  const family = addr.length === 4 ? 4 : 6;
  return {
    torrent,
    family,
    addr,
    port,
    id,
    seeder: role !== 'leecher',
    completed: role === 'completed',
    seen,
  };
}

function storeOf(peers: PeerSpec[]): MemoryStore {
  const store = newStore();
  for (const p of peers) putPeer(store, p);
  return store;
}

const V6A = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6B = [0x26, 0x06, 0x47, 0x00, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0xef, 0x12];

/** A store with IPv4 and IPv6 peers, seeders and leechers, and downloaded counts. */
function sampleStore(): MemoryStore {
  return storeOf([
    // Torrent 1: two IPv4 leechers, one IPv4 seeder that completed (downloaded 1).
    peer(1, [10, 0, 0, 1], 6881, 1, 'leecher', NOW - 10),
    peer(1, [10, 0, 0, 2], 6882, 2, 'leecher', NOW - 20),
    peer(1, [192, 168, 1, 200], 65535, 3, 'completed', NOW - 30),
    // Torrent 2: IPv6 only, a seeder and a leecher.
    peer(2, V6A, 1, 4, 'seeder', NOW - 40),
    peer(2, V6B, 51413, 5, 'leecher', NOW - 50),
    // Torrent 3: both families, three completions counted.
    ...[0, 1, 2].map((i) => peer(3, [172, 16, 0, i + 1], 7000 + i, 10 + i, 'completed', NOW - i)),
    peer(3, V6A, 7100, 20, 'leecher', NOW),
  ]);
}

async function saveTo(store: MemoryStore, path: string) {
  return new SnapshotSaver(store, { path }).save();
}

function restore(store: MemoryStore, path: string, logger = captureLogger().logger) {
  return restoreSnapshot(store, { path, expiry: EXPIRY, now: NOW, logger });
}

function downloaded(store: MemoryStore, torrent: number): number {
  return store.counts(infoHash(torrent), 0, { seeders: 0, leechers: 0, downloaded: 0 }).downloaded;
}

test('save then restore gives back every torrent, peer, flag, id, last-seen and downloaded count', async () => {
  const dir = tempDir();
  const path = join(dir, 'trakx.db');
  const store = sampleStore();
  const before = dumpStore(store);
  assert.ok(before.lines.some((l) => l.includes('downloaded=3')));
  assert.ok(before.lines.some((l) => l.includes(' v6 ')));

  const saved = await saveTo(store, path);
  assert.deepEqual([saved.torrents, saved.peers4, saved.peers6], [3, 6, 3]);
  assert.equal(saved.bytes, readFileSync(path).length);

  const restored = newStore();
  const result = restore(restored, path);
  assert.equal(result.outcome, 'restored');
  assert.deepEqual([result.torrents, result.peers, result.expired], [3, 9, 0]);
  assert.deepEqual(dumpStore(restored), before);
  assert.deepEqual(restored.totals(), store.totals());

  // A restored completed seeder does not count a second time when it says completed again.
  putPeer(restored, peer(3, [172, 16, 0, 1], 7000, 10, 'completed', NOW));
  assert.equal(downloaded(restored, 3), 3);
  // No temporary file is left next to the snapshot.
  assert.deepEqual(readdirSync(dir), ['trakx.db']);
});

test('the header holds magic, version, creation time, counts and checksums as documented', async () => {
  const path = join(tempDir(), 'trakx.db');
  const t0 = Date.now();
  await saveTo(sampleStore(), path);
  const buf = readFileSync(path);
  assert.equal(buf.subarray(0, 8).toString('latin1'), 'TRAKXDB\0');
  assert.equal(buf.readUInt16LE(8), FORMAT_VERSION);
  assert.equal(buf.readUInt16LE(10), HEADER_SIZE);
  const created = Number(buf.readBigUInt64LE(16));
  assert.ok(created >= t0 && created <= Date.now());
  assert.deepEqual([buf.readUInt32LE(24), buf.readUInt32LE(28), buf.readUInt32LE(32)], [3, 6, 3]);
  assert.equal(buf.readUInt32LE(36), crc32(buf.subarray(HEADER_SIZE)));
  assert.equal(Number(buf.readBigUInt64LE(40)), buf.length - HEADER_SIZE);
  assert.equal(buf.readUInt32LE(60), crc32(buf.subarray(0, 60)));
  // 3 torrent records (36 B), 6 IPv4 peers (31 B), 3 IPv6 peers (43 B).
  assert.equal(buf.length, HEADER_SIZE + 3 * 36 + 6 * 31 + 3 * 43);
  // A torrent with peers has no idle time.
  assert.equal(buf.readUInt32LE(HEADER_SIZE + 32), 0);
  // The first torrent record starts with its info_hash; its peers are compact address+port.
  const hashes = [1, 2, 3].map((n) => infoHash(n).toString('hex'));
  assert.ok(hashes.includes(buf.subarray(64, 84).toString('hex')));
});

test('an empty store saves and restores as an empty snapshot', async () => {
  const path = join(tempDir(), 'trakx.db');
  const saved = await saveTo(newStore(), path);
  assert.equal(saved.bytes, HEADER_SIZE);
  const h = verifySnapshot(readFileSync(path));
  assert.deepEqual([h.torrents, h.peers4, h.peers6, h.bodySize], [0, 0, 0, 0]);
  const store = newStore();
  const r = restore(store, path);
  assert.equal(r.outcome, 'restored');
  assert.equal(store.totals().torrents, 0);
});

test('peers that expired while the tracker was down are dropped on restore', async () => {
  const path = join(tempDir(), 'trakx.db');
  const store = storeOf([
    peer(1, [10, 0, 0, 1], 1, 1, 'leecher', NOW - 100),
    peer(1, [10, 0, 0, 2], 2, 2, 'completed', NOW - EXPIRY - 1),
    peer(2, Array(16).fill(1), 3, 3, 'leecher', NOW - 5000),
    // Last seen "in the future" (the clock was stepped back): kept, clamped to now.
    peer(3, [10, 0, 0, 3], 4, 4, 'leecher', NOW + 600),
  ]);
  await saveTo(store, path);

  const restored = newStore();
  const r = restore(restored, path);
  assert.equal(r.outcome, 'restored');
  assert.deepEqual([r.peers, r.expired], [2, 2]);
  const { lines } = dumpStore(restored);
  assert.equal(lines.filter((l) => l.includes(' v')).length, 2);
  assert.ok(lines.some((l) => l.includes(peerId(1).toString('hex'))));
  assert.ok(!lines.some((l) => l.includes(peerId(2).toString('hex'))));
  assert.ok(lines.some((l) => l.endsWith(`leecher ${NOW}`) && l.includes(peerId(4).toString('hex'))));
  // Torrent 2 lost its only peer, so it is gone; torrent 1 keeps its downloaded count.
  assert.equal(restored.totals().torrents, 2);
  assert.equal(downloaded(restored, 1), 1);
});

test('a torrent whose peers all expired while the tracker was down keeps its downloaded count', async () => {
  const path = join(tempDir(), 'trakx.db');
  const store = storeOf([
    peer(1, [10, 0, 0, 1], 1, 1, 'completed', NOW - EXPIRY - 50),
    peer(1, [10, 0, 0, 2], 2, 2, 'leecher', NOW - EXPIRY - 10),
    peer(2, [10, 0, 0, 3], 3, 3, 'leecher', NOW - EXPIRY - 10),
  ]);
  await saveTo(store, path);
  const restored = newStore();
  const r = restore(restored, path);
  assert.deepEqual([r.torrents, r.countOnly, r.peers, r.expired], [0, 1, 0, 3]);
  assert.deepEqual(restored.counts(infoHash(1), 0, { seeders: 9, leechers: 9, downloaded: 9 }), {
    seeders: 0,
    leechers: 0,
    downloaded: 1,
  });
  // Torrent 2 never had a completion: nothing to keep.
  assert.equal(downloaded(restored, 2), 0);
  assert.deepEqual([restored.totals().torrents, restored.totals().countOnly], [0, 1]);
  // Idle since its last peer was last seen.
  assert.deepEqual(dumpStore(restored).lines, [`${infoHash(1).toString('hex')} downloaded=1`]);
  const idle: number[] = [];
  restored.visit(0, 10, { torrent: (_h, _o, _d, since) => idle.push(since), peer() {} });
  assert.deepEqual(idle, [NOW - EXPIRY - 10]);
});

/** A store of `max` torrents whose torrents 1…n were emptied in the order given, after completions. */
function emptiedStore(max: number, order: number[]): MemoryStore {
  const store = new MemoryStore({ maxTorrents: max, maxPeersPerTorrent: 10 });
  for (const [i, t] of order.entries()) {
    putPeer(store, peer(t, [10, 0, 0, t], 1, t, 'completed', NOW - 1000 + i));
    remove(store, infoHash(t), 4, Uint8Array.from([10, 0, 0, t]), 1);
  }
  return store;
}

test('count-only records survive save and restore, with their counts and idle order', async () => {
  const path = join(tempDir(), 'trakx.db');
  // Emptied in the order 3, 1, 4, 2 (the table order is 1…4 only by chance of ids).
  const store = emptiedStore(5, [3, 1, 4, 2]);
  putPeer(store, peer(9, [10, 0, 0, 9], 9, 9, 'leecher', NOW));
  const saved = await saveTo(store, path);
  assert.deepEqual([saved.torrents, saved.peers4], [5, 1]);

  const restored = new MemoryStore({ maxTorrents: 5, maxPeersPerTorrent: 10 });
  const r = restore(restored, path);
  assert.deepEqual([r.torrents, r.countOnly, r.peers], [1, 4, 1]);
  assert.deepEqual(dumpStore(restored).lines, dumpStore(store).lines);
  for (const t of [1, 2, 3, 4]) assert.equal(downloaded(restored, t), 1, `torrent ${t}`);
  // The table is full: new torrents evict the longest-idle first, 3 then 1, as before the restart.
  const gone = () => [1, 2, 3, 4].filter((t) => downloaded(restored, t) === 0);
  assert.equal(
    put(restored, infoHash(20), 4, Uint8Array.from([10, 1, 0, 1]), 1, { id: peerId(20), now: NOW }),
    PUT_OK,
  );
  assert.deepEqual(gone(), [3]);
  assert.equal(
    put(restored, infoHash(21), 4, Uint8Array.from([10, 1, 0, 1]), 1, { id: peerId(21), now: NOW }),
    PUT_OK,
  );
  assert.deepEqual(gone(), [1, 3]);
});

test('restore into a smaller table keeps the torrents with peers and the most recently idle counts', async () => {
  const path = join(tempDir(), 'trakx.db');
  const store = emptiedStore(10, [3, 1, 4, 2]);
  putPeer(store, peer(9, [10, 0, 0, 9], 9, 9, 'leecher', NOW));
  await saveTo(store, path);
  const restored = new MemoryStore({ maxTorrents: 3, maxPeersPerTorrent: 10 });
  const r = restore(restored, path);
  assert.deepEqual([r.torrents, r.countOnly, r.peers], [1, 4, 1]);
  assert.deepEqual([restored.totals().torrents, restored.totals().countOnly], [1, 2]);
  assert.deepEqual(
    [1, 2, 3, 4].map((t) => downloaded(restored, t)),
    [0, 1, 0, 1],
  );
});

/** A version 1 snapshot, as trakx wrote it before count-only records: 32-byte torrent records. */
function v1Snapshot(torrents: { hash: Buffer; downloaded: number; peers: PeerSpec[] }[]): Buffer {
  const parts: Buffer[] = [];
  let peers4 = 0;
  for (const t of torrents) {
    const rec = Buffer.alloc(32);
    t.hash.copy(rec, 0);
    rec.writeUInt32LE(t.downloaded, 20);
    rec.writeUInt32LE(t.peers.length, 24);
    parts.push(rec);
    for (const p of t.peers) {
      const b = Buffer.alloc(PEER4_SIZE);
      Buffer.from(p.addr).copy(b, 0);
      b.writeUInt16BE(p.port, 4);
      peerId(p.id).copy(b, 6);
      b[26] = p.seeder ? 1 : 0;
      b.writeUInt32LE(p.seen, 27);
      parts.push(b);
      peers4++;
    }
  }
  const body = Buffer.concat(parts);
  const header = encodeHeader(
    {
      version: 1,
      created: NOW * 1000,
      torrents: torrents.length,
      peers4,
      peers6: 0,
      bodyCrc: crc32(body),
      bodySize: body.length,
    },
    Buffer.alloc(HEADER_SIZE),
  );
  return Buffer.concat([header, body]);
}

test('a version 1 snapshot still loads: peers, counts, and counts of torrents whose peers expired', async () => {
  const path = join(tempDir(), 'trakx.db');
  writeFileSync(
    path,
    v1Snapshot([
      {
        hash: infoHash(1),
        downloaded: 5,
        peers: [
          peer(1, [10, 0, 0, 1], 6881, 1, 'seeder', NOW - 10),
          peer(1, [10, 0, 0, 2], 6882, 2, 'leecher', NOW),
        ],
      },
      { hash: infoHash(2), downloaded: 3, peers: [peer(2, [10, 0, 0, 3], 1, 3, 'seeder', NOW - EXPIRY - 1)] },
      {
        hash: infoHash(3),
        downloaded: 0,
        peers: [peer(3, [10, 0, 0, 4], 1, 4, 'leecher', NOW - EXPIRY - 1)],
      },
    ]),
  );
  const store = newStore();
  const r = restore(store, path);
  assert.equal(r.outcome, 'restored');
  assert.deepEqual([r.torrents, r.countOnly, r.peers, r.expired], [1, 1, 2, 2]);
  assert.deepEqual(store.counts(infoHash(1), 0, { seeders: 0, leechers: 0, downloaded: 0 }), {
    seeders: 1,
    leechers: 1,
    downloaded: 5,
  });
  assert.deepEqual(store.counts(infoHash(2), 0, { seeders: 0, leechers: 0, downloaded: 0 }), {
    seeders: 0,
    leechers: 0,
    downloaded: 3,
  });
  assert.equal(downloaded(store, 3), 0);
  // The next save writes the current version, which gives back the same store.
  const again = join(tempDir(), 'trakx.db');
  await saveTo(store, again);
  assert.equal(readFileSync(again).readUInt16LE(8), FORMAT_VERSION);
  const reloaded = newStore();
  restore(reloaded, again);
  assert.deepEqual(dumpStore(reloaded), dumpStore(store));
});

interface Damage {
  name: string;
  damage: (good: Buffer) => Buffer;
  reason: RegExp;
}

const DAMAGES: Damage[] = [
  { name: 'truncated in the body', damage: (b) => b.subarray(0, b.length - 7), reason: /truncated/ },
  { name: 'truncated in the header', damage: (b) => b.subarray(0, 40), reason: /truncated/ },
  { name: 'empty', damage: () => Buffer.alloc(0), reason: /truncated/ },
  {
    name: 'bit-flipped in the body',
    damage: (b) => {
      const c = Buffer.from(b);
      c[HEADER_SIZE + 45] ^= 0x10;
      return c;
    },
    reason: /body checksum/,
  },
  {
    name: 'bit-flipped in the header counts',
    damage: (b) => {
      const c = Buffer.from(b);
      c[28] ^= 0x01;
      return c;
    },
    reason: /header checksum/,
  },
  {
    name: 'from a future format version',
    damage: (b) => {
      const c = Buffer.from(b);
      c.writeUInt16LE(FORMAT_VERSION + 1, 8);
      c.writeUInt32LE(crc32(c.subarray(0, 60)), 60);
      return c;
    },
    reason: new RegExp(`unsupported format version ${FORMAT_VERSION + 1}`),
  },
  {
    name: 'not a snapshot at all',
    damage: () => Buffer.from('d8:completei1ee this is some other file, long enough to hold a header......'),
    reason: /bad magic/,
  },
  {
    name: 'with checksums that match records that disagree with the header',
    damage: (b) => {
      // As a writer bug would: the first torrent claims one IPv4 peer fewer.
      const c = Buffer.from(b);
      c.writeUInt32LE(c.readUInt32LE(HEADER_SIZE + 24) - 1, HEADER_SIZE + 24);
      c.writeUInt32LE(crc32(c.subarray(HEADER_SIZE)), 36);
      c.writeUInt32LE(crc32(c.subarray(0, 60)), 60);
      return c;
    },
    reason: /counts disagree|run past the end|cut short/,
  },
  {
    name: 'with trailing garbage',
    damage: (b) => Buffer.concat([b, Buffer.from([1, 2, 3])]),
    reason: /unexpected bytes/,
  },
];

for (const d of DAMAGES) {
  test(`a snapshot ${d.name} is moved aside unchanged and the tracker starts empty`, async () => {
    const dir = tempDir();
    const path = join(dir, 'trakx.db');
    await saveTo(sampleStore(), path);
    const bad = d.damage(readFileSync(path));
    writeFileSync(path, bad);
    assert.throws(
      () => verifySnapshot(bad),
      (err) => err instanceof SnapshotError && d.reason.test(err.message),
    );

    const store = newStore();
    const log = captureLogger();
    const t0 = Math.floor(Date.now() / 1000);
    const r = restore(store, path, log.logger);
    assert.equal(r.outcome, 'moved-aside');
    assert.match(r.reason ?? '', d.reason);
    assert.equal(store.totals().torrents, 0);
    assert.ok(!existsSync(path), 'the bad file is no longer where a save would overwrite it');
    assert.match(r.movedTo ?? '', /trakx\.db\.corrupt-\d+$/);
    const stamp = Number(/corrupt-(\d+)$/.exec(r.movedTo!)![1]);
    assert.ok(stamp >= t0 && stamp <= Math.floor(Date.now() / 1000) + 1);
    assert.deepEqual(readFileSync(r.movedTo!), bad, 'original bytes preserved');
    const errors = log.lines().filter((l) => l.level === 50);
    assert.equal(errors.length, 1);
    assert.ok(errors[0].msg.includes(path) && errors[0].msg.includes(r.movedTo!));
  });
}

test('a second bad file in the same second does not overwrite the first one moved aside', async () => {
  const dir = tempDir();
  const path = join(dir, 'trakx.db');
  const logger = captureLogger().logger;
  writeFileSync(path, 'first bad file');
  const a = restore(newStore(), path, logger);
  writeFileSync(path, 'second bad file');
  const b = restore(newStore(), path, logger);
  assert.notEqual(a.movedTo, b.movedTo);
  assert.equal(readFileSync(a.movedTo!, 'utf8'), 'first bad file');
  assert.equal(readFileSync(b.movedTo!, 'utf8'), 'second bad file');
});

test('a missing snapshot starts empty without moving anything; stale temp files are removed', async () => {
  const dir = tempDir();
  const path = join(dir, 'trakx.db');
  // A temp file from a save that died mid-way (a pid that cannot be alive).
  writeFileSync(`${path}.tmp-2147483646`, 'partial');
  const store = newStore();
  const r = restore(store, path);
  assert.equal(r.outcome, 'missing');
  assert.deepEqual(readdirSync(dir), []);
});
