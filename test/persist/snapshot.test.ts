// The snapshot format end to end: save → verify → restore gives back every torrent and
// peer (IPv4 and IPv6, seeder flags, peer ids, last-seen, downloaded counts); the header
// holds what format.ts documents; bad files are moved aside byte for byte and the store
// starts empty; expired peers are dropped on restore.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { FORMAT_VERSION, HEADER_SIZE, SnapshotError } from '../../app/persist/format.ts';
import { verifySnapshot } from '../../app/persist/reader.ts';
import { restoreSnapshot } from '../../app/persist/restore.ts';
import { SnapshotSaver } from '../../app/persist/saver.ts';
import type { MemoryStore } from '../../app/swarm/memory-store.ts';
import { infoHash, peerId } from '../helpers/ids.ts';
import { dumpStore } from '../helpers/store-dump.ts';
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
  // 3 torrent records (32 B), 6 IPv4 peers (31 B), 3 IPv6 peers (43 B).
  assert.equal(buf.length, HEADER_SIZE + 3 * 32 + 6 * 31 + 3 * 43);
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
    reason: /unsupported format version 2/,
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
