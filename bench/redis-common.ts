// Shared parts of the Redis benchmarks: a private redis-server pinned to CPU 1 (this
// process on CPU 0), the swarm population (torrents × 10–25 peers, 75 % seeders, each
// peer a fixed IPv4 address and port), and a closed loop keeping a number of requests
// in flight, bounded in count and time, that reports CPU per request on both sides.

import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { RedisAnnounceRequest, RedisAnnounceResult } from '../app/swarm/redis/types.ts';
import { RedisServer } from '../test/helpers/redis-server.ts';
import { cpuMs } from './proc.ts';

export function pin(pid: number, cpu: number): void {
  try {
    execFileSync('taskset', ['-cp', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch {
    // Without taskset the figures are only noisier.
  }
}

export async function benchRedis(): Promise<RedisServer> {
  const server = await new RedisServer().start();
  pin(server.pid, 1);
  pin(process.pid, 0);
  return server;
}

/** Torrent t has 10–25 peers, spread so that neighbouring torrents differ. */
export function peersOf(t: number): number {
  return 10 + ((t * 7919) % 16);
}

export class Population {
  /** First global peer index of each torrent. */
  readonly first: Int32Array;
  readonly peers: number;
  readonly hashes: Buffer;

  constructor(readonly torrents: number) {
    this.first = new Int32Array(torrents + 1);
    for (let t = 0; t < torrents; t++) this.first[t + 1] = this.first[t] + peersOf(t);
    this.peers = this.first[torrents];
    this.hashes = Buffer.alloc(torrents * 20);
    for (let t = 0; t < torrents; t++) {
      this.hashes.writeUInt32BE(t, t * 20);
      this.hashes.writeUInt32BE((0x9e3779b9 ^ t) >>> 0, t * 20 + 4);
      this.hashes.fill(0xa5, t * 20 + 8, t * 20 + 20);
    }
  }

  /** Peer i of torrent t: 10.x.y.z, one address per peer. */
  addr(t: number, i: number, out: Uint8Array): void {
    const n = this.first[t] + i;
    out[0] = 10;
    out[1] = (n >> 16) & 0xff;
    out[2] = (n >> 8) & 0xff;
    out[3] = n & 0xff;
  }

  seeder(t: number, i: number): boolean {
    return (this.first[t] + i) % 4 !== 0;
  }

  /** A reusable announce request over this population's hashes; pick() aims it. */
  request(numwant: number, now: number): RedisAnnounceRequest {
    return {
      infoHash: this.hashes,
      hashOff: 0,
      family: 4,
      addr: new Uint8Array(4),
      addrOff: 0,
      port: 6881,
      peerId: Buffer.alloc(20, 0x2d),
      idOff: 0,
      seeder: false,
      completed: false,
      event: 0,
      numwant,
      now,
    };
  }

  /** Sets `req` to a random peer of a random torrent (or to peer k in order when preloading). */
  pick(req: RedisAnnounceRequest, k: number, inOrder: boolean): void {
    let t: number;
    let i: number;
    if (inOrder) {
      let lo = 0;
      let hi = this.torrents - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.first[mid] <= k) lo = mid;
        else hi = mid - 1;
      }
      t = lo;
      i = k - this.first[t];
    } else {
      t = Math.floor(Math.random() * this.torrents);
      i = Math.floor(Math.random() * (this.first[t + 1] - this.first[t]));
    }
    req.hashOff = t * 20;
    this.addr(t, i, req.addr);
    req.seeder = this.seeder(t, i);
  }
}

/** A reply buffer with room for `numwant` IPv4 peers. */
export function announceResult(numwant: number): RedisAnnounceResult {
  return {
    code: 0,
    seeders: 0,
    leechers: 0,
    downloaded: 0,
    buf: new Uint8Array(numwant * 6),
    pos: 0,
    end: 0,
    peers: 0,
  };
}

export interface LoadFigures {
  requests: number;
  seconds: number;
  perSecond: number;
  /** Node CPU (user + system) per request, µs. */
  nodeUs: number;
  /** redis-server CPU per request, µs; NaN without a server. */
  redisUs: number;
  /** redis-server CPU share of one core during the run. */
  redisCore: number;
  errors: number;
}

/**
 * Keeps `depth` requests in flight: `issue(k, done)` starts request number k and calls
 * done(ok) when it is answered. Stops after `count` requests or `maxSeconds`.
 */
export function closedLoop(
  issue: (k: number, done: (ok: boolean) => void) => void,
  opts: { count: number; maxSeconds: number; depth: number; redisPid?: number },
): Promise<LoadFigures> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r0 = opts.redisPid === undefined ? Number.NaN : cpuMs(opts.redisPid);
    let issued = 0;
    let answered = 0;
    let errors = 0;
    let stopped = false;
    const deadline = t0 + opts.maxSeconds * 1000;
    const finish = (): void => {
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const redisMs = opts.redisPid === undefined ? Number.NaN : cpuMs(opts.redisPid) - r0;
      resolve({
        requests: answered,
        seconds,
        perSecond: answered / seconds,
        nodeUs: (cpu.user + cpu.system) / answered,
        redisUs: (redisMs * 1000) / answered,
        redisCore: redisMs / 1000 / seconds,
        errors,
      });
    };
    const done = (ok: boolean): void => {
      answered++;
      if (!ok) errors++;
      if (!stopped && issued < opts.count && (answered & 1023) === 0 && performance.now() > deadline) {
        stopped = true;
      }
      if (!stopped && issued < opts.count) issue(issued++, done);
      else if (answered === issued) finish();
    };
    for (let i = 0; i < opts.depth && issued < opts.count; i++) issue(issued++, done);
  });
}

/** A number for a markdown table. */
export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '–';
  if (n >= 10_000) return `${(n / 1000).toFixed(1)}k`;
  return n.toFixed(digits);
}
