// The RequestObserver the servers call on every request. The hot path only adds to
// slots of typed arrays picked by the observer's integer codes: no label objects, no
// strings, no lookups. prom-client Counters copy the slots when Prometheus scrapes
// (their collect() callbacks), and /stats reads the same slots, so both stay cumulative
// and consistent with each other.

import { Counter, type Registry } from 'prom-client';
import {
  EVENTS,
  hasAction,
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
import type { DurationHistogram } from './duration-histogram.ts';

/**
 * UDP error reasons get a label value each: the UDP server's fixed set up front, then any
 * other string in the order first seen. The cap only guards against a future caller
 * passing something unbounded (anything beyond it is counted as `other`).
 */
const MAX_UDP_REASONS = 31;

type Labels = Record<string, string>;

/** One exposed series: its labels and the slot that holds its value. */
interface Series {
  slot: number;
  labels: Labels;
}

/** One series per value of one label, slot = index of the value. */
function oneLabel(name: string, values: readonly string[]): Series[] {
  return values.map((v, slot) => ({ slot, labels: { [name]: v } }));
}

/**
 * trakx_requests_total's series: every (protocol, action, result) that can occur, so
 * rates and ratios never lack a series, and none that cannot (an HTTP connect).
 */
export function requestSeries(): Series[] {
  const out: Series[] = [];
  for (let p = 0; p < PROTOCOLS.length; p++) {
    for (let a = 0; a < REQUEST_KINDS.length; a++) {
      if (!hasAction(p as Protocol, a as RequestKind)) continue;
      for (let r = 0; r < RESULTS.length; r++) {
        const labels = { protocol: PROTOCOLS[p], action: REQUEST_KINDS[a], result: RESULTS[r] };
        out.push({ slot: (p * REQUEST_KINDS.length + a) * RESULTS.length + r, labels });
      }
    }
  }
  return out;
}

/** A counter whose label sets are fixed up front and whose values live in `slots`. */
function slotCounter(
  registry: Registry,
  name: string,
  help: string,
  series: readonly Series[],
  slots: () => Float64Array,
): void {
  const labelNames = Object.keys(series[0]?.labels ?? {});
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      const values = slots();
      this.reset();
      for (const s of series) this.inc(s.labels, values[s.slot]);
    },
  });
}

export class RequestMetrics implements RequestObserver {
  /** Index: (protocol * REQUEST_KINDS.length + action) * RESULTS.length + result. */
  readonly requests = new Float64Array(PROTOCOLS.length * REQUEST_KINDS.length * RESULTS.length);
  /** Index: AnnounceEvent code (EVENTS). */
  readonly announces = new Float64Array(EVENTS.length);
  readonly received = new Float64Array(PROTOCOLS.length);
  readonly sent = new Float64Array(PROTOCOLS.length);
  /** Index: LimitKind (LIMITS). */
  readonly limits = new Float64Array(LIMITS.length);
  private readonly udpReasons = new Map<string, number>();
  private readonly udpReasonNames: string[] = ['other'];
  private readonly udpErrors = new Float64Array(MAX_UDP_REASONS + 1);

  constructor(
    registry: Registry,
    private readonly histogram: DurationHistogram | null,
  ) {
    slotCounter(
      registry,
      'trakx_requests_total',
      'Tracker requests answered, by protocol, action and result (client_error: a failure reason or error packet sent to the client; server_error: an internal error).',
      requestSeries(),
      () => this.requests,
    );
    slotCounter(
      registry,
      'trakx_announces_total',
      'Valid announces by event (none is a regular re-announce).',
      oneLabel('event', EVENTS),
      () => this.announces,
    );
    slotCounter(
      registry,
      'trakx_received_bytes_total',
      'Request payload bytes received (HTTP: the request target; UDP: the datagram).',
      oneLabel('protocol', PROTOCOLS),
      () => this.received,
    );
    slotCounter(
      registry,
      'trakx_sent_bytes_total',
      'Reply payload bytes sent (HTTP: the body; UDP: the datagram).',
      oneLabel('protocol', PROTOCOLS),
      () => this.sent,
    );
    slotCounter(
      registry,
      'trakx_limit_hits_total',
      'Requests or connections refused or trimmed by an abuse limit, by limit.',
      oneLabel('limit', LIMITS),
      () => this.limits,
    );
    // The UDP server's reasons get their series at 0 from the start, like every other
    // label; `other` only once something was counted there, as no UDP server reason is.
    for (const reason of [...Object.values(UDP_ERRORS), UDP_REFUSED]) this.reasonIndex(reason);
    const reasons = this.udpReasonNames;
    const errors = this.udpErrors;
    new Counter({
      name: 'trakx_udp_errors_total',
      help: 'UDP error packets sent, by reason (`other` collects reasons beyond the first 31 seen).',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (let i = errors[0] === 0 ? 1 : 0; i < reasons.length; i++)
          this.inc({ reason: reasons[i] }, errors[i]);
      },
    });
  }

  request(protocol: Protocol, action: RequestKind, result: Result, start: number): void {
    const series = protocol * REQUEST_KINDS.length + action;
    this.requests[series * RESULTS.length + result]++;
    if (this.histogram !== null) this.histogram.observe(series, (performance.now() - start) / 1000);
  }

  announce(event: number): void {
    if (event >= 0 && event < EVENTS.length) this.announces[event]++;
  }

  udpError(reason: string): void {
    this.udpErrors[this.reasonIndex(reason)]++;
  }

  private reasonIndex(reason: string): number {
    const i = this.udpReasons.get(reason);
    if (i !== undefined) return i;
    if (this.udpReasonNames.length > MAX_UDP_REASONS) return 0;
    this.udpReasons.set(reason, this.udpReasonNames.length);
    // Once per distinct reason: 'bad connection id' → bad_connection_id.
    this.udpReasonNames.push(reason.toLowerCase().replace(/[^a-z0-9]+/g, '_'));
    return this.udpReasonNames.length - 1;
  }

  bytes(protocol: Protocol, received: number, sent: number): void {
    this.received[protocol] += received;
    this.sent[protocol] += sent;
  }

  limitHit(kind: LimitKind): void {
    this.limits[kind]++;
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
}
