// The in-memory SwarmStore: torrents in a TorrentTable, peers of each family in a
// PeerArena, each torrent's peers as a list of arena slots in a ListPool with seeders
// first. Peer selection walks a random coprime stride over the list, so it costs
// O(numwant) whatever the swarm size, copies nothing and never repeats a peer.

import type { Family } from '../bittorrent/family.ts';
import type { PeerSink, SwarmCounts } from '../bittorrent/peer-sink.ts';
import type { CompactOut } from '../protocol/compact.ts';
import { FAST } from '../runtime/fast.ts';
import { ID_MASK } from './id-index.ts';
import { IpCounter } from './ip-counter.ts';
import { ListPool, SIZES } from './list-pool.ts';
import { MAX_POSITION, NO_TORRENT, PeerArena } from './peer-arena.ts';
import { PrefixCounter } from './prefix-counter.ts';
import {
  type LocalStore,
  type PeerAnnounce,
  PUT_EVICTED,
  PUT_IP_LIMIT,
  PUT_OK,
  PUT_TORRENT_LIMIT,
  type PutResult,
  type SnapshotVisitor,
  type StoreTotals,
} from './store.ts';
import { HEAP, type TableMemory } from './table-memory.ts';
import {
  T_CLS,
  T_COUNT,
  T_DOWNLOADED,
  T_OFF,
  T_SEEDERS,
  T_WORDS,
  TorrentTable,
  torrentKey,
} from './torrent-table.ts';

export interface MemoryStoreOptions {
  maxTorrents: number;
  /** Per torrent and family; a new peer beyond it evicts the stalest. */
  maxPeersPerTorrent: number;
  /**
   * Starting slots of every table (rounded up to a power of two; default 1024). They
   * grow on demand; tests pass 1 to drive every growth and rehash path.
   */
  initialCapacity?: number;
  /**
   * Most peers one IPv4 address or IPv6 /64 may have in one torrent (limits.peersPerIp);
   * 0 or absent = no cap, and then nothing is counted.
   */
  maxPeersPerIp?: number;
}

const SEEDER = 1;
const COUNTED = 2;

// Store header words: the sweep's cursor …
const H_SWEEP_FAMILY = 0;
const H_SWEEP_SLOT = 1;
// … and in the float header: the clock, then seeders and leechers per family.
const F_CLOCK = 0;

/** Peers per family the indexes can tell apart (ids below ID_MASK). */
const MOST_PEERS = ID_MASK - 1;
/** Most words a list pool may take (4 GiB). */
const MOST_POOL = 2 ** 30;

/**
 * Words the list pool may reach for `peers` in all and `lists` lists: segments are up
 * to 1.4x their list, an eighth may be free before it compacts, and it grows by 1.5x.
 */
function poolWords(peers: number, lists: number): number {
  return Math.min(MOST_POOL, Math.ceil(1.5 * (8 / 7) * (1.4 * peers + lists)) + 1024);
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export class MemoryStore implements LocalStore {
  readonly torrents: TorrentTable;
  readonly arenas: [PeerArena, PeerArena];
  /** Unique-address counters; null in the `fast` build, which keeps no per-IP figures. */
  private readonly ips: [IpCounter, IpCounter] | null;
  private readonly pool: ListPool;
  /** Peers per (torrent, /32 or /64); null when limits.peersPerIp is off. */
  private readonly prefixes: PrefixCounter | null;
  private readonly maxPerIp: number;
  /** Scalars in the store's header: the sweep's cursor. */
  private readonly h: Int32Array;
  /** The latest `now` put() was given (peers keep last-seen modulo 2^24, read against it). */
  private readonly clockWord: Float64Array;
  private readonly seedTotals: Float64Array;
  private readonly leechTotals: Float64Array;
  /** Sink of touch()'s reads. */
  protected touched = 0;

  /**
   * @param mem where the tables live: private (HEAP) or memory other threads share
   * (app/swarm/shared/), whose tables this builds in a fixed order
   */
  constructor(
    private readonly opts: MemoryStoreOptions,
    mem: TableMemory = HEAP,
  ) {
    // Peer records hold torrent ids and list positions in 24 bits (see PeerArena).
    if (opts.maxTorrents > NO_TORRENT) throw new RangeError(`maxTorrents above ${NO_TORRENT}`);
    if (opts.maxPeersPerTorrent > MAX_POSITION)
      throw new RangeError(`maxPeersPerTorrent above ${MAX_POSITION}`);
    this.h = mem.ints(2);
    this.clockWord = mem.floats(1);
    this.seedTotals = mem.floats(2);
    this.leechTotals = mem.floats(2);
    // The open-addressing indexes mask with size - 1, so sizes are powers of two.
    const n = 2 ** Math.ceil(Math.log2(Math.max(1, opts.initialCapacity ?? 1024)));
    const peers = Math.min(opts.maxTorrents * opts.maxPeersPerTorrent, MOST_PEERS);
    this.torrents = new TorrentTable(n, mem, opts.maxTorrents);
    const keyOf = (t: number): number => this.torrents.keyOf(t);
    this.arenas = [new PeerArena(4, n, keyOf, mem, peers), new PeerArena(16, n, keyOf, mem, peers)];
    this.ips = FAST ? null : [new IpCounter(4, n, mem, peers), new IpCounter(16, n, mem, peers)];
    this.pool = new ListPool(n, mem, poolWords(2 * peers, 2 * opts.maxTorrents));
    this.maxPerIp = opts.maxPeersPerIp ?? 0;
    this.prefixes = this.maxPerIp > 0 ? new PrefixCounter(n, mem, 2 * peers) : null;
  }

  /** Views again after another thread grew any table (see app/swarm/shared/). */
  protected refresh(): void {
    this.torrents.refresh();
    this.arenas[0].refresh();
    this.arenas[1].refresh();
    if (!FAST) {
      this.ips![0].refresh();
      this.ips![1].refresh();
    }
    this.pool.refresh();
    this.prefixes?.refresh();
  }

  private get clock(): number {
    return this.clockWord[F_CLOCK];
  }

  readonly answersLater = false;

  announce(op: PeerAnnounce, counts: SwarmCounts, sink: PeerSink): PutResult {
    const torrents = this.torrents;
    const { hash, hashOff, addr, port, seeder } = op;
    const tk = torrentKey(hash, hashOff);
    const f = op.family === 4 ? 0 : 1;
    const arena = this.arenas[f];
    // Both lookups' memory loads at once (see PeerArena.peek), then the torrent's.
    const hint = arena.peek(tk, addr, 0, port);
    let t = torrents.find(hash, hashOff, tk);
    if (t < 0) {
      if (torrents.size >= this.opts.maxTorrents && !this.evictCountOnly()) return PUT_TORRENT_LIMIT;
      t = torrents.insert(hash, hashOff, tk);
    }
    let s = hint >= 0 && arena.matches(hint, t, addr, 0, port) ? hint : arena.find(t, tk, addr, 0, port);
    let wasLeecher = false;
    let result: PutResult = PUT_OK;
    if (s < 0) {
      const prefixes = this.prefixes;
      // A torrent created just above has no peers, so this never leaves it empty.
      if (prefixes !== null && prefixes.count(t * 2 + f, f === 1, addr, 0) >= this.maxPerIp) {
        return PUT_IP_LIMIT;
      }
      if (torrents.rec[t * T_WORDS + T_COUNT + f] >= this.opts.maxPeersPerTorrent) {
        this.evictStalest(t, f);
        result = PUT_EVICTED;
      }
      // A count-only record getting a peer is a torrent again, its lists still empty.
      if (torrents.isCountOnly(t)) torrents.revive(t);
      s = arena.insert(t, tk, addr, 0, port);
      this.listAdd(t, f, s, seeder);
      if (prefixes !== null) prefixes.add(t * 2 + f, f === 1, addr, 0);
      if (!FAST) this.ips![f].add(addr, 0);
    } else {
      const isSeeder = (arena.flags(s) & SEEDER) !== 0;
      wasLeecher = !isSeeder;
      if (seeder !== isSeeder) this.flip(t, f, s, seeder);
    }
    // A byte loop, not set(subarray()): subarray of a Buffer allocates a new Buffer.
    const ids = arena.b;
    const at = arena.idOff(s);
    const peerId = op.peerId;
    const idOff = op.idOff;
    for (let k = 0; k < 20; k++) ids[at + k] = peerId[idOff + k];
    const now = op.now;
    arena.setSeen(s, now);
    if (now > this.clockWord[F_CLOCK]) this.clockWord[F_CLOCK] = now;
    if ((op.completed || (wasLeecher && seeder)) && (arena.flags(s) & COUNTED) === 0) {
      arena.setFlags(s, arena.flags(s) | COUNTED);
      torrents.rec[t * T_WORDS + T_DOWNLOADED]++;
    }
    this.fill(t, counts);
    const want = op.numwant;
    if (want > 0) {
      const sent = this.select(t, f, s, seeder, Math.min(want, sink.room(op.family)), sink);
      if (sent < want) {
        const other: Family = f === 0 ? 6 : 4;
        const more = Math.min(want - sent, sink.room(other));
        if (more > 0) this.select(t, 1 - f, -1, seeder, more, sink);
      }
    }
    return result;
  }

  remove(op: PeerAnnounce, counts: SwarmCounts): boolean {
    const { hash, hashOff } = op;
    const tk = torrentKey(hash, hashOff);
    const t = this.torrents.find(hash, hashOff, tk);
    if (t < 0) {
      this.fill(-1, counts);
      return false;
    }
    const f = op.family === 4 ? 0 : 1;
    const s = this.arenas[f].find(t, tk, op.addr, 0, op.port);
    if (s >= 0) {
      this.removeSlot(f, s);
      this.releaseIfEmpty(t);
    }
    this.fill(this.torrents.live(t) ? t : -1, counts);
    return s >= 0;
  }

  counts(hash: Uint8Array, hashOff: number, out: SwarmCounts): SwarmCounts {
    this.fill(this.torrents.lookup(hash, hashOff), out);
    return out;
  }

  /** Counts of torrent t (zeros for -1). */
  private fill(t: number, out: SwarmCounts): void {
    if (t < 0) {
      out.seeders = 0;
      out.leechers = 0;
      out.downloaded = 0;
      return;
    }
    const rec = this.torrents.rec;
    const r = t * T_WORDS;
    out.seeders = rec[r + T_SEEDERS] + rec[r + T_SEEDERS + 1];
    out.leechers = rec[r + T_COUNT] + rec[r + T_COUNT + 1] - out.seeders;
    out.downloaded = this.torrents.downloaded(t);
  }

  /**
   * Send up to `max` random peers of torrent t's family-f list, leaving out slot `self`
   * (-1: none) and, for a seeder, the seeders. Returns how many were sent.
   */
  private select(
    t: number,
    f: number,
    self: number,
    forSeeder: boolean,
    max: number,
    sink: PeerSink,
  ): number {
    if (max <= 0) return 0;
    const rec = this.torrents.rec;
    const r = t * T_WORDS + f;
    const n = rec[r + T_COUNT];
    const start = forSeeder ? rec[r + T_SEEDERS] : 0;
    const m = n - start;
    if (m <= 0) return 0;
    const arena = this.arenas[f as 0 | 1];
    const family: Family = f === 0 ? 4 : 6;
    const out = f === 0 ? sink.compact4 : sink.compact6;
    const list = this.pool.data;
    const base = rec[r + T_OFF] + start;
    let sent = 0;
    // Everyone fits: send them all. With even one more than max (the requester may not
    // be in the list) which peers go must be random, so that takes the stride walk.
    if (m <= max) {
      this.touch(arena, base, 0, 1, m, m);
      for (let i = 0; i < m; i++) {
        const s = list[base + i];
        if (s === self) continue;
        this.emit(arena, family, s, out, sink);
        sent++;
      }
      return sent;
    }
    // Visit positions p, p+step, p+2·step … (mod m); step coprime with m makes this a
    // permutation, so the first `max` distinct positions are a random subset.
    let step = 1 + Math.floor(Math.random() * (m - 1));
    while (gcd(step, m) !== 1) step = step + 1 === m ? 1 : step + 1;
    let p = Math.floor(Math.random() * m);
    // One more than max (at most m, as m > max here): the requester may be among them.
    this.touch(arena, base, p, step, m, max + 1);
    for (let i = 0; i < m && sent < max; i++) {
      const s = list[base + p];
      if (s !== self) {
        this.emit(arena, family, s, out, sink);
        sent++;
      }
      p += step;
      if (p >= m) p -= m;
    }
    return sent;
  }

  /**
   * Read one byte of the address of each of the `count` (≤ m) peers at list positions
   * p, p+step, … (mod m), before select copies them. The peers' records lie anywhere in the
   * arena, so each is usually a cache (and TLB) miss under load. Here the loads do not
   * depend on one another and the loop is a few instructions long, so the CPU keeps
   * all the misses in flight at once; in the copy loop, several times longer per peer,
   * only a few of them overlap.
   */
  private touch(arena: PeerArena, base: number, p: number, step: number, m: number, count: number): void {
    const list = this.pool.data;
    const b = arena.b;
    let any = 0;
    for (let i = 0; i < count; i++) {
      any |= b[arena.addrOff(list[base + p])];
      p += step;
      if (p >= m) p -= m;
    }
    // Kept, so that the compiler cannot drop the loads as unused.
    this.touched = any;
  }

  /** One selected peer: copied straight into the compact buffer, or handed to the sink. */
  private emit(arena: PeerArena, family: Family, s: number, out: CompactOut | null, sink: PeerSink): void {
    const alen = arena.alen;
    if (out === null) {
      sink.peer(family, arena.b, arena.addrOff(s), arena.b, arena.idOff(s));
      return;
    }
    const addr = arena.b;
    const buf = out.buf;
    const from = arena.addrOff(s);
    const at = out.pos;
    for (let k = 0; k < alen; k++) buf[at + k] = addr[from + k];
    out.pos = at + alen;
  }

  setDownloaded(hash: Uint8Array, hashOff: number, downloaded: number): boolean {
    const t = this.torrents.lookup(hash, hashOff);
    if (t < 0) return false;
    this.torrents.rec[t * T_WORDS + T_DOWNLOADED] = downloaded;
    return true;
  }

  keepCount(hash: Uint8Array, hashOff: number, downloaded: number, idleSince: number): boolean {
    const torrents = this.torrents;
    const tk = torrentKey(hash, hashOff);
    let t = torrents.find(hash, hashOff, tk);
    if (t >= 0) {
      if (downloaded > torrents.downloaded(t)) torrents.rec[t * T_WORDS + T_DOWNLOADED] = downloaded;
      return true;
    }
    if (downloaded === 0) return false;
    if (torrents.size >= this.opts.maxTorrents && !this.evictCountOnly()) return false;
    t = torrents.insert(hash, hashOff, tk);
    torrents.rec[t * T_WORDS + T_DOWNLOADED] = downloaded;
    torrents.retire(t, idleSince);
    return true;
  }

  drop(hash: Uint8Array, hashOff: number): boolean {
    const t = this.torrents.lookup(hash, hashOff);
    if (t < 0) return false;
    const rec = this.torrents.rec;
    for (let f = 0; f < 2; f++) {
      const r = t * T_WORDS + f;
      // From the end of the list, so no removal moves another peer.
      while (rec[r + T_COUNT] > 0) this.removeSlot(f, this.pool.data[rec[r + T_OFF] + rec[r + T_COUNT] - 1]);
    }
    this.torrents.release(t);
    return true;
  }

  sweep(cutoff: number, budget: number): boolean {
    const h = this.h;
    const clock = this.clock;
    while (budget > 0) {
      const f = h[H_SWEEP_FAMILY];
      const arena = this.arenas[f as 0 | 1];
      const from = h[H_SWEEP_SLOT];
      const end = Math.min(arena.high, from + budget);
      for (let s = from; s < end; s++) {
        const t = arena.torrent(s);
        if (t >= 0 && arena.seen(s, clock) < cutoff) {
          this.removeSlot(f, s);
          this.releaseIfEmpty(t);
        }
      }
      budget -= end - from;
      h[H_SWEEP_SLOT] = end;
      if (end < arena.high) return false;
      h[H_SWEEP_SLOT] = 0;
      if (f === 1) {
        h[H_SWEEP_FAMILY] = 0;
        return true;
      }
      h[H_SWEEP_FAMILY] = 1;
    }
    return false;
  }

  visit(from: number, maxTorrents: number, visitor: SnapshotVisitor): number {
    const tt = this.torrents;
    let seen = 0;
    let t = from;
    for (; t < tt.high && seen < maxTorrents; t++) {
      if (!tt.live(t)) continue;
      seen++;
      visitor.torrent(tt.bytes, tt.hashOff(t), tt.downloaded(t), tt.isCountOnly(t) ? tt.idleSince(t) : 0);
      for (let f = 0; f < 2; f++) {
        const r = t * T_WORDS + f;
        const n = tt.rec[r + T_COUNT];
        if (n === 0) continue;
        const arena = this.arenas[f as 0 | 1];
        const family: Family = f === 0 ? 4 : 6;
        const base = tt.rec[r + T_OFF];
        for (let i = 0; i < n; i++) {
          const s = this.pool.data[base + i];
          visitor.peer(
            family,
            arena.b,
            arena.addrOff(s),
            arena.b,
            arena.idOff(s),
            (arena.flags(s) & SEEDER) !== 0,
            arena.seen(s, this.clock),
          );
        }
      }
    }
    return t >= tt.high ? -1 : t;
  }

  totals(): StoreTotals {
    return {
      torrents: this.torrents.size - this.torrents.countOnly,
      countOnly: this.torrents.countOnly,
      peers4: this.arenas[0].count,
      peers6: this.arenas[1].count,
      seeders4: this.seedTotals[0],
      leechers4: this.leechTotals[0],
      seeders6: this.seedTotals[1],
      leechers6: this.leechTotals[1],
    };
  }

  uniqueAddresses(): { v4: number; v6: number } {
    if (FAST) return { v4: -1, v6: -1 };
    return { v4: this.ips![0].size, v6: this.ips![1].size };
  }

  clear(): void {
    this.torrents.clear();
    this.arenas[0].clear();
    this.arenas[1].clear();
    if (!FAST) {
      this.ips![0].clear();
      this.ips![1].clear();
    }
    this.pool.reset();
    this.prefixes?.clear();
    this.seedTotals.fill(0);
    this.leechTotals.fill(0);
    this.h[H_SWEEP_FAMILY] = 0;
    this.h[H_SWEEP_SLOT] = 0;
  }

  // ---- list maintenance: [seeders | leechers], positions mirrored in arena.pos ----

  /** A list segment; compacts the pool instead of growing it when it is fragmented. */
  private alloc(cls: number): number {
    let off = this.pool.tryAlloc(cls);
    if (off >= 0) return off;
    if (this.pool.fragmented()) this.pool.compact(this.torrents);
    else this.pool.grow(SIZES[cls]);
    off = this.pool.tryAlloc(cls);
    if (off < 0) {
      this.pool.grow(SIZES[cls]);
      off = this.pool.tryAlloc(cls);
    }
    return off;
  }

  private place(f: number, off: number, p: number, s: number): void {
    this.pool.data[off + p] = s;
    this.arenas[f as 0 | 1].setPos(s, p);
  }

  private listAdd(t: number, f: number, s: number, seeder: boolean): void {
    const r = t * T_WORDS + f;
    const rec = this.torrents.rec;
    const n = rec[r + T_COUNT];
    let off = rec[r + T_OFF];
    if (off < 0) {
      off = this.alloc(0);
      rec[r + T_OFF] = off;
      rec[r + T_CLS] = 0;
    } else if (n === SIZES[rec[r + T_CLS]]) {
      const cls = rec[r + T_CLS] + 1;
      const next = this.alloc(cls);
      off = rec[r + T_OFF]; // compaction inside alloc may have moved the list
      this.pool.data.copyWithin(next, off, off + n);
      this.pool.release(off, cls - 1);
      off = next;
      rec[r + T_OFF] = off;
      rec[r + T_CLS] = cls;
    }
    const arena = this.arenas[f as 0 | 1];
    if (seeder) {
      const sd = rec[r + T_SEEDERS];
      if (sd < n) this.place(f, off, n, this.pool.data[off + sd]);
      this.place(f, off, sd, s);
      rec[r + T_SEEDERS] = sd + 1;
      arena.setFlags(s, arena.flags(s) | SEEDER);
      if (!FAST) this.seedTotals[f]++;
    } else {
      this.place(f, off, n, s);
      if (!FAST) this.leechTotals[f]++;
    }
    rec[r + T_COUNT] = n + 1;
  }

  private flip(t: number, f: number, s: number, toSeeder: boolean): void {
    const rec = this.torrents.rec;
    const r = t * T_WORDS + f;
    const off = rec[r + T_OFF];
    const arena = this.arenas[f as 0 | 1];
    const p = arena.pos(s);
    const sd = rec[r + T_SEEDERS];
    // Swap with the first leecher (becoming seeder) or the last seeder (becoming leecher).
    const q = toSeeder ? sd : sd - 1;
    const other = this.pool.data[off + q];
    this.place(f, off, p, other);
    this.place(f, off, q, s);
    rec[r + T_SEEDERS] = toSeeder ? sd + 1 : sd - 1;
    arena.setFlags(s, toSeeder ? arena.flags(s) | SEEDER : arena.flags(s) & ~SEEDER);
    if (!FAST) {
      this.seedTotals[f] += toSeeder ? 1 : -1;
      this.leechTotals[f] += toSeeder ? -1 : 1;
    }
  }

  private removeSlot(f: number, s: number): void {
    const rec = this.torrents.rec;
    const arena = this.arenas[f as 0 | 1];
    const t = arena.torrent(s);
    const r = t * T_WORDS + f;
    const off = rec[r + T_OFF];
    const n = rec[r + T_COUNT];
    const sd = rec[r + T_SEEDERS];
    let p = arena.pos(s);
    const data = this.pool.data;
    if (p < sd) {
      // Keep seeders contiguous: the last seeder fills the hole, the last peer fills its place.
      this.place(f, off, p, data[off + sd - 1]);
      p = sd - 1;
      rec[r + T_SEEDERS] = sd - 1;
      if (!FAST) this.seedTotals[f]--;
    } else if (!FAST) {
      this.leechTotals[f]--;
    }
    if (p !== n - 1) this.place(f, off, p, data[off + n - 1]);
    rec[r + T_COUNT] = n - 1;
    if (n - 1 === 0) {
      this.pool.release(off, rec[r + T_CLS]);
      rec[r + T_OFF] = -1;
    }
    if (!FAST) this.ips![f as 0 | 1].remove(arena.b, arena.addrOff(s));
    if (this.prefixes !== null) this.prefixes.remove(t * 2 + f, f === 1, arena.b, arena.addrOff(s));
    arena.release(s);
  }

  private evictStalest(t: number, f: number): void {
    const rec = this.torrents.rec;
    const r = t * T_WORDS + f;
    const off = rec[r + T_OFF];
    const n = rec[r + T_COUNT];
    const arena = this.arenas[f as 0 | 1];
    let oldest = this.pool.data[off];
    for (let i = 1; i < n; i++) {
      const s = this.pool.data[off + i];
      if (arena.seen(s, this.clock) < arena.seen(oldest, this.clock)) oldest = s;
    }
    this.removeSlot(f, oldest);
  }

  /**
   * A torrent left with no peer becomes a count-only record if it has completions
   * (scrape's downloaded never goes back), and is freed otherwise.
   */
  private releaseIfEmpty(t: number): void {
    const torrents = this.torrents;
    const r = t * T_WORDS + T_COUNT;
    if (torrents.rec[r] !== 0 || torrents.rec[r + 1] !== 0) return;
    if (torrents.downloaded(t) !== 0) torrents.retire(t, this.clock);
    else torrents.release(t);
  }

  /** The table is full: the longest-idle count-only record makes room, if there is one. */
  private evictCountOnly(): boolean {
    const t = this.torrents.oldestCountOnly();
    if (t < 0) return false;
    this.torrents.release(t);
    return true;
  }
}
