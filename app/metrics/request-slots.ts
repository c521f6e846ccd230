// Every per-request figure of one thread in one flat Float64Array: request, announce,
// byte, limit and UDP error counts, the duration histogram's buckets, and the WebSocket
// tracker's figures, and the store lock's totals (copied in once a second, see
// lock-metrics.ts). The hot path only adds to slots picked by integer codes. With worker
// threads each worker's slots live in a SharedArrayBuffer the main thread keeps (a
// replacement worker goes on adding to the same one, so counters never go back) and the
// main registry sums them at scrape time; each slot has one writer, and aligned 8-byte
// stores are not torn on the platforms Node runs on.

import {
  EVENTS,
  LIMITS,
  type LimitKind,
  PROTOCOLS,
  type Protocol,
  REQUEST_KINDS,
  RESULTS,
  type RequestKind,
  type RequestObserver,
  type Result,
} from '../bittorrent/observer.ts';
import { UDP_ERRORS, UDP_REFUSED } from '../protocol/udp.ts';

/** Upper bounds in seconds of trakx_request_duration_seconds (see duration-histogram.ts). */
export const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25] as const;

/**
 * UDP error reasons get a slot each: the UDP server's fixed set first, in the same order in
 * every thread, then any other string in the order first seen. The cap only guards against a
 * future caller passing something unbounded (beyond it everything counts as `other`).
 */
const MAX_UDP_REASONS = 31;
const FIXED_REASONS: readonly string[] = [...Object.values(UDP_ERRORS), UDP_REFUSED];

export const WS_ACTIONS = ['announce', 'answer', 'scrape', 'invalid'] as const;
export const WS_RESULTS = ['ok', 'refused', 'invalid', 'no_peer'] as const;

const SERIES = PROTOCOLS.length * REQUEST_KINDS.length;
const BINS = DURATION_BUCKETS.length + 1;

// Offsets of each region, in slots.
const REQUESTS = 0;
const ANNOUNCES = REQUESTS + SERIES * RESULTS.length;
const RECEIVED = ANNOUNCES + EVENTS.length;
const SENT = RECEIVED + PROTOCOLS.length;
const LIMIT_HITS = SENT + PROTOCOLS.length;
const UDP_ERR = LIMIT_HITS + LIMITS.length;
const H_BUCKETS = UDP_ERR + MAX_UDP_REASONS + 1;
const H_SUMS = H_BUCKETS + SERIES * BINS;
const H_COUNTS = H_SUMS + SERIES;
const WS_CONNECTIONS = H_COUNTS + SERIES;
const WS_PEERS = WS_CONNECTIONS + 1;
const WS_MESSAGES = WS_PEERS + 1;
const LOCK = WS_MESSAGES + WS_ACTIONS.length * WS_RESULTS.length;
const SLOTS = LOCK + 4;

const WS_ACTION_INDEX: Record<string, number> = Object.fromEntries(WS_ACTIONS.map((a, i) => [a, i]));
const WS_RESULT_INDEX: Record<string, number> = Object.fromEntries(WS_RESULTS.map((r, i) => [r, i]));

/** A store lock's totals since the thread took it up (swarm/shared/store-lock.ts). */
export interface LockFigures {
  acquires: number;
  contended: number;
  waitNs: number;
  heldNs: number;
}

/** Bytes of one thread's slots (the size of a worker's SharedArrayBuffer). */
export const REQUEST_SLOTS_BYTES = SLOTS * 8;

export class RequestSlots implements RequestObserver {
  readonly all: Float64Array;
  /** Index: (protocol * REQUEST_KINDS.length + action) * RESULTS.length + result. */
  readonly requests: Float64Array;
  /** Index: AnnounceEvent code (EVENTS). */
  readonly announces: Float64Array;
  readonly received: Float64Array;
  readonly sent: Float64Array;
  /** Index: LimitKind (LIMITS). */
  readonly limits: Float64Array;
  /** Index: reasonNames' index; 0 is `other`. */
  readonly udpErrors: Float64Array;
  /** Per series (protocol * REQUEST_KINDS.length + action): one count per bucket plus +Inf. */
  readonly buckets: Float64Array;
  readonly sums: Float64Array;
  readonly counts: Float64Array;
  /** Index: WS_ACTIONS index * WS_RESULTS.length + WS_RESULTS index. */
  readonly wsMessages: Float64Array;
  /** The shared store lock as seen by this thread: acquires, contended, wait ns, held ns. */
  readonly lock: Float64Array;
  /** A predecessor's lock totals in these slots, so a replacement's counters go on from them. */
  private readonly lockBase: Float64Array;
  readonly reasonNames: string[] = ['other'];
  private readonly reasons = new Map<string, number>();
  private readonly bounds = Float64Array.from(DURATION_BUCKETS);
  private wsPeerCount: () => number = () => 0;

  /** `histogram`: time each request (one clock read); `buffer`: a worker's shared slots. */
  constructor(
    readonly histogram: boolean,
    buffer: ArrayBufferLike = new ArrayBuffer(REQUEST_SLOTS_BYTES),
  ) {
    const all = new Float64Array(buffer, 0, SLOTS);
    this.all = all;
    this.requests = all.subarray(REQUESTS, ANNOUNCES);
    this.announces = all.subarray(ANNOUNCES, RECEIVED);
    this.received = all.subarray(RECEIVED, SENT);
    this.sent = all.subarray(SENT, LIMIT_HITS);
    this.limits = all.subarray(LIMIT_HITS, UDP_ERR);
    this.udpErrors = all.subarray(UDP_ERR, H_BUCKETS);
    this.buckets = all.subarray(H_BUCKETS, H_SUMS);
    this.sums = all.subarray(H_SUMS, H_COUNTS);
    this.counts = all.subarray(H_COUNTS, WS_CONNECTIONS);
    this.wsMessages = all.subarray(WS_MESSAGES, LOCK);
    this.lock = all.subarray(LOCK, SLOTS);
    this.lockBase = this.lock.slice();
    for (const reason of FIXED_REASONS) this.reasonIndex(reason);
  }

  request(protocol: Protocol, action: RequestKind, result: Result, start: number): void {
    const series = protocol * REQUEST_KINDS.length + action;
    this.requests[series * RESULTS.length + result]++;
    if (!this.histogram) return;
    const seconds = (performance.now() - start) / 1000;
    const bounds = this.bounds;
    const n = bounds.length;
    let b = 0;
    while (b < n && seconds > bounds[b]) b++;
    this.buckets[series * BINS + b]++;
    this.sums[series] += seconds;
    this.counts[series]++;
  }

  announce(event: number): void {
    if (event >= 0 && event < EVENTS.length) this.announces[event]++;
  }

  udpError(reason: string): void {
    this.udpErrors[this.reasonIndex(reason)]++;
  }

  bytes(protocol: Protocol, received: number, sent: number): void {
    this.received[protocol] += received;
    this.sent[protocol] += sent;
  }

  limitHit(kind: LimitKind): void {
    this.limits[kind]++;
  }

  /** WebSocket: open connections now. */
  connectionsNow(open: number): void {
    this.all[WS_CONNECTIONS] = open;
  }

  /** WebSocket: one message by action and result (WS_ACTIONS, WS_RESULTS). */
  message(action: string, result: string): void {
    const a = WS_ACTION_INDEX[action];
    const r = WS_RESULT_INDEX[result];
    if (a !== undefined && r !== undefined) this.wsMessages[a * WS_RESULTS.length + r]++;
  }

  /** WebSocket: where the peer count is read from (refreshPeers copies it into its slot). */
  peersFrom(count: () => number): void {
    this.wsPeerCount = count;
  }

  refreshPeers(): void {
    this.all[WS_PEERS] = this.wsPeerCount();
  }

  /** This thread's store lock totals (its lock counts them; this copies them for the main thread). */
  lockFrom(s: LockFigures): void {
    const l = this.lock;
    const b = this.lockBase;
    l[0] = b[0] + s.acquires;
    l[1] = b[1] + s.contended;
    l[2] = b[2] + s.waitNs;
    l[3] = b[3] + s.heldNs;
  }

  get wsConnections(): number {
    return this.all[WS_CONNECTIONS];
  }

  get wsPeers(): number {
    return this.all[WS_PEERS];
  }

  /** Sum of request counts over every protocol and result for one action (-1 = all). */
  total(action: number, result = -1): number {
    let sum = 0;
    for (let p = 0; p < PROTOCOLS.length; p++) {
      for (let a = 0; a < REQUEST_KINDS.length; a++) {
        if (action >= 0 && a !== action) continue;
        for (let r = 0; r < RESULTS.length; r++) {
          if (result >= 0 && r !== result) continue;
          sum += this.requests[(p * REQUEST_KINDS.length + a) * RESULTS.length + r];
        }
      }
    }
    return sum;
  }

  /** Make these slots the sum of `parts` (at scrape time, over every worker's slots). */
  sumOf(parts: readonly RequestSlots[]): this {
    const all = this.all;
    all.fill(0);
    for (const part of parts) {
      const src = part.all;
      for (let i = 0; i < SLOTS; i++) all[i] += src[i];
    }
    return this;
  }

  private reasonIndex(reason: string): number {
    const i = this.reasons.get(reason);
    if (i !== undefined) return i;
    if (this.reasonNames.length > MAX_UDP_REASONS) return 0;
    this.reasons.set(reason, this.reasonNames.length);
    // Once per distinct reason: 'bad connection id' → bad_connection_id.
    this.reasonNames.push(reason.toLowerCase().replace(/[^a-z0-9]+/g, '_'));
    return this.reasonNames.length - 1;
  }
}
