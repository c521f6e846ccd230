// The swarm store over Redis (db.type redis): the SwarmStore contract on RedisSwarm,
// answering later. Each request borrows a job object from a free list (its request,
// its reply and where the answer goes), so steady load allocates only the promises.
//
// The admin side is Redis's own business: expiry is lazy in the scripts and every key
// carries an EXPIRE, so sweep() does nothing; snapshots are off (visit() sees nothing,
// setDownloaded/keepCount refuse); totals() holds the torrents announced to within the
// peer lifetime, refreshed by refreshTotals() (one ZCOUNT, only when db.maxTorrents keeps
// the index), and no peer counts, which would need a scan; drop() deletes the torrent's
// keys without waiting (Redis answers whether they existed too late to say).
// In Redis Cluster mode refreshTotals() also trims the index of stale entries and counts
// it, and that count is what db.maxTorrents is held to until the next refresh.

import type { Family } from '../../bittorrent/family.ts';
import type { PeerSink, SwarmCounts } from '../../bittorrent/peer-sink.ts';
import type {
  PeerAnnounce,
  PutResult,
  SnapshotVisitor,
  StoreAdmin,
  StoreTotals,
  SwarmStore,
} from '../store.ts';
import { RedisUnavailableError, type UnavailableReason } from './connection.ts';
import { RedisSwarm, type RedisSwarmOptions } from './redis-swarm.ts';
import {
  EVENT_COMPLETED,
  EVENT_NONE,
  EVENT_STARTED,
  type RedisAnnounceRequest,
  type RedisAnnounceResult,
  type RedisRemoveResult,
  type RedisScrapeCounts,
} from './types.ts';

/** Why a store request failed, as trakx_store_errors_total labels it. */
export type StoreErrorReason = UnavailableReason | 'reply';

/** Told about every request's fate (metrics); set after construction. */
export interface StoreMonitor {
  error(reason: StoreErrorReason): void;
  latency(seconds: number): void;
}

export interface RedisStoreOptions extends RedisSwarmOptions {
  /** Current unix time in seconds (scrapes do not count peers stale by then). */
  now: () => number;
}

const NO_MONITOR: StoreMonitor = { error() {}, latency() {} };
const EMPTY = Buffer.alloc(0);
const ZERO_ID = new Uint8Array(20);

class Job implements RedisAnnounceRequest, RedisAnnounceResult, RedisRemoveResult, RedisScrapeCounts {
  // Request (read while the call encodes it).
  infoHash: Uint8Array = EMPTY;
  hashOff = 0;
  family: 4 | 6 = 4;
  addr: Uint8Array = EMPTY;
  addrOff = 0;
  port = 0;
  peerId: Uint8Array = EMPTY;
  idOff = 0;
  seeder = false;
  completed = false;
  event: 0 | 1 | 2 | 3 = EVENT_NONE;
  numwant = 0;
  now = 0;
  want = 0;
  otherRoom = 0;
  withIds = false;
  // Reply. buf stays empty: peers are taken from own/others when the job finishes.
  code = 0;
  seeders = 0;
  leechers = 0;
  downloaded = 0;
  existed = false;
  buf: Uint8Array = EMPTY;
  pos = 0;
  end = 0;
  peers = 0;
  own: Buffer = EMPTY;
  others: Buffer = EMPTY;
  ids: Buffer = EMPTY;
  // Where the answer goes.
  counts: SwarmCounts | null = null;
  sink: PeerSink | null = null;
  readonly list: RedisScrapeCounts[] = [this];
}

export class RedisStore implements SwarmStore, StoreAdmin {
  readonly answersLater = true;
  readonly swarm: RedisSwarm;
  monitor: StoreMonitor = NO_MONITOR;
  private readonly free: Job[] = [];
  private readonly now: () => number;
  private torrents = 0;
  private readonly maxTorrents: number;
  private readonly peerTtl: number;

  constructor(opts: RedisStoreOptions) {
    this.now = opts.now;
    this.maxTorrents = opts.maxTorrents;
    this.peerTtl = opts.peerTtl;
    this.swarm = new RedisSwarm({
      ...opts,
      onLatency: (s) => this.monitor.latency(s),
    });
  }

  /** Why requests fail now (Redis unreachable or not answering), or null. */
  degraded(): string | null {
    if (this.swarm.up) return null;
    return `redis at ${this.swarm.describe()} is not answering`;
  }

  close(): Promise<void> {
    return this.swarm.close();
  }

  private job(op: PeerAnnounce): Job {
    const j = this.free.pop() ?? new Job();
    j.infoHash = op.hash;
    j.hashOff = op.hashOff;
    j.family = op.family;
    j.addr = op.addr;
    j.addrOff = 0;
    j.port = op.port;
    j.peerId = op.peerId;
    j.idOff = op.idOff;
    j.seeder = op.seeder;
    j.completed = op.completed;
    j.event = op.completed ? EVENT_COMPLETED : op.started ? EVENT_STARTED : EVENT_NONE;
    j.now = op.now;
    return j;
  }

  private release(j: Job): void {
    j.infoHash = j.addr = j.peerId = EMPTY;
    j.own = j.others = j.ids = EMPTY;
    j.counts = null;
    j.sink = null;
    this.free.push(j);
  }

  announce(op: PeerAnnounce, counts: SwarmCounts, sink: PeerSink): Promise<PutResult> {
    const j = this.job(op);
    const other: Family = op.family === 4 ? 6 : 4;
    const ownRoom = sink.room(op.family);
    j.want = op.numwant;
    j.numwant = Math.min(op.numwant, ownRoom);
    j.otherRoom = Math.min(op.numwant, sink.room(other));
    j.withIds =
      (j.numwant > 0 && compactOf(sink, op.family) === null) ||
      (j.otherRoom > 0 && compactOf(sink, other) === null);
    j.counts = counts;
    j.sink = sink;
    return this.swarm.announce(j, j).then(this.announced, this.failed);
  }

  private readonly announced = (r: RedisAnnounceResult): PutResult => {
    const j = r as Job;
    const code = j.code as PutResult;
    // A refused peer (torrent or per-IP limit) leaves counts and sink alone.
    if (code !== 1 && code !== 3) {
      const c = j.counts!;
      c.seeders = j.seeders;
      c.leechers = j.leechers;
      c.downloaded = j.downloaded;
      const sink = j.sink!;
      emit(sink, j.family, j.own, j.ids, 0);
      // Ids follow the reply's order: every own-family entry's, then the others'.
      emit(sink, j.family === 4 ? 6 : 4, j.others, j.ids, j.own.length / (j.family === 4 ? 6 : 18));
    }
    this.release(j);
    return code;
  };

  remove(op: PeerAnnounce, counts: SwarmCounts): Promise<boolean> {
    const j = this.job(op);
    j.counts = counts;
    return this.swarm.remove(j, j).then(this.removed, this.failed);
  }

  private readonly removed = (r: RedisRemoveResult): boolean => {
    const j = r as Job;
    const c = j.counts!;
    c.seeders = j.seeders;
    c.leechers = j.leechers;
    c.downloaded = j.downloaded;
    const existed = j.existed;
    this.release(j);
    return existed;
  };

  counts(hash: Uint8Array, hashOff: number, out: SwarmCounts): Promise<SwarmCounts> {
    const j = this.free.pop() ?? new Job();
    j.counts = out;
    return this.swarm.scrape(hash, hashOff, 1, this.now(), j.list).then(this.scraped, this.failed);
  }

  private readonly scraped = (list: RedisScrapeCounts[]): SwarmCounts => {
    const j = list[0] as Job;
    const out = j.counts!;
    out.seeders = j.seeders;
    out.leechers = j.leechers;
    out.downloaded = j.downloaded;
    this.release(j);
    return out;
  };

  /**
   * Counts a failed request by reason and passes the error on. Its job is left to the
   * garbage collector: failures are not the path worth pooling for.
   */
  private readonly failed = (err: Error): never => {
    // Anything but "no reply" is Redis answering with an error or a reply of the wrong shape.
    this.monitor.error(err instanceof RedisUnavailableError ? err.reason : 'reply');
    throw err;
  };

  /** Re-read the torrent count for totals() (the service runs it periodically). */
  async refreshTotals(): Promise<void> {
    if (this.maxTorrents <= 0 || !this.swarm.up) return;
    const key = this.swarm.torrentsKey;
    const now = this.now();
    if (this.swarm.cluster !== null) {
      // The scripts' own rule: index scores lag the last announce by up to a quarter ttl.
      const stale = now - this.peerTtl - Math.ceil(this.peerTtl / 4);
      await this.swarm.command(key, ['ZREMRANGEBYSCORE', key, '-inf', `(${stale}`]);
      const all = await this.swarm.command(key, ['ZCARD', key]);
      if (typeof all === 'number') this.swarm.full = all >= this.maxTorrents;
    }
    const n = await this.swarm.command(key, ['ZCOUNT', key, String(now - this.peerTtl), '+inf']);
    if (typeof n === 'number') this.torrents = n;
  }

  // ---- StoreAdmin ----

  setDownloaded(): boolean {
    return false;
  }

  keepCount(): boolean {
    return false;
  }

  drop(hash: Uint8Array, hashOff: number): boolean {
    const key = this.swarm.prefixOf(hash, hashOff);
    const raw = Buffer.from(hash.subarray(hashOff, hashOff + 20));
    const index = this.swarm.torrentsKey;
    this.swarm
      .command(key, ['DEL', `${key}m`, `${key}s4`, `${key}l4`, `${key}s6`, `${key}l6`])
      .then(() => this.swarm.command(index, ['ZREM', index, raw]))
      .catch(() => this.monitor.error('down'));
    return false;
  }

  sweep(): boolean {
    return true;
  }

  visit(_from: number, _max: number, _visitor: SnapshotVisitor): number {
    return -1;
  }

  totals(): StoreTotals {
    return {
      torrents: this.torrents,
      countOnly: 0,
      peers4: 0,
      peers6: 0,
      seeders4: 0,
      leechers4: 0,
      seeders6: 0,
      leechers6: 0,
    };
  }

  uniqueAddresses(): { v4: number; v6: number } {
    return { v4: -1, v6: -1 };
  }

  /** Nothing: the swarms are shared with other instances; wipe Redis itself. */
  clear(): void {}
}

function compactOf(sink: PeerSink, family: Family) {
  return family === 4 ? sink.compact4 : sink.compact6;
}

/**
 * Compact entries of `family` to the sink, within its room; ids (20 bytes each) start
 * at entry `first` of `ids`.
 */
function emit(sink: PeerSink, family: Family, entries: Buffer, ids: Buffer, first: number): void {
  const entry = family === 4 ? 6 : 18;
  const n = Math.min(Math.floor(entries.length / entry), sink.room(family));
  if (n <= 0) return;
  const out = compactOf(sink, family);
  if (out !== null) {
    const len = n * entry;
    const buf = out.buf;
    let at = out.pos;
    for (let i = 0; i < len; i++) buf[at++] = entries[i];
    out.pos = at;
    return;
  }
  for (let i = 0; i < n; i++) {
    const id = (first + i + 1) * 20 <= ids.length;
    sink.peer(family, entries, i * entry, id ? ids : ZERO_ID, id ? (first + i) * 20 : 0);
  }
}
