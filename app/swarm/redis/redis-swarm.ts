// Swarms kept in Redis (or Valkey), shared by every tracker instance pointed at it.
// Each announce, stop and scrape is one EVALSHA (lua.ts) over one pipelined connection;
// the optional peer-event stream is one XADD sent along in the same write.
// In Redis Cluster mode (cluster.ts) each request goes to the node of its torrent's slot;
// db.maxTorrents is then kept outside the scripts, which touch only that slot: the caller
// says whether the index was full at its last count and keeps the index up to date.

import type { RespValue } from '../../protocol/resp.ts';
import { RedisCluster } from './cluster.ts';
import { RedisConnection, type RedisConnectionOptions, type ReplyHandler } from './connection.ts';
import { ANNOUNCE, REMOVE, SCRAPE } from './lua.ts';
import type { Script } from './script.ts';
import { keySlot, torrentSlot } from './slot.ts';
import {
  EVENT_STOPPED,
  type PeerEvent,
  type RedisAnnounceRequest,
  type RedisAnnounceResult,
  type RedisFamily,
  type RedisRemoveResult,
  type RedisScrapeCounts,
} from './types.ts';

export interface RedisSwarmOptions extends Omit<RedisConnectionOptions, 'scripts'> {
  /** Prepended to every key (db.redis.prefix). */
  prefix?: string;
  /** Seconds after its last announce a peer is stale (and a silent torrent expires). */
  peerTtl: number;
  maxPeersPerTorrent: number;
  /** 0 = no cap (then no key outside each torrent's Cluster slot is touched). */
  maxTorrents: number;
  /** limits.peersPerIp; 0 = off. */
  maxPeersPerIp?: number;
  /** Peer events appended to this stream (XADD … MAXLEN ~ eventsMaxLen); off when absent. */
  eventsStream?: string;
  eventsMaxLen?: number;
  /** url names a seed node of a Redis Cluster (db.redis.cluster). */
  cluster?: boolean;
}

/** Most hashes in one scrape: what fits a UDP scrape packet, and one round trip. */
export const MAX_SCRAPE = 74;

const EVENT_NAMES = ['none', 'started', 'completed', 'stopped'];

interface Pending<R> {
  resolve: (r: R) => void;
  reject: (e: Error) => void;
  out: R;
  entry: number;
  /** Unix seconds of the request (cluster mode: the score of its index entry). */
  now: number;
}

/** The reply as an array of `len` items, or null after rejecting the request. */
function items(err: Error | null, v: RespValue, len: number, reject: (e: Error) => void): RespValue[] | null {
  if (err !== null) {
    reject(err);
    return null;
  }
  if (!Array.isArray(v) || v.length !== len) {
    reject(new Error(`redis: unexpected reply ${JSON.stringify(v)}`));
    return null;
  }
  return v;
}

export class RedisSwarm {
  /** The one connection of standalone mode; null in cluster mode. */
  private readonly single: RedisConnection | null;
  /** The slot router of cluster mode; null in standalone mode. */
  readonly cluster: RedisCluster | null;
  /** db.redis.prefix: every key starts with it. */
  readonly prefix: string;
  /** `<prefix>torrents`, the index behind db.maxTorrents. */
  readonly torrentsKey: string;
  /** Cluster mode: the index said db.maxTorrents was reached at its last count. */
  full = false;
  private readonly head: Buffer;
  private readonly tails: Buffer[];
  /** Keys per request: the index rides along only in standalone mode with the cap on. */
  private readonly keyCount: number;
  /** Cluster mode with the cap on: the caller keeps the index (the scripts' extra ARGV). */
  private readonly indexed: boolean;
  private readonly indexSlot: number;
  private readonly streamSlot: number;
  private readonly member = new Uint8Array(18);
  private readonly empty = new Uint8Array(0);
  private readonly onAnnounce: ReplyHandler<Pending<RedisAnnounceResult>>;
  private readonly onRemove: ReplyHandler<Pending<RedisRemoveResult>>;

  constructor(private readonly opts: RedisSwarmOptions) {
    const prefix = opts.prefix ?? 'trakx:';
    this.prefix = prefix;
    this.head = Buffer.from(`${prefix}{`, 'latin1');
    this.tails = ['}m', '}s4', '}l4', '}s6', '}l6'].map((t) => Buffer.from(t, 'latin1'));
    this.torrentsKey = `${prefix}torrents`;
    const withScripts = { ...opts, scripts: [ANNOUNCE, REMOVE, SCRAPE] };
    const capped = opts.maxTorrents > 0;
    this.indexed = capped && opts.cluster === true;
    this.keyCount = capped && !this.indexed ? 6 : 5;
    this.indexSlot = keySlot(this.torrentsKey);
    this.streamSlot = keySlot(opts.eventsStream ?? '');
    this.single = opts.cluster === true ? null : new RedisConnection(withScripts);
    this.cluster = opts.cluster === true ? new RedisCluster(withScripts) : null;
    this.onAnnounce = this.indexed ? this.indexing(8, 'ZADD', onAnnounce) : onAnnounce;
    this.onRemove = this.indexed ? this.indexing(5, 'ZREM', onRemove) : onRemove;
  }

  /** The connection of standalone mode (operators' commands, tests); throws in cluster mode. */
  get conn(): RedisConnection {
    if (this.single === null) throw new Error('redis: cluster mode has no single connection; use command()');
    return this.single;
  }

  /** Connected and answering (false while reconnecting or after a timeout). */
  get up(): boolean {
    return this.single !== null ? this.single.up : this.cluster!.up;
  }

  /** Where Redis is, for messages. */
  describe(): string {
    if (this.cluster !== null) return `cluster ${this.cluster.describe()}`;
    const t = this.single!.target;
    return t.path !== '' ? t.path : `${t.host}:${t.port}`;
  }

  /** A whole command (not for hot paths); in cluster mode sent to the node of `key`'s slot. */
  command(key: string, args: readonly (string | number | Uint8Array)[]): Promise<RespValue> {
    if (this.single !== null) return this.single.command(args);
    return this.cluster!.command(keySlot(key), args);
  }

  close(): Promise<void> {
    return this.single !== null ? this.single.close() : this.cluster!.close();
  }

  /** The start of every key of one torrent: prefix + {hex info_hash} (for operators and tests). */
  prefixOf(hash: Uint8Array, off = 0): string {
    return `${this.prefix}{${Buffer.from(hash.subarray(off, off + 20)).toString('hex')}}`;
  }

  /**
   * Starts an EVALSHA of `keys` keys and `args` arguments and returns the writer mark
   * for send(); or rejects (not connected, too many in flight) and returns -1.
   */
  private evalsha(
    c: RedisConnection,
    script: Script,
    keys: number,
    args: number,
    reject: (e: Error) => void,
  ): number {
    const refused = c.refusal();
    if (refused !== null) {
      reject(refused);
      return -1;
    }
    const w = c.writer;
    const mark = w.length;
    w.array(3 + keys + args);
    w.str('EVALSHA');
    w.str(script.sha);
    w.int(keys);
    return mark;
  }

  /** Cluster mode: the connection of the torrent's slot, or null after rejecting. */
  private nodeOf(hash: Uint8Array, off: number, reject: (e: Error) => void): RedisConnection | null {
    const slot = torrentSlot(hash, off);
    const refused = this.cluster!.refusal(slot);
    if (refused !== null) {
      reject(refused);
      return null;
    }
    return this.cluster!.route(slot);
  }

  private torrentKeys(c: RedisConnection, hash: Uint8Array, off: number): void {
    const w = c.writer;
    for (const tail of this.tails) w.hexKey(this.head, hash, off, 20, tail);
    if (this.keyCount === 6) w.str(this.torrentsKey);
  }

  private memberOf(family: RedisFamily, addr: Uint8Array, addrOff: number, port: number): number {
    const m = this.member;
    const ilen = family === 4 ? 4 : 16;
    for (let i = 0; i < ilen; i++) m[i] = addr[addrOff + i];
    m[ilen] = port >> 8;
    m[ilen + 1] = port & 0xff;
    return ilen + 2;
  }

  /**
   * Add or refresh the peer, then fill `out` with the torrent's counts and up to
   * `numwant` random peers of the requester's family (leechers only for a seeder).
   */
  announce(req: RedisAnnounceRequest, out: RedisAnnounceResult): Promise<RedisAnnounceResult> {
    return new Promise((resolve, reject) => {
      const o = this.opts;
      const c = this.single ?? this.nodeOf(req.infoHash, req.hashOff, reject);
      if (c === null) return;
      const mark = this.evalsha(c, ANNOUNCE, this.keyCount, this.indexed ? 15 : 14, reject);
      if (mark < 0) return;
      const w = c.writer;
      this.torrentKeys(c, req.infoHash, req.hashOff);
      const mlen = this.memberOf(req.family, req.addr, req.addrOff, req.port);
      w.bytes(this.member, 0, mlen);
      w.bytes(req.peerId, req.idOff, 20);
      w.int((req.seeder ? 1 : 0) + (req.completed ? 2 : 0));
      w.int(req.now);
      w.int(o.peerTtl);
      w.int(req.numwant);
      w.int(o.maxPeersPerTorrent);
      w.int(o.maxTorrents);
      w.int(o.maxPeersPerIp ?? 0);
      w.int((Math.random() * 0x7fffffff) | 0);
      w.bytes(req.infoHash, req.hashOff, 20);
      w.int(req.want ?? req.numwant);
      w.int(req.otherRoom ?? 0);
      w.int(req.withIds === true ? 1 : 0);
      if (this.indexed) w.int(this.full ? 1 : 0);
      const p: Pending<RedisAnnounceResult> = { resolve, reject, out, entry: mlen, now: req.now };
      c.send(mark, this.onAnnounce, p, ANNOUNCE);
      this.event(req.infoHash, req.hashOff, req.family, req.seeder, req.event, req.now);
    });
  }

  /** Remove the peer (event=stopped) and fill `out` with the counts left. */
  remove(req: RedisAnnounceRequest, out: RedisRemoveResult): Promise<RedisRemoveResult> {
    return new Promise((resolve, reject) => {
      const c = this.single ?? this.nodeOf(req.infoHash, req.hashOff, reject);
      if (c === null) return;
      const mark = this.evalsha(c, REMOVE, this.keyCount, this.indexed ? 5 : 4, reject);
      if (mark < 0) return;
      const w = c.writer;
      this.torrentKeys(c, req.infoHash, req.hashOff);
      w.bytes(this.member, 0, this.memberOf(req.family, req.addr, req.addrOff, req.port));
      w.bytes(req.infoHash, req.hashOff, 20);
      w.int(req.now);
      w.int(this.opts.peerTtl);
      if (this.indexed) w.int(1);
      const p: Pending<RedisRemoveResult> = { resolve, reject, out, entry: 0, now: req.now };
      c.send(mark, this.onRemove, p, REMOVE);
      this.event(req.infoHash, req.hashOff, req.family, req.seeder, EVENT_STOPPED, req.now);
    });
  }

  /**
   * Counts of `n` (≤ MAX_SCRAPE) torrents whose hashes lie back to back at `off`, into
   * out[0…n) (objects reused). Peers stale at `now` are not counted.
   */
  scrape(
    hashes: Uint8Array,
    off: number,
    n: number,
    now: number,
    out: RedisScrapeCounts[],
  ): Promise<RedisScrapeCounts[]> {
    return new Promise((resolve, reject) => {
      if (n > MAX_SCRAPE || n > out.length) {
        reject(
          new RangeError(`redis: scrape of ${n} hashes (at most ${MAX_SCRAPE}, and out must hold them)`),
        );
        return;
      }
      let c = this.single;
      if (c === null) {
        // One script runs on one node: the hashes of one scrape must share a slot.
        const slot = torrentSlot(hashes, off);
        for (let i = 1; i < n; i++) {
          if (torrentSlot(hashes, off + i * 20) !== slot) {
            reject(new RangeError('redis: in cluster mode a scrape takes hashes of one slot'));
            return;
          }
        }
        c = this.nodeOf(hashes, off, reject);
        if (c === null) return;
      }
      const mark = this.evalsha(c, SCRAPE, n * 5, 1, reject);
      if (mark < 0) return;
      const w = c.writer;
      for (let i = 0; i < n; i++) {
        for (const tail of this.tails) w.hexKey(this.head, hashes, off + i * 20, 20, tail);
      }
      w.int(now - this.opts.peerTtl);
      const p: Pending<RedisScrapeCounts[]> = { resolve, reject, out, entry: n, now };
      c.send(mark, onScrape, p, SCRAPE);
    });
  }

  private event(
    hash: Uint8Array,
    off: number,
    family: RedisFamily,
    seeder: boolean,
    event: PeerEvent,
    now: number,
  ): void {
    const stream = this.opts.eventsStream;
    if (stream === undefined) return;
    const c = this.single ?? this.cluster!.route(this.streamSlot);
    if (c === null || c.refusal() !== null) return;
    const w = c.writer;
    const mark = w.length;
    w.array(16);
    w.str('XADD');
    w.str(stream);
    w.str('MAXLEN');
    w.str('~');
    w.int(this.opts.eventsMaxLen ?? 100_000);
    w.str('*');
    w.str('info_hash');
    w.hexKey(this.empty, hash, off, 20, this.empty);
    w.str('event');
    w.str(EVENT_NAMES[event]);
    w.str('family');
    w.int(family);
    w.str('seeder');
    w.int(seeder ? 1 : 0);
    w.str('time');
    w.int(now);
    c.send(mark, ignoreReply, null);
  }

  /** Cluster mode: an index command for one torrent, sent without waiting for its reply. */
  private index(op: 'ZADD' | 'ZREM', hash: Buffer, now: number): void {
    const c = this.cluster!.route(this.indexSlot);
    if (c === null || c.refusal() !== null) return;
    const w = c.writer;
    const mark = w.length;
    w.array(op === 'ZADD' ? 4 : 3);
    w.str(op);
    w.str(this.torrentsKey);
    if (op === 'ZADD') w.int(now);
    w.bytes(hash, 0, hash.length);
    c.send(mark, ignoreReply, null);
  }

  /**
   * `base` after taking the info_hash a script appends to its reply (`len` items) when the
   * index needs it: after an announce that pushed the torrent's EXPIRE (ZADD), after a
   * stop that freed it (ZREM).
   */
  private indexing<R>(
    len: number,
    op: 'ZADD' | 'ZREM',
    base: ReplyHandler<Pending<R>>,
  ): ReplyHandler<Pending<R>> {
    return (err, reply, p) => {
      if (err === null && Array.isArray(reply) && reply.length === len) {
        const hash = reply.pop();
        if (Buffer.isBuffer(hash)) this.index(op, hash, p.now);
      }
      base(err, reply, p);
    };
  }
}

const ignoreReply = (): void => {};
const EMPTY = Buffer.alloc(0);

function onAnnounce(err: Error | null, reply: RespValue, p: Pending<RedisAnnounceResult>): void {
  const v = items(err, reply, 7, p.reject);
  if (v === null) return;
  const out = p.out;
  out.code = v[0] as number;
  out.seeders = v[1] as number;
  out.leechers = v[2] as number;
  out.downloaded = v[3] as number;
  const peers = Buffer.isBuffer(v[4]) ? v[4] : EMPTY;
  out.own = peers;
  out.others = Buffer.isBuffer(v[5]) ? v[5] : EMPTY;
  out.ids = Buffer.isBuffer(v[6]) ? v[6] : EMPTY;
  const entry = p.entry;
  const room = Math.floor((out.end - out.pos) / entry) * entry;
  const len = Math.min(room, peers.length - (peers.length % entry));
  const buf = out.buf;
  let at = out.pos;
  for (let i = 0; i < len; i++) buf[at++] = peers[i];
  out.pos = at;
  out.peers = len / entry;
  p.resolve(out);
}

function onRemove(err: Error | null, reply: RespValue, p: Pending<RedisRemoveResult>): void {
  const v = items(err, reply, 4, p.reject);
  if (v === null) return;
  const out = p.out;
  out.existed = v[0] === 1;
  out.seeders = v[1] as number;
  out.leechers = v[2] as number;
  out.downloaded = v[3] as number;
  p.resolve(out);
}

function onScrape(err: Error | null, reply: RespValue, p: Pending<RedisScrapeCounts[]>): void {
  const v = items(err, reply, p.entry * 3, p.reject);
  if (v === null) return;
  const out = p.out;
  for (let i = 0; i < p.entry; i++) {
    const c = out[i];
    c.seeders = v[i * 3] as number;
    c.leechers = v[i * 3 + 1] as number;
    c.downloaded = v[i * 3 + 2] as number;
  }
  p.resolve(out);
}
