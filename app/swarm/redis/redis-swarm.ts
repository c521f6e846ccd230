// Swarms kept in Redis (or Valkey), shared by every tracker instance pointed at it.
// Each announce, stop and scrape is one EVALSHA (lua.ts) over one pipelined connection;
// the optional peer-event stream is one XADD sent along in the same write.

import type { RespValue } from '../../protocol/resp.ts';
import { RedisConnection, type RedisConnectionOptions } from './connection.ts';
import { ANNOUNCE, REMOVE, SCRAPE } from './lua.ts';
import type { Script } from './script.ts';
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
}

/** Most hashes in one scrape: what fits a UDP scrape packet, and one round trip. */
export const MAX_SCRAPE = 74;

const EVENT_NAMES = ['none', 'started', 'completed', 'stopped'];

interface Pending<R> {
  resolve: (r: R) => void;
  reject: (e: Error) => void;
  out: R;
  entry: number;
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
  readonly conn: RedisConnection;
  /** db.redis.prefix: every key starts with it. */
  readonly prefix: string;
  private readonly head: Buffer;
  private readonly tails: Buffer[];
  private readonly torrentsKey: string;
  private readonly member = new Uint8Array(18);
  private readonly empty = new Uint8Array(0);

  constructor(private readonly opts: RedisSwarmOptions) {
    const prefix = opts.prefix ?? 'trakx:';
    this.prefix = prefix;
    this.head = Buffer.from(`${prefix}{`, 'latin1');
    this.tails = ['}m', '}s4', '}l4', '}s6', '}l6'].map((t) => Buffer.from(t, 'latin1'));
    this.torrentsKey = `${prefix}torrents`;
    this.conn = new RedisConnection({ ...opts, scripts: [ANNOUNCE, REMOVE, SCRAPE] });
  }

  /** Connected and answering (false while reconnecting or after a timeout). */
  get up(): boolean {
    return this.conn.up;
  }

  close(): Promise<void> {
    return this.conn.close();
  }

  /** The start of every key of one torrent: prefix + {hex info_hash} (for operators and tests). */
  prefixOf(hash: Uint8Array, off = 0): string {
    return `${this.prefix}{${Buffer.from(hash.subarray(off, off + 20)).toString('hex')}}`;
  }

  /**
   * Starts an EVALSHA of `keys` keys and `args` arguments and returns the writer mark
   * for send(); or rejects (not connected, too many in flight) and returns -1.
   */
  private evalsha(script: Script, keys: number, args: number, reject: (e: Error) => void): number {
    const refused = this.conn.refusal();
    if (refused !== null) {
      reject(refused);
      return -1;
    }
    const w = this.conn.writer;
    const mark = w.length;
    w.array(3 + keys + args);
    w.str('EVALSHA');
    w.str(script.sha);
    w.int(keys);
    return mark;
  }

  private torrentKeys(hash: Uint8Array, off: number): void {
    const w = this.conn.writer;
    for (const tail of this.tails) w.hexKey(this.head, hash, off, 20, tail);
    if (this.opts.maxTorrents > 0) w.str(this.torrentsKey);
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
      const mark = this.evalsha(ANNOUNCE, o.maxTorrents > 0 ? 6 : 5, 14, reject);
      if (mark < 0) return;
      const w = this.conn.writer;
      this.torrentKeys(req.infoHash, req.hashOff);
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
      const p: Pending<RedisAnnounceResult> = { resolve, reject, out, entry: mlen };
      this.conn.send(mark, onAnnounce, p, ANNOUNCE);
      this.event(req.infoHash, req.hashOff, req.family, req.seeder, req.event, req.now);
    });
  }

  /** Remove the peer (event=stopped) and fill `out` with the counts left. */
  remove(req: RedisAnnounceRequest, out: RedisRemoveResult): Promise<RedisRemoveResult> {
    return new Promise((resolve, reject) => {
      const mark = this.evalsha(REMOVE, this.opts.maxTorrents > 0 ? 6 : 5, 4, reject);
      if (mark < 0) return;
      const w = this.conn.writer;
      this.torrentKeys(req.infoHash, req.hashOff);
      w.bytes(this.member, 0, this.memberOf(req.family, req.addr, req.addrOff, req.port));
      w.bytes(req.infoHash, req.hashOff, 20);
      w.int(req.now);
      w.int(this.opts.peerTtl);
      const p: Pending<RedisRemoveResult> = { resolve, reject, out, entry: 0 };
      this.conn.send(mark, onRemove, p, REMOVE);
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
      const mark = this.evalsha(SCRAPE, n * 5, 1, reject);
      if (mark < 0) return;
      const w = this.conn.writer;
      for (let i = 0; i < n; i++) {
        for (const tail of this.tails) w.hexKey(this.head, hashes, off + i * 20, 20, tail);
      }
      w.int(now - this.opts.peerTtl);
      const p: Pending<RedisScrapeCounts[]> = { resolve, reject, out, entry: n };
      this.conn.send(mark, onScrape, p, SCRAPE);
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
    if (stream === undefined || this.conn.refusal() !== null) return;
    const w = this.conn.writer;
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
    this.conn.send(mark, ignoreReply, null);
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
