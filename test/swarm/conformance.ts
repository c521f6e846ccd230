// The store conformance suite: everything the tracker relies on, exercised only through
// the contract in app/swarm/store.ts (SwarmStore and StoreAdmin), awaiting every request
// operation, so any store (the in-memory one, one that answers later) can be checked with
// `runStoreConformance(name, makeStore)`.
// `makeStore` receives the caps the store must enforce (db.maxTorrents and
// db.maxPeersPerTorrent): the cap tests need small ones, the rest pass large ones.
// A store whose admin side is not a local view (the Redis one: no visit, totals, sweep,
// keepCount) runs with `{ admin: false }`: the request side is checked in full, what
// only the admin side can show is left out. A store that holds db.maxTorrents to a count
// it refreshes now and then (Redis Cluster) passes `settle`, run before the cap is checked.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Family } from '../../app/bittorrent/family.ts';
import type { PeerSink, SwarmCounts } from '../../app/bittorrent/peer-sink.ts';
import {
  PUT_EVICTED,
  PUT_OK,
  PUT_TORRENT_LIMIT,
  type SnapshotVisitor,
  type StoreAdmin,
  type SwarmStore,
} from '../../app/swarm/store.ts';
import { prng } from '../helpers/prng.ts';
import { announce, remove } from '../helpers/store-ops.ts';

export interface StoreLimits {
  maxTorrents: number;
  maxPeersPerTorrent: number;
}

type Store = SwarmStore & StoreAdmin;

export type MakeStore = (limits: StoreLimits) => Store | Promise<Store>;

export interface StoreFeatures {
  /** visit, totals, sweep, keepCount, setDownloaded, uniqueAddresses and clear work (default true). */
  admin?: boolean;
  /** Brings what the store knows of its torrent count up to date (default: nothing to do). */
  settle?: (s: Store) => Promise<void>;
}

/** Stores made for a suite run with `admin: false`. */
const remote = new WeakSet<Store>();
const hasAdmin = (s: Store): boolean => !remote.has(s);

const BIG: StoreLimits = { maxTorrents: 1_000_000, maxPeersPerTorrent: 1_000_000 };

// ---- fixtures: distinct hashes, addresses and peer ids from small integers ----

export function hashOf(n: number): Buffer {
  const b = Buffer.alloc(20, 0xab);
  b.writeUInt32BE(n, 0);
  return b;
}

export function idOf(n: number): Buffer {
  const b = Buffer.alloc(20, 0x2d);
  b.writeUInt32BE(n, 16);
  return b;
}

/** 10.x.y.z for family 4; 2001:db8::x for family 6 (16 bytes). */
export function addrOf(family: Family, n: number): Buffer {
  if (family === 4) return Buffer.from([10, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  const b = Buffer.alloc(16);
  b.writeUInt16BE(0x2001, 0);
  b.writeUInt16BE(0x0db8, 2);
  b.writeUInt32BE(n, 12);
  return b;
}

interface SeenPeer {
  family: Family;
  addr: string;
  port: number;
  id: string;
}

/** A PeerSink that decodes what it is given (compact address + big-endian port). */
class Collect implements PeerSink {
  peers: SeenPeer[] = [];
  readonly compact4 = null;
  readonly compact6 = null;
  /** Room per family: [IPv4, IPv6]. */
  constructor(private readonly rooms: [number, number]) {}
  room(family: Family): number {
    const i = family === 4 ? 0 : 1;
    return this.rooms[i] - this.peers.filter((p) => p.family === family).length;
  }
  peer(family: Family, addrPort: Uint8Array, addrOff: number, peerId: Uint8Array, idOff: number): void {
    const ilen = family === 4 ? 4 : 16;
    this.peers.push({
      family,
      addr: Buffer.from(addrPort.subarray(addrOff, addrOff + ilen)).toString('hex'),
      port: (addrPort[addrOff + ilen] << 8) | addrPort[addrOff + ilen + 1],
      id: Buffer.from(peerId.subarray(idOff, idOff + 20)).toString('hex'),
    });
  }
  keys(): string[] {
    return this.peers.map((p) => `${p.family}/${p.addr}/${p.port}`);
  }
}

interface VisitedTorrent {
  hash: string;
  downloaded: number;
  idleSince: number;
  peers: string[];
}

/** A SnapshotVisitor recording each torrent with its peers as sortable strings. */
class Visit implements SnapshotVisitor {
  torrents: VisitedTorrent[] = [];
  torrent(infoHash: Uint8Array, hashOff: number, downloaded: number, idleSince: number): void {
    this.torrents.push({
      hash: Buffer.from(infoHash.subarray(hashOff, hashOff + 20)).toString('hex'),
      downloaded,
      idleSince,
      peers: [],
    });
  }
  peer(
    family: Family,
    addrPort: Uint8Array,
    addrOff: number,
    peerId: Uint8Array,
    idOff: number,
    seeder: boolean,
    lastSeen: number,
  ): void {
    const t = this.torrents[this.torrents.length - 1];
    assert.ok(t, 'a peer was visited before any torrent');
    const ilen = family === 4 ? 4 : 16;
    const addr = Buffer.from(addrPort.subarray(addrOff, addrOff + ilen)).toString('hex');
    const port = (addrPort[addrOff + ilen] << 8) | addrPort[addrOff + ilen + 1];
    const id = Buffer.from(peerId.subarray(idOff, idOff + 20)).toString('hex');
    t.peers.push(`${family}/${addr}/${port} id=${id} seeder=${seeder} seen=${lastSeen}`);
  }
  /**
   * Everything visited but idle times, normalised (peer order within a torrent is the
   * store's business).
   */
  normalised(): { hash: string; downloaded: number; peers: string[] }[] {
    return this.torrents
      .map((t) => ({ hash: t.hash, downloaded: t.downloaded, peers: [...t.peers].sort() }))
      .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  }
}

function visitAll(store: Store, chunk = 1_000_000): Visit {
  const v = new Visit();
  let from = 0;
  for (let guard = 0; from >= 0; guard++) {
    assert.ok(guard < 1_000_000, 'visit never finished');
    from = store.visit(from, chunk, v);
  }
  return v;
}

const EMPTY_TOTALS = {
  torrents: 0,
  countOnly: 0,
  peers4: 0,
  peers6: 0,
  seeders4: 0,
  leechers4: 0,
  seeders6: 0,
  leechers6: 0,
};

/** The totals this suite knows about (a store may report more). */
function totals(store: Store): typeof EMPTY_TOTALS {
  const t = store.totals();
  const out = { ...EMPTY_TOTALS };
  for (const k of Object.keys(out) as (keyof typeof out)[]) out[k] = t[k];
  assert.equal(t.peers4, t.seeders4 + t.leechers4, 'peers4 = seeders4 + leechers4');
  assert.equal(t.peers6, t.seeders6 + t.leechers6, 'peers6 = seeders6 + leechers6');
  return out;
}

async function counts(store: Store, hash: Buffer): Promise<SwarmCounts> {
  return await store.counts(hash, 0, { seeders: -1, leechers: -1, downloaded: -1 });
}

/** Addresses no test uses: the requester of a selection made for nobody in particular. */
const NOBODY: Record<Family, Buffer> = {
  4: Buffer.from([192, 0, 2, 1]),
  6: Buffer.from('3fff0000000000000000000000000001', 'hex'),
};

/**
 * The peers an announce from `self` (or, when null, from a passer-by removed again
 * afterwards) is given: up to `max` of `family`, none of the other.
 */
async function select(
  store: Store,
  hash: Buffer,
  family: Family,
  self: Buffer | null,
  selfPort: number,
  forSeeder: boolean,
  max: number,
): Promise<Collect> {
  const sink = new Collect(family === 4 ? [max, 0] : [0, max]);
  const addr = self ?? NOBODY[family];
  const port = self === null ? 1 : selfPort;
  const res = await announce(store, hash, family, addr, port, { seeder: forSeeder, numwant: max, sink });
  assert.notEqual(res, PUT_EVICTED, 'the selecting peer evicted another: use listed() at the cap');
  if (self === null) await remove(store, hash, family, addr, port);
  assert.equal(new Set(sink.keys()).size, sink.peers.length, 'a selection must not repeat a peer');
  for (const p of sink.peers)
    assert.equal(p.family, family, 'a peer of the other family without room for it');
  return sink;
}

/** The stored peers of one torrent and family, as keys (sorted). */
function listed(store: Store, hash: Buffer, family: Family): string[] {
  const t = visitAll(store).torrents.find((v) => v.hash === hash.toString('hex'));
  return (t?.peers ?? [])
    .map((p) => p.split(' ')[0])
    .filter((k) => k.startsWith(`${family}/`))
    .sort();
}

/** An announce with the fields spelled out; peer ids default to the address number. */
function put(
  store: Store,
  hash: Buffer,
  family: Family,
  n: number,
  port: number,
  opts: { seeder?: boolean; completed?: boolean; now?: number; id?: number } = {},
): Promise<number> {
  return Promise.resolve(
    announce(store, hash, family, addrOf(family, n), port, {
      id: idOf(opts.id ?? n),
      seeder: opts.seeder,
      completed: opts.completed,
      now: opts.now,
    }),
  );
}

function key(family: Family, n: number, port: number): string {
  return `${family}/${addrOf(family, n).toString('hex')}/${port}`;
}

export function runStoreConformance(name: string, make: MakeStore, features: StoreFeatures = {}): void {
  const admin = features.admin !== false;
  const settle = features.settle ?? (async () => {});
  const makeStore = async (limits: StoreLimits): Promise<Store> => {
    const s = await make(limits);
    if (!admin) remote.add(s);
    return s;
  };
  // What only a local admin side (visit, totals, sweep, keepCount) can show: not run otherwise.
  const adminTest = admin ? test : (_title: string, _fn: () => Promise<void>) => {};
  describe(`SwarmStore conformance: ${name}`, () => {
    const H = hashOf(1);
    const H2 = hashOf(2);

    test('put inserts a peer and a second put of the same key refreshes it', async () => {
      const s = await makeStore(BIG);
      assert.equal(await put(s, H, 4, 1, 6881), PUT_OK);
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 1, downloaded: 0 });
      assert.equal(await put(s, H, 4, 1, 6881, { now: 2000, id: 77 }), PUT_OK);
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 1, downloaded: 0 });
      const got = (await select(s, H, 4, null, 0, false, 10)).peers;
      assert.deepEqual(got, [{ family: 4, addr: '0a000001', port: 6881, id: idOf(77).toString('hex') }]);
      if (!hasAdmin(s)) return;
      const v = visitAll(s).normalised();
      assert.equal(v.length, 1);
      assert.deepEqual(v[0].peers, [
        `${key(4, 1, 6881)} id=${idOf(77).toString('hex')} seeder=false seen=2000`,
      ]);
    });

    test('a peer is keyed by (info_hash, address, port), never by peer_id', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 1, 6881, { id: 5 });
      // Same peer_id from another address: a second peer, the first is untouched.
      await put(s, H, 4, 2, 6881, { id: 5 });
      // Same address, another port: another peer.
      await put(s, H, 4, 1, 6882, { id: 5 });
      // Same address and port in another torrent: a peer of that torrent only.
      await put(s, H2, 4, 1, 6881, { id: 5 });
      assert.equal((await counts(s, H)).leechers, 3);
      assert.equal((await counts(s, H2)).leechers, 1);
      const got = (await select(s, H, 4, null, 0, false, 10)).keys().sort();
      assert.deepEqual(got, [key(4, 1, 6881), key(4, 1, 6882), key(4, 2, 6881)].sort());
    });

    test('IPv4 and IPv6 peers are kept apart', async () => {
      const s = await makeStore(BIG);
      // 2001:db8::1 and 10.0.0.1 share no bytes, but v6 ::a00:1 would share the low 4
      // with 10.0.0.1: both forms must stay separate peers.
      await put(s, H, 4, 1, 6881);
      await put(s, H, 6, 1, 6881);
      const v6Tail = Buffer.alloc(16);
      addrOf(4, 1).copy(v6Tail, 12);
      await announce(s, H, 6, v6Tail, 6881, { id: idOf(9), seeder: true, now: 1000 });
      assert.deepEqual(await counts(s, H), { seeders: 1, leechers: 2, downloaded: 0 });
      assert.deepEqual((await select(s, H, 4, null, 0, false, 10)).keys(), [key(4, 1, 6881)]);
      const six = (await select(s, H, 6, null, 0, false, 10)).keys().sort();
      assert.deepEqual(six, [key(6, 1, 6881), `6/${v6Tail.toString('hex')}/6881`].sort());
      if (hasAdmin(s)) {
        const t = totals(s);
        assert.deepEqual(
          [t.torrents, t.seeders4, t.leechers4, t.seeders6, t.leechers6],
          [1, 0, 1, 1, 1],
          'totals per family',
        );
      }
      // Removing the v4 peer leaves both v6 ones.
      assert.equal(await remove(s, H, 4, addrOf(4, 1), 6881), true);
      assert.deepEqual(await counts(s, H), { seeders: 1, leechers: 1, downloaded: 0 });
    });

    test('seeders and leechers are counted and follow flips both ways', async () => {
      const s = await makeStore(BIG);
      for (let i = 0; i < 5; i++) await put(s, H, 4, i, 1000, { seeder: i < 2 });
      for (let i = 0; i < 3; i++) await put(s, H, 6, i, 1000, { seeder: i === 0 });
      assert.deepEqual(await counts(s, H), { seeders: 3, leechers: 5, downloaded: 0 });
      await put(s, H, 4, 4, 1000, { seeder: true }); // leecher → seeder (counts as a download)
      await put(s, H, 4, 0, 1000, { seeder: false }); // seeder → leecher
      await put(s, H, 6, 0, 1000, { seeder: false }); // seeder → leecher
      assert.deepEqual(await counts(s, H), { seeders: 2, leechers: 6, downloaded: 1 });
      if (hasAdmin(s)) {
        const t = totals(s);
        assert.deepEqual([t.seeders4, t.leechers4, t.seeders6, t.leechers6], [2, 3, 0, 3]);
      }
      // A seeder gets exactly the leechers, whatever flipped.
      const leechers = (await select(s, H, 4, null, 0, true, 50)).keys().sort();
      assert.deepEqual(leechers, [key(4, 0, 1000), key(4, 2, 1000), key(4, 3, 1000)].sort());
    });

    test('completed counts once per peer', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 1, 1, { seeder: true, completed: true });
      await put(s, H, 4, 1, 1, { seeder: true, completed: true });
      assert.equal((await counts(s, H)).downloaded, 1, 'completed twice counts once');
      // A leecher that turns seeder (left=0) without sending completed counts once…
      await put(s, H, 4, 2, 1);
      await put(s, H, 4, 2, 1, { seeder: true });
      assert.equal((await counts(s, H)).downloaded, 2);
      // …and a later completed from it does not count again, nor a flip back and forth.
      await put(s, H, 4, 2, 1, { seeder: true, completed: true });
      await put(s, H, 4, 2, 1, { seeder: false });
      await put(s, H, 4, 2, 1, { seeder: true });
      assert.equal((await counts(s, H)).downloaded, 2);
      // A peer that arrives already seeding downloaded nothing here.
      await put(s, H, 6, 3, 1, { seeder: true });
      await put(s, H, 6, 3, 1, { seeder: true });
      assert.equal((await counts(s, H)).downloaded, 2);
      // completed from a leecher (completed but left > 0 is odd, still a completion).
      await put(s, H, 6, 4, 1, { completed: true });
      assert.equal((await counts(s, H)).downloaded, 3);
    });

    test('remove deletes exactly one peer and frees an emptied torrent', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 1, 1, { seeder: true });
      await put(s, H, 4, 2, 1);
      await put(s, H2, 6, 1, 1);
      if (hasAdmin(s)) assert.equal(totals(s).torrents, 2);
      assert.equal(await remove(s, H, 4, addrOf(4, 1), 2), false, 'wrong port');
      assert.equal(await remove(s, H, 6, addrOf(6, 1), 1), false, 'wrong family');
      assert.equal(await remove(s, hashOf(99), 4, addrOf(4, 1), 1), false, 'unknown torrent');
      assert.equal(await remove(s, H, 4, addrOf(4, 1), 1), true);
      assert.equal(await remove(s, H, 4, addrOf(4, 1), 1), false, 'already removed');
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 1, downloaded: 0 });
      assert.equal(await remove(s, H2, 6, addrOf(6, 1), 1), true);
      assert.deepEqual(await counts(s, H2), { seeders: 0, leechers: 0, downloaded: 0 });
      if (!hasAdmin(s)) return;
      assert.equal(totals(s).torrents, 1, 'the emptied torrent is freed');
      assert.deepEqual(
        visitAll(s)
          .normalised()
          .map((t) => t.hash),
        [H.toString('hex')],
      );
    });

    test('counts of an unknown torrent are zeros, written into the given object', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 1, 1);
      const out: SwarmCounts = { seeders: 7, leechers: 7, downloaded: 7 };
      assert.equal(await s.counts(hashOf(3), 0, out), out);
      assert.deepEqual(out, { seeders: 0, leechers: 0, downloaded: 0 });
      // Offsets are honoured: the hash read at hashOff.
      const padded = Buffer.concat([Buffer.alloc(5), H]);
      assert.deepEqual(await s.counts(padded, 5, out), { seeders: 0, leechers: 1, downloaded: 0 });
    });

    test('select sends the compact address, port and peer_id of each peer', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 0x010203, 0xbeef, { id: 42 });
      await put(s, H, 6, 0x0a0b0c0d, 0x0102, { id: 43 });
      const four = (await select(s, H, 4, null, 0, false, 5)).peers;
      assert.deepEqual(four, [{ family: 4, addr: '0a010203', port: 0xbeef, id: idOf(42).toString('hex') }]);
      const six = (await select(s, H, 6, null, 0, false, 5)).peers;
      assert.deepEqual(six, [
        {
          family: 6,
          addr: addrOf(6, 0x0a0b0c0d).toString('hex'),
          port: 0x0102,
          id: idOf(43).toString('hex'),
        },
      ]);
      assert.equal((await select(s, hashOf(9), 4, null, 0, false, 5)).peers.length, 0, 'unknown torrent');
      assert.equal((await select(s, H, 4, null, 0, false, 0)).peers.length, 0, 'max 0');
    });

    test('select picks at random: many selections return different subsets and every peer', async () => {
      const s = await makeStore(BIG);
      for (let i = 0; i < 100; i++) await put(s, H, 4, i, 7000);
      const subsets = new Set<string>();
      const seen = new Set<string>();
      const runs = 300;
      for (let r = 0; r < runs; r++) {
        const got = (await select(s, H, 4, addrOf(4, 5000), 1, false, 10)).keys();
        assert.equal(got.length, 10);
        for (const k of got) seen.add(k);
        subsets.add([...got].sort().join(','));
      }
      assert.equal(seen.size, 100, 'every peer is eventually returned');
      assert.ok(subsets.size >= runs * 0.8, `only ${subsets.size} distinct subsets in ${runs} selections`);
    });

    test('select picks at random when one peer too many is available', async () => {
      // numwant + 1 peers and a requester that is not one of them: each selection must
      // leave out a random one, not always the same.
      const s = await makeStore(BIG);
      for (let i = 0; i < 11; i++) await put(s, H, 4, i, 7000);
      const seen = new Set<string>();
      const left = new Set<string>();
      for (let r = 0; r < 300; r++) {
        const got = (await select(s, H, 4, null, 0, false, 10)).keys();
        assert.equal(got.length, 10);
        for (const k of got) seen.add(k);
        for (let i = 0; i < 11; i++) if (!got.includes(key(4, i, 7000))) left.add(key(4, i, 7000));
      }
      assert.equal(seen.size, 11, 'every peer is eventually returned');
      assert.equal(left.size, 11, 'every peer is eventually the one left out');
    });

    test('select never returns the requester', async () => {
      const s = await makeStore(BIG);
      for (const n of [3, 11, 60]) {
        const h = hashOf(100 + n);
        for (let i = 0; i < n; i++) await put(s, h, 6, i, 9000);
        for (const max of [1, n - 2, n - 1, n, n + 5]) {
          for (let r = 0; r < 60; r++) {
            const self = r % n;
            const got = (await select(s, h, 6, addrOf(6, self), 9000, false, max)).keys();
            assert.ok(!got.includes(key(6, self, 9000)), `requester returned (swarm ${n}, max ${max})`);
            assert.equal(got.length, Math.min(max, n - 1), `swarm ${n}, max ${max}`);
          }
        }
      }
      // Same address, other port: a different peer, so it is returned.
      const h = hashOf(200);
      await put(s, h, 4, 1, 1);
      await put(s, h, 4, 1, 2);
      assert.deepEqual((await select(s, h, 4, addrOf(4, 1), 1, false, 10)).keys(), [key(4, 1, 2)]);
    });

    test('a seeder gets leechers only, and max is respected', async () => {
      const s = await makeStore(BIG);
      for (let i = 0; i < 40; i++) await put(s, H, 4, i, 1, { seeder: i % 4 === 0 });
      const leechers = new Set<string>();
      for (let i = 0; i < 40; i++) if (i % 4 !== 0) leechers.add(key(4, i, 1));
      for (let r = 0; r < 100; r++) {
        const max = 1 + (r % 35);
        const got = (await select(s, H, 4, addrOf(4, 0), 1, true, max)).keys();
        assert.equal(got.length, Math.min(max, 30));
        for (const k of got) assert.ok(leechers.has(k), `seeder was given ${k}`);
      }
      // A leecher gets both, up to max.
      const all = (await select(s, H, 4, addrOf(4, 1), 1, false, 100)).keys();
      assert.equal(all.length, 39);
      // Only seeders in the swarm: nothing for a seeder.
      await put(s, H2, 6, 1, 1, { seeder: true });
      await put(s, H2, 6, 2, 1, { seeder: true });
      assert.equal((await select(s, H2, 6, null, 0, true, 10)).peers.length, 0);
      assert.equal((await select(s, H2, 6, null, 0, false, 10)).peers.length, 2);
    });

    adminTest('sweep removes only stale peers; an emptied torrent keeps only its count', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 1, 1, { now: 100 });
      await put(s, H, 4, 2, 1, { now: 200, seeder: true });
      await put(s, H, 6, 3, 1, { now: 150 });
      await put(s, H2, 4, 1, 1, { now: 100, completed: true, seeder: true });
      await put(s, hashOf(3), 6, 1, 1, { now: 300 });
      assert.equal(totals(s).torrents, 3);
      let done = false;
      for (let i = 0; i < 100 && !done; i++) done = s.sweep(150, 1_000_000);
      assert.ok(done, 'a pass with a large budget completes');
      // Last seen exactly at the cutoff stays; before it goes.
      assert.deepEqual(await counts(s, H), { seeders: 1, leechers: 1, downloaded: 0 });
      // H2's only peer expired; its completion stays (BEP 48: downloaded never goes back).
      assert.deepEqual(await counts(s, H2), { seeders: 0, leechers: 0, downloaded: 1 });
      const t = totals(s);
      assert.deepEqual(
        [t.torrents, t.countOnly, t.seeders4, t.leechers4, t.seeders6, t.leechers6],
        [2, 1, 1, 0, 0, 2],
      );
      const peers = visitAll(s)
        .normalised()
        .flatMap((v) => v.peers.map((p) => p.split(' ')[0]));
      assert.deepEqual(peers.sort(), [key(4, 2, 1), key(6, 1, 1), key(6, 3, 1)].sort());
    });

    test('a torrent emptied by stop keeps its downloaded count as a count-only record', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 1, 1, { seeder: true, completed: true });
      await put(s, H, 6, 2, 1);
      assert.equal(await remove(s, H, 4, addrOf(4, 1), 1), true);
      assert.equal(await remove(s, H, 6, addrOf(6, 2), 1), true);
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 0, downloaded: 1 });
      assert.equal(await remove(s, H, 4, addrOf(4, 1), 1), false, 'a count-only record has no peers');
      assert.equal((await select(s, H, 4, null, 0, false, 10)).peers.length, 0);
      assert.equal((await select(s, H, 6, null, 0, true, 10)).peers.length, 0);
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 0, downloaded: 1 }, 'still counted');
      if (!hasAdmin(s)) return;
      assert.deepEqual(totals(s), { ...EMPTY_TOTALS, countOnly: 1 }, 'no peers, one count-only record');
      const v = visitAll(s).torrents;
      assert.deepEqual(
        v.map((t) => [t.hash, t.downloaded, t.peers.length]),
        [[H.toString('hex'), 1, 0]],
      );
      // A torrent that never had a completion is still freed with its last peer.
      await put(s, H2, 4, 1, 1, { seeder: true });
      await remove(s, H2, 4, addrOf(4, 1), 1);
      assert.deepEqual(totals(s), { ...EMPTY_TOTALS, countOnly: 1 });
      assert.equal(visitAll(s).torrents.length, 1);
    });

    test('a count-only record that gets a peer is a torrent again with its count intact', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 1, 1, { seeder: true, completed: true });
      await put(s, H, 4, 2, 1, { completed: true });
      await remove(s, H, 4, addrOf(4, 1), 1);
      await remove(s, H, 4, addrOf(4, 2), 1);
      if (hasAdmin(s)) assert.equal(totals(s).countOnly, 1);
      assert.equal(await put(s, H, 6, 3, 1), PUT_OK);
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 1, downloaded: 2 });
      if (hasAdmin(s)) {
        assert.deepEqual(
          [totals(s).torrents, totals(s).countOnly, totals(s).leechers6],
          [1, 0, 1],
          'counted as a torrent with peers again',
        );
      }
      // A returning peer was forgotten with the swarm: its completion counts again.
      await put(s, H, 4, 1, 1, { seeder: true, completed: true });
      assert.deepEqual(await counts(s, H), { seeders: 1, leechers: 1, downloaded: 3 });
      assert.deepEqual((await select(s, H, 4, null, 0, false, 10)).keys(), [key(4, 1, 1)]);
      assert.deepEqual((await select(s, H, 6, null, 0, false, 10)).keys(), [key(6, 3, 1)]);
      if (!hasAdmin(s)) return;
      assert.equal(visitAll(s).torrents[0].idleSince, 0, 'a torrent with peers is not idle');
      // Emptied again, it goes back to being count-only with the new count.
      await remove(s, H, 4, addrOf(4, 1), 1);
      let done = false;
      for (let i = 0; i < 100 && !done; i++) done = s.sweep(2000, 1_000_000);
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 0, downloaded: 3 });
      assert.deepEqual(totals(s), { ...EMPTY_TOTALS, countOnly: 1 });
    });

    adminTest('count-only records count toward maxTorrents; the longest-idle gives way first', async () => {
      const s = await makeStore({ maxTorrents: 4, maxPeersPerTorrent: 100 });
      // Torrents 1…4, each with one completed seeder; 1, 3, 2 are emptied in that order.
      for (let h = 1; h <= 4; h++)
        await put(s, hashOf(h), 4, h, 1, { seeder: true, completed: true, now: 100 });
      for (const h of [1, 3, 2]) await remove(s, hashOf(h), 4, addrOf(4, h), 1);
      assert.deepEqual([totals(s).torrents, totals(s).countOnly], [1, 3]);
      // The table is full (1 torrent + 3 count-only): a new torrent evicts the longest-idle, 1.
      assert.equal(await put(s, hashOf(5), 4, 5, 1), PUT_OK);
      assert.equal((await counts(s, hashOf(1))).downloaded, 0, 'the longest-idle record is gone');
      assert.equal((await counts(s, hashOf(3))).downloaded, 1);
      assert.equal((await counts(s, hashOf(2))).downloaded, 1);
      // 3 gets a peer again: no longer idle, so 2 is next, not 3.
      assert.equal(await put(s, hashOf(3), 6, 3, 1), PUT_OK, 'reviving takes no new room');
      assert.equal(await put(s, hashOf(6), 4, 6, 1), PUT_OK);
      assert.equal((await counts(s, hashOf(2))).downloaded, 0);
      assert.deepEqual(await counts(s, hashOf(3)), { seeders: 0, leechers: 1, downloaded: 1 });
      assert.deepEqual([totals(s).torrents, totals(s).countOnly], [4, 0]);
      // No count-only record left: the next new torrent is refused, the others unchanged.
      assert.equal(await put(s, hashOf(7), 4, 7, 1), PUT_TORRENT_LIMIT);
      assert.deepEqual(await counts(s, hashOf(7)), { seeders: 0, leechers: 0, downloaded: 0 });
      for (const h of [3, 4, 5, 6])
        assert.equal((await counts(s, hashOf(h))).seeders + (await counts(s, hashOf(h))).leechers, 1);
      // A freshly emptied one makes room again, and is the one that goes.
      await remove(s, hashOf(4), 4, addrOf(4, 4), 1);
      assert.equal(await put(s, hashOf(7), 4, 7, 1), PUT_OK);
      assert.equal((await counts(s, hashOf(4))).downloaded, 0);
      assert.deepEqual([totals(s).torrents, totals(s).countOnly], [4, 0]);
    });

    adminTest('many emptied torrents stay within maxTorrents, keeping the most recent counts', async () => {
      const s = await makeStore({ maxTorrents: 10, maxPeersPerTorrent: 100 });
      for (let h = 0; h < 200; h++) {
        assert.equal(
          await put(s, hashOf(h), 4, 1, 1, { seeder: true, completed: true, now: 1000 + h }),
          PUT_OK,
        );
        if (h % 2 === 0) await remove(s, hashOf(h), 4, addrOf(4, 1), 1);
        else {
          let done = false;
          for (let i = 0; i < 100 && !done; i++) done = s.sweep(1001 + h, 1_000_000);
        }
        const t = totals(s);
        assert.ok(t.torrents + t.countOnly <= 10, `torrent ${h}: ${t.torrents} + ${t.countOnly} records`);
      }
      assert.deepEqual(totals(s), { ...EMPTY_TOTALS, countOnly: 10 });
      for (let h = 0; h < 200; h++)
        assert.equal((await counts(s, hashOf(h))).downloaded, h >= 190 ? 1 : 0, `torrent ${h}`);
    });

    adminTest('visit reports a count-only record with no peers and when it became idle', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 1, 1, { completed: true, now: 5000 });
      await put(s, H2, 4, 1, 1, { completed: true, now: 6000 });
      await remove(s, H, 4, addrOf(4, 1), 1);
      const v = visitAll(s).torrents.sort((a, b) => (a.hash < b.hash ? -1 : 1));
      assert.deepEqual(
        v.map((t) => [t.hash, t.downloaded, t.peers.length]),
        [
          [H.toString('hex'), 1, 0],
          [H2.toString('hex'), 1, 1],
        ],
      );
      // Idle from the store's latest time (6000) on; a torrent with peers reads 0.
      assert.equal(v[0].idleSince, 6000);
      assert.equal(v[1].idleSince, 0);
    });

    adminTest('keepCount restores count-only records in idle order, within maxTorrents', async () => {
      const s = await makeStore({ maxTorrents: 3, maxPeersPerTorrent: 100 });
      await put(s, hashOf(1), 4, 1, 1, { completed: true });
      assert.equal(s.keepCount(hashOf(2), 0, 7, 500), true);
      assert.equal(s.keepCount(hashOf(3), 0, 9, 600), true);
      assert.deepEqual(await counts(s, hashOf(2)), { seeders: 0, leechers: 0, downloaded: 7 });
      assert.deepEqual([totals(s).torrents, totals(s).countOnly], [1, 2]);
      const idle = visitAll(s).torrents.find((t) => t.hash === hashOf(3).toString('hex'));
      assert.equal(idle?.idleSince, 600);
      // Nothing to keep for a count of zero.
      assert.equal(s.keepCount(hashOf(8), 0, 0, 700), false);
      // A known torrent's count is raised, never lowered, and it stays as it is.
      assert.equal(s.keepCount(hashOf(1), 0, 5, 700), true);
      assert.equal(s.keepCount(hashOf(1), 0, 2, 700), true);
      assert.deepEqual(await counts(s, hashOf(1)), { seeders: 0, leechers: 1, downloaded: 5 });
      assert.equal(s.keepCount(hashOf(3), 0, 4, 700), true);
      assert.equal((await counts(s, hashOf(3))).downloaded, 9);
      assert.deepEqual([totals(s).torrents, totals(s).countOnly], [1, 2]);
      // Full: a newer record takes the place of the longest-idle one (2, kept first).
      assert.equal(s.keepCount(hashOf(4), 0, 1, 800), true);
      assert.equal((await counts(s, hashOf(2))).downloaded, 0);
      assert.equal(await put(s, hashOf(5), 4, 1, 1), PUT_OK, 'and a new torrent evicts 3 next');
      assert.equal((await counts(s, hashOf(3))).downloaded, 0);
      assert.equal((await counts(s, hashOf(4))).downloaded, 1);
      // Full of torrents with peers: nothing is kept.
      await put(s, hashOf(4), 6, 1, 1);
      assert.equal(s.keepCount(hashOf(6), 0, 3, 900), false);
      assert.deepEqual(await counts(s, hashOf(6)), { seeders: 0, leechers: 0, downloaded: 0 });
    });

    adminTest('drop forgets a torrent with its peers and count, or a count-only record', async () => {
      const s = await makeStore(BIG);
      for (let i = 0; i < 7; i++) await put(s, H, i % 2 ? 4 : 6, i, 1, { seeder: i < 3, completed: i < 3 });
      await put(s, H2, 4, 1, 1, { completed: true });
      await remove(s, H2, 4, addrOf(4, 1), 1);
      await put(s, hashOf(3), 4, 1, 1);
      assert.equal(s.drop(H, 0), true);
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 0, downloaded: 0 });
      assert.equal(s.drop(H2, 0), true);
      assert.deepEqual(await counts(s, H2), { seeders: 0, leechers: 0, downloaded: 0 });
      assert.equal(s.drop(H2, 0), false, 'already gone');
      assert.equal(s.drop(hashOf(99), 0), false, 'unknown');
      assert.deepEqual(totals(s), { ...EMPTY_TOTALS, torrents: 1, leechers4: 1, peers4: 1 });
      assert.deepEqual(s.uniqueAddresses(), { v4: 1, v6: 0 });
      assert.deepEqual(
        visitAll(s)
          .normalised()
          .map((t) => t.hash),
        [hashOf(3).toString('hex')],
      );
      // A dropped torrent starts over from nothing.
      await put(s, H, 4, 1, 1);
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 1, downloaded: 0 });
    });

    adminTest('a bounded sweep resumes where it stopped until the pass completes', async () => {
      const s = await makeStore(BIG);
      let n = 0;
      for (let t = 0; t < 20; t++) {
        for (let i = 0; i < 15; i++) {
          const fam: Family = i % 3 === 0 ? 6 : 4;
          await put(s, hashOf(1000 + t), fam, n++, 1, { now: i % 2 === 0 ? 10 : 500 });
        }
      }
      const fresh = totals(s);
      const total = fresh.leechers4 + fresh.leechers6;
      assert.equal(total, 300);
      const stale = 20 * 8; // even i in 0..14
      let calls = 0;
      let done = false;
      let before = total;
      while (!done) {
        done = s.sweep(100, 7);
        calls++;
        const t = totals(s);
        const now = t.leechers4 + t.leechers6;
        assert.ok(before - now <= 7, `one call with budget 7 removed ${before - now} peers`);
        before = now;
        assert.ok(calls < 10_000, 'the pass never completed');
      }
      assert.ok(
        calls >= Math.ceil(total / 7),
        `a budget of 7 finished a pass of ${total} peers in ${calls} calls`,
      );
      const after = totals(s);
      assert.equal(after.leechers4 + after.leechers6, total - stale);
      assert.equal(after.torrents, 20);
      // The next call starts a new pass; nothing more is stale.
      done = false;
      for (let i = 0; i < 10_000 && !done; i++) done = s.sweep(100, 1000);
      assert.ok(done);
      assert.equal(totals(s).leechers4 + totals(s).leechers6, total - stale);
      // Everything stale: the whole store empties, torrents included.
      done = false;
      for (let i = 0; i < 10_000 && !done; i++) done = s.sweep(1000, 13);
      assert.deepEqual(totals(s), EMPTY_TOTALS);
    });

    // Which peers remain is read by visit (a selection would add a peer and evict).
    adminTest('maxPeersPerTorrent evicts the stalest peer of that torrent and family', async () => {
      const s = await makeStore({ maxTorrents: 100, maxPeersPerTorrent: 3 });
      await put(s, H, 4, 1, 1, { now: 100 });
      await put(s, H, 4, 2, 1, { now: 101, seeder: true });
      await put(s, H, 4, 3, 1, { now: 102 });
      await put(s, H, 4, 1, 1, { now: 103 }); // refreshed: now 2 is the stalest
      await put(s, H, 6, 1, 1, { now: 50 }); // v6 has its own cap
      await put(s, H2, 4, 9, 1, { now: 10 }); // another torrent has its own cap
      assert.equal(await put(s, H, 4, 4, 1, { now: 104 }), PUT_EVICTED, 'put reports the eviction');
      assert.deepEqual(await counts(s, H), { seeders: 0, leechers: 4, downloaded: 0 });
      const four = listed(s, H, 4);
      assert.deepEqual(four, [key(4, 1, 1), key(4, 3, 1), key(4, 4, 1)].sort());
      assert.equal((await counts(s, H2)).leechers, 1);
      // Refreshing an existing peer at the cap evicts nobody.
      await put(s, H, 4, 3, 1, { now: 105, seeder: true });
      assert.equal(listed(s, H, 4).length, 3);
      // Fill v6 to the cap and beyond: the oldest v6 goes.
      await put(s, H, 6, 2, 1, { now: 60 });
      await put(s, H, 6, 3, 1, { now: 70 });
      await put(s, H, 6, 4, 1, { now: 80 });
      const six = listed(s, H, 6);
      assert.deepEqual(six, [key(6, 2, 1), key(6, 3, 1), key(6, 4, 1)].sort());
    });

    adminTest('last-seen holds real unix times, across any binary boundary of them', async () => {
      // 106 * 2^24: a store that keeps fewer bits of the time must still order and
      // report these exactly (sweep, eviction, snapshot).
      const B = 1_778_384_896;
      const s = await makeStore({ maxTorrents: 100, maxPeersPerTorrent: 2 });
      await put(s, H, 4, 1, 1, { now: B - 5 });
      await put(s, H, 4, 2, 1, { now: B + 5 });
      assert.equal(await put(s, H, 4, 3, 1, { now: B + 100 }), PUT_EVICTED);
      assert.deepEqual(listed(s, H, 4), [key(4, 2, 1), key(4, 3, 1)].sort());
      await put(s, H2, 4, 1, 1, { now: B - 5 });
      let done = false;
      for (let i = 0; i < 100 && !done; i++) done = s.sweep(B, 1_000_000);
      assert.equal((await counts(s, H2)).leechers, 0, 'seen before the cutoff: swept');
      const seen = visitAll(s)
        .normalised()
        .flatMap((v) => v.peers.map((p) => p.replace(/ id=\S+/, '')));
      assert.deepEqual(
        seen.sort(),
        [`${key(4, 2, 1)} seeder=false seen=${B + 5}`, `${key(4, 3, 1)} seeder=false seen=${B + 100}`].sort(),
      );
    });

    test('maxTorrents refuses a new torrent beyond the cap', async () => {
      const s = await makeStore({ maxTorrents: 2, maxPeersPerTorrent: 100 });
      assert.equal(await put(s, hashOf(1), 4, 1, 1), PUT_OK);
      assert.equal(await put(s, hashOf(2), 6, 1, 1), PUT_OK);
      await settle(s);
      assert.equal(await put(s, hashOf(3), 4, 1, 1), PUT_TORRENT_LIMIT);
      assert.deepEqual(await counts(s, hashOf(3)), { seeders: 0, leechers: 0, downloaded: 0 });
      if (hasAdmin(s)) assert.equal(totals(s).torrents, 2);
      // Known torrents still take new peers.
      assert.equal(await put(s, hashOf(1), 4, 2, 1), PUT_OK);
      assert.equal(await put(s, hashOf(2), 4, 2, 1), PUT_OK);
      // Once a torrent is freed there is room again.
      await remove(s, hashOf(2), 6, addrOf(6, 1), 1);
      await remove(s, hashOf(2), 4, addrOf(4, 2), 1);
      await settle(s);
      assert.equal(await put(s, hashOf(3), 4, 1, 1), PUT_OK);
      if (hasAdmin(s)) assert.equal(totals(s).torrents, 2);
    });

    adminTest('visit sees every torrent and peer exactly once with its fields, in any chunking', async () => {
      const s = await makeStore(BIG);
      const expected: { hash: string; downloaded: number; peers: string[] }[] = [];
      for (let t = 0; t < 30; t++) {
        const h = hashOf(5000 + t);
        const peers: string[] = [];
        for (let i = 0; i <= t % 7; i++) {
          const fam: Family = (t + i) % 2 === 0 ? 4 : 6;
          const seeder = i % 3 === 0;
          await put(s, h, fam, t * 100 + i, 2000 + i, {
            seeder,
            completed: seeder,
            now: 10_000 + t + i,
            id: i,
          });
          peers.push(
            `${key(fam, t * 100 + i, 2000 + i)} id=${idOf(i).toString('hex')} seeder=${seeder} seen=${10_000 + t + i}`,
          );
        }
        const downloaded = peers.filter((p) => p.includes('seeder=true')).length;
        expected.push({ hash: h.toString('hex'), downloaded, peers: peers.sort() });
      }
      expected.sort((a, b) => (a.hash < b.hash ? -1 : 1));
      for (const chunk of [1_000_000, 1, 4, 29]) {
        const v = visitAll(s, chunk);
        assert.equal(v.torrents.length, 30, `chunk ${chunk}: each torrent once`);
        assert.deepEqual(v.normalised(), expected, `chunk ${chunk}`);
      }
      // A bounded call visits at most maxTorrents torrents and returns where to go on.
      const v = new Visit();
      const next = s.visit(0, 5, v);
      assert.equal(v.torrents.length, 5);
      assert.ok(next > 0);
      assert.equal(s.visit(0, 0, new Visit()) === -1, false, 'visiting 0 torrents does not finish');
    });

    adminTest('visit of an empty store finishes at once', async () => {
      const s = await makeStore(BIG);
      const v = new Visit();
      assert.equal(s.visit(0, 100, v), -1);
      assert.equal(v.torrents.length, 0);
    });

    adminTest('setDownloaded sets the count of a known torrent only', async () => {
      const s = await makeStore(BIG);
      await put(s, H, 4, 1, 1, { completed: true, seeder: true });
      assert.equal(s.setDownloaded(H, 0, 12345), true);
      assert.equal((await counts(s, H)).downloaded, 12345);
      await put(s, H, 4, 2, 1, { completed: true, seeder: true });
      assert.equal((await counts(s, H)).downloaded, 12346, 'counting goes on from the restored value');
      assert.equal(s.setDownloaded(H2, 0, 5), false);
      assert.deepEqual(await counts(s, H2), { seeders: 0, leechers: 0, downloaded: 0 });
      assert.equal(totals(s).torrents, 1, 'setDownloaded does not create torrents');
    });

    adminTest('uniqueAddresses counts distinct addresses per family', async () => {
      const s = await makeStore(BIG);
      assert.deepEqual(s.uniqueAddresses(), { v4: 0, v6: 0 });
      await put(s, H, 4, 1, 1);
      await put(s, H, 4, 1, 2); // same address, other port
      await put(s, H2, 4, 1, 1); // same address, other torrent
      await put(s, H, 4, 2, 1);
      await put(s, H, 6, 1, 1);
      assert.deepEqual(s.uniqueAddresses(), { v4: 2, v6: 1 });
      await remove(s, H, 4, addrOf(4, 1), 1);
      await remove(s, H, 4, addrOf(4, 1), 2);
      assert.deepEqual(s.uniqueAddresses(), { v4: 2, v6: 1 }, 'still announced in H2');
      await remove(s, H2, 4, addrOf(4, 1), 1);
      assert.deepEqual(s.uniqueAddresses(), { v4: 1, v6: 1 });
      for (let i = 0; i < 50; i++) await put(s, H, 6, 100 + (i % 10), 1000 + i);
      assert.deepEqual(s.uniqueAddresses(), { v4: 1, v6: 11 });
    });

    adminTest('clear drops everything and the store works afterwards', async () => {
      const s = await makeStore(BIG);
      for (let i = 0; i < 50; i++) await put(s, hashOf(i % 5), i % 2 ? 4 : 6, i, 1, { seeder: i % 3 === 0 });
      s.clear();
      assert.deepEqual(totals(s), EMPTY_TOTALS);
      assert.deepEqual(s.uniqueAddresses(), { v4: 0, v6: 0 });
      assert.deepEqual(await counts(s, hashOf(0)), { seeders: 0, leechers: 0, downloaded: 0 });
      assert.equal(visitAll(s).torrents.length, 0);
      assert.equal(s.sweep(1_000_000, 1_000_000), true);
      await put(s, hashOf(0), 4, 1, 1);
      assert.deepEqual(await counts(s, hashOf(0)), { seeders: 0, leechers: 1, downloaded: 0 });
      assert.equal((await select(s, hashOf(0), 4, null, 0, false, 5)).peers.length, 1);
    });

    test('offsets: hash, address and peer_id are read where the caller says', async () => {
      const s = await makeStore(BIG);
      const hashBuf = Buffer.concat([Buffer.alloc(3, 0xff), H, Buffer.alloc(3, 0xee)]);
      const idBuf = Buffer.concat([Buffer.alloc(7, 0x11), idOf(8), Buffer.alloc(2)]);
      await announce(s, hashBuf, 4, addrOf(4, 1), 1, { hashOff: 3, id: idBuf, idOff: 7, now: 1000 });
      assert.deepEqual((await counts(s, H)).leechers, 1);
      const got = (await select(s, hashBuf.subarray(3, 23), 4, null, 0, false, 5)).peers;
      assert.equal(got[0].id, idOf(8).toString('hex'));
      assert.equal(await remove(s, hashBuf, 4, addrOf(4, 1), 1, 3), true);
    });

    describe('randomized against a reference model', () => {
      const scenarios = [
        { seed: 1, ops: 4000, hashes: 6, addrs: 8, ports: 3, maxPeers: 10, maxTorrents: 4 },
        { seed: 2, ops: 4000, hashes: 3, addrs: 48, ports: 2, maxPeers: 1000, maxTorrents: 100 },
        { seed: 3, ops: 3000, hashes: 40, addrs: 4, ports: 2, maxPeers: 5, maxTorrents: 25 },
      ];
      for (const sc of scenarios) {
        adminTest(`seed ${sc.seed}: ${sc.ops} random announce/remove/flip/sweep operations`, async () => {
          await runModel(makeStore, sc);
        });
      }
    });
  });
}

// ---- the reference model: plain Maps, obviously right ----

interface ModelPeer {
  family: Family;
  n: number;
  port: number;
  id: number;
  seeder: boolean;
  counted: boolean;
  seen: number;
}

interface ModelTorrent {
  downloaded: number;
  peers: Map<string, ModelPeer>;
  /** -1 while it has peers; for a count-only record, the op that left it without any. */
  idle: number;
}

interface Scenario {
  seed: number;
  ops: number;
  hashes: number;
  addrs: number;
  ports: number;
  maxPeers: number;
  maxTorrents: number;
}

async function runModel(makeStore: (l: StoreLimits) => Promise<Store>, sc: Scenario): Promise<void> {
  const rnd = prng(sc.seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const store = await makeStore({ maxTorrents: sc.maxTorrents, maxPeersPerTorrent: sc.maxPeers });
  const model = new Map<number, ModelTorrent>();
  // Strictly increasing time keeps "the stalest peer" unique, so eviction is exact.
  let now = 1_000;

  const familyCount = (t: ModelTorrent, fam: Family) => [...t.peers.values()].filter((p) => p.family === fam);

  /** A torrent that just lost its last peer: kept as count-only if it has completions. */
  const emptied = (h: number, t: ModelTorrent, op: number) => {
    if (t.idle >= 0 || t.peers.size > 0) return;
    if (t.downloaded > 0) t.idle = op;
    else model.delete(h);
  };

  /**
   * The table is full: the store must have evicted one of the longest-idle count-only
   * records (which of those emptied in the same op is the store's business). Returns
   * false when there was none to evict.
   */
  const evicted = (op: number, what: string): boolean => {
    const idle = [...model.entries()].filter(([, t]) => t.idle >= 0);
    if (idle.length === 0) return false;
    const oldest = Math.min(...idle.map(([, t]) => t.idle));
    const present = new Set(visitAll(store).torrents.map((t) => t.hash));
    const gone = idle.filter(([h, t]) => t.idle === oldest && !present.has(hashOf(h).toString('hex')));
    assert.equal(gone.length, 1, `op ${op}: ${what} must evict one of the longest-idle, seed ${sc.seed}`);
    model.delete(gone[0][0]);
    return true;
  };

  const check = async (op: number, what: string) => {
    const ctx = `op ${op} (${what}), seed ${sc.seed}`;
    const idle = [...model.values()].filter((t) => t.idle >= 0).length;
    const tot = { ...EMPTY_TOTALS, torrents: model.size - idle, countOnly: idle };
    for (let h = 0; h < sc.hashes; h++) {
      const t = model.get(h);
      const want = { seeders: 0, leechers: 0, downloaded: t?.downloaded ?? 0 };
      for (const p of t?.peers.values() ?? []) {
        if (p.seeder) want.seeders++;
        else want.leechers++;
        tot[`${p.seeder ? 'seeders' : 'leechers'}${p.family}`]++;
        tot[`peers${p.family}`]++;
      }
      assert.deepEqual(await counts(store, hashOf(h)), want, `${ctx}: counts of torrent ${h}`);
    }
    assert.deepEqual(totals(store), tot, `${ctx}: totals`);
  };

  const checkVisit = (op: number) => {
    const expected = [...model.entries()]
      .map(([h, t]) => ({
        hash: hashOf(h).toString('hex'),
        downloaded: t.downloaded,
        peers: [...t.peers.values()]
          .map(
            (p) =>
              `${key(p.family, p.n, p.port)} id=${idOf(p.id).toString('hex')} seeder=${p.seeder} seen=${p.seen}`,
          )
          .sort(),
      }))
      .sort((a, b) => (a.hash < b.hash ? -1 : 1));
    assert.deepEqual(visitAll(store, 1 + pick(5)).normalised(), expected, `op ${op}: visit, seed ${sc.seed}`);
  };

  for (let op = 0; op < sc.ops; op++) {
    now++;
    const h = pick(sc.hashes);
    const fam: Family = rnd() < 0.6 ? 4 : 6;
    const n = pick(sc.addrs);
    const port = 1 + pick(sc.ports);
    const k = key(fam, n, port);
    const r = rnd();
    let what = '';
    if (r < 0.6 || r >= 0.905) {
      // announce: new peer, refresh, or flip, sometimes with completed, asking for up to
      // `max` peers: its own family first, then the other while the sink has room.
      const seeder = rnd() < 0.35;
      const completed = rnd() < 0.15;
      const id = pick(1000);
      const max = pick(12);
      const otherRoom = pick(3) === 0 ? 0 : max;
      what = `announce ${h} ${k} seeder=${seeder} completed=${completed} max=${max} other=${otherRoom}`;
      const sink = new Collect(fam === 4 ? [max, otherRoom] : [otherRoom, max]);
      const got = { seeders: -1, leechers: -1, downloaded: -1 };
      let t = model.get(h);
      const isNew = t === undefined;
      const res = await announce(store, hashOf(h), fam, addrOf(fam, n), port, {
        id: idOf(id),
        seeder,
        completed,
        now,
        numwant: max,
        sink,
        counts: got,
      });
      if (isNew && model.size >= sc.maxTorrents && !evicted(op, what)) {
        assert.equal(res, PUT_TORRENT_LIMIT, `op ${op}: ${what} beyond maxTorrents`);
        assert.equal(sink.peers.length, 0, `op ${op}: ${what}: a refused announce gets no peers`);
      } else {
        if (!t) {
          t = { downloaded: 0, peers: new Map(), idle: -1 };
          model.set(h, t);
        }
        const p = t.peers.get(k);
        let evicts = false;
        if (!p) {
          const same = familyCount(t, fam);
          if (same.length >= sc.maxPeers) {
            const stalest = same.reduce((a, b) => (b.seen < a.seen ? b : a));
            t.peers.delete(key(stalest.family, stalest.n, stalest.port));
            evicts = true;
          }
          const np: ModelPeer = { family: fam, n, port, id, seeder, counted: false, seen: now };
          if (completed) {
            np.counted = true;
            t.downloaded++;
          }
          t.peers.set(k, np);
          t.idle = -1;
          assert.equal(res, evicts ? PUT_EVICTED : PUT_OK, `op ${op}: ${what}`);
        } else {
          assert.equal(res, PUT_OK, `op ${op}: ${what} (refresh)`);
          const becameSeeder = !p.seeder && seeder;
          p.seeder = seeder;
          p.id = id;
          p.seen = now;
          if ((completed || becameSeeder) && !p.counted) {
            p.counted = true;
            t.downloaded++;
          }
        }
        // The counts it is answered with include itself.
        const want = { seeders: 0, leechers: 0, downloaded: t.downloaded };
        for (const q of t.peers.values()) want[q.seeder ? 'seeders' : 'leechers']++;
        assert.deepEqual(got, want, `op ${op}: ${what}: counts answered`);
        // Only real peers of that torrent, never itself, only leechers to a seeder;
        // exactly min(max, eligible) of its family, then the other family's share.
        const peers = t.peers;
        const eligible = (f: Family) =>
          new Set(
            [...peers]
              .filter(([pk, q]) => q.family === f && pk !== k && !(seeder && q.seeder))
              .map(([pk]) => pk),
          );
        const other: Family = fam === 4 ? 6 : 4;
        const own = eligible(fam);
        const more = eligible(other);
        const sentOwn = Math.min(max, own.size);
        const sentOther = Math.min(max - sentOwn, otherRoom, more.size);
        assert.equal(sink.peers.filter((q) => q.family === fam).length, sentOwn, `op ${op}: ${what}`);
        assert.equal(
          sink.peers.filter((q) => q.family === other).length,
          sentOther,
          `op ${op}: ${what} (other)`,
        );
        assert.equal(new Set(sink.keys()).size, sink.peers.length, `op ${op}: ${what} repeated a peer`);
        for (const q of sink.peers) {
          const pk = `${q.family}/${q.addr}/${q.port}`;
          assert.ok((q.family === fam ? own : more).has(pk), `op ${op}: ${what} returned ${pk}`);
          assert.equal(q.id, idOf(peers.get(pk)!.id).toString('hex'), `op ${op}: peer_id of ${pk}`);
        }
      }
    } else if (r < 0.8) {
      what = `remove ${h} ${k}`;
      const t = model.get(h);
      const existed = t?.peers.delete(k) ?? false;
      assert.equal(await remove(store, hashOf(h), fam, addrOf(fam, n), port), existed, `op ${op}: ${what}`);
      if (t) emptied(h, t, op);
    } else if (r < 0.83) {
      // One slice of a sweep pass, interleaved with everything else: which peers it
      // reached is the store's business, but it may only have removed stale ones.
      const cutoff = now - pick(400);
      const budget = 1 + pick(8);
      what = `partial sweep cutoff=${cutoff} budget=${budget}`;
      store.sweep(cutoff, budget);
      const live = new Set(
        visitAll(store).torrents.flatMap((t) => t.peers.map((p) => `${t.hash} ${p.split(' ')[0]}`)),
      );
      for (const [th, t] of model) {
        for (const [pk, p] of t.peers) {
          if (live.has(`${hashOf(th).toString('hex')} ${pk}`)) continue;
          assert.ok(p.seen < cutoff, `op ${op}: ${what} removed ${pk} last seen ${p.seen}`);
          t.peers.delete(pk);
        }
        emptied(th, t, op);
      }
    } else if (r < 0.86) {
      // A full sweep pass in random slices, expiring a random share of the peers.
      const cutoff = now - pick(400);
      const budget = 1 + pick(50);
      what = `sweep cutoff=${cutoff} budget=${budget}`;
      // A partial sweep may have left a pass half done: finish it, then run a whole one.
      for (let pass = 0; pass < 2; pass++) {
        let done = false;
        for (let i = 0; i < 100_000 && !done; i++) done = store.sweep(cutoff, budget);
        assert.ok(done, `op ${op}: ${what} never completed`);
      }
      for (const [th, t] of model) {
        for (const [pk, p] of t.peers) if (p.seen < cutoff) t.peers.delete(pk);
        emptied(th, t, op);
      }
    } else if (r < 0.88) {
      what = `setDownloaded ${h}`;
      const t = model.get(h);
      const value = pick(100);
      assert.equal(store.setDownloaded(hashOf(h), 0, value), t !== undefined, `op ${op}: ${what}`);
      if (t) t.downloaded = value;
    } else if (r < 0.895) {
      // A count-only record from a snapshot: the newest idle one.
      const value = pick(4);
      what = `keepCount ${h} ${value}`;
      const t = model.get(h);
      const kept = store.keepCount(hashOf(h), 0, value, now);
      if (t) {
        assert.equal(kept, true, `op ${op}: ${what} of a known torrent`);
        t.downloaded = Math.max(t.downloaded, value);
      } else if (value === 0 || (model.size >= sc.maxTorrents && !evicted(op, what))) {
        assert.equal(kept, false, `op ${op}: ${what}`);
      } else {
        assert.equal(kept, true, `op ${op}: ${what}`);
        model.set(h, { downloaded: value, peers: new Map(), idle: op });
      }
    } else if (r < 0.905) {
      what = `drop ${h}`;
      assert.equal(store.drop(hashOf(h), 0), model.delete(h), `op ${op}: ${what}`);
    }
    await check(op, what);
    if (op % 97 === 0 || op === sc.ops - 1) checkVisit(op);
  }
  // Unique addresses agree with the model at the end.
  const v4 = new Set<number>();
  const v6 = new Set<number>();
  for (const t of model.values()) for (const p of t.peers.values()) (p.family === 4 ? v4 : v6).add(p.n);
  assert.deepEqual(store.uniqueAddresses(), { v4: v4.size, v6: v6.size }, `uniqueAddresses, seed ${sc.seed}`);
}
