// The UDP load generator (BEP 15), run as its own process pinned to its own CPU:
//   node udp-load.js <job.json>
// It connects, then keeps many announces/scrapes in flight (closed loop, a fixed window
// of outstanding requests) or sends at a fixed rate (open loop, for latency and CPU at a
// known load). Every reply is matched to its request by transaction id and checked; lost
// replies are counted as timeouts. Each phase is bounded in count and in time, and prints
// one JSON line on stdout. The tracker's CPU time and RSS are read from /proc around each
// measured interval, so they do not depend on how fast this process is.

import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseAddress } from '../app/protocol/address.ts';
import { loadUdpBatch, type UdpBatchBinding, udpBatchMissing } from '../app/runtime/udp-batch.ts';
import { isSeeder, makeInfohashes, type PoolSpec, portOf, torrentOf, writePeerId } from './pool.ts';
import { cpuMs, rssKiB } from './proc.ts';
import {
  ACTION_ANNOUNCE,
  ACTION_CONNECT,
  ACTION_ERROR,
  ACTION_SCRAPE,
  ANNOUNCE_LEN,
  announceReplyOk,
  CONNECT_LEN,
  EVENT_COMPLETED,
  EVENT_NONE,
  EVENT_STARTED,
  EVENT_STOPPED,
  MAX_SCRAPE_HASHES,
  scrapeReplyOk,
  writeAnnounceBody,
  writeConnect,
  writeHeader,
} from './udp-wire.ts';

export interface PreloadPhase {
  kind: 'preload';
  name: string;
  /** Give up (and report) after this long. */
  maxSeconds: number;
}
export interface SaturatePhase {
  kind: 'saturate';
  name: string;
  warmupSeconds: number;
  seconds: number;
  /** Share of requests that are multi-hash scrapes instead of announces. */
  scrapeShare: number;
  scrapeHashes: number;
}
export interface RatePhase {
  kind: 'rate';
  name: string;
  rate: number;
  warmupSeconds: number;
  seconds: number;
  scrapeShare: number;
  scrapeHashes: number;
}
export interface VerifyPhase {
  kind: 'verify';
  name: string;
  /** Torrents to scrape (random sample of the pool). */
  sample: number;
}
export interface SoakPhase {
  kind: 'soak';
  name: string;
  rate: number;
  seconds: number;
  /** Peers announcing at any moment (a window sliding over the pool). */
  activePeers: number;
  /** How many peers leave (and as many join) per second. */
  advancePerSecond: number;
  /** Share of leaving peers that send `stopped`; the rest just go silent and expire. */
  stopShare: number;
  sampleSeconds: number;
}
export type PhaseSpec = PreloadPhase | SaturatePhase | RatePhase | VerifyPhase | SoakPhase;

export interface LoadJob {
  host: string;
  port: number;
  /** Several instances of one tracker: socket i talks to ports[i % length] instead of `port`. */
  ports?: number[];
  /** Tracker process whose CPU and RSS are sampled (0: none). */
  trackerPid: number;
  /** More processes whose CPU is read around each measured interval (cpuMsByPid). */
  cpuPids?: number[];
  pool: PoolSpec;
  /** Requests in flight in closed-loop phases. */
  window: number;
  /** Open-loop phases (latency, soak): a reply later than this is lost. */
  timeoutMs: number;
  /**
   * Closed-loop phases (preload, saturate, verify): a longer wait, so a tracker that is
   * merely slow for a moment is not flooded with re-sends.
   */
  closedTimeoutMs: number;
  numwant: number;
  sockets: number;
  /**
   * dist/udp-batch.node: the generator's sockets read replies many per system call and
   * send without node:dgram's per-datagram work, so one generator core keeps up with a
   * tracker that uses it too. Absent: node:dgram.
   */
  batchModule?: string;
  /**
   * Every pool peer was announced by an earlier generator (its preload): re-announces go on
   * as they would after this generator's own preload instead of starting with `started`.
   */
  preloaded?: boolean;
  /** Connection ids are renewed this often (and on an error reply). */
  reconnectSeconds: number;
  phases: PhaseSpec[];
}

export interface LatencyStats {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface PhaseResult {
  name: string;
  kind: PhaseSpec['kind'];
  seconds: number;
  sent: number;
  replies: number;
  announceReplies: number;
  scrapeReplies: number;
  connectReplies: number;
  /** BEP 15 error replies (action 3). */
  errors: number;
  firstError: string;
  /** Replies that fail the shape check. */
  invalid: number;
  /** Requests whose reply never came within the phase's timeout. */
  lost: number;
  /** Replies to requests already counted lost. */
  late: number;
  /** Open loop: sends skipped because every slot was busy (the generator fell behind). */
  skipped: number;
  repliesWithPeers: number;
  peersReturned: number;
  /** Peers in sampled replies that were not 127.0.0.1 on a pool port. */
  foreignPeers: number;
  /** Replies per second over the measured interval. */
  rate: number;
  trackerCpuMs: number;
  trackerCpuPct: number;
  /** CPU milliseconds of each of the job's cpuPids over the measured interval. */
  cpuMsByPid?: number[];
  /** Replies per socket (so per instance, with `ports`) over the measured interval. */
  repliesBySocket?: number[];
  /** Tracker CPU milliseconds per 1,000 replies. */
  cpuMsPer1k: number;
  generatorCpuPct: number;
  rssKiB: number;
  latencyMs?: LatencyStats;
  verify?: { sampled: number; held: number };
  rssSamples?: { t: number; rssKiB: number }[];
}

const SLOT_BYTES = 16 + 20 * MAX_SCRAPE_HASHES;
const SLOT_BITS = 13;
const SLOT_MASK = (1 << SLOT_BITS) - 1;

const K_FREE = 0;
const K_CONNECT = 1;
const K_ANNOUNCE = 2;
const K_SCRAPE = 3;
const K_VERIFY = 4;

// Per-peer state bits.
const S_ACTIVE = 1;
const S_SEEDER = 2;

type Mode = 'idle' | 'closed' | 'open';

class Generator {
  private readonly hashes: Buffer;
  private readonly sockets: GenSocket[] = [];
  private readonly connIds: Buffer[] = [];
  private readonly connAt: number[] = [];
  private readonly connPending: boolean[] = [];
  private readonly slots: number;
  private readonly buf: Buffer[] = [];
  private readonly kind: Uint8Array;
  private readonly tid: Uint32Array;
  private readonly sentAt: Float64Array;
  private readonly slotPeer: Int32Array;
  private readonly slotHashes: Uint8Array;
  private readonly free: Int32Array;
  private freeTop = 0;
  private inflight = 0;
  private gen = 1;
  private readonly peerState: Uint8Array;
  private readonly bySocket: Float64Array;

  private mode: Mode = 'idle';
  private chooser: (slot: number) => boolean = () => false;
  private onLost: ((peer: number) => void) | null = null;
  private measuring = false;
  private r: PhaseResult = emptyResult('', 'preload');
  private lat: Float64Array = new Float64Array(0);
  private latN = 0;
  private verifyHeld = 0;
  private verifySampled = 0;
  private samplePeers = 0;
  private timeout: number;

  constructor(private readonly job: LoadJob) {
    this.hashes = makeInfohashes(job.pool.torrents);
    this.timeout = job.closedTimeoutMs;
    // Open-loop phases may need up to rate × timeout slots; closed loops use `window`.
    this.slots = SLOT_MASK + 1;
    this.kind = new Uint8Array(this.slots);
    this.tid = new Uint32Array(this.slots);
    this.sentAt = new Float64Array(this.slots);
    this.slotPeer = new Int32Array(this.slots);
    this.slotHashes = new Uint8Array(this.slots);
    this.free = new Int32Array(this.slots);
    for (let i = 0; i < this.slots; i++) {
      this.buf.push(Buffer.alloc(SLOT_BYTES));
      this.free[this.freeTop++] = this.slots - 1 - i;
    }
    this.peerState = new Uint8Array(job.pool.peers);
    this.bySocket = new Float64Array(job.sockets);
    if (job.preloaded) {
      for (let p = 0; p < job.pool.peers; p++)
        this.peerState[p] = S_ACTIVE | (isSeeder(job.pool, p) ? S_SEEDER : 0);
    }
  }

  async open(): Promise<void> {
    const io = this.job.batchModule === undefined ? null : loadUdpBatch(this.job.batchModule);
    if (this.job.batchModule !== undefined && io === null) throw new Error(udpBatchMissing());
    for (let i = 0; i < this.job.sockets; i++) {
      const port = this.job.ports ? this.job.ports[i % this.job.ports.length] : this.job.port;
      const onMessage = (msg: Buffer): void => this.onMessage(msg, i);
      const s =
        io === null
          ? await dgramSocket(this.job.host, port, onMessage)
          : batchSocket(io, this.job.host, port, onMessage);
      this.sockets.push(s);
      this.connIds.push(Buffer.alloc(8));
      this.connAt.push(0);
      this.connPending.push(false);
    }
    await this.handshake();
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }

  /** Connect every socket (retrying) before load starts. */
  private async handshake(): Promise<void> {
    const deadline = performance.now() + 10_000;
    while (this.connAt.some((t) => t === 0)) {
      if (performance.now() > deadline) throw new Error('no connect reply from the tracker');
      for (let i = 0; i < this.sockets.length; i++) {
        if (this.connAt[i] !== 0) continue;
        const slot = this.take();
        if (slot < 0) break;
        this.sendConnect(slot, i);
      }
      await sleep(100);
      this.expire(performance.now(), 100);
    }
  }

  private take(): number {
    return this.freeTop > 0 ? this.free[--this.freeTop] : -1;
  }

  private release(slot: number): void {
    this.kind[slot] = K_FREE;
    this.free[this.freeTop++] = slot;
    this.inflight--;
  }

  private nextTid(slot: number): number {
    this.gen = (this.gen + 1) & 0x7ffff || 1;
    return ((this.gen << SLOT_BITS) | slot) >>> 0;
  }

  private send(slot: number, socketIndex: number, len: number, kind: number): void {
    this.kind[slot] = kind;
    this.sentAt[slot] = performance.now();
    this.inflight++;
    if (kind !== K_CONNECT) this.r.sent++;
    this.sockets[socketIndex].send(this.buf[slot], len);
  }

  private sendConnect(slot: number, socketIndex: number): void {
    const t = this.nextTid(slot);
    this.tid[slot] = t;
    this.connPending[socketIndex] = true;
    this.send(slot, socketIndex, writeConnect(this.buf[slot], t), K_CONNECT);
  }

  /** Sends an announce for `peer`, choosing its event from its state. */
  sendAnnounce(slot: number, peer: number, forceEvent = -1): void {
    const si = slot % this.sockets.length;
    const pool = this.job.pool;
    const b = this.buf[slot];
    const t = this.nextTid(slot);
    this.tid[slot] = t;
    this.slotPeer[slot] = peer;
    let st = this.peerState[peer];
    let event = EVENT_NONE;
    if (forceEvent >= 0) {
      event = forceEvent;
      if (event === EVENT_STOPPED) st &= ~S_ACTIVE;
      else st = S_ACTIVE | (isSeeder(pool, peer) ? S_SEEDER : 0);
    } else if ((st & S_ACTIVE) === 0) {
      event = EVENT_STARTED;
      st = S_ACTIVE | (isSeeder(pool, peer) ? S_SEEDER : 0);
    } else {
      const x = Math.random();
      if (x < 0.01) {
        event = EVENT_STOPPED;
        st &= ~S_ACTIVE;
      } else if (x < 0.02 && (st & S_SEEDER) === 0) {
        event = EVENT_COMPLETED;
        st |= S_SEEDER;
      }
    }
    this.peerState[peer] = st;
    writeHeader(b, this.connIds[si], ACTION_ANNOUNCE, t);
    writePeerId(b, 36, peer);
    const left = (st & S_SEEDER) !== 0 ? 0 : 1_000_000;
    writeAnnounceBody(
      b,
      this.hashes,
      torrentOf(pool, peer),
      left,
      event,
      peer,
      this.job.numwant,
      portOf(pool, peer),
    );
    this.send(slot, si, ANNOUNCE_LEN, K_ANNOUNCE);
  }

  /**
   * Sends a scrape of `n` distinct torrents: `first`, `first + stride`, … (a random start
   * and stride when not given; distinct because n ≤ torrents / stride).
   */
  sendScrape(slot: number, n: number, kind: number, first = -1): void {
    const si = slot % this.sockets.length;
    const b = this.buf[slot];
    const t = this.nextTid(slot);
    this.tid[slot] = t;
    writeHeader(b, this.connIds[si], ACTION_SCRAPE, t);
    const torrents = this.job.pool.torrents;
    n = Math.min(n, torrents);
    const start = first >= 0 ? first : Math.floor(Math.random() * torrents);
    const stride = first >= 0 ? 1 : 1 + Math.floor(Math.random() * Math.max(1, Math.floor(torrents / n)));
    for (let i = 0; i < n; i++) {
      const tor = (start + i * stride) % torrents;
      this.hashes.copy(b, 16 + i * 20, tor * 20, tor * 20 + 20);
    }
    this.slotHashes[slot] = n;
    this.send(slot, si, 16 + 20 * n, kind);
  }

  /** Uses the slot for a connect when its socket's connection id is due for renewal. */
  private connectIfDue(slot: number): boolean {
    const si = slot % this.sockets.length;
    if (this.connPending[si]) return false;
    if (performance.now() - this.connAt[si] <= this.job.reconnectSeconds * 1000) return false;
    this.sendConnect(slot, si);
    return true;
  }

  private onMessage(msg: Buffer, si: number): void {
    const now = performance.now();
    if (msg.length < 8) {
      this.r.invalid++;
      return;
    }
    const t = msg.readUInt32BE(4);
    const slot = t & SLOT_MASK;
    const k = slot < this.slots ? this.kind[slot] : K_FREE;
    if (k === K_FREE || this.tid[slot] !== t) {
      this.r.late++;
      return;
    }
    const action = msg.readUInt32BE(0);
    const m = this.measuring;
    // Only well-formed answers to what was asked count as replies (and for latency).
    let good = false;
    if (action === ACTION_ERROR) {
      if (m) this.r.errors++;
      if (this.r.firstError === '') this.r.firstError = msg.toString('utf8', 8, Math.min(msg.length, 200));
      // A stale connection id is the usual cause: connect again before the next request.
      this.connAt[si] = 0;
      this.connPending[si] = false;
    } else if (k === K_CONNECT) {
      if (action !== ACTION_CONNECT || msg.length < CONNECT_LEN) {
        this.r.invalid++;
      } else {
        msg.copy(this.connIds[si], 0, 8, 16);
        this.connAt[si] = now;
        this.r.connectReplies++;
      }
      this.connPending[si] = false;
    } else if (k === K_ANNOUNCE) {
      if (action !== ACTION_ANNOUNCE || !announceReplyOk(msg)) {
        this.r.invalid++;
      } else {
        good = true;
        if (m) {
          this.r.announceReplies++;
          const peers = (msg.length - 20) / 6;
          if (peers > 0) {
            this.r.repliesWithPeers++;
            this.r.peersReturned += peers;
            // Decode a sample of peer lists in full: every peer must be one we announced.
            if ((this.samplePeers++ & 63) === 0) this.checkPeers(msg, peers);
          }
        }
      }
    } else {
      const n = this.slotHashes[slot];
      if (action !== ACTION_SCRAPE || !scrapeReplyOk(msg, n)) {
        this.r.invalid++;
      } else {
        good = true;
        if (k === K_VERIFY) {
          for (let i = 0; i < n; i++) {
            const o = 8 + i * 12;
            this.verifySampled++;
            if (msg.readUInt32BE(o) + msg.readUInt32BE(o + 8) > 0) this.verifyHeld++;
          }
        } else if (m) {
          this.r.scrapeReplies++;
        }
      }
    }
    if (m && good) {
      this.r.replies++;
      this.bySocket[si]++;
      if (this.latN < this.lat.length) this.lat[this.latN++] = now - this.sentAt[slot];
    }
    this.release(slot);
    if (this.mode === 'closed') this.refill();
  }

  private checkPeers(msg: Buffer, peers: number): void {
    for (let i = 0; i < peers; i++) {
      const o = 20 + i * 6;
      const port = msg.readUInt16BE(o + 4);
      if (msg.readUInt32BE(o) !== 0x7f000001 || port < 1024 || port >= 65024) this.r.foreignPeers++;
    }
  }

  private refill(): void {
    let slot = this.inflight < this.job.window ? this.take() : -1;
    while (slot >= 0) {
      if (!this.connectIfDue(slot) && !this.chooser(slot)) {
        this.free[this.freeTop++] = slot;
        return;
      }
      slot = this.inflight < this.job.window ? this.take() : -1;
    }
  }

  /** Requests older than timeoutMs are lost: count them and free their slots. */
  private expire(now: number, timeoutMs: number): void {
    for (let s = 0; s < this.slots; s++) {
      const k = this.kind[s];
      if (k === K_FREE || now - this.sentAt[s] < timeoutMs) continue;
      if (k === K_CONNECT) this.connPending[s % this.sockets.length] = false;
      else if (this.measuring) this.r.lost++;
      if (k === K_ANNOUNCE && this.onLost) this.onLost(this.slotPeer[s]);
      this.release(s);
    }
  }

  private startTimers(): NodeJS.Timeout {
    return setInterval(() => {
      this.expire(performance.now(), this.timeout);
      if (this.mode === 'closed') this.refill();
    }, 20);
  }

  private begin(name: string, kind: PhaseSpec['kind'], latencyCapacity: number): void {
    this.timeout = kind === 'rate' || kind === 'soak' ? this.job.timeoutMs : this.job.closedTimeoutMs;
    this.r = emptyResult(name, kind);
    this.lat = new Float64Array(latencyCapacity);
    this.latN = 0;
  }

  /** Waits for in-flight requests to finish (or time out). */
  private async drain(): Promise<void> {
    this.mode = 'idle';
    const deadline = performance.now() + this.timeout + 100;
    while (this.inflight > 0 && performance.now() < deadline) await sleep(10);
    this.expire(Number.POSITIVE_INFINITY, 0);
  }

  private async measureWindow(body: () => Promise<void>): Promise<void> {
    const pid = this.job.trackerPid;
    const c0 = pid ? cpuMs(pid) : Number.NaN;
    const others = this.job.cpuPids ?? [];
    const o0 = others.map(cpuMs);
    const g0 = process.cpuUsage();
    this.bySocket.fill(0);
    const t0 = performance.now();
    this.measuring = true;
    await body();
    this.measuring = false;
    const dt = (performance.now() - t0) / 1000;
    const c1 = pid ? cpuMs(pid) : Number.NaN;
    if (others.length > 0) this.r.cpuMsByPid = others.map((p, i) => cpuMs(p) - o0[i]);
    this.r.repliesBySocket = Array.from(this.bySocket);
    const g1 = process.cpuUsage(g0);
    const r = this.r;
    r.seconds = dt;
    r.rate = r.replies / dt;
    r.trackerCpuMs = c1 - c0;
    r.trackerCpuPct = r.trackerCpuMs / 10 / dt;
    r.cpuMsPer1k = r.replies > 0 ? (r.trackerCpuMs * 1000) / r.replies : Number.NaN;
    r.generatorCpuPct = (g1.user + g1.system) / 1000 / 10 / dt;
  }

  async preload(p: PreloadPhase): Promise<PhaseResult> {
    const peers = this.job.pool.peers;
    this.begin(p.name, 'preload', 0);
    let next = 0;
    const retry: number[] = [];
    this.chooser = (slot) => {
      const peer = retry.length > 0 ? retry.pop()! : next < peers ? next++ : -1;
      if (peer < 0) return false;
      this.sendAnnounce(slot, peer, EVENT_STARTED);
      return true;
    };
    // Lost preload announces are sent again so every peer really is announced once.
    this.onLost = (peer) => retry.push(peer);
    const timer = this.startTimers();
    const r = this.r;
    await this.measureWindow(async () => {
      this.mode = 'closed';
      const deadline = performance.now() + p.maxSeconds * 1000;
      this.refill();
      while ((next < peers || retry.length > 0 || this.inflight > 0) && performance.now() < deadline) {
        await sleep(20);
      }
    });
    await this.drain();
    clearInterval(timer);
    this.onLost = null;
    r.rssKiB = this.job.trackerPid ? rssKiB(this.job.trackerPid) : Number.NaN;
    if (next < peers || retry.length > 0) r.firstError ||= `preload stopped after ${p.maxSeconds}s`;
    return r;
  }

  async saturate(p: SaturatePhase): Promise<PhaseResult> {
    const peers = this.job.pool.peers;
    this.chooser = (slot) => {
      if (p.scrapeShare > 0 && Math.random() < p.scrapeShare) this.sendScrape(slot, p.scrapeHashes, K_SCRAPE);
      else this.sendAnnounce(slot, Math.floor(Math.random() * peers));
      return true;
    };
    const timer = this.startTimers();
    this.begin(p.name, 'saturate', 0);
    this.mode = 'closed';
    this.refill();
    await sleep(p.warmupSeconds * 1000);
    this.begin(p.name, 'saturate', 0);
    const r = this.r;
    await this.measureWindow(() => sleep(p.seconds * 1000));
    await this.drain();
    clearInterval(timer);
    r.rssKiB = this.job.trackerPid ? rssKiB(this.job.trackerPid) : Number.NaN;
    return r;
  }

  /** Open loop: `rate` requests per second on a 1 ms tick, whatever the replies do. */
  private async paced(rate: number, seconds: number, send: (slot: number) => void): Promise<void> {
    const t0 = performance.now();
    let issued = 0;
    const end = t0 + seconds * 1000;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now();
        if (now >= end) {
          clearInterval(tick);
          resolve();
          return;
        }
        let due = Math.floor(((now - t0) / 1000) * rate) - issued;
        // After a stall, do not burst more than 50 ms worth of requests at once.
        const cap = Math.max(1, Math.ceil(rate / 20));
        if (due > cap) {
          this.r.skipped += due - cap;
          issued += due - cap;
          due = cap;
        }
        for (; due > 0; due--) {
          issued++;
          const slot = this.take();
          if (slot < 0) {
            this.r.skipped++;
            continue;
          }
          if (!this.connectIfDue(slot)) send(slot);
        }
      }, 1);
    });
  }

  async rate(p: RatePhase): Promise<PhaseResult> {
    const peers = this.job.pool.peers;
    const send = (slot: number): void => {
      if (p.scrapeShare > 0 && Math.random() < p.scrapeShare) this.sendScrape(slot, p.scrapeHashes, K_SCRAPE);
      else this.sendAnnounce(slot, Math.floor(Math.random() * peers));
    };
    const timer = this.startTimers();
    this.mode = 'open';
    this.begin(p.name, 'rate', 0);
    if (p.warmupSeconds > 0) await this.paced(p.rate, p.warmupSeconds, send);
    this.begin(p.name, 'rate', Math.ceil(p.rate * p.seconds * 1.1) + 1000);
    const r = this.r;
    await this.measureWindow(async () => {
      await this.paced(p.rate, p.seconds, send);
      // Replies to the last requests still count (and so do their losses).
      const deadline = performance.now() + this.timeout + 50;
      while (this.inflight > 0 && performance.now() < deadline) await sleep(5);
      this.expire(performance.now(), this.timeout);
    });
    await this.drain();
    clearInterval(timer);
    r.latencyMs = percentiles(this.lat.subarray(0, this.latN));
    r.rssKiB = this.job.trackerPid ? rssKiB(this.job.trackerPid) : Number.NaN;
    return r;
  }

  async verify(p: VerifyPhase): Promise<PhaseResult> {
    const torrents = this.job.pool.torrents;
    const sample = Math.min(p.sample, torrents);
    const per = Math.min(MAX_SCRAPE_HASHES, 70);
    const stride = Math.max(1, Math.floor(torrents / sample));
    this.begin(p.name, 'verify', 0);
    this.verifyHeld = 0;
    this.verifySampled = 0;
    let done = 0;
    // Consecutive runs of `per` torrents starting at evenly spread offsets of the pool.
    this.chooser = (slot) => {
      if (done >= sample) return false;
      const n = Math.min(per, sample - done);
      const first = Math.floor(done / per) * stride * per;
      this.sendScrape(slot, n, K_VERIFY, first % torrents);
      done += n;
      return true;
    };
    const timer = this.startTimers();
    const r = this.r;
    await this.measureWindow(async () => {
      this.mode = 'closed';
      this.refill();
      const deadline = performance.now() + 30_000;
      while ((done < sample || this.inflight > 0) && performance.now() < deadline) await sleep(10);
    });
    await this.drain();
    clearInterval(timer);
    r.verify = { sampled: this.verifySampled, held: this.verifyHeld };
    r.rssKiB = this.job.trackerPid ? rssKiB(this.job.trackerPid) : Number.NaN;
    return r;
  }

  /**
   * Churn: a window of `activePeers` slides over the pool at `advancePerSecond`; peers
   * in the window re-announce at random, peers leaving it either send `stopped` or go
   * silent (and must be expired by the tracker). RSS is sampled along the way.
   */
  async soak(p: SoakPhase): Promise<PhaseResult> {
    const peers = this.job.pool.peers;
    const t0 = performance.now();
    let departed = 0;
    const send = (slot: number): void => {
      const elapsed = (performance.now() - t0) / 1000;
      const base = Math.min(Math.floor(elapsed * p.advancePerSecond), peers - p.activePeers);
      while (departed < base) {
        const leaving = departed++;
        if ((this.peerState[leaving] & S_ACTIVE) !== 0 && Math.random() < p.stopShare) {
          this.sendAnnounce(slot, leaving, EVENT_STOPPED);
          return;
        }
      }
      const peer = base + Math.floor(Math.random() * p.activePeers);
      // No random stops here: leaving the window is how peers go away.
      if ((this.peerState[peer] & S_ACTIVE) === 0) this.sendAnnounce(slot, peer, EVENT_STARTED);
      else this.sendAnnounce(slot, peer, EVENT_NONE);
    };
    const samples: { t: number; rssKiB: number }[] = [];
    const pid = this.job.trackerPid;
    const sampler = setInterval(() => {
      samples.push({
        t: Math.round((performance.now() - t0) / 100) / 10,
        rssKiB: pid ? rssKiB(pid) : Number.NaN,
      });
    }, p.sampleSeconds * 1000);
    const timer = this.startTimers();
    this.mode = 'open';
    this.begin(p.name, 'soak', Math.ceil(p.rate * p.seconds * 1.1) + 1000);
    const r = this.r;
    await this.measureWindow(() => this.paced(p.rate, p.seconds, send));
    clearInterval(sampler);
    await this.drain();
    clearInterval(timer);
    r.latencyMs = percentiles(this.lat.subarray(0, this.latN));
    r.rssSamples = samples;
    r.rssKiB = pid ? rssKiB(pid) : Number.NaN;
    return r;
  }
}

function emptyResult(name: string, kind: PhaseSpec['kind']): PhaseResult {
  return {
    name,
    kind,
    seconds: 0,
    sent: 0,
    replies: 0,
    announceReplies: 0,
    scrapeReplies: 0,
    connectReplies: 0,
    errors: 0,
    firstError: '',
    invalid: 0,
    lost: 0,
    late: 0,
    skipped: 0,
    repliesWithPeers: 0,
    peersReturned: 0,
    foreignPeers: 0,
    rate: 0,
    trackerCpuMs: Number.NaN,
    trackerCpuPct: Number.NaN,
    cpuMsPer1k: Number.NaN,
    generatorCpuPct: Number.NaN,
    rssKiB: Number.NaN,
  };
}

function percentiles(values: Float64Array): LatencyStats {
  const v = Float64Array.from(values).sort();
  const at = (q: number): number =>
    v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))] : Number.NaN;
  return {
    count: v.length,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: v.length ? v[v.length - 1] : Number.NaN,
  };
}

/** One source port of the generator, connected to one tracker port. */
interface GenSocket {
  send(buf: Buffer, len: number): void;
  close(): void;
}

async function dgramSocket(host: string, port: number, onMessage: (msg: Buffer) => void): Promise<GenSocket> {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 23, sendBufferSize: 1 << 23 });
  s.on('message', onMessage);
  // ECONNREFUSED and friends on a connected socket: the request is simply lost.
  s.on('error', () => {});
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => s.connect(port, host, resolve));
  return { send: (buf, len) => s.send(buf, 0, len), close: () => s.close() };
}

/** The same on the batch module: replies read many per call; each request one sendto. */
function batchSocket(
  io: UdpBatchBinding,
  host: string,
  port: number,
  onMessage: (msg: Buffer) => void,
): GenSocket {
  const to = new Uint8Array(4);
  if (parseAddress(host, to) !== 4) throw new Error(`batch generator: ${host} is not an IPv4 address`);
  const h = io.open(false, Uint8Array.of(127, 0, 0, 1), 0, false, 1 << 23, 1 << 23);
  const rbuf = Buffer.allocUnsafeSlow(io.BATCH * io.RSTRIDE);
  const rmeta = Buffer.alloc(io.BATCH * io.META);
  const lens = new Uint32Array(rmeta.buffer, rmeta.byteOffset, rmeta.length >> 2);
  const words = io.META >> 2;
  io.start(h, rbuf, rmeta, Buffer.alloc(io.BATCH * io.SSLOT), Buffer.alloc(io.BATCH * io.META), (n) => {
    for (let i = 0; i < n; i++) {
      const at = i * io.RSTRIDE;
      onMessage(rbuf.subarray(at, at + lens[i * words]));
    }
  });
  return { send: (buf, len) => io.sendTo(h, buf, len, 4, to, port), close: () => io.close(h) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadJob;
  const g = new Generator(job);
  await g.open();
  for (const phase of job.phases) {
    let r: PhaseResult;
    switch (phase.kind) {
      case 'preload':
        r = await g.preload(phase);
        break;
      case 'saturate':
        r = await g.saturate(phase);
        break;
      case 'rate':
        r = await g.rate(phase);
        break;
      case 'verify':
        r = await g.verify(phase);
        break;
      case 'soak':
        r = await g.soak(phase);
        break;
    }
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
  g.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`udp-load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
