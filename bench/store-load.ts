// The store benchmark's load (bench/store-bench.ts): a population of torrents with a few
// IPv4 peers each, and announces that refresh a random existing peer with numwant 50
// into a compact buffer, as the UDP path does. No sockets: the store's own cost.

import type { PeerSink, SwarmCounts } from '../app/bittorrent/peer-sink.ts';
import type { CompactOut } from '../app/protocol/compact.ts';
import { type LocalStore, PeerAnnounce } from '../app/swarm/store.ts';

export const NUMWANT = 50;

/** Takes up to `numwant` IPv4 peers into a compact buffer, as the UDP reply does. */
export class CompactSink implements PeerSink {
  readonly compact4: CompactOut;
  readonly compact6 = null;
  constructor(numwant: number) {
    this.compact4 = { buf: new Uint8Array(numwant * 6), pos: 0, end: numwant * 6 };
  }
  room(family: 4 | 6): number {
    return family === 4 ? (this.compact4.end - this.compact4.pos) / 6 : 0;
  }
  peer(): void {}
}

/** Torrent t's info_hash written into `hash` (20 bytes). */
function hashInto(hash: Uint8Array, t: number): void {
  hash.fill(0x5a);
  hash[0] = t >>> 24;
  hash[1] = t >>> 16;
  hash[2] = t >>> 8;
  hash[3] = t;
}

/** Peer k of torrent t: 10.x.y.z from t * peers + k. */
function addrInto(addr: Uint8Array, n: number): void {
  addr[0] = 10 + (n >>> 24);
  addr[1] = n >>> 16;
  addr[2] = n >>> 8;
  addr[3] = n;
}

/** Announces on one store, reusing one request and one reply buffer. */
export class AnnounceLoad {
  private readonly op = new PeerAnnounce();
  private readonly counts: SwarmCounts = { seeders: 0, leechers: 0, downloaded: 0 };
  private readonly sink = new CompactSink(NUMWANT);
  private rng: number;

  constructor(
    private readonly store: LocalStore,
    private readonly torrents: number,
    private readonly peers: number,
    seed: number,
  ) {
    const op = this.op;
    op.hash = new Uint8Array(20);
    op.addr = new Uint8Array(16);
    op.peerId = new Uint8Array(20).fill(0x2d);
    op.family = 4;
    op.port = 6881;
    op.now = 1_000_000;
    this.rng = seed | 1;
  }

  private one(t: number, k: number, numwant: number): void {
    const op = this.op;
    hashInto(op.hash, t);
    addrInto(op.addr, t * this.peers + k);
    op.seeder = k === 0;
    op.numwant = numwant;
    this.sink.compact4.pos = 0;
    this.store.announce(op, this.counts, this.sink);
  }

  /** Every torrent with its peers (the first a seeder). */
  preload(): void {
    for (let t = 0; t < this.torrents; t++) for (let k = 0; k < this.peers; k++) this.one(t, k, 0);
  }

  /**
   * `n` announces of random existing peers, each followed by `outside` rounds of busy
   * work outside the store (what a request costs besides the store, see spin()).
   */
  run(n: number, outside = 0): void {
    let x = this.rng;
    for (let i = 0; i < n; i++) {
      // xorshift32: cheap enough not to weigh on the store's figures.
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const r = x >>> 0;
      this.one(r % this.torrents, (r >>> 24) % this.peers, NUMWANT);
      if (outside > 0) spin(outside);
    }
    this.rng = x;
  }
}

/** This thread's CPU time in nanoseconds. */
export function threadCpuNs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) * 1000;
}

let spun = 0;

/** Busy CPU work of `rounds` rounds, standing in for a request's socket and parsing cost. */
export function spin(rounds: number): void {
  let x = spun;
  for (let i = 0; i < rounds; i++) x = (Math.imul(x ^ i, 0x9e3779b1) + 1) | 0;
  spun = x;
}

/** Rounds of spin() that take `us` microseconds of CPU on this thread. */
export function spinRounds(us: number): number {
  if (us <= 0) return 0;
  const rounds = 1_000_000;
  spin(rounds);
  const t0 = threadCpuNs();
  spin(rounds * 20);
  const nsPerRound = (threadCpuNs() - t0) / (rounds * 20);
  return Math.max(1, Math.round((us * 1000) / nsPerRound));
}
